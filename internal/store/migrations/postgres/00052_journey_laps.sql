-- +goose Up
-- How many times a customer's run went back to an earlier step (a reminder
-- loop): each pass does its steps anew, and the log tells the passes apart.
ALTER TABLE journey_runs ADD COLUMN lap INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE journey_runs DROP COLUMN lap;
