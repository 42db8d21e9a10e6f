-- +goose Up
-- activities are a representative's tasks, calls and meetings, linked to a
-- customer, a lead or an opportunity, with a due time and a reminder.
CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('task', 'call', 'meeting')),
    subject         TEXT NOT NULL,
    notes           TEXT NOT NULL DEFAULT '',
    due_at          TIMESTAMP,
    remind_at       TIMESTAMP,
    reminded_at     TIMESTAMP,
    done_at         TIMESTAMP,
    recurrence      TEXT NOT NULL DEFAULT '' CHECK (recurrence IN ('', 'daily', 'weekly', 'monthly')),
    attendees       TEXT NOT NULL DEFAULT '[]',
    owner_id        INTEGER REFERENCES users (id),
    team_id         INTEGER REFERENCES teams (id),
    customer_id     INTEGER REFERENCES customers (id),
    lead_id         INTEGER REFERENCES leads (id),
    opportunity_id  INTEGER REFERENCES opportunities (id),
    interaction_id  INTEGER REFERENCES interactions (id),
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX activities_owner_due ON activities (owner_id, done_at, due_at);
CREATE INDEX activities_customer ON activities (customer_id);
CREATE INDEX activities_remind ON activities (remind_at) WHERE reminded_at IS NULL;

-- +goose Down
DROP TABLE activities;
