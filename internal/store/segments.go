package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/marketing"
)

// ruleSQL compiles segment rules to a condition on the customers table
// (aliased c), with its arguments. Relative times ("days ago") are turned
// into absolute cutoffs from now, so both engines compare plain timestamps.
type ruleSQL struct {
	s     *Store
	ctx   context.Context
	now   time.Time
	args  []any
	depth int
	seen  map[int64]bool // segments being compiled, against cycles
}

// money is how order amounts are stored: ten-thousandths of a unit.
const money = 10000

func (rc *ruleSQL) compile(r marketing.Rule) (string, error) {
	rc.depth++
	defer func() { rc.depth-- }()
	if rc.depth > 20 {
		return "", fault.Field("rules", "segments nest too deep")
	}
	join := func(rs []marketing.Rule, op string) (string, error) {
		parts := make([]string, len(rs))
		for i, sub := range rs {
			p, err := rc.compile(sub)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, " "+op+" ") + ")", nil
	}
	switch {
	case len(r.And) > 0:
		return join(r.And, "AND")
	case len(r.Or) > 0:
		return join(r.Or, "OR")
	case r.Not != nil:
		p, err := rc.compile(*r.Not)
		return "NOT " + p, err
	}
	return rc.condition(r)
}

func (rc *ruleSQL) arg(v any) string {
	rc.args = append(rc.args, v)
	return "?"
}

// exists writes "EXISTS (sub)" for = and "NOT EXISTS (sub)" for !=.
func exists(op, sub string) string {
	if op == "!=" {
		return "NOT EXISTS (" + sub + ")"
	}
	return "EXISTS (" + sub + ")"
}

// inSet writes "c.id IN (sub)" for = and "c.id NOT IN (sub)" for !=.
func inSet(op, sub string) string {
	if op == "!=" {
		return "c.id NOT IN (" + sub + ")"
	}
	return "c.id IN (" + sub + ")"
}

// daysAgo compares a timestamp column with "N days ago": fewer days ago is
// a later time, so the comparison turns around.
func (rc *ruleSQL) daysAgo(col, op string, days float64) string {
	cutoff := rc.now.Add(-time.Duration(days * float64(24*time.Hour)))
	flipped := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
	return "(" + col + " IS NOT NULL AND " + col + " " + flipped + " " + rc.arg(cutoff) + ")"
}

func (rc *ruleSQL) condition(r marketing.Rule) (string, error) {
	f, ok := marketing.FieldByName(r.Field)
	if !ok {
		return "", fault.Field("rules", "%q is not a field", r.Field)
	}
	num, _ := marketing.Num(r.Value)
	text, _ := r.Value.(string)
	cmp := func(expr string, v any) string { return "(" + expr + " " + r.Op + " " + rc.arg(v) + ")" }
	switch f.Name {
	case "kind":
		return cmp("c.kind", text), nil
	case "stage":
		return cmp("c.lifecycle_stage", text), nil
	case "status":
		return cmp("c.status", text), nil
	case "language":
		return cmp("c.language", text), nil
	case "industry":
		return cmp("c.industry", text), nil
	case "source":
		return cmp("c.referral_source", text), nil
	case "owner":
		return cmp("COALESCE(c.owner_id, 0)", int64(num)), nil
	case "age":
		// Born on or before the date N years ago means at least N years old.
		years := int(math.Floor(num))
		born := func(n int) string { return rc.now.AddDate(-n, 0, 0).Format("2006-01-02") }
		var cond string
		switch r.Op {
		case ">=":
			cond = "c.birth_date <= " + rc.arg(born(years))
		case ">":
			cond = "c.birth_date <= " + rc.arg(born(years+1))
		case "<":
			cond = "c.birth_date > " + rc.arg(born(years))
		case "<=":
			cond = "c.birth_date > " + rc.arg(born(years+1))
		case "=":
			cond = "c.birth_date > " + rc.arg(born(years+1)) + " AND c.birth_date <= " + rc.arg(born(years))
		default:
			cond = "NOT (c.birth_date > " + rc.arg(born(years+1)) + " AND c.birth_date <= " + rc.arg(born(years)) + ")"
		}
		return "(c.birth_date <> '' AND " + cond + ")", nil
	case "created_days":
		return rc.daysAgo("c.created_at", r.Op, num), nil
	case "birthday_in":
		if r.Op != "=" || num < 0 || num > 366 {
			return "", fault.Field("rules", "birthday_in takes = and a number of days from 0 to 366")
		}
		// The month and day of the birthday, N days from today.
		return "(c.birth_date <> '' AND substr(c.birth_date, 6, 5) = " +
			rc.arg(rc.now.AddDate(0, 0, int(num)).Format("01-02")) + ")", nil
	case "tag":
		// A set test rather than a probe per customer: the tag's customers
		// are read once through the (tag, customer_id) index.
		return inSet(r.Op, "SELECT t.customer_id FROM customer_tags t WHERE t.tag = "+rc.arg(text)), nil
	case "list":
		return inSet(r.Op, "SELECT m.customer_id FROM customer_list_members m WHERE m.list_id = "+rc.arg(int64(num))), nil
	case "segment":
		return rc.segment(r.Op, int64(num))
	case "country":
		return exists(r.Op, "SELECT 1 FROM customer_addresses a WHERE a.customer_id = c.id AND a.country = "+
			rc.arg(strings.ToUpper(text))), nil
	case "city":
		return exists(r.Op, "SELECT 1 FROM customer_addresses a WHERE a.customer_id = c.id AND LOWER(a.city) = "+
			rc.arg(strings.ToLower(text))), nil
	case "consent":
		// The channels the customer agrees to now, kept with each consent event.
		var cond string
		if rc.s.engine == SQLite {
			// instr is a plain substring test; LIKE folds case on every row.
			cond = "instr(c.marketing_channels, " + rc.arg(","+strings.ToLower(text)+",") + ") > 0"
		} else {
			cond = "c.marketing_channels LIKE " + rc.arg("%,"+strings.ToLower(text)+",%")
		}
		if r.Op == "!=" {
			cond = "NOT (" + cond + ")"
		}
		return "(" + cond + ")", nil
	case "orders":
		return cmp("c.order_count", int64(num)), nil
	case "spent":
		return cmp("c.total_spent", int64(math.Round(num*money))), nil
	case "last_order_days":
		return rc.daysAgo("c.last_order_at", r.Op, num), nil
	case "first_order_days":
		return rc.daysAgo("c.first_order_at", r.Op, num), nil
	case "bought":
		return exists(r.Op, `SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.customer_id = c.id AND o.status = 'placed' AND l.sku = `+rc.arg(text)), nil
	case "bought_category":
		return exists(r.Op, `SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id
    WHERE o.customer_id = c.id AND o.status = 'placed' AND p.category = `+rc.arg(text)), nil
	case "open_quotes":
		return cmp(`(SELECT COUNT(*) FROM quotes q WHERE q.customer_id = c.id AND q.status = 'sent')`, int64(num)), nil
	case "interactions_90d":
		return cmp(`(SELECT COUNT(*) FROM interactions i WHERE i.customer_id = c.id AND i.occurred_at >= `+
			rc.arg(rc.now.AddDate(0, 0, -90))+`)`, int64(num)), nil
	case "opened_days":
		return rc.daysAgo("(SELECT MAX(m.opened_at) FROM campaign_messages m WHERE m.customer_id = c.id)", r.Op, num), nil
	case "clicked_days":
		return rc.daysAgo("(SELECT MAX(m.clicked_at) FROM campaign_messages m WHERE m.customer_id = c.id)", r.Op, num), nil
	case "open_cases":
		return cmp(`(SELECT COUNT(*) FROM cases k WHERE k.customer_id = c.id AND k.status IN ('new', 'open', 'pending'))`,
			int64(num)), nil
	case "csat":
		return cmp(`(SELECT AVG(CAST(v.score AS REAL)) FROM surveys v WHERE v.customer_id = c.id AND v.kind = 'csat'
    AND v.score IS NOT NULL)`, num), nil
	case "nps":
		return cmp(`(SELECT v.score FROM surveys v WHERE v.customer_id = c.id AND v.kind = 'nps' AND v.score IS NOT NULL
    ORDER BY v.answered_at DESC, v.id DESC LIMIT 1)`, num), nil
	case "loyalty_member":
		return inSet(r.Op, `SELECT lm.customer_id FROM loyalty_members lm WHERE lm.status = 'active' AND lm.program_id = `+
			rc.arg(int64(num))), nil
	case "loyalty_tier":
		return inSet(r.Op, `SELECT lm.customer_id FROM loyalty_members lm JOIN loyalty_tiers lt ON lt.id = lm.tier_id
    WHERE LOWER(lt.name) = `+rc.arg(strings.ToLower(text))), nil
	case "loyalty_points":
		return cmp(`COALESCE((SELECT SUM(lm.balance) FROM loyalty_members lm WHERE lm.customer_id = c.id), 0)`, int64(num)), nil
	case "points_expiring_30d":
		return cmp(`COALESCE((SELECT SUM(x.remaining) FROM loyalty_members lm JOIN loyalty_transactions x ON x.member_id = lm.id
    WHERE lm.customer_id = c.id AND x.remaining > 0 AND x.status = 'posted' AND x.expires_at >= `+rc.arg(rc.now)+`
    AND x.expires_at < `+rc.arg(rc.now.AddDate(0, 0, 30))+`), 0)`, int64(num)), nil
	case "rfm_segment":
		return inSet(r.Op, "SELECT v.customer_id FROM customer_rfm v WHERE v.segment = "+rc.arg(strings.ToLower(text))), nil
	case "churn_risk":
		return cmp(`(SELECT v.risk FROM customer_churn v WHERE v.customer_id = c.id)`, num), nil
	case "p_alive":
		return cmp(`(SELECT v.p_alive FROM customer_clv v WHERE v.customer_id = c.id)`, num), nil
	case "predicted_purchases":
		return cmp(`(SELECT v.expected_purchases FROM customer_clv v WHERE v.customer_id = c.id)`, num), nil
	case "predicted_value":
		return cmp(`(SELECT v.expected_value FROM customer_clv v WHERE v.customer_id = c.id)`, int64(math.Round(num*money))), nil
	}
	return "", fault.Field("rules", "%q cannot be used in a segment yet", r.Field)
}

// segment is membership of another segment: a snapshot's listed members,
// or a dynamic segment's own rules, compiled in place.
func (rc *ruleSQL) segment(op string, id int64) (string, error) {
	if rc.seen[id] {
		return "", fault.Field("rules", "segment %d refers back to itself", id)
	}
	sg, err := rc.s.FindSegment(rc.ctx, id)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return "", fault.Field("rules", "segment %d does not exist", id)
		}
		return "", err
	}
	if sg.Static {
		return exists(op, "SELECT 1 FROM segment_members sm WHERE sm.customer_id = c.id AND sm.segment_id = "+rc.arg(id)), nil
	}
	if rc.seen == nil {
		rc.seen = map[int64]bool{}
	}
	rc.seen[id] = true
	defer delete(rc.seen, id)
	inner, err := rc.compile(sg.Rules)
	if err != nil {
		return "", err
	}
	if op == "!=" {
		return "NOT " + inner, nil
	}
	return inner, nil
}

// segmentWhere is the condition set of the live customers matching rules
// that a reader may see.
func (s *Store) segmentWhere(ctx context.Context, r marketing.Rule, v customer.Visibility, now time.Time) (*where, error) {
	rc := &ruleSQL{s: s, ctx: ctx, now: now}
	cond, err := rc.compile(r)
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add("c.deleted_at IS NULL AND c.merged_into IS NULL AND c.erased_at IS NULL")
	w.visibility(v)
	w.add(cond, rc.args...)
	return w, nil
}

// parallelCountFrom is the size of base (by highest customer id) from
// which SQLite counts a segment in parallel ranges.
var parallelCountFrom int64 = 100_000

// CountRule counts the live customers a reader may see who match rules.
func (s *Store) CountRule(ctx context.Context, r marketing.Rule, v customer.Visibility, now time.Time) (int, error) {
	w, err := s.segmentWhere(ctx, r, v, now)
	if err != nil {
		return 0, err
	}
	q := `SELECT COUNT(*) FROM customers c` + w.sql()
	var top int64
	if s.engine == SQLite {
		if err := s.readConn().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM customers`).Scan(&top); err != nil {
			return 0, fmt.Errorf("store: count segment: %w", err)
		}
	}
	// SQLite scans with one core per query: a large base is counted in
	// ranges of ids on as many readers at once as there are cores
	// (PostgreSQL plans its own parallel scans).
	parts := min(runtime.NumCPU(), 4)
	if top < parallelCountFrom || parts < 2 {
		var n int
		if err := s.readConn().QueryRowContext(ctx, q, w.args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("store: count segment: %w", err)
		}
		return n, nil
	}
	counts := make([]int, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := top*int64(i)/int64(parts), top*int64(i+1)/int64(parts)
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append(slices.Clip(w.args), lo, hi)
			errs[i] = s.readConn().QueryRowContext(ctx, q+` AND c.id > ? AND c.id <= ?`, args...).Scan(&counts[i])
		}()
	}
	wg.Wait()
	n := 0
	for i := range parts {
		if errs[i] != nil {
			return 0, fmt.Errorf("store: count segment: %w", errs[i])
		}
		n += counts[i]
	}
	return n, nil
}

// SampleRule returns up to limit matching customers, newest first.
func (s *Store) SampleRule(ctx context.Context, r marketing.Rule, v customer.Visibility, now time.Time, limit int) ([]customer.Summary, error) {
	w, err := s.segmentWhere(ctx, r, v, now)
	if err != nil {
		return nil, err
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id, c.kind, c.display_name, c.lifecycle_stage, c.status,
    COALESCE(c.owner_id, 0), COALESCE(c.team_id, 0), c.created_at, c.updated_at,
    COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = c.id AND p.kind = 'email' AND p.is_primary), '')
    FROM customers c`+w.sql()+` ORDER BY c.id DESC LIMIT ?`, append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: segment sample: %w", err)
	}
	defer rows.Close()
	var out []customer.Summary
	for rows.Next() {
		var sm customer.Summary
		var kind string
		if err := rows.Scan(&sm.ID, &kind, &sm.Name, &sm.LifecycleStage, &sm.Status, &sm.OwnerID, &sm.TeamID,
			&sm.CreatedAt, &sm.UpdatedAt, &sm.Email); err != nil {
			return nil, err
		}
		sm.Kind, sm.CreatedAt, sm.UpdatedAt = customer.Kind(kind), sm.CreatedAt.UTC(), sm.UpdatedAt.UTC()
		out = append(out, sm)
	}
	return out, rows.Err()
}

const segmentColumns = `id, name, description, rules, static, member_count, counted_at, COALESCE(created_by, 0),
    created_at, updated_at FROM segments`

func scanSegment(row interface{ Scan(...any) error }) (marketing.Segment, error) {
	var sg marketing.Segment
	var rules string
	var counted sql.NullTime
	if err := row.Scan(&sg.ID, &sg.Name, &sg.Description, &rules, &sg.Static, &sg.MemberCount, &counted, &sg.CreatedBy,
		&sg.CreatedAt, &sg.UpdatedAt); err != nil {
		return sg, err
	}
	sg.CountedAt, sg.CreatedAt, sg.UpdatedAt = timeOf(counted), sg.CreatedAt.UTC(), sg.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(rules), &sg.Rules); err != nil {
		return sg, fmt.Errorf("store: segment %d rules: %w", sg.ID, err)
	}
	return sg, nil
}

// CreateSegment stores a segment (Conflict when the name is taken).
func (s *Store) CreateSegment(ctx context.Context, sg marketing.Segment, e audit.Entry) (int64, error) {
	rules, _ := json.Marshal(sg.Rules)
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO segments (name, description, rules, static, created_by, created_at,
    updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, sg.Name, sg.Description, string(rules), sg.Static,
			nullID(sg.CreatedBy), sg.CreatedAt, sg.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateSegment stores a segment's new name and rules.
func (s *Store) UpdateSegment(ctx context.Context, sg marketing.Segment, e audit.Entry) error {
	rules, _ := json.Marshal(sg.Rules)
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE segments SET name = ?, description = ?, rules = ?, updated_at = ? WHERE id = ?`,
			sg.Name, sg.Description, string(rules), sg.UpdatedAt, sg.ID); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// DeleteSegment removes a segment (Conflict while a campaign or another
// segment uses it).
func (s *Store) DeleteSegment(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		var users int
		if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE id <> ? AND rules LIKE ?`, id,
			fmt.Sprintf(`%%"field":"segment","op":%%"value":%d}%%`, id)).Scan(&users); err != nil {
			return err
		}
		if users > 0 {
			return fault.New(fault.Conflict, "Another segment uses this one; change it first.")
		}
		if _, err := t.c.ExecContext(ctx, `DELETE FROM segment_members WHERE segment_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `DELETE FROM segments WHERE id = ?`, id); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// Segments lists the segments by name.
func (s *Store) Segments(ctx context.Context) ([]marketing.Segment, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+segmentColumns+` ORDER BY name LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Segment
	for rows.Next() {
		sg, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sg)
	}
	return out, rows.Err()
}

// FindSegment returns a segment.
func (s *Store) FindSegment(ctx context.Context, id int64) (marketing.Segment, error) {
	sg, err := scanSegment(s.readConn().QueryRowContext(ctx, `SELECT `+segmentColumns+` WHERE id = ?`, id))
	return sg, notFoundOr(err, fmt.Sprintf("Segment %d was not found.", id))
}

// SetSegmentCount records a segment's member count.
func (s *Store) SetSegmentCount(ctx context.Context, id int64, n int, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE segments SET member_count = ?, counted_at = ? WHERE id = ?`, n, at, id)
		return err
	})
}

// SnapshotSegment fills a segment's member list from its rules, in the
// database, and makes it static.
func (s *Store) SnapshotSegment(ctx context.Context, id int64, now time.Time, e audit.Entry) (int, error) {
	sg, err := s.FindSegment(ctx, id)
	if err != nil {
		return 0, err
	}
	w, err := s.segmentWhere(ctx, sg.Rules, customer.Visibility{Scope: auth.ScopeAll}, now)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM segment_members WHERE segment_id = ?`, id); err != nil {
			return err
		}
		res, err := t.c.ExecContext(ctx, `INSERT INTO segment_members (segment_id, customer_id) SELECT ?, c.id FROM customers c`+
			w.sql(), append([]any{id}, w.args...)...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if _, err := t.c.ExecContext(ctx, `UPDATE segments SET static = TRUE, member_count = ?, counted_at = ? WHERE id = ?`,
			n, now, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
	return int(n), err
}
