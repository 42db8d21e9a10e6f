-- +goose Up
-- Offers for loyalty members: only active members of the program, at the
-- given tier rank or above, may use them or receive their codes.
ALTER TABLE offers ADD COLUMN program_id INTEGER REFERENCES loyalty_programs (id);
ALTER TABLE offers ADD COLUMN min_tier_rank INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE offers DROP COLUMN min_tier_rank;
ALTER TABLE offers DROP COLUMN program_id;
