-- +goose Up
-- Fewer indexes on the ledger, which the accrual run writes a row into for
-- every order: one index by member and time serves the member's ledger,
-- lots, statements and tier qualification (a member's rows are few), and
-- the partial lot index by member goes.
DROP INDEX loyalty_transactions_member;
DROP INDEX loyalty_transactions_qualifying;
DROP INDEX loyalty_lots;
CREATE INDEX loyalty_transactions_member ON loyalty_transactions (member_id, occurred_at);

-- +goose Down
DROP INDEX loyalty_transactions_member;
CREATE INDEX loyalty_transactions_member ON loyalty_transactions (member_id, created_at);
CREATE INDEX loyalty_transactions_qualifying ON loyalty_transactions (member_id, occurred_at) WHERE qualifying <> 0;
CREATE INDEX loyalty_lots ON loyalty_transactions (member_id, expires_at) WHERE remaining > 0;
