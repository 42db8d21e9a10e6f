-- +goose Up
-- notification_digests remember, per user, the newest notification an
-- email digest covered, so that each digest brings only what is new.
CREATE TABLE notification_digests (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_id  INTEGER NOT NULL,
    sent_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notification_digests;
