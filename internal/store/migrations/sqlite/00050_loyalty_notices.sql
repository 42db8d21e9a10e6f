-- +goose Up
-- Notices sent to members ahead of time: points about to expire, one per
-- member and month of expiry. The email state works as for statements: a
-- notice left 'sending' by a crash is marked uncertain and not sent again.
CREATE TABLE loyalty_notices (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES loyalty_members (id),
    kind        TEXT NOT NULL CHECK (kind IN ('expiry')),
    period      TEXT NOT NULL,
    points      INTEGER NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    email_state TEXT NOT NULL DEFAULT 'none' CHECK (email_state IN ('none', 'queued', 'sending', 'sent', 'failed', 'uncertain', 'skipped')),
    emailed_at  TIMESTAMP,
    UNIQUE (member_id, kind, period)
);
CREATE INDEX loyalty_notices_mail ON loyalty_notices (email_state) WHERE email_state IN ('queued', 'sending');

-- +goose Down
DROP TABLE loyalty_notices;
