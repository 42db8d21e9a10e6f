-- +goose Up
-- Each fit keeps the mean predicted value of the customers it scored and
-- how many of them are likely lapsed (P(alive) under 0.5), so that key
-- figures read one row instead of a million.
ALTER TABLE clv_models ADD COLUMN mean_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clv_models ADD COLUMN lapsed INTEGER NOT NULL DEFAULT 0;

-- "Added in the last 7 days" and the customer list's date filters read a
-- range of this index instead of every customer.
CREATE INDEX customers_created ON customers (created_at);

-- +goose Down
DROP INDEX customers_created;
ALTER TABLE clv_models DROP COLUMN lapsed;
ALTER TABLE clv_models DROP COLUMN mean_value;
