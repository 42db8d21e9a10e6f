-- +goose Up
-- survey_forms are surveys sent to a group of customers, once or on a
-- schedule: NPS, CSAT, or custom questions. A run in progress keeps its
-- start and the last customer done, so that a crash resumes it.
CREATE TABLE survey_forms (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('nps', 'csat', 'custom')),
    intro          TEXT NOT NULL DEFAULT '',
    questions      TEXT NOT NULL DEFAULT '[]',
    audience       TEXT NOT NULL DEFAULT '{}',
    every_days     INTEGER NOT NULL DEFAULT 0,
    quiet_days     INTEGER NOT NULL DEFAULT 90,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    next_run_at    TIMESTAMP,
    last_run_at    TIMESTAMP,
    running_since  TIMESTAMP,
    run_cursor     INTEGER NOT NULL DEFAULT 0,
    created_by     INTEGER REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX survey_forms_due ON survey_forms (active, next_run_at);

-- surveys gain custom answers, the form they belong to, the address they
-- went to and when the email left.
CREATE TABLE surveys_next (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('csat', 'nps', 'custom')),
    token        TEXT NOT NULL UNIQUE,
    case_id      INTEGER REFERENCES cases (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    agent_id     INTEGER REFERENCES users (id),
    queue_id     INTEGER REFERENCES queues (id),
    sent_at      TIMESTAMP NOT NULL,
    answered_at  TIMESTAMP,
    score        INTEGER,
    comment      TEXT NOT NULL DEFAULT '',
    follow_up    INTEGER REFERENCES activities (id),
    form_id      INTEGER REFERENCES survey_forms (id),
    email        TEXT NOT NULL DEFAULT '',
    answers      TEXT NOT NULL DEFAULT '{}',
    mailed_at    TIMESTAMP
);
INSERT INTO surveys_next (id, kind, token, case_id, customer_id, agent_id, queue_id, sent_at, answered_at, score, comment, follow_up)
    SELECT id, kind, token, case_id, customer_id, agent_id, queue_id, sent_at, answered_at, score, comment, follow_up FROM surveys;
DROP TABLE surveys;
ALTER TABLE surveys_next RENAME TO surveys;
CREATE INDEX surveys_customer ON surveys (customer_id, sent_at);
CREATE INDEX surveys_agent ON surveys (agent_id, answered_at);
CREATE UNIQUE INDEX surveys_case_kind ON surveys (case_id, kind) WHERE case_id IS NOT NULL;
CREATE UNIQUE INDEX surveys_form_run ON surveys (form_id, customer_id, sent_at) WHERE form_id IS NOT NULL;
CREATE INDEX surveys_unmailed ON surveys (mailed_at, sent_at) WHERE form_id IS NOT NULL AND mailed_at IS NULL;

-- +goose Down
CREATE TABLE surveys_prev (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('csat', 'nps')),
    token        TEXT NOT NULL UNIQUE,
    case_id      INTEGER REFERENCES cases (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    agent_id     INTEGER REFERENCES users (id),
    queue_id     INTEGER REFERENCES queues (id),
    sent_at      TIMESTAMP NOT NULL,
    answered_at  TIMESTAMP,
    score        INTEGER,
    comment      TEXT NOT NULL DEFAULT '',
    follow_up    INTEGER REFERENCES activities (id)
);
INSERT INTO surveys_prev SELECT id, kind, token, case_id, customer_id, agent_id, queue_id, sent_at, answered_at, score, comment,
    follow_up FROM surveys WHERE kind <> 'custom';
DROP TABLE surveys;
ALTER TABLE surveys_prev RENAME TO surveys;
CREATE INDEX surveys_customer ON surveys (customer_id);
CREATE INDEX surveys_agent ON surveys (agent_id, answered_at);
CREATE UNIQUE INDEX surveys_case_kind ON surveys (case_id, kind) WHERE case_id IS NOT NULL;
DROP TABLE survey_forms;
