-- +goose Up
-- consent_events is the history of a customer's consents: each grant or
-- withdrawal for one purpose on one channel, with its proof (how it was
-- given and the text that was shown). The latest event per purpose and
-- channel is the consent in force.
CREATE TABLE consent_events (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
    source       TEXT NOT NULL,
    proof        TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    recorded_by  INTEGER REFERENCES users (id),
    occurred_at  TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX consent_events_customer ON consent_events (customer_id, purpose, channel, occurred_at, id);

-- +goose Down
DROP TABLE consent_events;
