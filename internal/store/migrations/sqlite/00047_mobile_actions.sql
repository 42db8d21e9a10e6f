-- +goose Up
-- Actions the mobile app queued (perhaps offline) and sent, by the id the
-- phone gave each: an action sent again is recognised and not done twice.
-- Interactions use their own external id (source "mobile") instead.
CREATE TABLE mobile_actions (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    done_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- +goose Down
DROP TABLE mobile_actions;
