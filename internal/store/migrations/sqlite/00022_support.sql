-- +goose Up
-- The customer service platform: queues and their agents, business-hours
-- calendars and SLA policies, cases with their messages and files, what
-- escalation did, and the category model trained on past cases.
CREATE TABLE queues (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL DEFAULT '',
    strategy    TEXT NOT NULL CHECK (strategy IN ('round_robin', 'least_loaded', 'skill')),
    team_id     INTEGER REFERENCES teams (id),
    manager_id  INTEGER REFERENCES users (id),
    categories  TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX queues_email ON queues (email) WHERE email <> '';

CREATE TABLE queue_members (
    queue_id          INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    skills            TEXT NOT NULL DEFAULT '[]',
    capacity          INTEGER NOT NULL DEFAULT 0,
    last_assigned_at  TIMESTAMP,
    PRIMARY KEY (queue_id, user_id)
);

CREATE TABLE agent_status (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('available', 'away')),
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE business_calendars (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    time_zone   TEXT NOT NULL,
    hours       TEXT NOT NULL,
    holidays    TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE sla_policies (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    position              INTEGER NOT NULL,
    case_type             TEXT NOT NULL DEFAULT '',
    priority              TEXT NOT NULL DEFAULT '',
    tier                  TEXT NOT NULL DEFAULT '',
    first_response_secs   INTEGER NOT NULL DEFAULT 0,
    next_response_secs    INTEGER NOT NULL DEFAULT 0,
    resolution_secs       INTEGER NOT NULL DEFAULT 0,
    calendar_id           INTEGER REFERENCES business_calendars (id),
    escalations           TEXT NOT NULL DEFAULT '[]',
    created_at            TIMESTAMP NOT NULL
);

CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    ref                  TEXT NOT NULL,
    subject              TEXT NOT NULL,
    case_type            TEXT NOT NULL,
    category             TEXT NOT NULL DEFAULT '',
    priority             TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status               TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    channel              TEXT NOT NULL,
    customer_id          INTEGER NOT NULL REFERENCES customers (id),
    queue_id             INTEGER REFERENCES queues (id),
    assignee_id          INTEGER REFERENCES users (id),
    product_sku          TEXT NOT NULL DEFAULT '',
    order_id             INTEGER REFERENCES orders (id),
    policy_id            INTEGER REFERENCES sla_policies (id),
    first_response_due   TIMESTAMP,
    first_responded_at   TIMESTAMP,
    next_response_due    TIMESTAMP,
    resolution_due       TIMESTAMP,
    paused_at            TIMESTAMP,
    resolved_at          TIMESTAMP,
    closed_at            TIMESTAMP,
    resolution_code      TEXT NOT NULL DEFAULT '',
    root_cause           TEXT NOT NULL DEFAULT '',
    suggested_category   TEXT NOT NULL DEFAULT '',
    suggested_queue_id   INTEGER REFERENCES queues (id),
    merged_into          INTEGER REFERENCES cases (id),
    parent_id            INTEGER REFERENCES cases (id),
    reopened             INTEGER NOT NULL DEFAULT 0,
    sla_next_check       TIMESTAMP,
    created_by           INTEGER REFERENCES users (id),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    last_customer_at     TIMESTAMP
);
CREATE INDEX cases_customer ON cases (customer_id, id);
CREATE INDEX cases_queue_status ON cases (queue_id, status);
CREATE INDEX cases_assignee_status ON cases (assignee_id, status);
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_sla_check ON cases (sla_next_check) WHERE sla_next_check IS NOT NULL;

CREATE TABLE case_messages (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    kind            TEXT NOT NULL,
    inbound         BOOLEAN NOT NULL DEFAULT FALSE,
    internal        BOOLEAN NOT NULL DEFAULT FALSE,
    auto            BOOLEAN NOT NULL DEFAULT FALSE,
    author_id       INTEGER REFERENCES users (id),
    from_address    TEXT NOT NULL DEFAULT '',
    to_address      TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    in_reply_to     TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '',
    recording_url   TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMP,
    interaction_id  INTEGER REFERENCES interactions (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, id);
CREATE UNIQUE INDEX case_messages_message_id ON case_messages (message_id) WHERE message_id <> '';
CREATE INDEX case_messages_auto_to ON case_messages (to_address, created_at) WHERE auto;

CREATE TABLE case_attachments (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES case_messages (id),
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    data          BLOB NOT NULL
);
CREATE INDEX case_attachments_message ON case_attachments (message_id);

CREATE TABLE sla_firings (
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    rule      INTEGER NOT NULL,
    metric    TEXT NOT NULL,
    due_at    TIMESTAMP NOT NULL,
    fired_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, rule, metric, due_at)
);

CREATE TABLE sla_breaches (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    metric       TEXT NOT NULL,
    due_at       TIMESTAMP NOT NULL,
    breached_at  TIMESTAMP NOT NULL,
    UNIQUE (case_id, metric, due_at)
);

CREATE TABLE case_models (
    id          INTEGER PRIMARY KEY,
    examples    INTEGER NOT NULL,
    accuracy    REAL NOT NULL,
    model       BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE case_models;
DROP TABLE sla_breaches;
DROP TABLE sla_firings;
DROP TABLE case_attachments;
DROP TABLE case_messages;
DROP TABLE cases;
DROP TABLE sla_policies;
DROP TABLE business_calendars;
DROP TABLE agent_status;
DROP TABLE queue_members;
DROP TABLE queues;
