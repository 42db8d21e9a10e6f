-- +goose Up
-- interaction_attachments are files kept with an interaction (a signed
-- form, a photo from a visit, an email's attachment).
CREATE TABLE interaction_attachments (
    id              INTEGER PRIMARY KEY,
    interaction_id  INTEGER NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    data            BLOB NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX interaction_attachments_interaction ON interaction_attachments (interaction_id);

-- +goose Down
DROP TABLE interaction_attachments;
