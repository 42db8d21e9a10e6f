-- +goose Up
-- duplicate_scans records each search of the whole base for duplicates.
CREATE TABLE duplicate_scans (
    id                 INTEGER PRIMARY KEY,
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    requested_by       INTEGER REFERENCES users (id),
    requested_at       TIMESTAMP NOT NULL,
    started_at         TIMESTAMP,
    finished_at        TIMESTAMP,
    customers_scanned  INTEGER NOT NULL DEFAULT 0,
    comparisons        INTEGER NOT NULL DEFAULT 0,
    pairs_found        INTEGER NOT NULL DEFAULT 0,
    new_pairs          INTEGER NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT ''
);

-- duplicate_pairs is the review queue: two customers that probably are one.
-- A dismissed pair stays, so that later scans do not propose it again.
CREATE TABLE duplicate_pairs (
    id           INTEGER PRIMARY KEY,
    customer_a   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    customer_b   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    score        REAL NOT NULL,
    reasons      TEXT NOT NULL DEFAULT '[]',
    status       TEXT NOT NULL CHECK (status IN ('open', 'merged', 'dismissed', 'superseded')),
    found_at     TIMESTAMP NOT NULL,
    scan_id      INTEGER REFERENCES duplicate_scans (id),
    resolved_at  TIMESTAMP,
    resolved_by  INTEGER REFERENCES users (id),
    merge_id     INTEGER,
    CHECK (customer_a < customer_b)
);
CREATE UNIQUE INDEX duplicate_pairs_customers ON duplicate_pairs (customer_a, customer_b);
CREATE INDEX duplicate_pairs_b ON duplicate_pairs (customer_b);
CREATE INDEX duplicate_pairs_status ON duplicate_pairs (status, score, id);

-- customer_merges keeps what a merge changed, so that it can be undone: the
-- two records as they were, and the rows that moved to the survivor.
CREATE TABLE customer_merges (
    id           INTEGER PRIMARY KEY,
    survivor_id  INTEGER NOT NULL REFERENCES customers (id),
    merged_id    INTEGER NOT NULL REFERENCES customers (id),
    pair_id      INTEGER REFERENCES duplicate_pairs (id),
    snapshot     TEXT NOT NULL,
    moves        TEXT NOT NULL,
    merged_by    INTEGER REFERENCES users (id),
    merged_at    TIMESTAMP NOT NULL,
    undone_at    TIMESTAMP,
    undone_by    INTEGER REFERENCES users (id)
);
CREATE INDEX customer_merges_survivor ON customer_merges (survivor_id, id);
CREATE INDEX customer_merges_merged ON customer_merges (merged_id, id);

ALTER TABLE customers ADD COLUMN merged_into INTEGER REFERENCES customers (id);

-- data_quality_issues are inconsistencies found by the checks: one row per
-- kind of problem and subject, reopened when it comes back.
CREATE TABLE data_quality_issues (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    INTEGER NOT NULL,
    detail        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    found_at      TIMESTAMP NOT NULL,
    resolved_at   TIMESTAMP
);
CREATE UNIQUE INDEX data_quality_issues_subject ON data_quality_issues (kind, subject_type, subject_id);
CREATE INDEX data_quality_issues_status ON data_quality_issues (status, id);

-- notifications are the in-app notification centre of each user.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE data_quality_issues;
ALTER TABLE customers DROP COLUMN merged_into;
DROP TABLE customer_merges;
DROP TABLE duplicate_pairs;
DROP TABLE duplicate_scans;
