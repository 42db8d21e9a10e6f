-- +goose Up
-- imports records each CSV import: its options, column mapping, progress and
-- counts. rows_done is the checkpoint: the data rows processed and committed,
-- moved in the same transaction as the customers they created.
CREATE TABLE imports (
    id            INTEGER PRIMARY KEY,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'running', 'done', 'failed')),
    file_name     TEXT NOT NULL,
    file_size     INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL DEFAULT '',
    match_on      TEXT NOT NULL,
    on_match      TEXT NOT NULL,
    header        TEXT NOT NULL DEFAULT '[]',
    mapping       TEXT NOT NULL DEFAULT '[]',
    created_by    INTEGER REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    heartbeat_at  TIMESTAMP,
    rows_done     INTEGER NOT NULL DEFAULT 0,
    bytes_done    INTEGER NOT NULL DEFAULT 0,
    imported      INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX imports_sha ON imports (sha256, status);

-- import_chunks holds an uploaded file in pieces, so that any instance can
-- run the import and a restarted one can read it again.
CREATE TABLE import_chunks (
    import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- import_rejects are the rows an import did not take, with the reason.
CREATE TABLE import_rejects (
    import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line       INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    row_text   TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);

-- +goose Down
DROP TABLE import_rejects;
DROP TABLE import_chunks;
DROP TABLE imports;
