-- +goose Up
-- journeys are automated flows: a trigger (an event, or entering a
-- segment), then steps (wait, email, tag, stage, task, condition, webhook).
-- journey_runs hold each customer's place in a journey; journey_log what
-- each step did.
CREATE TABLE journeys (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    starts_on   TEXT NOT NULL,
    steps       TEXT NOT NULL,
    goal        TEXT NOT NULL DEFAULT '',
    reentry     BOOLEAN NOT NULL DEFAULT FALSE,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused')),
    created_by  INTEGER REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE journey_runs (
    id           INTEGER PRIMARY KEY,
    journey_id   INTEGER NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    step         INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('active', 'done', 'exited')),
    next_at      TIMESTAMP NOT NULL,
    entered_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX journey_runs_active ON journey_runs (journey_id, customer_id) WHERE status = 'active';
CREATE INDEX journey_runs_due ON journey_runs (status, next_at);
CREATE INDEX journey_runs_customer ON journey_runs (customer_id);

CREATE TABLE journey_log (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES journey_runs (id) ON DELETE CASCADE,
    step         INTEGER NOT NULL,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    at           TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX journey_log_step ON journey_log (run_id, step, action);

-- +goose Down
DROP TABLE journey_log;
DROP TABLE journey_runs;
DROP TABLE journeys;
