package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Report is a saved report: its definition, who owns it, whether the
// whole team of users may open it, and its email schedule.
type Report struct {
	ID         int64
	Name       string
	Definition Definition
	OwnerID    int64
	Shared     bool
	Schedule   string // "", daily, weekly, monthly
	Recipients []string
	NextRunAt  time.Time // zero: not scheduled
	LastSentAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Result is a report's figures.
type Result struct {
	Columns []Column
	Rows    [][]any // a group label (text) then one float64 per measure
	Chart   string
}

// Store keeps reports and runs their queries.
type Store interface {
	RunReport(ctx context.Context, sql string, args []any, grouped bool, measures int) ([][]any, error)
	CreateReport(ctx context.Context, r Report, e audit.Entry) (int64, error)
	UpdateReport(ctx context.Context, r Report, e audit.Entry) error
	DeleteReport(ctx context.Context, id int64, e audit.Entry) error
	FindReport(ctx context.Context, id int64) (Report, error)
	Reports(ctx context.Context, ownerID int64) ([]Report, error)
	// ClaimDueReport moves one report whose next run is due to its next
	// time and returns it (false when none is due), so that one run sends
	// it once.
	ClaimDueReport(ctx context.Context, now time.Time, next func(Report) time.Time) (Report, bool, error)
	MarkReportSent(ctx context.Context, id int64, at time.Time) error
}

// Users finds the owner of a scheduled report, whose access it runs with.
type Users interface {
	FindUser(ctx context.Context, id int64) (auth.User, error)
}

// Mailer sends a report by email with its CSV.
type Mailer func(ctx context.Context, to []string, subject, text string, csv []byte, name string) error

// Service runs and keeps reports.
type Service struct {
	store  Store
	users  Users
	engine string
	now    func() time.Time
	// Mail, when set, sends scheduled reports.
	Mail Mailer
}

// NewService returns the report service for an engine ("sqlite" or
// "postgres").
func NewService(st Store, users Users, engine string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, users: users, engine: engine, now: now}
}

// Run runs a definition as the actor.
func (s *Service) Run(ctx context.Context, a auth.Actor, d Definition) (Result, error) {
	q, err := Build(d, s.engine, a, s.now().UTC())
	if err != nil {
		return Result{}, err
	}
	rows, err := s.store.RunReport(ctx, q.SQL, q.Args, q.Grouped, len(q.Measures))
	if err != nil {
		return Result{}, err
	}
	off := 0
	if q.Grouped {
		off = 1
	}
	for _, r := range rows {
		for i, f := range q.Measures {
			if f.Kind == Money && f.scale > 0 {
				if v, ok := r[off+i].(float64); ok {
					r[off+i] = v / f.scale
				}
			}
		}
	}
	chart := d.Chart
	if chart == "" {
		chart = "table"
	}
	return Result{Columns: q.Columns, Rows: rows, Chart: chart}, nil
}

// CSV writes a result as CSV with a header row.
func (r Result) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Label
	}
	_ = w.Write(head)
	for _, row := range r.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case float64:
				rec[i] = strconv.FormatFloat(x, 'f', -1, 64)
			case nil:
				rec[i] = ""
			default:
				rec[i] = fmt.Sprint(x)
			}
			// A cell a spreadsheet would run as a formula is quoted.
			if rec[i] != "" && strings.ContainsRune("=+-@", rune(rec[i][0])) {
				if _, err := strconv.ParseFloat(rec[i], 64); err != nil {
					rec[i] = "'" + rec[i]
				}
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// Input is a new report or its new content.
type Input struct {
	Name       string
	Definition Definition
	Shared     bool
	Schedule   string
	Recipients []string
}

func (s *Service) check(a auth.Actor, in Input) (Report, error) {
	r := Report{Name: strings.TrimSpace(in.Name), Definition: in.Definition, Shared: in.Shared, Schedule: in.Schedule}
	var f fault.Fields
	if r.Name == "" || len(r.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	if !slices.Contains([]string{"", "daily", "weekly", "monthly"}, r.Schedule) {
		f.Add("schedule", "must be daily, weekly, monthly or empty")
	}
	if len(in.Recipients) > 20 {
		f.Add("recipients", "at most 20 addresses")
	}
	for _, to := range in.Recipients {
		to = strings.TrimSpace(to)
		if to == "" {
			continue
		}
		if addr, err := mail.ParseAddress(to); err != nil || addr.Address != to {
			f.Add("recipients", "%q is not an email address", to)
			continue
		}
		r.Recipients = append(r.Recipients, to)
	}
	if r.Schedule != "" && len(r.Recipients) == 0 {
		f.Add("recipients", "a scheduled report needs at least one address")
	}
	if err := f.Err(); err != nil {
		return r, err
	}
	if _, err := Build(r.Definition, s.engine, a, s.now()); err != nil {
		return r, err
	}
	return r, nil
}

// Next is when a schedule runs next after t: 07:00 UTC the next day, the
// next Monday or the 1st of the next month.
func Next(schedule string, t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 7, 0, 0, 0, time.UTC)
	switch schedule {
	case "daily":
		if !day.After(t) {
			day = day.AddDate(0, 0, 1)
		}
		return day
	case "weekly":
		for !day.After(t) || day.Weekday() != time.Monday {
			day = day.AddDate(0, 0, 1)
		}
		return day
	case "monthly":
		m := time.Date(t.Year(), t.Month(), 1, 7, 0, 0, 0, time.UTC)
		if !m.After(t) {
			m = m.AddDate(0, 1, 0)
		}
		return m
	}
	return time.Time{}
}

// Create saves a report of the actor's.
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (Report, error) {
	r, err := s.check(a, in)
	if err != nil {
		return Report{}, err
	}
	now := s.now().UTC()
	r.OwnerID, r.CreatedAt, r.UpdatedAt, r.NextRunAt = a.UserID, now, now, Next(r.Schedule, now)
	e := a.Audit("create", "report", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: r.Name}}
	r.ID, err = s.store.CreateReport(ctx, r, e)
	return r, err
}

// Find returns a report the actor owns or that is shared.
func (s *Service) Find(ctx context.Context, a auth.Actor, id int64) (Report, error) {
	r, err := s.store.FindReport(ctx, id)
	if err != nil {
		return Report{}, err
	}
	if r.OwnerID != a.UserID && !r.Shared && !a.Can(auth.UserManage) {
		return Report{}, fault.New(fault.NotFound, "Report not found.")
	}
	return r, nil
}

// Update changes a report of the actor's (or any, for administrators).
func (s *Service) Update(ctx context.Context, a auth.Actor, id int64, in Input) (Report, error) {
	cur, err := s.Find(ctx, a, id)
	if err != nil {
		return Report{}, err
	}
	if cur.OwnerID != a.UserID && !a.Can(auth.UserManage) {
		return Report{}, fault.New(fault.Forbidden, "Only the report's owner changes it.")
	}
	r, err := s.check(a, in)
	if err != nil {
		return Report{}, err
	}
	now := s.now().UTC()
	r.ID, r.OwnerID, r.CreatedAt, r.UpdatedAt, r.LastSentAt = id, cur.OwnerID, cur.CreatedAt, now, cur.LastSentAt
	r.NextRunAt = Next(r.Schedule, now)
	e := a.Audit("update", "report", id, now)
	e.Changes = []audit.Change{{Field: "name", Old: cur.Name, New: r.Name}}
	return r, s.store.UpdateReport(ctx, r, e)
}

// Delete removes a report of the actor's.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id int64) error {
	cur, err := s.Find(ctx, a, id)
	if err != nil {
		return err
	}
	if cur.OwnerID != a.UserID && !a.Can(auth.UserManage) {
		return fault.New(fault.Forbidden, "Only the report's owner deletes it.")
	}
	return s.store.DeleteReport(ctx, id, a.Audit("delete", "report", id, s.now().UTC()))
}

// List returns the actor's reports and the shared ones.
func (s *Service) List(ctx context.Context, a auth.Actor) ([]Report, error) {
	return s.store.Reports(ctx, a.UserID)
}

// RunSaved runs a saved report as the actor.
func (s *Service) RunSaved(ctx context.Context, a auth.Actor, id int64) (Report, Result, error) {
	r, err := s.Find(ctx, a, id)
	if err != nil {
		return r, Result{}, err
	}
	res, err := s.Run(ctx, a, r.Definition)
	return r, res, err
}

// SendDue emails every report whose time has come, each run as its owner
// (with the owner's access), with the result as CSV. It returns how many
// went out.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	if s.Mail == nil {
		return 0, nil
	}
	sent := 0
	for {
		now := s.now().UTC()
		r, ok, err := s.store.ClaimDueReport(ctx, now, func(r Report) time.Time { return Next(r.Schedule, now) })
		if err != nil || !ok {
			return sent, err
		}
		u, err := s.users.FindUser(ctx, r.OwnerID)
		if err != nil {
			return sent, fmt.Errorf("reports: owner of report %d: %w", r.ID, err)
		}
		if !u.Active {
			continue // a report of a deactivated user stops going out
		}
		a := u.Actor("report", "", "")
		res, err := s.Run(ctx, a, r.Definition)
		if err != nil {
			return sent, fmt.Errorf("reports: run report %d: %w", r.ID, err)
		}
		text := fmt.Sprintf("%s, as of %s UTC: %d rows, attached as CSV.\n", r.Name, now.Format("2006-01-02 15:04"), len(res.Rows))
		name := strings.Map(func(c rune) rune {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				return c
			}
			return '-'
		}, r.Name) + ".csv"
		if err := s.Mail(ctx, r.Recipients, "Report: "+r.Name, text, res.CSV(), name); err != nil {
			return sent, err
		}
		if err := s.store.MarkReportSent(ctx, r.ID, now); err != nil {
			return sent, err
		}
		sent++
	}
}

// MarshalDefinition and UnmarshalDefinition store a definition as JSON.
func MarshalDefinition(d Definition) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// UnmarshalDefinition reads a stored definition.
func UnmarshalDefinition(s string) (Definition, error) {
	var d Definition
	err := json.Unmarshal([]byte(s), &d)
	return d, err
}
