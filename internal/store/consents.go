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
		return t.appendAudit(ctx, e)
	})
	return id, err
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
