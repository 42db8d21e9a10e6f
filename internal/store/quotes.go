package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/sales"
)

// CreateQuote stores a quote with its lines and gives it its number.
func (s *Store) CreateQuote(ctx context.Context, q sales.Quote, e audit.Entry) (sales.Quote, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var tmp [8]byte
		rand.Read(tmp[:])
		if err := t.c.QueryRowContext(ctx, `INSERT INTO quotes (number, opportunity_id, customer_id, status, currency,
    valid_until, tax_rate, subtotal, discount_total, tax_total, total, notes, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, "new-"+hex.EncodeToString(tmp[:]), q.OpportunityID,
			nullID(q.CustomerID), q.Status, q.Currency, q.ValidUntil, q.TaxRate, q.Subtotal, q.DiscountTotal, q.TaxTotal,
			q.Total, q.Notes, nullID(e.ActorID), q.CreatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE quotes SET number = ? WHERE id = ?`, fmt.Sprintf("Q-%06d", id), id); err != nil {
			return err
		}
		for i, l := range q.Lines {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO quote_lines (quote_id, position, sku, description, quantity,
    unit_price, discount, line_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, i, l.SKU, l.Description, l.Quantity,
				l.UnitPrice, l.Discount, l.LineTotal); err != nil {
				return err
			}
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	if err != nil {
		return q, err
	}
	return s.FindQuote(ctx, id)
}

const quoteColumns = `q.id, q.number, q.opportunity_id, COALESCE(o.name, ''), COALESCE(q.customer_id, 0),
    COALESCE(c.display_name, ''), q.status, q.currency, q.valid_until, q.tax_rate, q.subtotal, q.discount_total,
    q.tax_total, q.total, q.notes, COALESCE(q.order_id, 0), q.created_at, q.sent_at, q.decided_at`

const quoteFrom = ` FROM quotes q LEFT JOIN opportunities o ON o.id = q.opportunity_id LEFT JOIN customers c ON c.id = q.customer_id`

func scanQuote(row interface{ Scan(...any) error }) (sales.Quote, error) {
	var q sales.Quote
	var sent, decided sql.NullTime
	err := row.Scan(&q.ID, &q.Number, &q.OpportunityID, &q.Opportunity, &q.CustomerID, &q.CustomerName, &q.Status,
		&q.Currency, &q.ValidUntil, &q.TaxRate, &q.Subtotal, &q.DiscountTotal, &q.TaxTotal, &q.Total, &q.Notes, &q.OrderID,
		&q.CreatedAt, &sent, &decided)
	q.CreatedAt, q.SentAt, q.DecidedAt = q.CreatedAt.UTC(), timeOf(sent), timeOf(decided)
	return q, err
}

// FindQuote returns a quote with its lines.
func (s *Store) FindQuote(ctx context.Context, id int64) (sales.Quote, error) {
	q, err := scanQuote(s.readConn().QueryRowContext(ctx, `SELECT `+quoteColumns+quoteFrom+` WHERE q.id = ?`, id))
	if err != nil {
		return q, notFoundOr(err, "Quote not found.")
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT sku, description, quantity, unit_price, discount, line_total
FROM quote_lines WHERE quote_id = ? ORDER BY position`, id)
	if err != nil {
		return q, err
	}
	defer rows.Close()
	for rows.Next() {
		var l sales.QuoteLine
		if err := rows.Scan(&l.SKU, &l.Description, &l.Quantity, &l.UnitPrice, &l.Discount, &l.LineTotal); err != nil {
			return q, err
		}
		q.Lines = append(q.Lines, l)
	}
	return q, rows.Err()
}

// ListQuotes returns an opportunity's quotes, newest first, without lines.
func (s *Store) ListQuotes(ctx context.Context, opportunityID int64) ([]sales.Quote, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+quoteColumns+quoteFrom+` WHERE q.opportunity_id = ? ORDER BY q.id DESC`,
		opportunityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Quote
	for rows.Next() {
		q, err := scanQuote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// SetQuoteStatus records a quote sent, accepted or declined.
func (s *Store) SetQuoteStatus(ctx context.Context, id int64, status string, at time.Time, orderID int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		col := "decided_at"
		if status == "sent" {
			col = "sent_at"
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE quotes SET status = ?, `+col+` = ?, order_id = COALESCE(?, order_id) WHERE id = ?`,
			status, at, nullID(orderID), id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}
