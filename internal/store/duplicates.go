package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/dedupe"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// MatchRows reads the fields the duplicate engine compares, in id order.
func (s *Store) MatchRows(ctx context.Context, afterID int64, limit int) ([]customer.MatchRow, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id, c.kind, c.first_name, c.last_name, c.org_name, c.birth_date,
    COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = c.id AND p.kind = 'email' AND p.is_primary), ''),
    COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = c.id AND p.kind = 'phone' AND p.is_primary), ''),
    COALESCE(a.line1, ''), COALESCE(a.city, ''), COALESCE(a.postal_code, ''), COALESCE(a.region, '')
FROM customers c LEFT JOIN customer_addresses a ON a.customer_id = c.id AND a.position = 0
WHERE c.id > ? AND c.deleted_at IS NULL ORDER BY c.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: match rows: %w", err)
	}
	defer rows.Close()
	out := make([]customer.MatchRow, 0, limit)
	for rows.Next() {
		var r customer.MatchRow
		var kind string
		if err := rows.Scan(&r.ID, &kind, &r.FirstName, &r.LastName, &r.Org, &r.BirthDate, &r.Email, &r.Phone,
			&r.Line1, &r.City, &r.Postcode, &r.Area); err != nil {
			return nil, fmt.Errorf("store: scan match row: %w", err)
		}
		r.Kind = customer.Kind(kind)
		out = append(out, r)
	}
	return out, rows.Err()
}

const scanColumns = `id, status, COALESCE(requested_by, 0), requested_at, started_at, finished_at, customers_scanned,
    comparisons, pairs_found, new_pairs, error`

func scanScan(row interface{ Scan(...any) error }) (customer.DuplicateScan, error) {
	var sc customer.DuplicateScan
	var started, finished sql.NullTime
	err := row.Scan(&sc.ID, &sc.Status, &sc.RequestedBy, &sc.RequestedAt, &started, &finished, &sc.Scanned,
		&sc.Comparisons, &sc.Found, &sc.New, &sc.Error)
	sc.RequestedAt = sc.RequestedAt.UTC()
	sc.StartedAt, sc.FinishedAt = timeOf(started), timeOf(finished)
	return sc, err
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

// RequestDuplicateScan queues a scan unless a recent one is still going.
func (s *Store) RequestDuplicateScan(ctx context.Context, by int64, at, staleBefore time.Time) (customer.DuplicateScan, bool, error) {
	var sc customer.DuplicateScan
	started := false
	err := s.inTx(ctx, func(t *tx) error {
		if t.s.engine == Postgres {
			if _, err := t.sql.ExecContext(ctx, "LOCK TABLE duplicate_scans IN SHARE ROW EXCLUSIVE MODE"); err != nil {
				return err
			}
		}
		var err error
		sc, err = scanScan(t.c.QueryRowContext(ctx, `SELECT `+scanColumns+` FROM duplicate_scans
WHERE status IN ('queued', 'running') AND requested_at > ? ORDER BY id DESC LIMIT 1`, staleBefore))
		if err == nil {
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		started = true
		sc = customer.DuplicateScan{Status: "queued", RequestedBy: by, RequestedAt: at}
		return t.c.QueryRowContext(ctx, `INSERT INTO duplicate_scans (status, requested_by, requested_at)
VALUES ('queued', ?, ?) RETURNING id`, nullID(by), at).Scan(&sc.ID)
	})
	return sc, started, err
}

// FindDuplicateScan returns one scan.
func (s *Store) FindDuplicateScan(ctx context.Context, id int64) (customer.DuplicateScan, error) {
	sc, err := scanScan(s.readConn().QueryRowContext(ctx, `SELECT `+scanColumns+` FROM duplicate_scans WHERE id = ?`, id))
	return sc, notFoundOr(err, "Scan not found.")
}

// LatestDuplicateScan returns the newest scan.
func (s *Store) LatestDuplicateScan(ctx context.Context) (customer.DuplicateScan, error) {
	sc, err := scanScan(s.readConn().QueryRowContext(ctx, `SELECT `+scanColumns+` FROM duplicate_scans ORDER BY id DESC LIMIT 1`))
	return sc, notFoundOr(err, "No duplicate scan has run yet.")
}

// UpdateDuplicateScan saves a scan's state and counts.
func (s *Store) UpdateDuplicateScan(ctx context.Context, sc customer.DuplicateScan) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE duplicate_scans SET status = ?, started_at = ?, finished_at = ?,
    customers_scanned = ?, comparisons = ?, pairs_found = ?, new_pairs = ?, error = ? WHERE id = ?`,
			sc.Status, nullTime(sc.StartedAt), nullTime(sc.FinishedAt), sc.Scanned, sc.Comparisons, sc.Found, sc.New,
			sc.Error, sc.ID)
		return err
	})
}

// pairBatch is how many pairs one transaction saves.
const pairBatch = 500

// SaveDuplicatePairs inserts new pairs and refreshes open ones, in batches.
func (s *Store) SaveDuplicatePairs(ctx context.Context, scanID int64, pairs []dedupe.Pair, at time.Time) (int, error) {
	created := 0
	for start := 0; start < len(pairs); start += pairBatch {
		batch := pairs[start:min(start+pairBatch, len(pairs))]
		n := 0
		err := s.inTx(ctx, func(t *tx) error {
			n = 0
			for _, p := range batch {
				reasons, _ := json.Marshal(p.Reasons)
				res, err := t.c.ExecContext(ctx, `INSERT INTO duplicate_pairs (customer_a, customer_b, score, reasons, status,
    found_at, scan_id) VALUES (?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (customer_a, customer_b) DO NOTHING`,
					p.A, p.B, p.Score, string(reasons), at, scanID)
				if err != nil {
					return fmt.Errorf("store: insert pair: %w", err)
				}
				if k, _ := res.RowsAffected(); k == 1 {
					n++
					continue
				}
				if _, err := t.c.ExecContext(ctx, `UPDATE duplicate_pairs SET score = ?, reasons = ?, scan_id = ?
WHERE customer_a = ? AND customer_b = ? AND status = 'open'`, p.Score, string(reasons), scanID, p.A, p.B); err != nil {
					return fmt.Errorf("store: refresh pair: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return created, err
		}
		created += n
	}
	return created, nil
}

// SupersedeStalePairs retires open pairs that an earlier scan found and
// this one did not.
func (s *Store) SupersedeStalePairs(ctx context.Context, scanID int64, at time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE duplicate_pairs SET status = 'superseded', resolved_at = ?
WHERE status = 'open' AND scan_id IS NOT NULL AND scan_id <> ?`, at, scanID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

const pairColumns = `id, customer_a, customer_b, score, reasons, status, found_at, resolved_at, COALESCE(resolved_by, 0),
    COALESCE(merge_id, 0)`

func scanPair(row interface{ Scan(...any) error }) (customer.DuplicatePair, error) {
	var p customer.DuplicatePair
	var reasons string
	var resolved sql.NullTime
	if err := row.Scan(&p.ID, &p.A, &p.B, &p.Score, &reasons, &p.Status, &p.FoundAt, &resolved, &p.ResolvedBy,
		&p.MergeID); err != nil {
		return p, err
	}
	p.FoundAt, p.ResolvedAt = p.FoundAt.UTC(), timeOf(resolved)
	if err := json.Unmarshal([]byte(reasons), &p.Reasons); err != nil {
		return p, fmt.Errorf("store: pair reasons: %w", err)
	}
	return p, nil
}

// ListDuplicatePairs returns a page of pairs, best score first.
func (s *Store) ListDuplicatePairs(ctx context.Context, f customer.PairFilter) ([]customer.DuplicatePair, error) {
	w := &where{}
	w.add("status = ?", f.Status)
	if f.Customer != 0 {
		w.add("(customer_a = ? OR customer_b = ?)", f.Customer, f.Customer)
	}
	if f.AfterID != 0 {
		w.add("(score < ? OR (score = ? AND id > ?))", f.AfterRank, f.AfterRank, f.AfterID)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+pairColumns+` FROM duplicate_pairs`+w.sql()+
		` ORDER BY score DESC, id ASC LIMIT ?`, append(w.args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list pairs: %w", err)
	}
	defer rows.Close()
	var out []customer.DuplicatePair
	for rows.Next() {
		p, err := scanPair(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountDuplicatePairs counts pairs in a state.
func (s *Store) CountDuplicatePairs(ctx context.Context, status string) (int, error) {
	var n int
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM duplicate_pairs WHERE status = ?`, status).Scan(&n)
	return n, err
}

// FindDuplicatePair returns one pair.
func (s *Store) FindDuplicatePair(ctx context.Context, id int64) (customer.DuplicatePair, error) {
	p, err := scanPair(s.readConn().QueryRowContext(ctx, `SELECT `+pairColumns+` FROM duplicate_pairs WHERE id = ?`, id))
	return p, notFoundOr(err, "Duplicate pair not found.")
}

// ResolveDuplicatePair closes an open pair with the audit entry.
func (s *Store) ResolveDuplicatePair(ctx context.Context, id int64, status string, by int64, at time.Time, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE duplicate_pairs SET status = ?, resolved_at = ?, resolved_by = ?
WHERE id = ? AND status = 'open'`, status, at, nullID(by), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.New(fault.Conflict, "The pair is no longer open.")
		}
		return t.appendAudit(ctx, e)
	})
}

// mergeMovedTables are the tables whose rows follow a customer into a merge.
var mergeMovedTables = []string{"customer_notes", "interactions", "consent_events", "orders", "opportunities", "cases", "surveys", "chats",
	"loyalty_members"}

// mergeWhere narrows which rows of a table follow a customer: a loyalty
// membership moves only to a survivor who is not a member of that program
// already (two members' ledgers are not joined).
var mergeWhere = map[string]string{
	"loyalty_members": " AND program_id NOT IN (SELECT program_id FROM loyalty_members WHERE customer_id = ?)",
}

// refreshPurchases recomputes the kept purchase summary of customers.
func (t *tx) refreshPurchases(ctx context.Context, ids ...int64) error {
	for _, id := range ids {
		if _, err := t.c.ExecContext(ctx, `UPDATE customers SET
    order_count = (SELECT COUNT(*) FROM orders WHERE customer_id = ?1 AND status = 'placed'),
    total_spent = (SELECT COALESCE(SUM(total), 0) FROM orders WHERE customer_id = ?1),
    first_order_at = (SELECT MIN(ordered_at) FROM orders WHERE customer_id = ?1 AND status = 'placed'),
    last_order_at = (SELECT MAX(ordered_at) FROM orders WHERE customer_id = ?1 AND status = 'placed')
WHERE id = ?1`, id); err != nil {
			return fmt.Errorf("store: purchase summary: %w", err)
		}
	}
	return nil
}

type mergeSnapshot struct {
	Survivor customer.Customer `json:"survivor"`
	Merged   customer.Customer `json:"merged"`
}

// MergeCustomers moves everything of the merged customer to the survivor.
func (s *Store) MergeCustomers(ctx context.Context, r customer.MergeRequest,
	plan func(survivor, merged customer.Customer) (customer.Customer, customer.SearchText, audit.Entry, error)) (customer.Merge, error) {
	m := customer.Merge{SurvivorID: r.SurvivorID, MergedID: r.MergedID, PairID: r.PairID, MergedBy: r.By, MergedAt: r.At,
		Moves: customer.MergeMoves{Rows: map[string][]int64{}}}
	err := s.inTx(ctx, func(t *tx) error {
		for _, id := range []int64{min(r.SurvivorID, r.MergedID), max(r.SurvivorID, r.MergedID)} {
			if err := t.lockRow(ctx, "customers", id); err != nil {
				return notFoundOr(err, "Customer not found.")
			}
		}
		var err error
		if m.Survivor, err = findCustomer(ctx, t.q, r.SurvivorID); err != nil {
			return err
		}
		if m.Merged, err = findCustomer(ctx, t.q, r.MergedID); err != nil {
			return err
		}
		next, st, e, err := plan(m.Survivor, m.Merged)
		if err != nil {
			return err
		}
		// The merged record gives up its external id first: the survivor may take it.
		if _, err := t.c.ExecContext(ctx, `UPDATE customers SET external_id = NULL, deleted_at = ?, updated_at = ?,
    merged_into = ? WHERE id = ?`, r.At, r.At, r.SurvivorID, r.MergedID); err != nil {
			return err
		}
		if err := t.writeCustomer(ctx, r.SurvivorID, next, st); err != nil {
			return err
		}
		for _, table := range mergeMovedTables {
			where, args := " WHERE customer_id = ?", []any{r.MergedID}
			if extra, ok := mergeWhere[table]; ok {
				where, args = where+extra, append(args, r.SurvivorID)
			}
			ids, err := t.idsWhere(ctx, "SELECT id FROM "+table+where+" ORDER BY id", args...)
			if err != nil {
				return err
			}
			if _, err := t.c.ExecContext(ctx, "UPDATE "+table+" SET customer_id = ?"+where,
				append([]any{r.SurvivorID}, args...)...); err != nil {
				return fmt.Errorf("store: move %s: %w", table, err)
			}
			m.Moves.Rows[table] = ids
		}
		if err := t.refreshConsents(ctx, r.SurvivorID, r.MergedID); err != nil {
			return err
		}
		if err := t.refreshPurchases(ctx, r.SurvivorID, r.MergedID); err != nil {
			return err
		}
		if err := t.mergeRelationships(ctx, r, &m.Moves); err != nil {
			return err
		}
		if err := t.mergeHousehold(ctx, r, &m.Moves); err != nil {
			return err
		}
		m.Moves.Superseded, err = t.idsWhere(ctx, `SELECT id FROM duplicate_pairs WHERE status = 'open' AND id <> ?
AND (customer_a = ? OR customer_b = ?) ORDER BY id`, r.PairID, r.MergedID, r.MergedID)
		if err != nil {
			return err
		}
		for _, id := range m.Moves.Superseded {
			if _, err := t.c.ExecContext(ctx, `UPDATE duplicate_pairs SET status = 'superseded', resolved_at = ?,
    resolved_by = ? WHERE id = ?`, r.At, nullID(r.By), id); err != nil {
				return err
			}
		}
		snap, err := json.Marshal(mergeSnapshot{Survivor: m.Survivor, Merged: m.Merged})
		if err != nil {
			return err
		}
		moves, err := json.Marshal(m.Moves)
		if err != nil {
			return err
		}
		if err := t.c.QueryRowContext(ctx, `INSERT INTO customer_merges (survivor_id, merged_id, pair_id, snapshot, moves,
    merged_by, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.SurvivorID, r.MergedID, nullID(r.PairID),
			string(snap), string(moves), nullID(r.By), r.At).Scan(&m.ID); err != nil {
			return fmt.Errorf("store: insert merge: %w", err)
		}
		if r.PairID != 0 {
			res, err := t.c.ExecContext(ctx, `UPDATE duplicate_pairs SET status = 'merged', resolved_at = ?, resolved_by = ?,
    merge_id = ? WHERE id = ? AND status = 'open'`, r.At, nullID(r.By), m.ID, r.PairID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fault.New(fault.Conflict, "The pair is no longer open.")
			}
		}
		e.EntityID = r.SurvivorID
		return t.appendAudit(ctx, e)
	})
	return m, err
}

// writeCustomer stores a customer's new state with its parts.
func (t *tx) writeCustomer(ctx context.Context, id int64, c customer.Customer, st customer.SearchText) error {
	if err := t.q.UpdateCustomer(ctx, sqlcdb.UpdateCustomerParams{Kind: string(c.Kind), FirstName: c.FirstName,
		LastName: c.LastName, OrgName: c.OrgName, DisplayName: c.Name, SortName: customer.SortName(c.Name),
		LifecycleStage: c.LifecycleStage, Status: c.Status, OwnerID: nullID(c.OwnerID), TeamID: nullID(c.TeamID),
		ExternalID: nullString(c.ExternalID), SearchNames: st.Names, SearchContacts: st.Contacts,
		BirthDate: c.Profile.BirthDate, Language: c.Profile.Language, TimeZone: c.Profile.TimeZone,
		PreferredChannel: c.Profile.PreferredChannel, QuietHours: c.Profile.QuietHours,
		ReferralSource: c.Profile.ReferralSource, Website: c.Profile.Website, Industry: c.Profile.Industry,
		PreferredCategories: joinList(c.Profile.Categories), PreferredBrands: joinList(c.Profile.Brands),
		ContactTimes: c.Profile.ContactTimes,
		UpdatedAt:    c.UpdatedAt, ID: id}); err != nil {
		return mapErr(err)
	}
	return t.writeParts(ctx, id, c, true)
}

func (t *tx) idsWhere(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := t.c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// mergeRelationships points the merged customer's relationships at the
// survivor, dropping those that would link it to itself or repeat one.
func (t *tx) mergeRelationships(ctx context.Context, r customer.MergeRequest, mv *customer.MergeMoves) error {
	rows, err := t.c.QueryContext(ctx, `SELECT id, from_customer, to_customer, kind, role, created_at
FROM customer_relationships WHERE from_customer = ? OR to_customer = ? ORDER BY id`, r.MergedID, r.MergedID)
	if err != nil {
		return err
	}
	var rels []customer.Relationship
	for rows.Next() {
		var rel customer.Relationship
		if err := rows.Scan(&rel.ID, &rel.From, &rel.To, &rel.Kind, &rel.Role, &rel.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		rels = append(rels, rel)
	}
	rows.Close()
	for _, rel := range rels {
		from, to, end := rel.From, rel.To, "from"
		if from == r.MergedID {
			from = r.SurvivorID
		} else {
			to, end = r.SurvivorID, "to"
		}
		var exists int
		err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_relationships
WHERE from_customer = ? AND to_customer = ? AND kind = ?`, from, to, rel.Kind).Scan(&exists)
		if err != nil {
			return err
		}
		if from == to || exists > 0 {
			if _, err := t.c.ExecContext(ctx, "DELETE FROM customer_relationships WHERE id = ?", rel.ID); err != nil {
				return err
			}
			rel.CreatedAt = rel.CreatedAt.UTC()
			mv.Dropped = append(mv.Dropped, rel)
			continue
		}
		if _, err := t.c.ExecContext(ctx, "UPDATE customer_relationships SET "+end+"_customer = ? WHERE id = ?",
			r.SurvivorID, rel.ID); err != nil {
			return err
		}
		mv.Relationships = append(mv.Relationships, customer.MovedRelationship{ID: rel.ID, End: end})
	}
	return nil
}

// mergeHousehold moves the merged customer's household membership to the
// survivor when the survivor has none, and drops it otherwise.
func (t *tx) mergeHousehold(ctx context.Context, r customer.MergeRequest, mv *customer.MergeMoves) error {
	var hm customer.MovedMembership
	err := t.c.QueryRowContext(ctx, `SELECT household_id, is_head, joined_at FROM household_members WHERE customer_id = ?`,
		r.MergedID).Scan(&hm.HouseholdID, &hm.Head, &hm.JoinedAt)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	hm.JoinedAt = hm.JoinedAt.UTC()
	var survivorIn int
	if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM household_members WHERE customer_id = ?`,
		r.SurvivorID).Scan(&survivorIn); err != nil {
		return err
	}
	if survivorIn == 0 {
		_, err = t.c.ExecContext(ctx, `UPDATE household_members SET customer_id = ? WHERE customer_id = ?`,
			r.SurvivorID, r.MergedID)
		hm.Moved = true
	} else {
		_, err = t.c.ExecContext(ctx, `DELETE FROM household_members WHERE customer_id = ?`, r.MergedID)
	}
	if err != nil {
		return err
	}
	mv.Household = &hm
	return nil
}

const mergeColumns = `id, survivor_id, merged_id, COALESCE(pair_id, 0), snapshot, moves, COALESCE(merged_by, 0), merged_at,
    undone_at, COALESCE(undone_by, 0)`

func scanMerge(row interface{ Scan(...any) error }) (customer.Merge, error) {
	var m customer.Merge
	var snap, moves string
	var undone sql.NullTime
	if err := row.Scan(&m.ID, &m.SurvivorID, &m.MergedID, &m.PairID, &snap, &moves, &m.MergedBy, &m.MergedAt, &undone,
		&m.UndoneBy); err != nil {
		return m, err
	}
	m.MergedAt, m.UndoneAt = m.MergedAt.UTC(), timeOf(undone)
	var sn mergeSnapshot
	if err := json.Unmarshal([]byte(snap), &sn); err != nil {
		return m, fmt.Errorf("store: merge snapshot: %w", err)
	}
	m.Survivor, m.Merged = sn.Survivor, sn.Merged
	if err := json.Unmarshal([]byte(moves), &m.Moves); err != nil {
		return m, fmt.Errorf("store: merge moves: %w", err)
	}
	return m, nil
}

// FindMerge returns one merge.
func (s *Store) FindMerge(ctx context.Context, id int64) (customer.Merge, error) {
	m, err := scanMerge(s.readConn().QueryRowContext(ctx, `SELECT `+mergeColumns+` FROM customer_merges WHERE id = ?`, id))
	return m, notFoundOr(err, "Merge not found.")
}

// ListMerges lists the merges into a customer, newest first.
func (s *Store) ListMerges(ctx context.Context, survivorID int64) ([]customer.Merge, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+mergeColumns+` FROM customer_merges WHERE survivor_id = ?
ORDER BY id DESC LIMIT 50`, survivorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer.Merge
	for rows.Next() {
		m, err := scanMerge(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UndoMerge moves everything back and restores both records.
func (s *Store) UndoMerge(ctx context.Context, id, by int64, at time.Time,
	plan func(m customer.Merge, survivor customer.Customer) (customer.Customer, customer.SearchText, audit.Entry, error)) (customer.Merge, error) {
	var m customer.Merge
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "customer_merges", id); err != nil {
			return notFoundOr(err, "Merge not found.")
		}
		var err error
		m, err = scanMerge(t.c.QueryRowContext(ctx, `SELECT `+mergeColumns+` FROM customer_merges WHERE id = ?`, id))
		if err != nil {
			return notFoundOr(err, "Merge not found.")
		}
		for _, cid := range []int64{min(m.SurvivorID, m.MergedID), max(m.SurvivorID, m.MergedID)} {
			if err := t.lockRow(ctx, "customers", cid); err != nil {
				return err
			}
		}
		cur, err := findCustomer(ctx, t.q, m.SurvivorID)
		if err != nil {
			return err
		}
		restored, st, e, err := plan(m, cur)
		if err != nil {
			return err
		}
		if err := t.writeCustomer(ctx, m.SurvivorID, restored, st); err != nil {
			return err
		}
		mg := m.Merged
		if _, err := t.c.ExecContext(ctx, `UPDATE customers SET external_id = ?, deleted_at = ?, updated_at = ?,
    merged_into = NULL WHERE id = ?`, nullString(mg.ExternalID), nullTime(mg.DeletedAt), at, m.MergedID); err != nil {
			return mapErr(err)
		}
		for table, ids := range m.Moves.Rows {
			if !containsString(mergeMovedTables, table) {
				return fmt.Errorf("store: merge %d moved unknown table %q", id, table)
			}
			for _, rid := range ids {
				if _, err := t.c.ExecContext(ctx, "UPDATE "+table+" SET customer_id = ? WHERE id = ? AND customer_id = ?",
					m.MergedID, rid, m.SurvivorID); err != nil {
					return err
				}
			}
		}
		if err := t.refreshConsents(ctx, m.SurvivorID, m.MergedID); err != nil {
			return err
		}
		if err := t.refreshPurchases(ctx, m.SurvivorID, m.MergedID); err != nil {
			return err
		}
		for _, rel := range m.Moves.Relationships {
			if rel.End != "from" && rel.End != "to" {
				return fmt.Errorf("store: merge %d: bad relationship end %q", id, rel.End)
			}
			if _, err := t.c.ExecContext(ctx, "UPDATE customer_relationships SET "+rel.End+"_customer = ? WHERE id = ?",
				m.MergedID, rel.ID); err != nil {
				return mapErr(err)
			}
		}
		for _, rel := range m.Moves.Dropped {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO customer_relationships (id, from_customer, to_customer, kind, role,
    created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, rel.ID, rel.From, rel.To, rel.Kind, rel.Role,
				rel.CreatedAt); err != nil {
				return err
			}
		}
		if hm := m.Moves.Household; hm != nil {
			if hm.Moved {
				_, err = t.c.ExecContext(ctx, `DELETE FROM household_members WHERE customer_id = ? AND household_id = ?`,
					m.SurvivorID, hm.HouseholdID)
				if err != nil {
					return err
				}
			}
			var still int
			if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE id = ?`, hm.HouseholdID).Scan(&still); err != nil {
				return err
			}
			if still > 0 {
				// The head may have changed since; the merged customer then comes back as a member.
				var heads int
				if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM household_members WHERE household_id = ? AND is_head`,
					hm.HouseholdID).Scan(&heads); err != nil {
					return err
				}
				if _, err := t.c.ExecContext(ctx, `INSERT INTO household_members (household_id, customer_id, is_head, joined_at)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, hm.HouseholdID, m.MergedID, hm.Head && heads == 0, hm.JoinedAt); err != nil {
					return mapErr(err)
				}
			}
		}
		for _, pid := range append([]int64{m.PairID}, m.Moves.Superseded...) {
			if pid == 0 {
				continue
			}
			if _, err := t.c.ExecContext(ctx, `UPDATE duplicate_pairs SET status = 'open', resolved_at = NULL,
    resolved_by = NULL, merge_id = NULL WHERE id = ?`, pid); err != nil {
				return err
			}
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE customer_merges SET undone_at = ?, undone_by = ? WHERE id = ?`,
			at, nullID(by), id); err != nil {
			return err
		}
		m.UndoneAt, m.UndoneBy = at, by
		return t.appendAudit(ctx, e)
	})
	return m, err
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CheckDataQuality runs the inconsistency checks: an email address on two
// live customers, a household without a head, a household with one member
// or none. Issues found again stay open; those gone are resolved.
func (s *Store) CheckDataQuality(ctx context.Context, at time.Time) (int, error) {
	type finding struct {
		kind, subject string
		id            int64
		detail        string
	}
	var found []finding
	collect := func(kind, subject, query string) error {
		rows, err := s.readConn().QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("store: check %s: %w", kind, err)
		}
		defer rows.Close()
		for rows.Next() {
			f := finding{kind: kind, subject: subject}
			if err := rows.Scan(&f.id, &f.detail); err != nil {
				return err
			}
			found = append(found, f)
		}
		return rows.Err()
	}
	checks := []struct{ kind, subject, query string }{
		{"shared_email", "customer", `SELECT MIN(p.customer_id), p.value FROM contact_points p
JOIN customers c ON c.id = p.customer_id AND c.deleted_at IS NULL
WHERE p.kind = 'email' GROUP BY p.value HAVING COUNT(DISTINCT p.customer_id) > 1`},
		{"household_without_head", "household", `SELECT h.id, h.name FROM households h
WHERE EXISTS (SELECT 1 FROM household_members m WHERE m.household_id = h.id)
AND NOT EXISTS (SELECT 1 FROM household_members m WHERE m.household_id = h.id AND m.is_head)`},
		{"empty_household", "household", `SELECT h.id, h.name FROM households h
WHERE NOT EXISTS (SELECT 1 FROM household_members m WHERE m.household_id = h.id)`},
	}
	for _, c := range checks {
		if err := collect(c.kind, c.subject, c.query); err != nil {
			return 0, err
		}
	}
	details := map[string]string{
		"shared_email":           "The email address %s is on more than one customer.",
		"household_without_head": "Household %q has members but no head.",
		"empty_household":        "Household %q has no members.",
	}
	created := 0
	err := s.inTx(ctx, func(t *tx) error {
		created = 0
		seen := map[string]bool{}
		for _, f := range found {
			detail := fmt.Sprintf(details[f.kind], f.detail)
			key := fmt.Sprintf("%s/%s/%d", f.kind, f.subject, f.id)
			seen[key] = true
			res, err := t.c.ExecContext(ctx, `INSERT INTO data_quality_issues (kind, subject_type, subject_id, detail, status,
    found_at) VALUES (?, ?, ?, ?, 'open', ?) ON CONFLICT (kind, subject_type, subject_id) DO NOTHING`,
				f.kind, f.subject, f.id, detail, at)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				created++
				continue
			}
			res, err = t.c.ExecContext(ctx, `UPDATE data_quality_issues SET status = 'open', detail = ?, found_at = ?,
    resolved_at = NULL WHERE kind = ? AND subject_type = ? AND subject_id = ? AND status = 'resolved'`,
				detail, at, f.kind, f.subject, f.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				created++
			}
		}
		open, err := t.c.QueryContext(ctx, `SELECT id, kind, subject_type, subject_id FROM data_quality_issues WHERE status = 'open'`)
		if err != nil {
			return err
		}
		var gone []int64
		for open.Next() {
			var id, sid int64
			var kind, subject string
			if err := open.Scan(&id, &kind, &subject, &sid); err != nil {
				open.Close()
				return err
			}
			if !seen[fmt.Sprintf("%s/%s/%d", kind, subject, sid)] {
				gone = append(gone, id)
			}
		}
		open.Close()
		for _, id := range gone {
			if _, err := t.c.ExecContext(ctx, `UPDATE data_quality_issues SET status = 'resolved', resolved_at = ? WHERE id = ?`,
				at, id); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

// ListQualityIssues lists issues in a state, newest first.
func (s *Store) ListQualityIssues(ctx context.Context, status string, limit int) ([]customer.QualityIssue, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, kind, subject_type, subject_id, detail, status, found_at, resolved_at
FROM data_quality_issues WHERE status = ? ORDER BY id DESC LIMIT ?`, status, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer.QualityIssue
	for rows.Next() {
		var q customer.QualityIssue
		var resolved sql.NullTime
		if err := rows.Scan(&q.ID, &q.Kind, &q.SubjectType, &q.SubjectID, &q.Detail, &q.Status, &q.FoundAt, &resolved); err != nil {
			return nil, err
		}
		q.FoundAt, q.ResolvedAt = q.FoundAt.UTC(), timeOf(resolved)
		out = append(out, q)
	}
	return out, rows.Err()
}
