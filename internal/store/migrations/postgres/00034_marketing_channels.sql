-- +goose Up
-- customers.marketing_channels keeps the channels a customer currently
-- agrees to marketing on (",email,,sms,"), derived from the consent
-- history in the same transaction as each consent event, so that segments
-- and campaigns test consent with one column instead of the history.
ALTER TABLE customers ADD COLUMN marketing_channels TEXT NOT NULL DEFAULT '';
UPDATE customers SET marketing_channels =
    CASE WHEN EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = customers.id AND e.purpose = 'marketing'
        AND e.channel IN ('email', 'all') AND e.status = 'granted' AND NOT EXISTS (SELECT 1 FROM consent_events l
        WHERE l.customer_id = customers.id AND l.purpose = 'marketing' AND l.channel IN ('email', 'all')
        AND (l.occurred_at > e.occurred_at OR (l.occurred_at = e.occurred_at AND l.id > e.id)))) THEN ',email,' ELSE '' END ||
    CASE WHEN EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = customers.id AND e.purpose = 'marketing'
        AND e.channel IN ('sms', 'all') AND e.status = 'granted' AND NOT EXISTS (SELECT 1 FROM consent_events l
        WHERE l.customer_id = customers.id AND l.purpose = 'marketing' AND l.channel IN ('sms', 'all')
        AND (l.occurred_at > e.occurred_at OR (l.occurred_at = e.occurred_at AND l.id > e.id)))) THEN ',sms,' ELSE '' END ||
    CASE WHEN EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = customers.id AND e.purpose = 'marketing'
        AND e.channel IN ('phone', 'all') AND e.status = 'granted' AND NOT EXISTS (SELECT 1 FROM consent_events l
        WHERE l.customer_id = customers.id AND l.purpose = 'marketing' AND l.channel IN ('phone', 'all')
        AND (l.occurred_at > e.occurred_at OR (l.occurred_at = e.occurred_at AND l.id > e.id)))) THEN ',phone,' ELSE '' END ||
    CASE WHEN EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = customers.id AND e.purpose = 'marketing'
        AND e.channel IN ('post', 'all') AND e.status = 'granted' AND NOT EXISTS (SELECT 1 FROM consent_events l
        WHERE l.customer_id = customers.id AND l.purpose = 'marketing' AND l.channel IN ('post', 'all')
        AND (l.occurred_at > e.occurred_at OR (l.occurred_at = e.occurred_at AND l.id > e.id)))) THEN ',post,' ELSE '' END
WHERE EXISTS (SELECT 1 FROM consent_events x WHERE x.customer_id = customers.id AND x.purpose = 'marketing');

-- +goose Down
ALTER TABLE customers DROP COLUMN marketing_channels;
