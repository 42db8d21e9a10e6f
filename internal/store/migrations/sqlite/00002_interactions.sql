-- +goose Up
-- interactions are the touchpoints with a customer: calls, emails, meetings,
-- chats, messages, visits. They appear on the customer's timeline.
CREATE TABLE interactions (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    channel           TEXT NOT NULL,
    direction         TEXT NOT NULL,
    subject           TEXT NOT NULL DEFAULT '',
    body              TEXT NOT NULL DEFAULT '',
    occurred_at       TIMESTAMP NOT NULL,
    duration_seconds  INTEGER,
    handled_by        INTEGER REFERENCES users (id),
    source            TEXT NOT NULL,
    external_id       TEXT,
    related_type      TEXT NOT NULL DEFAULT '',
    related_id        INTEGER,
    created_by        INTEGER REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX interactions_customer ON interactions (customer_id, occurred_at, id);
CREATE UNIQUE INDEX interactions_external ON interactions (source, external_id) WHERE external_id IS NOT NULL;

-- +goose Down
DROP TABLE interactions;
