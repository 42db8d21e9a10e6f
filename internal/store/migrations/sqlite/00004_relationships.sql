-- +goose Up
-- customer_relationships links two customers with a typed relationship,
-- stored once in one direction; each type names its inverse, so both
-- customers show it (parent of / child of).
CREATE TABLE customer_relationships (
    id             INTEGER PRIMARY KEY,
    from_customer  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    to_customer    INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT '',
    created_by     INTEGER REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    CHECK (from_customer <> to_customer)
);
CREATE UNIQUE INDEX customer_relationships_pair ON customer_relationships (from_customer, to_customer, kind);
CREATE INDEX customer_relationships_to ON customer_relationships (to_customer);

-- +goose Down
DROP TABLE customer_relationships;
