-- +goose Up
-- The sender walks a campaign's ledger in id order from where it stopped;
-- an index in that order lets each batch stop after its rows instead of
-- gathering and sorting every row still to send.
DROP INDEX campaign_messages_status;
CREATE INDEX campaign_messages_order ON campaign_messages (campaign_id, id, status);

-- +goose Down
DROP INDEX campaign_messages_order;
CREATE INDEX campaign_messages_status ON campaign_messages (campaign_id, status, id);
