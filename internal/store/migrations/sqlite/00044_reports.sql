-- +goose Up
-- Saved reports: a definition (record type, filters, grouping, measures,
-- chart) as JSON, its owner, whether other users may open it, and an
-- email schedule: next_run_at is moved forward when a run claims it, so
-- a report goes out once per period even with several instances.
CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    shared       BOOLEAN NOT NULL DEFAULT FALSE,
    schedule     TEXT NOT NULL DEFAULT '' CHECK (schedule IN ('', 'daily', 'weekly', 'monthly')),
    recipients   TEXT NOT NULL DEFAULT '',
    next_run_at  TIMESTAMP,
    last_sent_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX reports_owner ON reports (owner_id);
CREATE INDEX reports_due ON reports (next_run_at) WHERE next_run_at IS NOT NULL;

-- +goose Down
DROP TABLE reports;
