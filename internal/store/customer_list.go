package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
)

// The customer list is built from an allow-list: every column, operator and
// order below is fixed text, and every value a parameter. It is written by
// hand because its search clause differs per engine (FTS5 or tsvector) and
// its filters and order vary.

// searchClause returns the engine's full-text condition for prefix terms.
// Terms are folded letters and digits only (customer.SearchTerms), so they
// cannot carry query syntax; they are still quoted.
func (s *Store) searchClause(terms []string, namesOnly bool) (string, any) {
	if s.engine == Postgres {
		parts := make([]string, len(terms))
		weight := ""
		if namesOnly {
			weight = "A"
		}
		for i, t := range terms {
			parts[i] = "'" + t + "':*" + weight
		}
		return "c.search_vector @@ to_tsquery('simple', ?)", strings.Join(parts, " & ")
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + t + `"*`
	}
	expr := strings.Join(parts, " AND ")
	if namesOnly {
		expr = "search_names : (" + expr + ")"
	}
	return "customer_search MATCH ?", expr
}

// fromClause is the FROM of customer lists and counts. On SQLite a search
// drives the query from the FTS5 index, joined to customers by rowid, so that
// the newest matches come straight out of the index in rowid order and a
// page or a capped count stops early instead of collecting every match.
func (s *Store) fromClause(q customer.ListQuery) string {
	if s.engine == SQLite && len(q.Terms) > 0 {
		return " FROM customer_search JOIN customers c ON c.id = customer_search.rowid"
	}
	return " FROM customers c"
}

// idColumn is the column that orders by creation: the FTS5 rowid while it
// drives a search, so that SQLite can take its order from the index.
func (s *Store) idColumn(q customer.ListQuery) string {
	if s.engine == SQLite && len(q.Terms) > 0 {
		return "customer_search.rowid"
	}
	return "c.id"
}

type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// visibility adds the scope condition of a reader.
func (w *where) visibility(v customer.Visibility) {
	switch v.Scope {
	case auth.ScopeTeam:
		w.add("(c.owner_id = ? OR c.team_id = ?)", v.UserID, v.TeamID)
	case auth.ScopeOwn:
		w.add("c.owner_id = ?", v.UserID)
	}
}

// filterWhere builds the conditions every customer list and count share.
func (s *Store) filterWhere(ctx context.Context, q customer.ListQuery) (*where, error) {
	w := &where{}
	if q.Deleted {
		w.add("c.deleted_at IS NOT NULL")
	} else {
		w.add("c.deleted_at IS NULL")
	}
	w.visibility(q.Visibility)
	if len(q.Terms) > 0 {
		cond, arg := s.searchClause(q.Terms, q.NamesOnly)
		w.add(cond, arg)
	}
	if q.Tag != "" {
		w.add("EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)", q.Tag)
	}
	if q.ListID != 0 {
		w.add("EXISTS (SELECT 1 FROM customer_list_members m WHERE m.customer_id = c.id AND m.list_id = ?)", q.ListID)
	}
	if q.OwnerID != 0 {
		w.add("c.owner_id = ?", q.OwnerID)
	}
	if q.Stage != "" {
		w.add("c.lifecycle_stage = ?", q.Stage)
	}
	if q.Status != "" {
		w.add("c.status = ?", q.Status)
	}
	if q.Kind != "" {
		w.add("c.kind = ?", string(q.Kind))
	}
	if !q.CreatedFrom.IsZero() {
		w.add("c.created_at >= ?", q.CreatedFrom.UTC())
	}
	if !q.CreatedTo.IsZero() {
		w.add("c.created_at < ?", q.CreatedTo.UTC())
	}
	if q.SegmentID != 0 {
		rc := &ruleSQL{s: s, ctx: ctx, now: time.Now().UTC()}
		cond, err := rc.segment("=", q.SegmentID)
		if err != nil {
			return nil, err
		}
		w.add(cond, rc.args...)
	}
	return w, nil
}

// CountCustomers counts the customers matching a query (its page is
// ignored), stopping at upTo when upTo > 0 so that a count over a large
// database costs no more than reading upTo index entries.
func (s *Store) CountCustomers(ctx context.Context, q customer.ListQuery, upTo int) (int, error) {
	w, err := s.filterWhere(ctx, q)
	if err != nil {
		return 0, err
	}
	query := "SELECT COUNT(*)" + s.fromClause(q) + w.sql()
	args := w.args
	if upTo > 0 {
		query = "SELECT COUNT(*) FROM (SELECT 1" + s.fromClause(q) + w.sql() + " LIMIT ?) AS capped"
		args = append(args, upTo)
	}
	var n int
	err = s.readConn().QueryRowContext(ctx, query, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count customers: %w", err)
	}
	return n, nil
}

// ListCustomers returns one page of customer summaries.
func (s *Store) ListCustomers(ctx context.Context, q customer.ListQuery) ([]customer.Summary, error) {
	w, err := s.filterWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	order := ""
	switch q.Sort {
	case "created":
		order = s.idColumn(q) + " ASC"
		if q.After != nil {
			w.add(s.idColumn(q)+" > ?", q.After.ID)
		}
	case "name":
		order = "c.sort_name ASC, c.id ASC"
		if q.After != nil {
			w.add("(c.sort_name > ? OR (c.sort_name = ? AND c.id > ?))", q.After.Value, q.After.Value, q.After.ID)
		}
	case "-name":
		order = "c.sort_name DESC, c.id DESC"
		if q.After != nil {
			w.add("(c.sort_name < ? OR (c.sort_name = ? AND c.id < ?))", q.After.Value, q.After.Value, q.After.ID)
		}
	case "updated":
		order = "c.updated_at ASC, c.id ASC"
		if q.After != nil {
			w.add("(c.updated_at > ? OR (c.updated_at = ? AND c.id > ?))", q.After.Time, q.After.Time, q.After.ID)
		}
	case "-updated":
		order = "c.updated_at DESC, c.id DESC"
		if q.After != nil {
			w.add("(c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))", q.After.Time, q.After.Time, q.After.ID)
		}
	default: // "-created"
		order = s.idColumn(q) + " DESC"
		if q.After != nil {
			w.add(s.idColumn(q)+" < ?", q.After.ID)
		}
	}
	query := `SELECT c.id, c.kind, c.display_name, c.lifecycle_stage, c.status,
    COALESCE(c.owner_id, 0), COALESCE(c.team_id, 0), c.created_at, c.updated_at, c.deleted_at,
    COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = c.id AND p.kind = 'email' AND p.is_primary), ''),
    COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = c.id AND p.kind = 'phone' AND p.is_primary), ''),
    COALESCE(u.name, '')
` + s.fromClause(q) + ` LEFT JOIN users u ON u.id = c.owner_id` + w.sql() + " ORDER BY " + order + " LIMIT ?"
	args := append(w.args, q.Limit)
	rows, err := s.readConn().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list customers: %w", err)
	}
	defer rows.Close()
	var out []customer.Summary
	for rows.Next() {
		var sm customer.Summary
		var deleted sql.NullTime
		var kind string
		if err := rows.Scan(&sm.ID, &kind, &sm.Name, &sm.LifecycleStage, &sm.Status, &sm.OwnerID, &sm.TeamID,
			&sm.CreatedAt, &sm.UpdatedAt, &deleted, &sm.Email, &sm.Phone, &sm.OwnerName); err != nil {
			return nil, fmt.Errorf("store: scan customer: %w", err)
		}
		sm.Kind = customer.Kind(kind)
		sm.CreatedAt, sm.UpdatedAt = sm.CreatedAt.UTC(), sm.UpdatedAt.UTC()
		if deleted.Valid {
			sm.DeletedAt = deleted.Time.UTC()
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

// ListTags counts tags over the live customers a reader may see.
func (s *Store) ListTags(ctx context.Context, v customer.Visibility) ([]customer.TagCount, error) {
	var w where
	w.add("c.deleted_at IS NULL")
	w.visibility(v)
	query := `SELECT t.tag, COUNT(*) FROM customer_tags t JOIN customers c ON c.id = t.customer_id` + w.sql() +
		` GROUP BY t.tag ORDER BY t.tag LIMIT 500`
	rows, err := s.readConn().QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list tags: %w", err)
	}
	defer rows.Close()
	var out []customer.TagCount
	for rows.Next() {
		var tc customer.TagCount
		if err := rows.Scan(&tc.Tag, &tc.Customers); err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}
