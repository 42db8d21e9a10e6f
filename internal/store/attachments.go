package store

import (
	"context"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
)

// CreateAttachment stores a file with its audit entry.
func (s *Store) CreateAttachment(ctx context.Context, at customer.Attachment, by int64, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO interaction_attachments (interaction_id, name, content_type, size, data,
    created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, at.InteractionID, at.Name, at.ContentType, at.Size,
			at.Data, nullID(by), at.CreatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// ListAttachments returns an interaction's files without their content.
func (s *Store) ListAttachments(ctx context.Context, interactionID int64) ([]customer.Attachment, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, interaction_id, name, content_type, size, created_at
FROM interaction_attachments WHERE interaction_id = ? ORDER BY id`, interactionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer.Attachment
	for rows.Next() {
		var at customer.Attachment
		if err := rows.Scan(&at.ID, &at.InteractionID, &at.Name, &at.ContentType, &at.Size, &at.CreatedAt); err != nil {
			return nil, err
		}
		at.CreatedAt = at.CreatedAt.UTC()
		out = append(out, at)
	}
	return out, rows.Err()
}

// FindAttachment returns a file with its content.
func (s *Store) FindAttachment(ctx context.Context, id int64) (customer.Attachment, error) {
	var at customer.Attachment
	err := s.readConn().QueryRowContext(ctx, `SELECT id, interaction_id, name, content_type, size, data, created_at
FROM interaction_attachments WHERE id = ?`, id).Scan(&at.ID, &at.InteractionID, &at.Name, &at.ContentType, &at.Size,
		&at.Data, &at.CreatedAt)
	return at, notFoundOr(err, "Attachment not found.")
}
