package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// CreateInteraction stores an interaction with its audit entry.
func (s *Store) CreateInteraction(ctx context.Context, it customer.Interaction, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if it.HandledBy != 0 {
			if _, err := t.q.FindUser(ctx, it.HandledBy); err != nil {
				return notFoundOr(err, "User not found.")
			}
		}
		var dur sql.NullInt64
		if it.Duration > 0 {
			dur = sql.NullInt64{Int64: int64(it.Duration / time.Second), Valid: true}
		}
		var err error
		id, err = t.q.InsertInteraction(ctx, sqlcdb.InsertInteractionParams{CustomerID: it.CustomerID,
			Channel: it.Channel, Direction: it.Direction, Subject: it.Subject, Body: it.Body, OccurredAt: it.OccurredAt,
			DurationSeconds: dur, HandledBy: nullID(it.HandledBy), Source: it.Source, ExternalID: nullString(it.ExternalID),
			RelatedType: it.RelatedType, RelatedID: nullID(it.RelatedID), CreatedBy: nullID(it.CreatedBy),
			CreatedAt: it.CreatedAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindInteraction returns one interaction.
func (s *Store) FindInteraction(ctx context.Context, id int64) (customer.Interaction, error) {
	r, err := s.reader().FindInteraction(ctx, id)
	if err != nil {
		return customer.Interaction{}, notFoundOr(err, "Interaction not found.")
	}
	return customer.Interaction{ID: r.ID, CustomerID: r.CustomerID, Channel: r.Channel, Direction: r.Direction,
		Subject: r.Subject, Body: r.Body, OccurredAt: r.OccurredAt.UTC(),
		Duration: time.Duration(r.DurationSeconds.Int64) * time.Second, HandledBy: r.HandledBy.Int64,
		HandledByName: r.HandledByName, Source: r.Source, ExternalID: r.ExternalID.String, RelatedType: r.RelatedType,
		RelatedID: r.RelatedID.Int64, CreatedBy: r.CreatedBy.Int64, CreatedAt: r.CreatedAt.UTC()}, nil
}
