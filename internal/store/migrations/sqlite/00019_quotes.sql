-- +goose Up
-- quotes are offers made from an opportunity: lines with quantity, price
-- and discount, tax, a validity date. Accepting one wins the deal and
-- creates an order. Amounts are in minor units (cents); rates in basis
-- points (1 % = 100).
CREATE TABLE quotes (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id),
    customer_id     INTEGER REFERENCES customers (id),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'declined')),
    currency        TEXT NOT NULL,
    valid_until     TEXT NOT NULL,
    tax_rate        INTEGER NOT NULL DEFAULT 0,
    subtotal        INTEGER NOT NULL,
    discount_total  INTEGER NOT NULL,
    tax_total       INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    notes           TEXT NOT NULL DEFAULT '',
    order_id        INTEGER REFERENCES orders (id),
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    decided_at      TIMESTAMP
);
CREATE INDEX quotes_opportunity ON quotes (opportunity_id);

CREATE TABLE quote_lines (
    id            INTEGER PRIMARY KEY,
    quote_id      INTEGER NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    sku           TEXT NOT NULL,
    description   TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    unit_price    INTEGER NOT NULL,
    discount      INTEGER NOT NULL DEFAULT 0,
    line_total    INTEGER NOT NULL
);
CREATE INDEX quote_lines_quote ON quote_lines (quote_id, position);

-- +goose Down
DROP TABLE quote_lines;
DROP TABLE quotes;
