-- +goose Up
-- Marketing topics (newsletter, offers, events…): a campaign may have one,
-- and customers may opt out of topics in their preferences while still
-- hearing about the others.
ALTER TABLE customers ADD COLUMN marketing_topics_out TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN topic TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaigns DROP COLUMN topic;
ALTER TABLE customers DROP COLUMN marketing_topics_out;
