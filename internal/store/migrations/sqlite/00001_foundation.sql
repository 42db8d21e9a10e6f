-- +goose Up
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL,
    team_id              INTEGER REFERENCES teams (id),
    password_hash        TEXT NOT NULL,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE user_invites (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    team_id     INTEGER REFERENCES teams (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);

CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    ip          TEXT NOT NULL,
    succeeded   BOOLEAN NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);

CREATE TABLE customers (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('person', 'organization')),
    first_name       TEXT NOT NULL DEFAULT '',
    last_name        TEXT NOT NULL DEFAULT '',
    org_name         TEXT NOT NULL DEFAULT '',
    display_name     TEXT NOT NULL,
    sort_name        TEXT NOT NULL,
    lifecycle_stage  TEXT NOT NULL,
    status           TEXT NOT NULL,
    owner_id         INTEGER REFERENCES users (id),
    team_id          INTEGER REFERENCES teams (id),
    external_id      TEXT,
    search_names     TEXT NOT NULL DEFAULT '',
    search_contacts  TEXT NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP
);
CREATE UNIQUE INDEX customers_external_id ON customers (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX customers_owner ON customers (owner_id);
CREATE INDEX customers_team ON customers (team_id);
CREATE INDEX customers_sort_name ON customers (sort_name, id);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_stage ON customers (lifecycle_stage);

-- customer_search indexes the folded words of each customer's names and, in a
-- separate column, of its emails and phone digits (built by SCRMS) for prefix
-- search; readers who may not see personal data search the names column only.
CREATE VIRTUAL TABLE customer_search USING fts5 (
    search_names,
    search_contacts,
    content = 'customers',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
-- +goose StatementBegin
CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_search (rowid, search_names, search_contacts)
        VALUES (new.id, new.search_names, new.search_contacts);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customer_search (customer_search, rowid, search_names, search_contacts)
        VALUES ('delete', old.id, old.search_names, old.search_contacts);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_search_update AFTER UPDATE OF search_names, search_contacts ON customers BEGIN
    INSERT INTO customer_search (customer_search, rowid, search_names, search_contacts)
        VALUES ('delete', old.id, old.search_names, old.search_contacts);
    INSERT INTO customer_search (rowid, search_names, search_contacts)
        VALUES (new.id, new.search_names, new.search_contacts);
END;
-- +goose StatementEnd

CREATE TABLE contact_points (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    value        TEXT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    is_primary   BOOLEAN NOT NULL DEFAULT FALSE,
    position     INTEGER NOT NULL
);
CREATE INDEX contact_points_customer ON contact_points (customer_id, kind, position);
CREATE INDEX contact_points_value ON contact_points (kind, value);

CREATE TABLE customer_addresses (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    label        TEXT NOT NULL DEFAULT '',
    line1        TEXT NOT NULL DEFAULT '',
    line2        TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    is_primary   BOOLEAN NOT NULL DEFAULT FALSE,
    position     INTEGER NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses (customer_id, position);

CREATE TABLE customer_tags (
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);

CREATE TABLE customer_notes (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users (id),
    body         TEXT NOT NULL,
    pinned       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX customer_notes_customer ON customer_notes (customer_id, created_at);

-- audit_log is append-only: each row carries the hash of the row before it, so
-- an edited or removed row breaks the chain and is detected by verification.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER,
    actor_label  TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    INTEGER,
    customer_id  INTEGER,
    changes      TEXT NOT NULL DEFAULT '[]',
    ip           TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE idempotency_keys (
    user_id        INTEGER NOT NULL,
    idem_key       TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER NOT NULL,
    response_body  TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE customer_notes;
DROP TABLE customer_tags;
DROP TABLE customer_addresses;
DROP TABLE contact_points;
DROP TABLE customer_search;
DROP TABLE customers;
DROP TABLE login_attempts;
DROP TABLE user_invites;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE teams;
