-- +goose Up
-- customer_keys hold one random key per customer. The values of audit
-- entries about a customer are sealed with it, so that erasing the key
-- (when the customer asks to be erased) makes them unreadable, while the
-- hash chain, computed over the sealed form, still verifies.
CREATE TABLE customer_keys (
    customer_id  BIGINT PRIMARY KEY,
    key          BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE customer_keys;
