-- +goose Up
-- A template is an email or an SMS (its text in text_body); a campaign
-- takes its template's channel, and its ledger's address is then a phone
-- number.
ALTER TABLE email_templates ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';

-- +goose Down
ALTER TABLE email_templates DROP COLUMN channel;
