-- +goose Up
-- RFM: each buying customer's recency, frequency and monetary quintile
-- (5 is the most recent, most frequent, highest spending fifth) and the
-- named segment they make, recomputed daily.
CREATE TABLE customer_rfm (
    customer_id INTEGER PRIMARY KEY REFERENCES customers (id),
    r           INTEGER NOT NULL,
    f           INTEGER NOT NULL,
    m           INTEGER NOT NULL,
    segment     TEXT NOT NULL DEFAULT '',
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_rfm_segment ON customer_rfm (segment);

-- +goose Down
DROP TABLE customer_rfm;
