package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/webhook"
)

const webhookColumns = `id, url, events, secret, description, active, COALESCE(created_by, 0), created_at FROM webhooks`

func scanWebhook(row interface{ Scan(...any) error }) (webhook.Webhook, error) {
	var w webhook.Webhook
	var events string
	if err := row.Scan(&w.ID, &w.URL, &events, &w.Secret, &w.Description, &w.Active, &w.CreatedBy, &w.CreatedAt); err != nil {
		return w, err
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return w, json.Unmarshal([]byte(events), &w.Events)
}

// CreateWebhook stores a webhook.
func (s *Store) CreateWebhook(ctx context.Context, w webhook.Webhook, e audit.Entry) (int64, error) {
	events, _ := json.Marshal(w.Events)
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO webhooks (url, events, secret, description, active, created_by, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, w.URL, string(events), w.Secret, w.Description, w.Active, nullID(w.CreatedBy),
			w.CreatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// DeleteWebhook removes a webhook and its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// Webhooks lists the webhooks.
func (s *Store) Webhooks(ctx context.Context) ([]webhook.Webhook, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+webhookColumns+` ORDER BY id LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// FindWebhook returns a webhook.
func (s *Store) FindWebhook(ctx context.Context, id int64) (webhook.Webhook, error) {
	w, err := scanWebhook(s.readConn().QueryRowContext(ctx, `SELECT `+webhookColumns+` WHERE id = ?`, id))
	return w, notFoundOr(err, fmt.Sprintf("Webhook %d was not found.", id))
}

// AddDeliveries stores pending deliveries of an event.
func (s *Store) AddDeliveries(ctx context.Context, webhookIDs []int64, event, payload string, at time.Time) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(t *tx) error {
		ids = ids[:0]
		for _, w := range webhookIDs {
			var id int64
			if err := t.c.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, payload, status, created_at)
    VALUES (?, ?, ?, 'pending', ?) RETURNING id`, w, event, payload, at).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

const deliveryColumns = `id, webhook_id, event, payload, status, attempts, last_code, last_error, created_at, delivered_at
    FROM webhook_deliveries`

func scanDelivery(row interface{ Scan(...any) error }) (webhook.Delivery, error) {
	var d webhook.Delivery
	var delivered sql.NullTime
	err := row.Scan(&d.ID, &d.WebhookID, &d.Event, &d.Payload, &d.Status, &d.Attempts, &d.LastCode, &d.LastError, &d.CreatedAt,
		&delivered)
	d.CreatedAt, d.DeliveredAt = d.CreatedAt.UTC(), timeOf(delivered)
	return d, err
}

// FindDelivery returns a delivery.
func (s *Store) FindDelivery(ctx context.Context, id int64) (webhook.Delivery, error) {
	d, err := scanDelivery(s.readConn().QueryRowContext(ctx, `SELECT `+deliveryColumns+` WHERE id = ?`, id))
	return d, notFoundOr(err, "Delivery not found.")
}

// RecordAttempt stores an attempt's outcome.
func (s *Store) RecordAttempt(ctx context.Context, id int64, status string, code int, errText string, at time.Time) error {
	if len(errText) > 500 {
		errText = errText[:500]
	}
	var delivered any
	if status == "delivered" {
		delivered = at
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_code = ?,
    last_error = ?, attempted_at = ?, delivered_at = COALESCE(delivered_at, ?) WHERE id = ?`, status, code, errText, at,
			delivered, id)
		return err
	})
}

// Deliveries returns a webhook's latest deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, webhookID int64, limit int) ([]webhook.Delivery, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+deliveryColumns+` WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`,
		webhookID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
