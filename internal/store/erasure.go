package store

import (
	"context"
	"fmt"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// EraseCustomer removes the personal data of a customer and of the records
// merged into it, in one transaction with the request record and the audit entry.
func (s *Store) EraseCustomer(ctx context.Context, er customer.Erasure, e audit.Entry) (int, error) {
	var ids []int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "customers", er.CustomerID); err != nil {
			return notFoundOr(err, "Customer not found.")
		}
		var erased int
		if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE id = ? AND erased_at IS NOT NULL`,
			er.CustomerID).Scan(&erased); err != nil {
			return err
		}
		if erased > 0 {
			return fault.New(fault.Conflict, "Customer %d was already erased.", er.CustomerID)
		}
		// The customer and, transitively, every record merged into it.
		ids = []int64{er.CustomerID}
		for i := 0; i < len(ids); i++ {
			more, err := t.idsWhere(ctx, `SELECT id FROM customers WHERE merged_into = ? ORDER BY id`, ids[i])
			if err != nil {
				return err
			}
			ids = append(ids, more...)
		}
		for _, id := range ids {
			if err := t.eraseOne(ctx, id, er); err != nil {
				return fmt.Errorf("store: erase customer %d: %w", id, err)
			}
		}
		if _, err := t.c.ExecContext(ctx, `INSERT INTO erasure_requests (customer_id, reason, records, requested_by, erased_at)
VALUES (?, ?, ?, ?, ?)`, er.CustomerID, er.Reason, len(ids), nullID(er.By), er.ErasedAt); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
	return len(ids), err
}

func (t *tx) eraseOne(ctx context.Context, id int64, er customer.Erasure) error {
	steps := []struct {
		query string
		args  []any
	}{
		{`UPDATE customers SET first_name = '', last_name = '', org_name = '', display_name = ?, sort_name = ?,
    external_id = NULL, search_names = '', search_contacts = '', birth_date = '', language = '', time_zone = '',
    preferred_channel = '', quiet_hours = '', referral_source = '', website = '', industry = '',
    preferred_categories = '', preferred_brands = '', contact_times = '',
    erased_at = ?, updated_at = ? WHERE id = ?`,
			[]any{customer.ErasedName, customer.SortName(customer.ErasedName), er.ErasedAt, er.ErasedAt, id}},
		{`DELETE FROM contact_points WHERE customer_id = ?`, []any{id}},
		{`DELETE FROM customer_addresses WHERE customer_id = ?`, []any{id}},
		{`UPDATE customer_notes SET body = '(erased)' WHERE customer_id = ?`, []any{id}},
		{`UPDATE interactions SET subject = '', body = '(erased)' WHERE customer_id = ?`, []any{id}},
		{`DELETE FROM interaction_attachments WHERE interaction_id IN (SELECT id FROM interactions WHERE customer_id = ?)`, []any{id}},
		{`UPDATE consent_events SET proof = '', ip = '' WHERE customer_id = ?`, []any{id}},
		{`DELETE FROM customer_relationships WHERE from_customer = ? OR to_customer = ?`, []any{id, id}},
		{`DELETE FROM household_members WHERE customer_id = ?`, []any{id}},
		{`UPDATE duplicate_pairs SET status = 'superseded', resolved_at = ? WHERE status = 'open'
    AND (customer_a = ? OR customer_b = ?)`, []any{er.ErasedAt, id, id}},
		{`UPDATE customer_merges SET snapshot = '{}' WHERE survivor_id = ? OR merged_id = ?`, []any{id, id}},
		// The lead the customer came from, and the texts of activities about them.
		{`UPDATE leads SET first_name = '', last_name = '', company = '', job_title = '', email = '', phone = '',
    message = '(erased)', status_reason = '' WHERE customer_id = ?`, []any{id}},
		{`UPDATE activities SET subject = '(erased)', notes = '' WHERE customer_id = ?`, []any{id}},
		// Service cases: the conversation, its addresses and files.
		{`UPDATE cases SET subject = '(erased)' WHERE customer_id = ?`, []any{id}},
		{`UPDATE case_messages SET subject = '', body = '(erased)', from_address = '', to_address = '', recording_url = ''
    WHERE case_id IN (SELECT id FROM cases WHERE customer_id = ?)`, []any{id}},
		{`DELETE FROM case_attachments WHERE case_id IN (SELECT id FROM cases WHERE customer_id = ?)`, []any{id}},
		{`UPDATE surveys SET comment = '' WHERE customer_id = ?`, []any{id}},
		// Live chats and the customer's portal access.
		{`UPDATE chat_lines SET body = '(erased)' WHERE chat_id IN (SELECT id FROM chats WHERE customer_id = ?)`, []any{id}},
		{`UPDATE chats SET name = '(erased)', email = '', page = '' WHERE customer_id = ?`, []any{id}},
		{`DELETE FROM portal_sessions WHERE customer_id = ?`, []any{id}},
		{`DELETE FROM portal_links WHERE customer_id = ?`, []any{id}},
		// Marketing: the address a campaign went to, and snapshot memberships.
		{`UPDATE campaign_messages SET email = '' WHERE customer_id = ?`, []any{id}},
		{`DELETE FROM segment_members WHERE customer_id = ?`, []any{id}},
		// Without its key, what the audit log recorded about the customer is unreadable.
		{`DELETE FROM customer_keys WHERE customer_id = ?`, []any{id}},
	}
	for _, st := range steps {
		if _, err := t.c.ExecContext(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	return nil
}
