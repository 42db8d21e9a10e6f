package store

import (
	"context"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/sales"
)

// SetOpportunityLines replaces a deal's products and sets its amount.
func (s *Store) SetOpportunityLines(ctx context.Context, id int64, lines []sales.DealLine, amount int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM opportunity_lines WHERE opportunity_id = ?`, id); err != nil {
			return err
		}
		for i, l := range lines {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO opportunity_lines (opportunity_id, position, sku, description,
    quantity, unit_price, discount, line_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, i, l.SKU, l.Description, l.Quantity,
				l.UnitPrice, l.Discount, l.LineTotal); err != nil {
				return err
			}
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE opportunities SET amount = ?, updated_at = ? WHERE id = ?`, amount, e.At, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// OpportunityLines returns a deal's products in order.
func (s *Store) OpportunityLines(ctx context.Context, id int64) ([]sales.DealLine, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT sku, description, quantity, unit_price, discount, line_total
FROM opportunity_lines WHERE opportunity_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.DealLine
	for rows.Next() {
		var l sales.DealLine
		if err := rows.Scan(&l.SKU, &l.Description, &l.Quantity, &l.UnitPrice, &l.Discount, &l.LineTotal); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetOpportunityContact adds or changes a person of a deal.
func (s *Store) SetOpportunityContact(ctx context.Context, id int64, c sales.DealContact, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `INSERT INTO opportunity_contacts (opportunity_id, customer_id, role) VALUES (?, ?, ?)
ON CONFLICT (opportunity_id, customer_id) DO UPDATE SET role = excluded.role`, id, c.CustomerID, c.Role); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// OpportunityContacts returns the people of a deal.
func (s *Store) OpportunityContacts(ctx context.Context, id int64) ([]sales.DealContact, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT oc.customer_id, c.display_name, oc.role FROM opportunity_contacts oc
JOIN customers c ON c.id = oc.customer_id WHERE oc.opportunity_id = ? ORDER BY c.sort_name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.DealContact
	for rows.Next() {
		var c sales.DealContact
		if err := rows.Scan(&c.CustomerID, &c.Name, &c.Role); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
