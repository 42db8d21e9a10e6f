-- +goose Up
-- The member's ledger index carries the qualifying amount, so that adding
-- up a member's tier qualification (every accrual batch does it for the
-- members it credits) reads the index alone.
DROP INDEX loyalty_transactions_member;
CREATE INDEX loyalty_transactions_member ON loyalty_transactions (member_id, occurred_at, qualifying);

-- +goose Down
DROP INDEX loyalty_transactions_member;
CREATE INDEX loyalty_transactions_member ON loyalty_transactions (member_id, occurred_at);
