package support

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Macro is a canned reply: text with placeholders filled from the case, and
// optionally a status the case takes when the reply is sent. Shared macros
// are for every agent; the others only for the agent who wrote them.
type Macro struct {
	ID        int64
	Name      string
	Body      string
	SetStatus string
	Shared    bool
	CreatedBy int64
	Uses      int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MacroStore keeps macros.
type MacroStore interface {
	CreateMacro(ctx context.Context, m Macro, e audit.Entry) (int64, error)
	UpdateMacro(ctx context.Context, m Macro, e audit.Entry) error
	DeleteMacro(ctx context.Context, id int64, e audit.Entry) error
	Macros(ctx context.Context) ([]Macro, error)
	FindMacro(ctx context.Context, id int64) (Macro, error)
	CountMacroUse(ctx context.Context, id int64) error
}

// MacroFields are the placeholders a macro may use, as {{name}}.
var MacroFields = []string{"customer.name", "customer.first_name", "customer.email", "case.id", "case.subject",
	"case.token", "case.status", "agent.name", "agent.first_name", "queue.name"}

var placeholder = regexp.MustCompile(`\{\{\s*([a-z_.]+)\s*\}\}`)

func (m Macro) validate() error {
	var f fault.Fields
	if m.Name == "" || len(m.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	if m.Body == "" || len(m.Body) > 20000 {
		f.Add("body", "must be 1 to 20000 characters")
	}
	for _, p := range placeholder.FindAllStringSubmatch(m.Body, -1) {
		if !slices.Contains(MacroFields, p[1]) {
			f.Add("body", "{{%s}} is not a placeholder; use one of %s", p[1], strings.Join(MacroFields, ", "))
		}
	}
	if strings.Count(m.Body, "{{") != len(placeholder.FindAllString(m.Body, -1)) {
		f.Add("body", "has a {{ that does not close with }}")
	}
	if m.SetStatus != "" && !slices.Contains([]string{StatusOpen, StatusPending, StatusResolved}, m.SetStatus) {
		f.Add("set_status", "must be open, pending or resolved, or empty")
	}
	return f.Err()
}

// visibleMacro reports whether the actor may use the macro.
func visibleMacro(a auth.Actor, m Macro) bool { return m.Shared || m.CreatedBy == a.UserID }

// mayEditMacro: shared macros are the service administrators', personal
// ones their author's.
func mayEditMacro(a auth.Actor, m Macro) error {
	if m.Shared && !a.Can(auth.ServiceAdmin) {
		return fault.New(fault.Forbidden, "Only service administrators change shared macros.")
	}
	if !m.Shared && m.CreatedBy != a.UserID {
		return fault.New(fault.NotFound, "Macro %d was not found.", m.ID)
	}
	return nil
}

// MacroInput is a new macro or its new content.
type MacroInput struct {
	Name      string
	Body      string
	SetStatus string
	Shared    bool
}

// CreateMacro stores a macro.
func (s *Service) CreateMacro(ctx context.Context, a auth.Actor, in MacroInput) (Macro, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Macro{}, err
	}
	now := s.at()
	m := Macro{Name: strings.TrimSpace(in.Name), Body: strings.TrimSpace(in.Body), SetStatus: in.SetStatus,
		Shared: in.Shared, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if err := mayEditMacro(a, m); err != nil {
		return Macro{}, err
	}
	if err := m.validate(); err != nil {
		return Macro{}, err
	}
	e := a.Audit("create", "macro", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: m.Name}}
	id, err := s.store.CreateMacro(ctx, m, e)
	m.ID = id
	return m, err
}

// UpdateMacro changes a macro.
func (s *Service) UpdateMacro(ctx context.Context, a auth.Actor, id int64, in MacroInput) (Macro, error) {
	cur, err := s.Macro(ctx, a, id)
	if err != nil {
		return Macro{}, err
	}
	if err := mayEditMacro(a, cur); err != nil {
		return Macro{}, err
	}
	m := cur
	m.Name, m.Body, m.SetStatus, m.Shared, m.UpdatedAt = strings.TrimSpace(in.Name), strings.TrimSpace(in.Body),
		in.SetStatus, in.Shared, s.at()
	if err := mayEditMacro(a, m); err != nil {
		return Macro{}, err
	}
	if err := m.validate(); err != nil {
		return Macro{}, err
	}
	e := a.Audit("update", "macro", id, m.UpdatedAt)
	e.Changes = []audit.Change{{Field: "name", Old: cur.Name, New: m.Name}}
	return m, s.store.UpdateMacro(ctx, m, e)
}

// DeleteMacro removes a macro.
func (s *Service) DeleteMacro(ctx context.Context, a auth.Actor, id int64) error {
	m, err := s.Macro(ctx, a, id)
	if err != nil {
		return err
	}
	if err := mayEditMacro(a, m); err != nil {
		return err
	}
	e := a.Audit("delete", "macro", id, s.at())
	e.Changes = []audit.Change{{Field: "name", Old: m.Name}}
	return s.store.DeleteMacro(ctx, id, e)
}

// Macro returns a macro the actor may use.
func (s *Service) Macro(ctx context.Context, a auth.Actor, id int64) (Macro, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Macro{}, err
	}
	m, err := s.store.FindMacro(ctx, id)
	if err != nil || !visibleMacro(a, m) {
		return Macro{}, fault.New(fault.NotFound, "Macro %d was not found.", id)
	}
	return m, nil
}

// Macros lists the macros the actor may use, most used first.
func (s *Service) Macros(ctx context.Context, a auth.Actor) ([]Macro, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return nil, err
	}
	all, err := s.store.Macros(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, m := range all {
		if visibleMacro(a, m) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(x, y Macro) int { return y.Uses - x.Uses })
	return out, nil
}

// ApplyMacro fills a macro's placeholders for a case. It returns the text
// for the reply and the status the macro sets ("" for none).
func (s *Service) ApplyMacro(ctx context.Context, a auth.Actor, macroID, caseID int64) (string, string, error) {
	m, err := s.Macro(ctx, a, macroID)
	if err != nil {
		return "", "", err
	}
	c, err := s.FindCase(ctx, a, caseID)
	if err != nil {
		return "", "", err
	}
	values := map[string]string{"case.id": fmt.Sprint(c.ID), "case.subject": c.Subject, "case.token": c.Token(),
		"case.status": c.Status, "agent.name": a.Name, "agent.first_name": firstWord(a.Name), "queue.name": c.QueueName,
		"customer.name": c.CustomerName, "customer.first_name": firstWord(c.CustomerName), "customer.email": c.CustomerEmail}
	if c.CustomerID != 0 {
		if cu, err := s.customers.FindCustomer(ctx, a, c.CustomerID); err == nil && cu.FirstName != "" {
			values["customer.first_name"] = cu.FirstName
		}
	}
	text := placeholder.ReplaceAllStringFunc(m.Body, func(p string) string {
		return values[placeholder.FindStringSubmatch(p)[1]]
	})
	_ = s.store.CountMacroUse(ctx, m.ID)
	return text, m.SetStatus, nil
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
