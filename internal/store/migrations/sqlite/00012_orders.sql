-- +goose Up
-- products: the catalogue. Prices are in ten-thousandths of the currency
-- unit, so that prices such as 0.001 are exact.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    price       INTEGER NOT NULL DEFAULT 0,
    currency    TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- product_stock is the stock on hand per location, kept in step with the
-- inventory system.
CREATE TABLE product_stock (
    product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    location    TEXT NOT NULL,
    on_hand     INTEGER NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (product_id, location)
);

-- orders are purchases (and returns: negative quantities) of a customer.
-- Amounts are in ten-thousandths of the currency unit.
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    external_id  TEXT,
    ordered_at   TIMESTAMP NOT NULL,
    currency     TEXT NOT NULL,
    total        INTEGER NOT NULL,
    line_count   INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('placed', 'returned')),
    source       TEXT NOT NULL,
    import_id    INTEGER,
    created_by   INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX orders_external ON orders (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX orders_customer ON orders (customer_id, ordered_at);

CREATE TABLE order_lines (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id   INTEGER REFERENCES products (id),
    sku          TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    quantity     INTEGER NOT NULL,
    unit_price   INTEGER NOT NULL,
    line_total   INTEGER NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id);
CREATE INDEX order_lines_product ON order_lines (product_id);

-- The purchase summary of each customer, kept current as orders arrive:
-- customer value (total spent) and tenure (first purchase).
ALTER TABLE customers ADD COLUMN order_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN total_spent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN first_order_at TIMESTAMP;
ALTER TABLE customers ADD COLUMN last_order_at TIMESTAMP;

ALTER TABLE imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'customers';

-- +goose Down
ALTER TABLE imports DROP COLUMN kind;
ALTER TABLE customers DROP COLUMN last_order_at;
ALTER TABLE customers DROP COLUMN first_order_at;
ALTER TABLE customers DROP COLUMN total_spent;
ALTER TABLE customers DROP COLUMN order_count;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE product_stock;
DROP TABLE products;
