-- +goose Up
-- customer_lists are static lists: customers put on a list by hand (a trade
-- fair's visitors, a call list), shared by everyone who may see them.
CREATE TABLE customer_lists (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE customer_list_members (
    list_id      INTEGER NOT NULL REFERENCES customer_lists (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    added_by     INTEGER REFERENCES users (id),
    added_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (list_id, customer_id)
);
CREATE INDEX customer_list_members_customer ON customer_list_members (customer_id);

-- Preferences: what the customer likes and when they want to be reached.
ALTER TABLE customers ADD COLUMN preferred_categories TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN preferred_brands TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN contact_times TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE customers DROP COLUMN contact_times;
ALTER TABLE customers DROP COLUMN preferred_brands;
ALTER TABLE customers DROP COLUMN preferred_categories;
DROP TABLE customer_list_members;
DROP TABLE customer_lists;
