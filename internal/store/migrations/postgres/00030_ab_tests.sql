-- +goose Up
-- A campaign may test subject lines on a share of its recipients first:
-- each test recipient gets one of the subjects (campaign_messages.variant,
-- 1 and up), the rest wait (variant 0) until, after the wait, the subject
-- with the better open or click rate is chosen and goes to them.
ALTER TABLE campaigns ADD COLUMN ab_subjects TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN ab_share INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN ab_metric TEXT NOT NULL DEFAULT 'open';
ALTER TABLE campaigns ADD COLUMN ab_wait_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN ab_until TIMESTAMPTZ;
ALTER TABLE campaigns ADD COLUMN ab_winner INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN ab_note TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign_messages ADD COLUMN variant INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE campaign_messages DROP COLUMN variant;
ALTER TABLE campaigns DROP COLUMN ab_note;
ALTER TABLE campaigns DROP COLUMN ab_winner;
ALTER TABLE campaigns DROP COLUMN ab_until;
ALTER TABLE campaigns DROP COLUMN ab_wait_minutes;
ALTER TABLE campaigns DROP COLUMN ab_metric;
ALTER TABLE campaigns DROP COLUMN ab_share;
ALTER TABLE campaigns DROP COLUMN ab_subjects;
