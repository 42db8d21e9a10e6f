package store

import (
	"context"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// CreateConsentEvent appends a grant or withdrawal to a customer's history.
func (s *Store) CreateConsentEvent(ctx context.Context, ev customer.ConsentEvent, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		id, err = t.q.InsertConsentEvent(ctx, sqlcdb.InsertConsentEventParams{CustomerID: ev.CustomerID,
			Purpose: ev.Purpose, Channel: ev.Channel, Status: ev.Status, Source: ev.Source, Proof: ev.Proof, Ip: ev.IP,
			RecordedBy: nullID(ev.RecordedBy), OccurredAt: ev.OccurredAt, CreatedAt: ev.CreatedAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		if err := t.refreshConsents(ctx, ev.CustomerID); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// marketingChannels are the channels customers.marketing_channels covers.
var marketingChannels = []string{"email", "sms", "phone", "post"}

// refreshConsents recomputes customers' current marketing channels from
// their consent history (the latest event on a channel, or on all, wins).
func (t *tx) refreshConsents(ctx context.Context, ids ...int64) error {
	for _, id := range ids {
		rows, err := t.c.QueryContext(ctx, `SELECT channel, status FROM consent_events WHERE customer_id = ? AND purpose = 'marketing'
    ORDER BY occurred_at DESC, id DESC`, id)
		if err != nil {
			return err
		}
		latest := map[string]string{}
		var order [][2]string
		for rows.Next() {
			var ch, st string
			if err := rows.Scan(&ch, &st); err != nil {
				rows.Close()
				return err
			}
			order = append(order, [2]string{ch, st})
		}
		rows.Close()
		for _, ch := range marketingChannels {
			for _, ev := range order {
				if ev[0] == ch || ev[0] == "all" {
					latest[ch] = ev[1]
					break
				}
			}
		}
		set := ""
		for _, ch := range marketingChannels {
			if latest[ch] == "granted" {
				set += "," + ch + ","
			}
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE customers SET marketing_channels = ? WHERE id = ?`, set, id); err != nil {
			return err
		}
	}
	return nil
}

// ListConsentEvents returns a customer's consent history, newest first.
func (s *Store) ListConsentEvents(ctx context.Context, customerID int64) ([]customer.ConsentEvent, error) {
	rows, err := s.reader().ListConsentEvents(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := make([]customer.ConsentEvent, len(rows))
	for i, r := range rows {
		out[i] = customer.ConsentEvent{ID: r.ID, CustomerID: r.CustomerID, Purpose: r.Purpose, Channel: r.Channel,
			Status: r.Status, Source: r.Source, Proof: r.Proof, IP: r.Ip, RecordedBy: r.RecordedBy.Int64,
			RecordedByName: r.RecordedByName, OccurredAt: r.OccurredAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}
