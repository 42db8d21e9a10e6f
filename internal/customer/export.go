package customer

import (
	"context"
	"fmt"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
)

// DataExport is everything SCRMS holds about one customer, for a data
// subject's access request: the record, its notes, and its whole timeline
// (interactions and every recorded change), and its consent history.
type DataExport struct {
	Customer Customer
	Notes    []Note
	Consents []ConsentEvent
	Events   []Event
}

// maxExportEvents bounds one export; a customer with more events gets the
// newest ones and the export says it was cut.
const maxExportEvents = 100_000

// ExportCustomerData gathers everything about a customer the actor may see.
// It needs both the export and the personal-data permission, because it
// reveals contact details by design, and it is recorded in the audit log.
func (s *Service) ExportCustomerData(ctx context.Context, a auth.Actor, id int64) (DataExport, bool, error) {
	if err := a.Require(auth.CustomerExport); err != nil {
		return DataExport{}, false, err
	}
	if err := a.Require(auth.CustomerPII); err != nil {
		return DataExport{}, false, err
	}
	c, err := s.findVisible(ctx, a, id)
	if err != nil {
		return DataExport{}, false, err
	}
	x := DataExport{Customer: c}
	if x.Notes, err = s.store.ListNotes(ctx, id, 10_000); err != nil {
		return DataExport{}, false, fmt.Errorf("customer: export notes: %w", err)
	}
	if x.Consents, err = s.store.ListConsentEvents(ctx, id); err != nil {
		return DataExport{}, false, fmt.Errorf("customer: export consents: %w", err)
	}
	q := TimelineQuery{CustomerID: id, Kinds: TimelineKinds, Limit: 1000}
	cut := false
	for {
		page, err := s.store.Timeline(ctx, q)
		if err != nil {
			return DataExport{}, false, fmt.Errorf("customer: export timeline: %w", err)
		}
		x.Events = append(x.Events, page...)
		if len(page) < q.Limit {
			break
		}
		if len(x.Events) >= maxExportEvents {
			cut = true
			break
		}
		last := page[len(page)-1]
		q.Before = &TimelinePos{At: last.At, Kind: last.Kind, RefID: last.RefID}
	}
	scrubErased(c, x.Events)
	e := a.Audit("export", "customer", id, s.now())
	e.CustomerID = id
	e.Changes = []audit.Change{{Field: "scope", New: "all data of one customer"},
		{Field: "events", New: fmt.Sprint(len(x.Events))}}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		return DataExport{}, false, fmt.Errorf("customer: audit export: %w", err)
	}
	return x, cut, nil
}
