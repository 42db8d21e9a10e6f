-- +goose Up
-- kb_articles are knowledge-base articles: a draft being edited and the
-- version last published, internal (agents only) or public (help centre).
CREATE TABLE kb_articles (
    id               INTEGER PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    category         TEXT NOT NULL DEFAULT '',
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    public           BOOLEAN NOT NULL DEFAULT FALSE,
    version          INTEGER NOT NULL DEFAULT 0,
    published_title  TEXT NOT NULL DEFAULT '',
    published_body   TEXT NOT NULL DEFAULT '',
    published_at     TIMESTAMP,
    helpful_yes      INTEGER NOT NULL DEFAULT 0,
    helpful_no       INTEGER NOT NULL DEFAULT 0,
    created_by       INTEGER REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX kb_articles_category ON kb_articles (category);

-- +goose Down
DROP TABLE kb_articles;
