-- +goose Up
-- segments are groups of customers described by rules (kept as JSON and
-- evaluated in the database when used); a static segment is a snapshot
-- whose members are listed in segment_members.
CREATE TABLE segments (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    rules         TEXT NOT NULL,
    static        BOOLEAN NOT NULL DEFAULT FALSE,
    member_count  INTEGER NOT NULL DEFAULT 0,
    counted_at    TIMESTAMP,
    created_by    INTEGER REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE segment_members (
    segment_id   INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (segment_id, customer_id)
);
CREATE INDEX segment_members_customer ON segment_members (customer_id);

-- Indexes the segment conditions lean on.
CREATE INDEX customers_last_order ON customers (last_order_at);
CREATE INDEX customers_order_count ON customers (order_count);
CREATE INDEX customer_addresses_country ON customer_addresses (country, customer_id);

-- +goose Down
DROP INDEX customer_addresses_country;
DROP INDEX customers_order_count;
DROP INDEX customers_last_order;
DROP TABLE segment_members;
DROP TABLE segments;
