package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/marketing"
)

const templateColumns = `id, name, channel, purpose, subject, preheader, blocks, text_body, COALESCE(created_by, 0),
    created_at, updated_at FROM email_templates`

func scanTemplate(row interface{ Scan(...any) error }) (marketing.Template, error) {
	var t marketing.Template
	var blocks string
	if err := row.Scan(&t.ID, &t.Name, &t.Channel, &t.Purpose, &t.Subject, &t.Preheader, &blocks, &t.TextBody, &t.CreatedBy,
		&t.CreatedAt, &t.UpdatedAt); err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(blocks), &t.Blocks); err != nil {
		return t, fmt.Errorf("store: template %d blocks: %w", t.ID, err)
	}
	return t, nil
}

// CreateTemplate stores an email template (Conflict when the name is taken).
func (s *Store) CreateTemplate(ctx context.Context, t marketing.Template, e audit.Entry) (int64, error) {
	blocks, _ := json.Marshal(t.Blocks)
	var id int64
	err := s.inTx(ctx, func(x *tx) error {
		if err := x.c.QueryRowContext(ctx, `INSERT INTO email_templates (name, channel, purpose, subject, preheader, blocks,
    text_body, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.Name, t.Channel, t.Purpose, t.Subject,
			t.Preheader, string(blocks), t.TextBody, nullID(t.CreatedBy), t.CreatedAt, t.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return x.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateTemplate stores a template's new content.
func (s *Store) UpdateTemplate(ctx context.Context, t marketing.Template, e audit.Entry) error {
	blocks, _ := json.Marshal(t.Blocks)
	return s.inTx(ctx, func(x *tx) error {
		if _, err := x.c.ExecContext(ctx, `UPDATE email_templates SET name = ?, channel = ?, purpose = ?, subject = ?, preheader = ?,
    blocks = ?, text_body = ?, updated_at = ? WHERE id = ?`, t.Name, t.Channel, t.Purpose, t.Subject, t.Preheader, string(blocks),
			t.TextBody, t.UpdatedAt, t.ID); err != nil {
			return mapErr(err)
		}
		return x.appendAudit(ctx, e)
	})
}

// Templates lists the templates by name.
func (s *Store) Templates(ctx context.Context) ([]marketing.Template, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+templateColumns+` ORDER BY name LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FindTemplate returns a template.
func (s *Store) FindTemplate(ctx context.Context, id int64) (marketing.Template, error) {
	t, err := scanTemplate(s.readConn().QueryRowContext(ctx, `SELECT `+templateColumns+` WHERE id = ?`, id))
	return t, notFoundOr(err, fmt.Sprintf("Template %d was not found.", id))
}

const campaignColumns = `id, name, channel, template_id, segment_id, status, scheduled_at, started_at, finished_at, prepared,
    recipients, cost, topic, ab_subjects, ab_share, ab_metric, ab_wait_minutes, ab_until, ab_winner, ab_note,
    COALESCE(created_by, 0), created_at, updated_at FROM campaigns`

func scanCampaign(row interface{ Scan(...any) error }) (marketing.Campaign, error) {
	var c marketing.Campaign
	var sched, started, finished, abUntil sql.NullTime
	var subjects string
	var waitMinutes int
	err := row.Scan(&c.ID, &c.Name, &c.Channel, &c.TemplateID, &c.SegmentID, &c.Status, &sched, &started, &finished,
		&c.Prepared, &c.Recipients, &c.Cost, &c.Topic, &subjects, &c.AB.Share, &c.AB.Metric, &waitMinutes, &abUntil, &c.AB.Winner,
		&c.AB.Note, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	c.ScheduledAt, c.StartedAt, c.FinishedAt = timeOf(sched), timeOf(started), timeOf(finished)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.AB.Wait, c.AB.Until = time.Duration(waitMinutes)*time.Minute, timeOf(abUntil)
	if err := json.Unmarshal([]byte(subjects), &c.AB.Subjects); err != nil {
		return c, fmt.Errorf("store: campaign %d subjects: %w", c.ID, err)
	}
	return c, nil
}

// CreateCampaign stores a campaign.
func (s *Store) CreateCampaign(ctx context.Context, c marketing.Campaign, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(x *tx) error {
		subjects, _ := json.Marshal(c.AB.Subjects)
		if c.AB.Subjects == nil {
			subjects = []byte("[]")
		}
		metric := c.AB.Metric
		if metric == "" {
			metric = "open"
		}
		if err := x.c.QueryRowContext(ctx, `INSERT INTO campaigns (name, channel, template_id, segment_id, status, scheduled_at,
    cost, topic, ab_subjects, ab_share, ab_metric, ab_wait_minutes, created_by, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Name, c.Channel, c.TemplateID, c.SegmentID, c.Status,
			nullTime(c.ScheduledAt), c.Cost, c.Topic, string(subjects), c.AB.Share, metric, int(c.AB.Wait/time.Minute),
			nullID(c.CreatedBy), c.CreatedAt, c.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return x.appendAudit(ctx, e)
	})
	return id, err
}

// FindCampaign returns a campaign.
func (s *Store) FindCampaign(ctx context.Context, id int64) (marketing.Campaign, error) {
	c, err := scanCampaign(s.readConn().QueryRowContext(ctx, `SELECT `+campaignColumns+` WHERE id = ?`, id))
	return c, notFoundOr(err, fmt.Sprintf("Campaign %d was not found.", id))
}

// Campaigns lists the campaigns, newest first.
func (s *Store) Campaigns(ctx context.Context) ([]marketing.Campaign, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+campaignColumns+` ORDER BY id DESC LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetCampaignStatus moves a campaign between statuses (a compare-and-set).
func (s *Store) SetCampaignStatus(ctx context.Context, id int64, from []string, to string, at time.Time, e audit.Entry) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(x *tx) error {
		args := []any{to, at}
		set := "status = ?, updated_at = ?"
		switch to {
		case marketing.Sending:
			set += ", started_at = COALESCE(started_at, ?)"
			args = append(args, at)
		case marketing.Sent, marketing.Cancelled:
			set += ", finished_at = ?, lease_owner = '', lease_until = NULL"
			args = append(args, at)
		case marketing.Paused:
			set += ", lease_owner = '', lease_until = NULL"
		}
		args = append(args, id)
		marks := make([]string, len(from))
		for i, f := range from {
			marks[i] = "?"
			args = append(args, f)
		}
		res, err := x.c.ExecContext(ctx, `UPDATE campaigns SET `+set+` WHERE id = ? AND status IN (`+strings.Join(marks, ", ")+`)`,
			args...)
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		e.EntityID = id
		e.Changes = append(e.Changes, audit.Change{Field: "status", New: to})
		return x.appendAudit(ctx, e)
	})
	return n == 1, err
}

// consentFor is true when a customer agrees to marketing on a channel now
// (the channels are kept current with each consent event).
func consentFor(channel string) string {
	if channel != "sms" {
		channel = "email"
	}
	return `c.marketing_channels LIKE '%,` + channel + `,%'`
}

// PrepareRecipients lists the campaign's recipients in its ledger, in the
// database: the segment's live customers with a primary email address,
// not suppressed, and (unless transactional) consenting to email marketing.
func (s *Store) PrepareRecipients(ctx context.Context, c marketing.Campaign, r marketing.Rule, transactional bool, now time.Time) (int, error) {
	w, err := s.segmentWhere(ctx, r, customer.Visibility{Scope: auth.ScopeAll}, now)
	if err != nil {
		return 0, err
	}
	w.add("NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = cp.value)")
	kind := "email"
	if c.Channel == "sms" {
		kind = "phone"
	}
	if !transactional {
		w.add(consentFor(c.Channel))
		if c.Topic != "" {
			w.add("c.marketing_topics_out NOT LIKE ?", "%,"+c.Topic+",%")
		}
	}
	var n int
	err = s.inTx(ctx, func(x *tx) error {
		if _, err := x.c.ExecContext(ctx, `INSERT INTO campaign_messages (campaign_id, customer_id, email, status)
    SELECT ?, c.id, cp.value, 'queued' FROM customers c
    JOIN contact_points cp ON cp.customer_id = c.id AND cp.kind = ? AND cp.is_primary`+w.sql()+`
    ON CONFLICT DO NOTHING`, append([]any{c.ID, kind}, w.args...)...); err != nil {
			return fmt.Errorf("store: campaign recipients: %w", err)
		}
		if err := x.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ?`, c.ID).Scan(&n); err != nil {
			return err
		}
		if c.AB.Active() {
			// A spread-out share of the recipients (by a hash of the row id)
			// takes part in the test, the subjects in turn.
			if _, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET variant = 1 + (id % ?)
    WHERE campaign_id = ? AND (id * 7919) % 100 < ?`, len(c.AB.Subjects), c.ID, c.AB.Share); err != nil {
				return err
			}
		}
		_, err := x.c.ExecContext(ctx, `UPDATE campaigns SET prepared = TRUE, recipients = ? WHERE id = ?`, n, c.ID)
		return err
	})
	return n, err
}

// TakeLease gives a campaign's sending to owner until a time.
func (s *Store) TakeLease(ctx context.Context, id int64, owner string, now, until time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(x *tx) error {
		res, err := x.c.ExecContext(ctx, `UPDATE campaigns SET lease_owner = ?, lease_until = ? WHERE id = ?
    AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until < ?)`, owner, until, id, owner, now)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// NextRecipients returns ledger rows to send, with the fields templates use
// and whether consent and suppressions still allow them now.
func (s *Store) NextRecipients(ctx context.Context, campaignID, afterID int64, n int, transactional, testing bool,
	recentSince time.Time, channel, topic string) ([]marketing.Recipient, error) {
	allowed := "NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = m.email)"
	args := []any{}
	if !transactional {
		allowed += " AND " + consentFor(channel)
		if topic != "" {
			allowed += " AND c.marketing_topics_out NOT LIKE ?"
		}
	}
	only := ""
	if testing {
		only = " AND variant > 0"
	}
	// The placeholders in order: the recent count, the topic (in the
	// allowed test), then the batch's campaign, cursor and size.
	recent := "0"
	if !recentSince.IsZero() {
		recent = `(SELECT COUNT(*) FROM campaign_messages f JOIN campaigns fc ON fc.id = f.campaign_id
        JOIN email_templates ft ON ft.id = fc.template_id
        WHERE f.customer_id = c.id AND f.status = 'sent' AND f.sent_at > ? AND ft.purpose = 'marketing')`
		args = append(args, recentSince)
	}
	if !transactional && topic != "" {
		args = append(args, "%,"+topic+",%")
	}
	args = append(args, campaignID, afterID, n)
	rows, err := s.readConn().QueryContext(ctx, `SELECT m.id, m.customer_id, m.email, m.status, m.variant, c.time_zone,
    c.quiet_hours, `+recent+`,
    c.first_name, c.last_name,
    c.display_name, COALESCE(a.city, ''), COALESCE(a.country, ''),
    CASE WHEN c.deleted_at IS NULL AND c.erased_at IS NULL AND m.email <> '' AND `+allowed+` THEN 1 ELSE 0 END
    FROM (SELECT id, campaign_id, customer_id, email, status, variant FROM campaign_messages
        WHERE campaign_id = ? AND id > ? AND status IN ('queued', 'sending')`+only+` ORDER BY id LIMIT ?) m
    JOIN customers c ON c.id = m.customer_id
    LEFT JOIN customer_addresses a ON a.customer_id = c.id AND a.position = 0
    ORDER BY m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: campaign recipients: %w", err)
	}
	defer rows.Close()
	var out []marketing.Recipient
	for rows.Next() {
		var r marketing.Recipient
		var status, first, last, name, city, country string
		var ok int
		if err := rows.Scan(&r.MessageID, &r.CustomerID, &r.Email, &status, &r.Variant, &r.TimeZone, &r.QuietHours, &r.Recent,
			&first, &last, &name, &city, &country, &ok); err != nil {
			return nil, err
		}
		r.Allowed, r.MaybeDouble = ok == 1, status == "sending"
		r.Fields = map[string]string{"first_name": first, "last_name": last, "name": name, "email": r.Email, "city": city,
			"country": country, "customer_id": strconv.FormatInt(r.CustomerID, 10)}
		out = append(out, r)
	}
	return out, rows.Err()
}

func idList(ids []int64) (string, []any) {
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = "?", id
	}
	return "(" + strings.Join(marks, ", ") + ")", args
}

// Skip marks ledger rows that may no longer be sent.
func (s *Store) Skip(ctx context.Context, ids []int64, reason string) error {
	in, args := idList(ids)
	return s.inTx(ctx, func(x *tx) error {
		_, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET status = 'skipped', error = ? WHERE id IN `+in,
			append([]any{reason}, args...)...)
		return err
	})
}

// MarkDoubles flags rows found "sending" at the start of a run.
func (s *Store) MarkDoubles(ctx context.Context, ids []int64) error {
	in, args := idList(ids)
	return s.inTx(ctx, func(x *tx) error {
		_, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET maybe_double = TRUE WHERE id IN `+in, args...)
		return err
	})
}

// Record stores the outcomes of messages tried and marks the next ones as
// sending, in one transaction.
func (s *Store) Record(ctx context.Context, outs []marketing.Outcome, sending []int64, at time.Time) error {
	var ok []int64
	var failed []marketing.Outcome
	for _, o := range outs {
		if o.Err == "" {
			ok = append(ok, o.MessageID)
		} else {
			failed = append(failed, o)
		}
	}
	return s.inTx(ctx, func(x *tx) error {
		if len(ok) > 0 {
			in, args := idList(ok)
			if _, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET status = 'sent', sent_at = ?, attempts = attempts + 1
    WHERE id IN `+in, append([]any{at}, args...)...); err != nil {
				return err
			}
		}
		for _, f := range failed {
			msg := f.Err
			if len(msg) > 500 {
				msg = msg[:500]
			}
			if _, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET status = 'failed', error = ?, attempts = attempts + 1
    WHERE id = ?`, msg, f.MessageID); err != nil {
				return err
			}
		}
		if len(sending) > 0 {
			in, args := idList(sending)
			if _, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET status = 'sending' WHERE id IN `+in, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// CampaignStats counts a campaign's ledger.
func (s *Store) CampaignStats(ctx context.Context, id int64) (marketing.Stats, error) {
	var st marketing.Stats
	err := s.readConn().QueryRowContext(ctx, `SELECT
    COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'sending' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END), 0),
    COUNT(opened_at), COUNT(clicked_at), COUNT(unsubscribed_at), COUNT(bounced_at),
    COALESCE(SUM(CASE WHEN maybe_double THEN 1 ELSE 0 END), 0)
    FROM campaign_messages WHERE campaign_id = ?`, id).Scan(&st.Queued, &st.Sending, &st.Sent, &st.Failed, &st.Skipped,
		&st.Opened, &st.Clicked, &st.Unsubscribed, &st.Bounced, &st.MaybeDoubles)
	return st, err
}

// DueCampaigns returns scheduled campaigns whose time has come and sending
// ones whose lease has lapsed.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time) ([]marketing.Campaign, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+campaignColumns+` WHERE (status = 'scheduled' AND scheduled_at <= ?)
    OR (status = 'sending' AND (lease_until IS NULL OR lease_until < ?) AND (ab_until IS NULL OR ab_until <= ? OR ab_winner <> 0))
    ORDER BY id`, now, now, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MessageInfo returns a ledger row's campaign, customer, template and address.
func (s *Store) MessageInfo(ctx context.Context, id int64) (int64, int64, int64, string, error) {
	var campaign, cust, tpl int64
	var email string
	err := s.readConn().QueryRowContext(ctx, `SELECT m.campaign_id, m.customer_id, c.template_id, m.email
    FROM campaign_messages m JOIN campaigns c ON c.id = m.campaign_id WHERE m.id = ?`, id).Scan(&campaign, &cust, &tpl, &email)
	return campaign, cust, tpl, email, notFoundOr(err, "This link is not valid.")
}

// MarkEvent records the first open, click or unsubscribe of a message.
func (s *Store) MarkEvent(ctx context.Context, id int64, event string, at time.Time) error {
	col := map[string]string{"opened": "opened_at", "clicked": "clicked_at", "unsubscribed": "unsubscribed_at",
		"bounced": "bounced_at", "complained": "complained_at"}[event]
	if col == "" {
		return fault.New(fault.Invalid, "unknown event %q", event)
	}
	return s.inTx(ctx, func(x *tx) error {
		_, err := x.c.ExecContext(ctx, `UPDATE campaign_messages SET `+col+` = ? WHERE id = ? AND `+col+` IS NULL`, at, id)
		return err
	})
}

// Suppress adds an address to the suppression list (once).
func (s *Store) Suppress(ctx context.Context, email, reason string, at time.Time) error {
	return s.inTx(ctx, func(x *tx) error {
		_, err := x.c.ExecContext(ctx, `INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, ?)
    ON CONFLICT DO NOTHING`, strings.ToLower(email), reason, at)
		return err
	})
}

// VariantResults counts an A/B test's messages per variant.
func (s *Store) VariantResults(ctx context.Context, campaignID int64) ([]marketing.VariantResult, error) {
	// The test's own messages only: those that went before the wait began
	// (the rest get the winner's number too, later).
	rows, err := s.readConn().QueryContext(ctx, `SELECT m.variant, SUM(CASE WHEN m.status = 'sent' THEN 1 ELSE 0 END),
    COUNT(m.opened_at), COUNT(m.clicked_at) FROM campaign_messages m JOIN campaigns k ON k.id = m.campaign_id
    WHERE m.campaign_id = ? AND m.variant > 0 AND (k.ab_winner = 0 OR m.sent_at <= k.ab_until)
    GROUP BY m.variant ORDER BY m.variant`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.VariantResult
	for rows.Next() {
		var v marketing.VariantResult
		if err := rows.Scan(&v.Variant, &v.Sent, &v.Opened, &v.Clicked); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// StartTestWait sets when an A/B test's winner is chosen and lets go of
// the campaign's lease until then.
func (s *Store) StartTestWait(ctx context.Context, campaignID int64, until time.Time) error {
	return s.inTx(ctx, func(x *tx) error {
		_, err := x.c.ExecContext(ctx, `UPDATE campaigns SET ab_until = ?, lease_owner = '', lease_until = NULL
    WHERE id = ? AND ab_until IS NULL`, until, campaignID)
		return err
	})
}

// ChooseWinner records an A/B test's winner and gives its subject to the
// recipients who waited for it.
func (s *Store) ChooseWinner(ctx context.Context, campaignID int64, winner int, note string) error {
	return s.inTx(ctx, func(x *tx) error {
		res, err := x.c.ExecContext(ctx, `UPDATE campaigns SET ab_winner = ?, ab_note = ? WHERE id = ? AND ab_winner = 0`,
			winner, note, campaignID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		_, err = x.c.ExecContext(ctx, `UPDATE campaign_messages SET variant = ? WHERE campaign_id = ? AND variant = 0
    AND status = 'queued'`, winner, campaignID)
		return err
	})
}

// ReleaseLease lets go of a campaign held by owner.
func (s *Store) ReleaseLease(ctx context.Context, campaignID int64, owner string) error {
	return s.inTx(ctx, func(x *tx) error {
		_, err := x.c.ExecContext(ctx, `UPDATE campaigns SET lease_owner = '', lease_until = NULL WHERE id = ? AND lease_owner = ?`,
			campaignID, owner)
		return err
	})
}

// CampaignConversions returns the placed orders of a campaign's
// recipients since a time.
func (s *Store) CampaignConversions(ctx context.Context, campaignID int64, since time.Time) ([]marketing.Conversion, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT o.id, o.customer_id, o.ordered_at, o.currency, o.total
    FROM orders o JOIN campaign_messages m ON m.customer_id = o.customer_id AND m.campaign_id = ?
    WHERE o.status = 'placed' AND o.ordered_at >= ? ORDER BY o.ordered_at`, campaignID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Conversion
	for rows.Next() {
		var c marketing.Conversion
		if err := rows.Scan(&c.OrderID, &c.CustomerID, &c.At, &c.Currency, &c.Total); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// CampaignTouches returns the opened or clicked messages of any campaign
// sent to a campaign's recipients, since a time.
func (s *Store) CampaignTouches(ctx context.Context, campaignID int64, since time.Time) ([]marketing.Touch, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT t.customer_id, t.campaign_id, t.clicked_at, t.opened_at
    FROM campaign_messages m JOIN campaign_messages t ON t.customer_id = m.customer_id
    WHERE m.campaign_id = ? AND (t.clicked_at >= ? OR t.opened_at >= ?)`, campaignID, since, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Touch
	for rows.Next() {
		var t marketing.Touch
		var clicked, opened sql.NullTime
		if err := rows.Scan(&t.CustomerID, &t.CampaignID, &clicked, &opened); err != nil {
			return nil, err
		}
		// A click is the touch when there was one; else the open.
		if t.At = timeOf(clicked); t.At.IsZero() {
			t.At = timeOf(opened)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
