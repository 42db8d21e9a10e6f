package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

const articleColumns = `id, slug, category, title, body, public, version, published_title, published_body, published_at,
    helpful_yes, helpful_no, COALESCE(created_by, 0), created_at, updated_at FROM kb_articles`

func scanArticle(row interface{ Scan(...any) error }) (support.Article, error) {
	var a support.Article
	var pub sql.NullTime
	err := row.Scan(&a.ID, &a.Slug, &a.Category, &a.Title, &a.Body, &a.Public, &a.Version, &a.PublishedTitle,
		&a.PublishedBody, &pub, &a.HelpfulYes, &a.HelpfulNo, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt)
	a.PublishedAt, a.CreatedAt, a.UpdatedAt = timeOf(pub), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

// CreateArticle stores a new article (Conflict when the slug is taken).
func (s *Store) CreateArticle(ctx context.Context, a support.Article, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO kb_articles (slug, category, title, body, public, created_by, created_at,
    updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Slug, a.Category, a.Title, a.Body, a.Public,
			nullID(a.CreatedBy), a.CreatedAt, a.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateArticle runs a read-modify-write of an article.
func (s *Store) UpdateArticle(ctx context.Context, id int64, change func(cur support.Article) (support.Article, audit.Entry, error)) (support.Article, error) {
	var out support.Article
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "kb_articles", id); err != nil {
			return notFoundOr(err, "Article not found.")
		}
		cur, err := scanArticle(t.c.QueryRowContext(ctx, `SELECT `+articleColumns+` WHERE id = ?`, id))
		if err != nil {
			return notFoundOr(err, fmt.Sprintf("Article %d was not found.", id))
		}
		a, e, err := change(cur)
		if err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE kb_articles SET category = ?, title = ?, body = ?, public = ?, version = ?,
    published_title = ?, published_body = ?, published_at = ?, updated_at = ? WHERE id = ?`, a.Category, a.Title, a.Body,
			a.Public, a.Version, a.PublishedTitle, a.PublishedBody, nullTime(a.PublishedAt), a.UpdatedAt, id); err != nil {
			return mapErr(err)
		}
		if err := t.appendAudit(ctx, e); err != nil {
			return err
		}
		out, err = scanArticle(t.c.QueryRowContext(ctx, `SELECT `+articleColumns+` WHERE id = ?`, id))
		return err
	})
	return out, err
}

// FindArticle returns an article by id, or by slug when id is 0.
func (s *Store) FindArticle(ctx context.Context, id int64, slug string) (support.Article, error) {
	q, arg := `SELECT `+articleColumns+` WHERE id = ?`, any(id)
	if id == 0 {
		q, arg = `SELECT `+articleColumns+` WHERE slug = ?`, slug
	}
	a, err := scanArticle(s.readConn().QueryRowContext(ctx, q, arg))
	if err == sql.ErrNoRows {
		return a, fault.New(fault.NotFound, "Article not found.")
	}
	return a, err
}

// Articles lists articles by category and title.
func (s *Store) Articles(ctx context.Context, published, public bool) ([]support.Article, error) {
	w := &where{}
	if published {
		w.add("version > 0")
	}
	if public {
		w.add("public")
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+articleColumns+w.sql()+` ORDER BY category, title LIMIT 5000`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// VoteArticle counts a "was this helpful?" answer.
func (s *Store) VoteArticle(ctx context.Context, id int64, helpful bool) error {
	col := "helpful_no"
	if helpful {
		col = "helpful_yes"
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE kb_articles SET `+col+` = `+col+` + 1 WHERE id = ?`, id)
		return err
	})
}
