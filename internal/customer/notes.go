package customer

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// NoteInput is a note as a user writes it.
type NoteInput struct {
	Body   string
	Pinned bool
}

func (n *NoteInput) validate() error {
	n.Body = strings.TrimSpace(n.Body)
	var f fault.Fields
	if n.Body == "" {
		f.Add("body", "is required")
	} else if len(n.Body) > maxNoteLen {
		f.Add("body", "must be at most %d characters", maxNoteLen)
	}
	return f.Err()
}

// AddNote writes a note on a customer the actor may see and change.
func (s *Service) AddNote(ctx context.Context, a auth.Actor, customerID int64, in NoteInput) (Note, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Note{}, err
	}
	if _, err := s.liveVisible(ctx, a, customerID); err != nil {
		return Note{}, err
	}
	if err := in.validate(); err != nil {
		return Note{}, err
	}
	now := s.now()
	n := Note{CustomerID: customerID, AuthorID: a.UserID, AuthorName: a.Name, Body: in.Body, Pinned: in.Pinned,
		CreatedAt: now, UpdatedAt: now}
	e := a.Audit("create", "note", 0, now)
	e.CustomerID = customerID
	id, err := s.store.CreateNote(ctx, n, e)
	if err != nil {
		return Note{}, err
	}
	n.ID = id
	if s.opt.Mention != nil {
		c, _ := s.store.FindCustomer(ctx, customerID)
		seer := func(u auth.User) bool {
			return u.Active && u.Role.Has(auth.CustomerRead) && u.Actor("", "", "").Sees(c.OwnerID, c.TeamID)
		}
		if err := s.opt.Mention(ctx, a, in.Body, seer, a.Name+" mentioned you in a note on "+c.Name,
			"/customers/"+strconv.FormatInt(customerID, 10)); err != nil {
			return n, fmt.Errorf("customer: note mentions: %w", err)
		}
	}
	return n, nil
}

// liveVisible returns a customer that is visible to the actor and not deleted.
func (s *Service) liveVisible(ctx context.Context, a auth.Actor, id int64) (Customer, error) {
	c, err := s.findVisible(ctx, a, id)
	if err != nil {
		return Customer{}, err
	}
	if c.Deleted() {
		return Customer{}, fault.New(fault.Conflict, "Customer %d is deleted; restore it first.", id)
	}
	return c, nil
}

// noteForChange returns a note the actor may change: its author may, and so
// may anyone who may delete customers (managers, administrators).
func (s *Service) noteForChange(ctx context.Context, a auth.Actor, customerID, noteID int64) (Note, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Note{}, err
	}
	if _, err := s.liveVisible(ctx, a, customerID); err != nil {
		return Note{}, err
	}
	n, err := s.store.FindNote(ctx, noteID)
	if err != nil || n.CustomerID != customerID {
		return Note{}, fault.New(fault.NotFound, "Note %d was not found.", noteID)
	}
	if n.AuthorID != a.UserID && !a.Can(auth.CustomerDelete) {
		return Note{}, fault.New(fault.Forbidden, "Only the author or a manager may change this note.")
	}
	return n, nil
}

// UpdateNote changes a note's text or pin.
func (s *Service) UpdateNote(ctx context.Context, a auth.Actor, customerID, noteID int64, in NoteInput) (Note, error) {
	n, err := s.noteForChange(ctx, a, customerID, noteID)
	if err != nil {
		return Note{}, err
	}
	return s.updateNote(ctx, a, n, in)
}

// ToggleNotePin pins an unpinned note or unpins a pinned one.
func (s *Service) ToggleNotePin(ctx context.Context, a auth.Actor, customerID, noteID int64) (Note, error) {
	n, err := s.noteForChange(ctx, a, customerID, noteID)
	if err != nil {
		return Note{}, err
	}
	return s.updateNote(ctx, a, n, NoteInput{Body: n.Body, Pinned: !n.Pinned})
}

func (s *Service) updateNote(ctx context.Context, a auth.Actor, n Note, in NoteInput) (Note, error) {
	customerID, noteID := n.CustomerID, n.ID
	if err := in.validate(); err != nil {
		return Note{}, err
	}
	now := s.now()
	e := a.Audit("update", "note", noteID, now)
	e.CustomerID = customerID
	e.Changes = audit.Diff(e.Changes, "body", n.Body, in.Body)
	if n.Pinned != in.Pinned {
		e.Changes = append(e.Changes, audit.Change{Field: "pinned", Old: boolText(n.Pinned), New: boolText(in.Pinned)})
	}
	n.Body, n.Pinned, n.UpdatedAt = in.Body, in.Pinned, now
	if err := s.store.UpdateNote(ctx, n, e); err != nil {
		return Note{}, err
	}
	return n, nil
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// DeleteNote removes a note; the audit log keeps its text.
func (s *Service) DeleteNote(ctx context.Context, a auth.Actor, customerID, noteID int64) error {
	n, err := s.noteForChange(ctx, a, customerID, noteID)
	if err != nil {
		return err
	}
	e := a.Audit("delete", "note", noteID, s.now())
	e.CustomerID = customerID
	e.Changes = []audit.Change{{Field: "body", Old: n.Body}}
	return s.store.DeleteNote(ctx, noteID, e)
}

// Notes returns a customer's notes, pinned first, then newest first.
func (s *Service) Notes(ctx context.Context, a auth.Actor, customerID int64, limit int) ([]Note, error) {
	if _, err := s.findVisible(ctx, a, customerID); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 200 {
		limit = 50
	}
	return s.store.ListNotes(ctx, customerID, limit)
}
