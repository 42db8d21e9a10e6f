package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
)

// BulkInsertCustomers stores many ready-made customers (demo data, benchmark
// fixtures) with multi-row inserts in one transaction, assigning their ids in
// place. It bypasses per-customer audit entries and records one summary
// entry instead. The customers table is locked on PostgreSQL while ids are
// assigned, so concurrent creates wait rather than collide.
func (s *Store) BulkInsertCustomers(ctx context.Context, cs []customer.Customer, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if s.engine == Postgres {
			if _, err := t.sql.ExecContext(ctx, "LOCK TABLE customers IN EXCLUSIVE MODE"); err != nil {
				return fmt.Errorf("store: bulk lock: %w", err)
			}
		}
		var next int64
		if err := t.sql.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM customers").Scan(&next); err != nil {
			return fmt.Errorf("store: bulk max id: %w", err)
		}
		for i := range cs {
			next++
			cs[i].ID = next
		}
		if err := t.bulkCustomers(ctx, cs); err != nil {
			return err
		}
		if err := t.bulkParts(ctx, cs); err != nil {
			return err
		}
		if s.engine == Postgres {
			if _, err := t.sql.ExecContext(ctx,
				"SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT MAX(id) FROM customers))"); err != nil {
				return fmt.Errorf("store: bulk sequence: %w", err)
			}
		}
		return t.appendAudit(ctx, e)
	})
}

// multiInsert inserts rows of width columns in statements of at most
// 30,000 parameters (under SQLite's limit of 32,766).
// Every full chunk has the same text, so it is prepared once per call.
func (t *tx) multiInsert(ctx context.Context, head string, width int, rows [][]any) error {
	per := 30000 / width
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	statement := func(n int) string {
		return head + " VALUES " + strings.TrimSuffix(strings.Repeat(one+",", n), ",")
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		args := make([]any, 0, (end-start)*width)
		for i := start; i < end; i++ {
			args = append(args, rows[i]...)
		}
		var err error
		if end-start == per {
			if full == nil {
				if full, err = t.c.PrepareContext(ctx, statement(per)); err != nil {
					return fmt.Errorf("store: bulk prepare: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = t.c.ExecContext(ctx, statement(end-start), args...)
		}
		if err != nil {
			return fmt.Errorf("store: bulk insert: %w", mapErr(err))
		}
	}
	return nil
}

func (t *tx) bulkCustomers(ctx context.Context, cs []customer.Customer) error {
	rows := make([][]any, len(cs))
	for i, c := range cs {
		st := customer.BuildSearchText(c)
		rows[i] = []any{c.ID, string(c.Kind), c.FirstName, c.LastName, c.OrgName, c.Name, customer.SortName(c.Name),
			c.LifecycleStage, c.Status, nullID(c.OwnerID), nullID(c.TeamID), nullString(c.ExternalID), st.Names,
			st.Contacts, nullID(c.CreatedBy), c.CreatedAt.UTC(), c.UpdatedAt.UTC()}
	}
	return t.multiInsert(ctx, `INSERT INTO customers (id, kind, first_name, last_name, org_name, display_name,
    sort_name, lifecycle_stage, status, owner_id, team_id, external_id, search_names, search_contacts, created_by,
    created_at, updated_at)`, 17, rows)
}

func (t *tx) bulkParts(ctx context.Context, cs []customer.Customer) error {
	var points, addrs, tags [][]any
	for _, c := range cs {
		for i, e := range c.Emails {
			points = append(points, []any{c.ID, "email", e.Address, e.Label, e.Primary, i})
		}
		for i, p := range c.Phones {
			points = append(points, []any{c.ID, "phone", p.Number, p.Label, p.Primary, i})
		}
		for i, a := range c.Addresses {
			addrs = append(addrs, []any{c.ID, a.Label, a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country, a.Primary, i})
		}
		for _, tg := range c.Tags {
			tags = append(tags, []any{c.ID, tg})
		}
	}
	if err := t.multiInsert(ctx, "INSERT INTO contact_points (customer_id, kind, value, label, is_primary, position)", 6, points); err != nil {
		return err
	}
	if err := t.multiInsert(ctx, `INSERT INTO customer_addresses (customer_id, label, line1, line2, city, region,
    postal_code, country, is_primary, position)`, 10, addrs); err != nil {
		return err
	}
	return t.multiInsert(ctx, "INSERT INTO customer_tags (customer_id, tag)", 2, tags)
}

// AnalyzeAfterBulkLoad settles the database after a large load. On SQLite
// it merges the full-text index's segments into one: a load leaves many, and
// the first writes after it would otherwise pay for merging them (about 2 s
// once at a million customers). On PostgreSQL it refreshes the planner's
// statistics, so that the next queries are planned for the data that is
// there rather than for an empty table (autovacuum would get there later).
func (s *Store) AnalyzeAfterBulkLoad(ctx context.Context) error {
	if s.engine == SQLite {
		return s.inTx(ctx, func(t *tx) error {
			_, err := t.sql.ExecContext(ctx, "INSERT INTO customer_search (customer_search) VALUES ('optimize')")
			if err != nil {
				return fmt.Errorf("store: optimize search index: %w", err)
			}
			return nil
		})
	}
	if _, err := s.write.ExecContext(ctx, "ANALYZE customers, contact_points, customer_tags, customer_addresses"); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// SeedDemoConsents gives generated customers (external ids starting with
// prefix) a marketing consent history as a web shop would have it: three
// in five agreed to email by the sign-up form when they were created, and
// one in twenty of those has since withdrawn.
func (s *Store) SeedDemoConsents(ctx context.Context, prefix string, now time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		// The current channels first, while "no history yet" still tells
		// which customers this seeding is for.
		if _, err := t.c.ExecContext(ctx, `UPDATE customers SET marketing_channels = CASE WHEN id % 100 = 1 THEN '' ELSE ',email,' END
    WHERE external_id LIKE ? AND id % 5 < 3 AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = customers.id)`,
			prefix+"%"); err != nil {
			return fmt.Errorf("store: demo consents: %w", err)
		}
		if _, err := t.c.ExecContext(ctx, `INSERT INTO consent_events (customer_id, purpose, channel, status, source, proof,
    occurred_at, created_at) SELECT c.id, 'marketing', 'email', 'granted', 'web_form',
    'Sign-up form: "Send me news and offers by email"', c.created_at, c.created_at FROM customers c
    WHERE c.external_id LIKE ? AND c.id % 5 < 3 AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = c.id)`,
			prefix+"%"); err != nil {
			return fmt.Errorf("store: demo consents: %w", err)
		}
		_, err := t.c.ExecContext(ctx, `INSERT INTO consent_events (customer_id, purpose, channel, status, source, proof,
    occurred_at, created_at) SELECT c.id, 'marketing', 'email', 'withdrawn', 'preference_centre', 'Unsubscribed',
    ?, ? FROM customers c WHERE c.external_id LIKE ? AND c.id % 100 = 1
    AND (SELECT COUNT(*) FROM consent_events e WHERE e.customer_id = c.id) = 1`, now, now, prefix+"%")
		if err != nil {
			return fmt.Errorf("store: demo consents: %w", err)
		}
		return nil
	})
}
