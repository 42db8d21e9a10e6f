-- +goose Up
-- KPI roll-ups, kept by triggers in the same transaction as the change
-- they count, so that the dashboard reads a few rows per day instead of
-- scanning orders, cases and campaign messages: kpi_daily holds one
-- running figure per UTC day, metric and dimension (a currency, a lead
-- source, a channel). Existing data is counted once here.
CREATE TABLE kpi_daily (
    day    TEXT NOT NULL,
    metric TEXT NOT NULL,
    dim    TEXT NOT NULL DEFAULT '',
    value  INTEGER NOT NULL,
    PRIMARY KEY (metric, day, dim)
) WITHOUT ROWID;
CREATE INDEX opportunities_open_stage ON opportunities (stage_id) WHERE closed_at IS NULL AND deleted_at IS NULL;
CREATE INDEX loyalty_members_status ON loyalty_members (status, program_id);

-- Sales and marketing costs for acquisition cost (CAC): one entry per
-- spend, by day and channel (the channel matches customers' referral
-- source).
CREATE TABLE cost_entries (
    id         INTEGER PRIMARY KEY,
    day        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('sales', 'marketing')),
    channel    TEXT NOT NULL DEFAULT '',
    amount     INTEGER NOT NULL,
    currency   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cost_entries_day ON cost_entries (day);

-- +goose StatementBegin
CREATE TRIGGER kpi_orders_1 AFTER INSERT ON orders BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.ordered_at), 'revenue', NEW.currency, NEW.total WHERE (NEW.total) <> 0 AND date(NEW.ordered_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.ordered_at), 'orders', '', CASE WHEN NEW.status = 'placed' THEN 1 ELSE 0 END WHERE (CASE WHEN NEW.status = 'placed' THEN 1 ELSE 0 END) <> 0 AND date(NEW.ordered_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_orders_2 AFTER UPDATE OF total ON orders WHEN NEW.total <> OLD.total BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.ordered_at), 'revenue', NEW.currency, NEW.total - OLD.total WHERE (NEW.total - OLD.total) <> 0 AND date(NEW.ordered_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_orders_3 AFTER DELETE ON orders BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.ordered_at), 'revenue', OLD.currency, -OLD.total WHERE (-OLD.total) <> 0 AND date(OLD.ordered_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.ordered_at), 'orders', '', CASE WHEN OLD.status = 'placed' THEN -1 ELSE 0 END WHERE (CASE WHEN OLD.status = 'placed' THEN -1 ELSE 0 END) <> 0 AND date(OLD.ordered_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_customers_4 AFTER INSERT ON customers BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.created_at), 'new_customers', NEW.referral_source, 1 WHERE (1) <> 0 AND date(NEW.created_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_customers_5 AFTER UPDATE OF first_order_at ON customers WHEN OLD.first_order_at IS NULL AND NEW.first_order_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.first_order_at), 'new_buyers', NEW.referral_source, 1 WHERE (1) <> 0 AND date(NEW.first_order_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_leads_6 AFTER INSERT ON leads BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.created_at), 'leads', NEW.source, 1 WHERE (1) <> 0 AND date(NEW.created_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_interactions_7 AFTER INSERT ON interactions BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.occurred_at), 'interactions', NEW.channel, 1 WHERE (1) <> 0 AND date(NEW.occurred_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_campaign_messages_8 AFTER UPDATE OF opened_at ON campaign_messages WHEN OLD.opened_at IS NULL AND NEW.opened_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.opened_at), 'opens', '', 1 WHERE (1) <> 0 AND date(NEW.opened_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_campaign_messages_9 AFTER UPDATE OF clicked_at ON campaign_messages WHEN OLD.clicked_at IS NULL AND NEW.clicked_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.clicked_at), 'clicks', '', 1 WHERE (1) <> 0 AND date(NEW.clicked_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_cases_10 AFTER INSERT ON cases BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.created_at), 'cases_opened', '', 1 WHERE (1) <> 0 AND date(NEW.created_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_cases_11 AFTER UPDATE OF first_responded_at ON cases WHEN OLD.first_responded_at IS NULL AND NEW.first_responded_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.first_responded_at), 'first_responses', '', 1 WHERE (1) <> 0 AND date(NEW.first_responded_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.first_responded_at), 'first_response_minutes', '', CAST(round((julianday(NEW.first_responded_at) - julianday(NEW.created_at)) * 1440) AS INTEGER) WHERE (CAST(round((julianday(NEW.first_responded_at) - julianday(NEW.created_at)) * 1440) AS INTEGER)) <> 0 AND date(NEW.first_responded_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_cases_12 AFTER UPDATE OF resolved_at ON cases WHEN OLD.resolved_at IS NULL AND NEW.resolved_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.resolved_at), 'resolved', '', 1 WHERE (1) <> 0 AND date(NEW.resolved_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.resolved_at), 'resolution_minutes', '', CAST(round((julianday(NEW.resolved_at) - julianday(NEW.created_at)) * 1440) AS INTEGER) WHERE (CAST(round((julianday(NEW.resolved_at) - julianday(NEW.created_at)) * 1440) AS INTEGER)) <> 0 AND date(NEW.resolved_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.resolved_at), 'resolved_in_sla', '', CASE WHEN EXISTS (SELECT 1 FROM sla_breaches b WHERE b.case_id = NEW.id) THEN 0 ELSE 1 END WHERE (CASE WHEN EXISTS (SELECT 1 FROM sla_breaches b WHERE b.case_id = NEW.id) THEN 0 ELSE 1 END) <> 0 AND date(NEW.resolved_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_sla_breaches_13 AFTER INSERT ON sla_breaches BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.breached_at), 'sla_breaches', NEW.metric, 1 WHERE (1) <> 0 AND date(NEW.breached_at) IS NOT NULL
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_opportunities_14 AFTER INSERT ON opportunities WHEN NEW.closed_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'deals_won', '', 1 WHERE (1) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'won_amount', NEW.currency, NEW.amount * 100 WHERE (NEW.amount * 100) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'won_cycle_days', '', CAST(round(julianday(NEW.closed_at) - julianday(NEW.created_at)) AS INTEGER) WHERE (CAST(round(julianday(NEW.closed_at) - julianday(NEW.created_at)) AS INTEGER)) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'deals_lost', '', 1 WHERE (1) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'lost'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_opportunities_15 AFTER DELETE ON opportunities WHEN OLD.closed_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'deals_won', '', -1 WHERE (-1) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'won_amount', OLD.currency, -OLD.amount * 100 WHERE (-OLD.amount * 100) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'won_cycle_days', '', -CAST(round(julianday(OLD.closed_at) - julianday(OLD.created_at)) AS INTEGER) WHERE (-CAST(round(julianday(OLD.closed_at) - julianday(OLD.created_at)) AS INTEGER)) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'deals_lost', '', -1 WHERE (-1) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'lost'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_opportunities_16 AFTER UPDATE OF stage_id, closed_at, amount, currency ON opportunities WHEN OLD.closed_at IS NOT NULL OR NEW.closed_at IS NOT NULL BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'deals_won', '', -1 WHERE (-1) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'won_amount', OLD.currency, -OLD.amount * 100 WHERE (-OLD.amount * 100) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'won_cycle_days', '', -CAST(round(julianday(OLD.closed_at) - julianday(OLD.created_at)) AS INTEGER) WHERE (-CAST(round(julianday(OLD.closed_at) - julianday(OLD.created_at)) AS INTEGER)) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.closed_at), 'deals_lost', '', -1 WHERE (-1) <> 0 AND date(OLD.closed_at) IS NOT NULL AND OLD.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = OLD.stage_id) = 'lost'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'deals_won', '', 1 WHERE (1) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'won_amount', NEW.currency, NEW.amount * 100 WHERE (NEW.amount * 100) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'won_cycle_days', '', CAST(round(julianday(NEW.closed_at) - julianday(NEW.created_at)) AS INTEGER) WHERE (CAST(round(julianday(NEW.closed_at) - julianday(NEW.created_at)) AS INTEGER)) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'won'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.closed_at), 'deals_lost', '', 1 WHERE (1) <> 0 AND date(NEW.closed_at) IS NOT NULL AND NEW.closed_at IS NOT NULL AND (SELECT kind FROM pipeline_stages WHERE id = NEW.stage_id) = 'lost'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kpi_surveys_17 AFTER UPDATE OF score, answered_at ON surveys BEGIN
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.answered_at), 'csat_answers', '', -1 WHERE (-1) <> 0 AND date(OLD.answered_at) IS NOT NULL AND OLD.score IS NOT NULL AND OLD.answered_at IS NOT NULL AND OLD.kind = 'csat'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.answered_at), 'csat_score', '', -OLD.score WHERE (-OLD.score) <> 0 AND date(OLD.answered_at) IS NOT NULL AND OLD.score IS NOT NULL AND OLD.answered_at IS NOT NULL AND OLD.kind = 'csat'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.answered_at), 'csat_satisfied', '', -(CASE WHEN OLD.score >= 4 THEN 1 ELSE 0 END) WHERE (-(CASE WHEN OLD.score >= 4 THEN 1 ELSE 0 END)) <> 0 AND date(OLD.answered_at) IS NOT NULL AND OLD.score IS NOT NULL AND OLD.answered_at IS NOT NULL AND OLD.kind = 'csat'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.answered_at), 'nps_answers', '', -1 WHERE (-1) <> 0 AND date(OLD.answered_at) IS NOT NULL AND OLD.score IS NOT NULL AND OLD.answered_at IS NOT NULL AND OLD.kind = 'nps'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.answered_at), 'nps_promoters', '', -(CASE WHEN OLD.score >= 9 THEN 1 ELSE 0 END) WHERE (-(CASE WHEN OLD.score >= 9 THEN 1 ELSE 0 END)) <> 0 AND date(OLD.answered_at) IS NOT NULL AND OLD.score IS NOT NULL AND OLD.answered_at IS NOT NULL AND OLD.kind = 'nps'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(OLD.answered_at), 'nps_detractors', '', -(CASE WHEN OLD.score <= 6 THEN 1 ELSE 0 END) WHERE (-(CASE WHEN OLD.score <= 6 THEN 1 ELSE 0 END)) <> 0 AND date(OLD.answered_at) IS NOT NULL AND OLD.score IS NOT NULL AND OLD.answered_at IS NOT NULL AND OLD.kind = 'nps'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.answered_at), 'csat_answers', '', 1 WHERE (1) <> 0 AND date(NEW.answered_at) IS NOT NULL AND NEW.score IS NOT NULL AND NEW.answered_at IS NOT NULL AND NEW.kind = 'csat'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.answered_at), 'csat_score', '', NEW.score WHERE (NEW.score) <> 0 AND date(NEW.answered_at) IS NOT NULL AND NEW.score IS NOT NULL AND NEW.answered_at IS NOT NULL AND NEW.kind = 'csat'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.answered_at), 'csat_satisfied', '', (CASE WHEN NEW.score >= 4 THEN 1 ELSE 0 END) WHERE ((CASE WHEN NEW.score >= 4 THEN 1 ELSE 0 END)) <> 0 AND date(NEW.answered_at) IS NOT NULL AND NEW.score IS NOT NULL AND NEW.answered_at IS NOT NULL AND NEW.kind = 'csat'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.answered_at), 'nps_answers', '', 1 WHERE (1) <> 0 AND date(NEW.answered_at) IS NOT NULL AND NEW.score IS NOT NULL AND NEW.answered_at IS NOT NULL AND NEW.kind = 'nps'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.answered_at), 'nps_promoters', '', (CASE WHEN NEW.score >= 9 THEN 1 ELSE 0 END) WHERE ((CASE WHEN NEW.score >= 9 THEN 1 ELSE 0 END)) <> 0 AND date(NEW.answered_at) IS NOT NULL AND NEW.score IS NOT NULL AND NEW.answered_at IS NOT NULL AND NEW.kind = 'nps'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
    INSERT INTO kpi_daily (day, metric, dim, value) SELECT date(NEW.answered_at), 'nps_detractors', '', (CASE WHEN NEW.score <= 6 THEN 1 ELSE 0 END) WHERE ((CASE WHEN NEW.score <= 6 THEN 1 ELSE 0 END)) <> 0 AND date(NEW.answered_at) IS NOT NULL AND NEW.score IS NOT NULL AND NEW.answered_at IS NOT NULL AND NEW.kind = 'nps'
        ON CONFLICT (metric, day, dim) DO UPDATE SET value = value + excluded.value;
END;
-- +goose StatementEnd

INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(o.ordered_at), 'revenue', o.currency, SUM(o.total) FROM orders o GROUP BY 1, 3 HAVING SUM(o.total) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(o.ordered_at), 'orders', '', COUNT(*) FROM orders o WHERE o.status = 'placed' GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(c.created_at), 'new_customers', c.referral_source, COUNT(*) FROM customers c GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(c.first_order_at), 'new_buyers', c.referral_source, COUNT(*) FROM customers c WHERE c.first_order_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(l.created_at), 'leads', l.source, COUNT(*) FROM leads l GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(i.occurred_at), 'interactions', i.channel, COUNT(*) FROM interactions i GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(m.opened_at), 'opens', '', COUNT(*) FROM campaign_messages m WHERE m.opened_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(m.clicked_at), 'clicks', '', COUNT(*) FROM campaign_messages m WHERE m.clicked_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(k.created_at), 'cases_opened', '', COUNT(*) FROM cases k GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(k.first_responded_at), 'first_responses', '', COUNT(*) FROM cases k WHERE k.first_responded_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(k.first_responded_at), 'first_response_minutes', '', SUM(CAST(round((julianday(k.first_responded_at) - julianday(k.created_at)) * 1440) AS INTEGER)) FROM cases k WHERE k.first_responded_at IS NOT NULL GROUP BY 1, 3 HAVING SUM(CAST(round((julianday(k.first_responded_at) - julianday(k.created_at)) * 1440) AS INTEGER)) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(k.resolved_at), 'resolved', '', COUNT(*) FROM cases k WHERE k.resolved_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(k.resolved_at), 'resolution_minutes', '', SUM(CAST(round((julianday(k.resolved_at) - julianday(k.created_at)) * 1440) AS INTEGER)) FROM cases k WHERE k.resolved_at IS NOT NULL GROUP BY 1, 3 HAVING SUM(CAST(round((julianday(k.resolved_at) - julianday(k.created_at)) * 1440) AS INTEGER)) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(k.resolved_at), 'resolved_in_sla', '', COUNT(*) FROM cases k WHERE k.resolved_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.case_id = k.id) GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(b.breached_at), 'sla_breaches', b.metric, COUNT(*) FROM sla_breaches b GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(o.closed_at), 'deals_won', '', COUNT(*) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.closed_at IS NOT NULL AND s.kind = 'won' GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(o.closed_at), 'won_amount', o.currency, SUM(o.amount) * 100 FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.closed_at IS NOT NULL AND s.kind = 'won' GROUP BY 1, 3 HAVING SUM(o.amount) * 100 <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(o.closed_at), 'won_cycle_days', '', SUM(CAST(round(julianday(o.closed_at) - julianday(o.created_at)) AS INTEGER)) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.closed_at IS NOT NULL AND s.kind = 'won' GROUP BY 1, 3 HAVING SUM(CAST(round(julianday(o.closed_at) - julianday(o.created_at)) AS INTEGER)) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(o.closed_at), 'deals_lost', '', COUNT(*) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.closed_at IS NOT NULL AND s.kind = 'lost' GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(v.answered_at), 'csat_answers', '', COUNT(*) FROM surveys v WHERE v.kind = 'csat' AND v.score IS NOT NULL AND v.answered_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(v.answered_at), 'csat_score', '', SUM(v.score) FROM surveys v WHERE v.kind = 'csat' AND v.score IS NOT NULL AND v.answered_at IS NOT NULL GROUP BY 1, 3 HAVING SUM(v.score) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(v.answered_at), 'csat_satisfied', '', SUM(CASE WHEN v.score >= 4 THEN 1 ELSE 0 END) FROM surveys v WHERE v.kind = 'csat' AND v.score IS NOT NULL AND v.answered_at IS NOT NULL GROUP BY 1, 3 HAVING SUM(CASE WHEN v.score >= 4 THEN 1 ELSE 0 END) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(v.answered_at), 'nps_answers', '', COUNT(*) FROM surveys v WHERE v.kind = 'nps' AND v.score IS NOT NULL AND v.answered_at IS NOT NULL GROUP BY 1, 3 HAVING COUNT(*) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(v.answered_at), 'nps_promoters', '', SUM(CASE WHEN v.score >= 9 THEN 1 ELSE 0 END) FROM surveys v WHERE v.kind = 'nps' AND v.score IS NOT NULL AND v.answered_at IS NOT NULL GROUP BY 1, 3 HAVING SUM(CASE WHEN v.score >= 9 THEN 1 ELSE 0 END) <> 0;
INSERT INTO kpi_daily (day, metric, dim, value)
    SELECT date(v.answered_at), 'nps_detractors', '', SUM(CASE WHEN v.score <= 6 THEN 1 ELSE 0 END) FROM surveys v WHERE v.kind = 'nps' AND v.score IS NOT NULL AND v.answered_at IS NOT NULL GROUP BY 1, 3 HAVING SUM(CASE WHEN v.score <= 6 THEN 1 ELSE 0 END) <> 0;

-- +goose Down
DROP TRIGGER kpi_orders_1;
DROP TRIGGER kpi_orders_2;
DROP TRIGGER kpi_orders_3;
DROP TRIGGER kpi_customers_4;
DROP TRIGGER kpi_customers_5;
DROP TRIGGER kpi_leads_6;
DROP TRIGGER kpi_interactions_7;
DROP TRIGGER kpi_campaign_messages_8;
DROP TRIGGER kpi_campaign_messages_9;
DROP TRIGGER kpi_cases_10;
DROP TRIGGER kpi_cases_11;
DROP TRIGGER kpi_cases_12;
DROP TRIGGER kpi_sla_breaches_13;
DROP TRIGGER kpi_opportunities_14;
DROP TRIGGER kpi_opportunities_15;
DROP TRIGGER kpi_opportunities_16;
DROP TRIGGER kpi_surveys_17;
DROP INDEX loyalty_members_status;
DROP INDEX opportunities_open_stage;
DROP TABLE cost_entries;
DROP TABLE kpi_daily;
