-- +goose Up
-- An erased customer keeps its id, kind, stage, owner, tags and dates (so
-- that counts and reports still add up) and loses everything personal.
ALTER TABLE customers ADD COLUMN erased_at TIMESTAMP;

-- erasure_requests records each erasure: when, by whom and why (the data
-- subject's request reference), without any personal data.
CREATE TABLE erasure_requests (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    reason        TEXT NOT NULL,
    records       INTEGER NOT NULL,
    requested_by  INTEGER REFERENCES users (id),
    erased_at     TIMESTAMP NOT NULL
);
CREATE INDEX erasure_requests_customer ON erasure_requests (customer_id);

-- +goose Down
DROP TABLE erasure_requests;
ALTER TABLE customers DROP COLUMN erased_at;
