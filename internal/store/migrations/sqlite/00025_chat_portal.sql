-- +goose Up
-- chats are live conversations started from the website widget: the
-- visitor holds a secret (kept here only as its hash), an agent answers,
-- and the transcript can become a case.
CREATE TABLE chats (
    id              INTEGER PRIMARY KEY,
    token_hash      TEXT NOT NULL,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    customer_id     INTEGER REFERENCES customers (id),
    queue_id        INTEGER REFERENCES queues (id),
    agent_id        INTEGER REFERENCES users (id),
    status          TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'ended')),
    page            TEXT NOT NULL DEFAULT '',
    case_id         INTEGER REFERENCES cases (id),
    interaction_id  INTEGER REFERENCES interactions (id),
    created_at      TIMESTAMP NOT NULL,
    accepted_at     TIMESTAMP,
    ended_at        TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX chats_status ON chats (status, agent_id);
CREATE INDEX chats_customer ON chats (customer_id);

CREATE TABLE chat_lines (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (id),
    author      TEXT NOT NULL CHECK (author IN ('visitor', 'agent', 'system')),
    user_id     INTEGER REFERENCES users (id),
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX chat_lines_chat ON chat_lines (chat_id, id);

-- portal_links are one-time sign-in links for the customer portal;
-- portal_sessions are the sessions they open. Both keep hashes only.
CREATE TABLE portal_links (
    token_hash   TEXT PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    email        TEXT NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
CREATE INDEX portal_links_customer ON portal_links (customer_id);

CREATE TABLE portal_sessions (
    secret_hash  TEXT PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX portal_sessions_customer ON portal_sessions (customer_id);

-- macros are canned replies agents insert into a case, with placeholders
-- filled from the case, and optionally a status to set.
CREATE TABLE macros (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    set_status  TEXT NOT NULL DEFAULT '',
    shared      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  INTEGER REFERENCES users (id),
    uses        INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE macros;
DROP TABLE portal_sessions;
DROP TABLE portal_links;
DROP TABLE chat_lines;
DROP TABLE chats;
