-- +goose Up
-- The customer profile: demographics, language and time zone, how the
-- customer likes to be contacted, and where they came from.
ALTER TABLE customers ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN preferred_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN quiet_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN referral_source TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN website TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN industry TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE customers DROP COLUMN industry;
ALTER TABLE customers DROP COLUMN website;
ALTER TABLE customers DROP COLUMN referral_source;
ALTER TABLE customers DROP COLUMN quiet_hours;
ALTER TABLE customers DROP COLUMN preferred_channel;
ALTER TABLE customers DROP COLUMN time_zone;
ALTER TABLE customers DROP COLUMN language;
ALTER TABLE customers DROP COLUMN birth_date;
