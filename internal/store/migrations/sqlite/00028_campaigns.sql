-- +goose Up
-- email_templates are designed emails: blocks (heading, text, image,
-- button, offer) kept as JSON, rendered to HTML and plain text with the
-- recipient's fields; transactional ones ignore marketing opt-outs.
CREATE TABLE email_templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    purpose     TEXT NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('marketing', 'transactional')),
    subject     TEXT NOT NULL,
    preheader   TEXT NOT NULL DEFAULT '',
    blocks      TEXT NOT NULL DEFAULT '[]',
    text_body   TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- campaigns send a template to a segment. Their recipients are listed in
-- campaign_messages, the send ledger: one row per customer, whose status
-- moves queued -> sending -> sent (or failed, skipped), and which records
-- what the message did afterwards (opened, clicked, unsubscribed, bounced).
-- A row left "sending" by a crash was in flight: it is sent again and
-- marked as a possible double. The instance sending a campaign holds a
-- lease on it, renewed as it goes; an expired lease lets another take over.
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    channel       TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms')),
    template_id   INTEGER NOT NULL REFERENCES email_templates (id),
    segment_id    INTEGER NOT NULL REFERENCES segments (id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
    scheduled_at  TIMESTAMP,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    prepared      BOOLEAN NOT NULL DEFAULT FALSE,
    recipients    INTEGER NOT NULL DEFAULT 0,
    cost          INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT NOT NULL DEFAULT '',
    lease_until   TIMESTAMP,
    created_by    INTEGER REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_status ON campaigns (status, scheduled_at);

CREATE TABLE campaign_messages (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id),
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    email            TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    maybe_double     BOOLEAN NOT NULL DEFAULT FALSE,
    error            TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMP,
    opened_at        TIMESTAMP,
    clicked_at       TIMESTAMP,
    unsubscribed_at  TIMESTAMP,
    bounced_at       TIMESTAMP,
    complained_at    TIMESTAMP
);
CREATE UNIQUE INDEX campaign_messages_recipient ON campaign_messages (campaign_id, customer_id);
CREATE INDEX campaign_messages_status ON campaign_messages (campaign_id, status, id);
CREATE INDEX campaign_messages_customer ON campaign_messages (customer_id, opened_at);

-- suppressions are addresses never to be sent marketing again (hard
-- bounces, complaints, addresses added by hand).
CREATE TABLE suppressions (
    email       TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE suppressions;
DROP TABLE campaign_messages;
DROP TABLE campaigns;
DROP TABLE email_templates;
