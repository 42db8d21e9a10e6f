package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
)

// A timeline merges several sources (notes, audit changes, and later
// interactions, orders, cases…). Each source is asked for the page after the
// cursor in the shared order (time, kind, id, all descending) and the results
// are merged, so a page never needs more than limit rows from each source.

// beforeCond returns the condition placing a row of kind strictly before the
// cursor in the timeline order, for the source's time and id columns.
func beforeCond(pos *customer.TimelinePos, kind, atCol, idCol string) (string, []any) {
	if pos == nil {
		return "", nil
	}
	switch {
	case kind < pos.Kind:
		return " AND " + atCol + " <= ?", []any{pos.At}
	case kind > pos.Kind:
		return " AND " + atCol + " < ?", []any{pos.At}
	default:
		return " AND (" + atCol + " < ? OR (" + atCol + " = ? AND " + idCol + " < ?))", []any{pos.At, pos.At, pos.RefID}
	}
}

// Timeline returns up to q.Limit events of a customer before q.Before.
func (s *Store) Timeline(ctx context.Context, q customer.TimelineQuery) ([]customer.Event, error) {
	c := s.readConn()
	var events []customer.Event
	if slices.Contains(q.Kinds, "note") {
		cond, args := beforeCond(q.Before, "note", "n.created_at", "n.id")
		rows, err := c.QueryContext(ctx, `SELECT n.id, n.created_at, n.body, n.pinned, COALESCE(u.name, '')
FROM customer_notes n LEFT JOIN users u ON u.id = n.author_id
WHERE n.customer_id = ?`+cond+` ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
			append(append([]any{q.CustomerID}, args...), q.Limit)...)
		if err != nil {
			return nil, fmt.Errorf("store: timeline notes: %w", err)
		}
		for rows.Next() {
			var ev customer.Event
			var pinned bool
			if err := rows.Scan(&ev.RefID, &ev.At, &ev.Body, &pinned, &ev.Actor); err != nil {
				rows.Close()
				return nil, err
			}
			ev.Kind, ev.Action, ev.Title = "note", "note", "Note"
			if pinned {
				ev.Title = "Pinned note"
			}
			events = append(events, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if slices.Contains(q.Kinds, "interaction") {
		cond, args := beforeCond(q.Before, "interaction", "i.occurred_at", "i.id")
		rows, err := c.QueryContext(ctx, `SELECT i.id, i.occurred_at, i.channel, i.direction, i.subject, i.body,
    COALESCE(u.name, '')
FROM interactions i LEFT JOIN users u ON u.id = i.handled_by
WHERE i.customer_id = ?`+cond+` ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?`,
			append(append([]any{q.CustomerID}, args...), q.Limit)...)
		if err != nil {
			return nil, fmt.Errorf("store: timeline interactions: %w", err)
		}
		for rows.Next() {
			var ev customer.Event
			var channel, direction, subject, body string
			if err := rows.Scan(&ev.RefID, &ev.At, &channel, &direction, &subject, &body, &ev.Actor); err != nil {
				rows.Close()
				return nil, err
			}
			ev.Kind, ev.Action = "interaction", channel
			ev.Title = customer.InteractionTitle(channel, direction, subject)
			ev.Body = body
			events = append(events, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if slices.Contains(q.Kinds, "order") {
		cond, args := beforeCond(q.Before, "order", "o.ordered_at", "o.id")
		rows, err := c.QueryContext(ctx, `SELECT o.id, o.ordered_at, COALESCE(o.external_id, ''), o.total, o.currency,
    o.line_count, o.status, o.source
FROM orders o WHERE o.customer_id = ?`+cond+` ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?`,
			append(append([]any{q.CustomerID}, args...), q.Limit)...)
		if err != nil {
			return nil, fmt.Errorf("store: timeline orders: %w", err)
		}
		for rows.Next() {
			var ev customer.Event
			var ext, currency, status, source string
			var total int64
			var lines int
			if err := rows.Scan(&ev.RefID, &ev.At, &ext, &total, &currency, &lines, &status, &source); err != nil {
				rows.Close()
				return nil, err
			}
			ev.Kind, ev.Action = "order", status
			ev.Title = "Order"
			if status == "returned" {
				ev.Title = "Return"
			}
			if ext != "" {
				ev.Title += " " + ext
			}
			ev.Body = fmt.Sprintf("%d %s, %s %s (%s)", lines, map[bool]string{true: "line", false: "lines"}[lines == 1],
				decimal4(total), currency, source)
			events = append(events, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if slices.Contains(q.Kinds, "change") {
		cond, args := beforeCond(q.Before, "change", "a.at", "a.id")
		// Notes and interactions show their own creation; their audit lines
		// would repeat it.
		rows, err := c.QueryContext(ctx, `SELECT a.id, a.at, a.action, a.entity_type, a.actor_label, a.changes
FROM audit_log a
WHERE a.customer_id = ? AND NOT (a.entity_type IN ('note', 'interaction') AND a.action = 'create')`+cond+`
ORDER BY a.at DESC, a.id DESC LIMIT ?`, append(append([]any{q.CustomerID}, args...), q.Limit)...)
		if err != nil {
			return nil, fmt.Errorf("store: timeline changes: %w", err)
		}
		keys, err := s.customerKeys(ctx, map[int64]bool{q.CustomerID: true})
		if err != nil {
			rows.Close()
			return nil, err
		}
		for rows.Next() {
			var ev customer.Event
			var entity, changes string
			if err := rows.Scan(&ev.RefID, &ev.At, &ev.Action, &entity, &ev.Actor, &changes); err != nil {
				rows.Close()
				return nil, err
			}
			var ch []audit.Change
			if err := json.Unmarshal([]byte(changes), &ch); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: timeline change %d: %w", ev.RefID, err)
			}
			for _, x := range ch {
				ev.Changes = append(ev.Changes, customer.Change{Field: x.Field, Old: unseal(keys[q.CustomerID], x.Old),
					New: unseal(keys[q.CustomerID], x.New)})
			}
			ev.Kind = "change"
			ev.Title = changeTitle(entity, ev.Action)
			events = append(events, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i := range events {
		events[i].At = events[i].At.UTC()
	}
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if !a.At.Equal(b.At) {
			return a.At.After(b.At)
		}
		if a.Kind != b.Kind {
			return a.Kind > b.Kind
		}
		return a.RefID > b.RefID
	})
	if len(events) > q.Limit {
		events = events[:q.Limit]
	}
	return events, nil
}

func changeTitle(entity, action string) string {
	titles := map[string]string{
		"customer/create": "Customer created", "customer/update": "Customer updated",
		"customer/delete": "Customer deleted", "customer/restore": "Customer restored",
		"note/update": "Note edited", "note/delete": "Note deleted",
		"consent/grant": "Consent given", "consent/withdraw": "Consent withdrawn",
		"customer/export":     "Data exported",
		"relationship/create": "Relationship added", "relationship/delete": "Relationship removed",
		"household/create": "Household started", "household/join": "Joined a household",
		"household/leave": "Left the household",
	}
	if t, ok := titles[entity+"/"+action]; ok {
		return t
	}
	return entity + " " + action
}

// decimal4 writes an amount kept in ten-thousandths with two decimals (or
// more when they are not zero).
func decimal4(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%d.%04d", v/10000, v%10000)
	for len(s) > 0 && s[len(s)-1] == '0' && s[len(s)-3] != '.' {
		s = s[:len(s)-1]
	}
	if neg {
		s = "-" + s
	}
	return s
}
