package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/notify"
)

// ScanQueue runs duplicate scans in the background.
type ScanQueue interface {
	EnqueueDuplicateScan(ctx context.Context, scanID int64) error
}

// compareRow is one line of the side-by-side comparison of a pair.
type compareRow struct {
	Field  string // the merge field a choice is made for; "" when the values are combined
	Label  string
	A, B   string
	Differ bool
}

func compareRows(a, b customer.Customer) []compareRow {
	emails := func(c customer.Customer) string {
		var s []string
		for _, e := range c.Emails {
			s = append(s, e.Address)
		}
		return strings.Join(s, ", ")
	}
	phones := func(c customer.Customer) string {
		var s []string
		for _, p := range c.Phones {
			s = append(s, p.Number)
		}
		return strings.Join(s, ", ")
	}
	addrs := func(c customer.Customer) string {
		var s []string
		for _, ad := range c.Addresses {
			s = append(s, ad.OneLine())
		}
		return strings.Join(s, "; ")
	}
	owner := func(c customer.Customer) string { return idOrEmpty(c.OwnerID) }
	rows := []compareRow{
		{"name", "Name", a.Name, b.Name, false},
		{"", "Emails (combined)", emails(a), emails(b), false},
		{"", "Phones (combined)", phones(a), phones(b), false},
		{"", "Addresses (combined)", addrs(a), addrs(b), false},
		{"", "Tags (combined)", strings.Join(a.Tags, ", "), strings.Join(b.Tags, ", "), false},
		{"lifecycle_stage", "Lifecycle stage", a.LifecycleStage, b.LifecycleStage, false},
		{"status", "Status", a.Status, b.Status, false},
		{"owner", "Owner (user id)", owner(a), owner(b), false},
		{"external_id", "External id", a.ExternalID, b.ExternalID, false},
		{"birth_date", "Birth date", a.Profile.BirthDate, b.Profile.BirthDate, false},
		{"language", "Language", a.Profile.Language, b.Profile.Language, false},
		{"time_zone", "Time zone", a.Profile.TimeZone, b.Profile.TimeZone, false},
		{"preferred_channel", "Preferred channel", a.Profile.PreferredChannel, b.Profile.PreferredChannel, false},
		{"quiet_hours", "Quiet hours", a.Profile.QuietHours, b.Profile.QuietHours, false},
		{"referral_source", "Referral source", a.Profile.ReferralSource, b.Profile.ReferralSource, false},
		{"website", "Website", a.Profile.Website, b.Profile.Website, false},
		{"industry", "Industry", a.Profile.Industry, b.Profile.Industry, false},
		{"contact_times", "Best times to contact", a.Profile.ContactTimes, b.Profile.ContactTimes, false},
		{"", "Categories and brands (combined)", strings.Join(append(slices.Clone(a.Profile.Categories), a.Profile.Brands...), ", "),
			strings.Join(append(slices.Clone(b.Profile.Categories), b.Profile.Brands...), ", "), false},
	}
	out := rows[:0]
	for _, r := range rows {
		if r.A == "" && r.B == "" {
			continue
		}
		r.Differ = r.A != r.B
		out = append(out, r)
	}
	return out
}

// DuplicatesPage is the review queue with the latest scan and the open
// data-quality issues.
type DuplicatesPage struct {
	Base
	Scan    *customer.DuplicateScan
	Pairs   []customer.PairView
	Total   int
	Issues  []customer.QualityIssue
	NextURL string
}

func (s *site) duplicatesPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ctx := r.Context()
	if err := a.Require(auth.CustomerMerge); err != nil {
		return err
	}
	p := DuplicatesPage{Base: s.pageBase(w, r, a, "Duplicates and data quality", "customers")}
	p.Help = "duplicates"
	if sc, err := s.Customers.LatestDuplicateScan(ctx, a); err == nil {
		p.Scan = &sc
	}
	f := customer.PairFilter{Status: customer.PairOpen, Limit: 50}
	if c := r.URL.Query().Get("after"); c != "" {
		f.AfterID = formID(c)
		f.AfterRank = formFloat(r.URL.Query().Get("score"))
	}
	var err error
	if p.Pairs, err = s.Customers.DuplicatePairs(ctx, a, f); err != nil {
		return err
	}
	if len(p.Pairs) == f.Limit {
		last := p.Pairs[len(p.Pairs)-1]
		p.NextURL = "/duplicates?after=" + itoa(last.ID) + "&score=" + ftoa(last.Score)
	}
	if p.Total, err = s.Customers.CountDuplicatePairs(ctx, a, customer.PairOpen); err != nil {
		return err
	}
	if p.Issues, err = s.Customers.QualityIssues(ctx, a, 100); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, duplicatesPage(p))
}

func (s *site) duplicateScan(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	sc, started, err := s.Customers.RequestDuplicateScan(r.Context(), a)
	if err != nil {
		return err
	}
	if !started {
		return s.redirect(w, r, "/duplicates", "A scan is already running.")
	}
	if err := s.Scans.EnqueueDuplicateScan(r.Context(), sc.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/duplicates", "Scan started. New pairs appear here when it finishes; you will get a notification.")
}

// PairPage compares the two customers of a pair side by side.
type PairPage struct {
	Base
	Pair   customer.PairView
	Rows   []compareRow
	Error  string
	Errors map[string]string
}

func (s *site) pairPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Customers.DuplicatePair(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := PairPage{Base: s.pageBase(w, r, a, "Compare "+v.First.Name+" and "+v.Second.Name, "customers"), Pair: v,
		Rows: compareRows(v.First, v.Second)}
	p.Help = "duplicates"
	return render(w, r, http.StatusOK, pairPage(p))
}

func (s *site) pairMerge(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in := customer.MergeInput{PairID: id, SurvivorID: formID(r.PostFormValue("survivor_id")), Keep: map[string]int64{}}
	for _, f := range customer.MergeFields {
		if v := r.PostFormValue("keep_" + f); v != "" {
			in.Keep[f] = formID(v)
		}
	}
	m, err := s.Customers.MergeCustomers(r.Context(), a, in)
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		v, verr := s.Customers.DuplicatePair(r.Context(), a, id)
		if verr != nil {
			return verr
		}
		p := PairPage{Base: s.base(r, a, "Compare "+v.First.Name+" and "+v.Second.Name, "customers"), Pair: v,
			Rows: compareRows(v.First, v.Second), Error: msg, Errors: errs}
		return render(w, r, http.StatusUnprocessableEntity, pairPage(p))
	}
	return s.redirect(w, r, "/customers/"+itoa(m.SurvivorID),
		"Merged. The other record is in the bin; you can undo the merge from this page for 30 days.")
}

func (s *site) pairDismiss(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Customers.DismissPair(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/duplicates", "Marked as not duplicates. Later scans will not propose them again.")
}

func (s *site) mergeUndo(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Customers.UndoMerge(r.Context(), a, id)
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/duplicates", msg)
		}
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(m.SurvivorID), "Merge undone: both customers are as they were.")
}

// NotificationsPage is the user's notification centre.
type NotificationsPage struct {
	Base
	Items []notify.Notification
}

func (s *site) notificationsPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	items, err := s.Notify.List(r.Context(), a, 100)
	if err != nil {
		return err
	}
	p := NotificationsPage{Base: s.pageBase(w, r, a, "Notifications", ""), Items: items}
	p.Help = "notifications"
	return render(w, r, http.StatusOK, notificationsPage(p))
}

func (s *site) notificationsRead(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id := formID(r.PostFormValue("id"))
	if err := s.Notify.MarkRead(r.Context(), a, id); err != nil {
		return err
	}
	if to := r.PostFormValue("next"); id != 0 && strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//") {
		return s.redirect(w, r, to, "")
	}
	return s.redirect(w, r, "/notifications", "")
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func formFloat(v string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

func (s *site) customerErase(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	er, err := s.Customers.EraseCustomer(r.Context(), a, id, r.PostFormValue("reason"))
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/customers/"+itoa(id), msg+" "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), fmt.Sprintf("Personal data erased (%s).",
		plural(er.Records, "record", "records")))
}

// fieldText joins the field messages of a validation error.
func fieldText(err error) string {
	errs, _ := fieldErrors(err)
	var parts []string
	for f, m := range errs {
		parts = append(parts, f+": "+m)
	}
	return strings.Join(parts, "; ")
}

// customerDataExport downloads everything about one customer as JSON, for a
// data subject's access request; the export is audited by the service.
func (s *site) customerDataExport(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, cut, err := s.Customers.ExportCustomerData(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="customer-%d.json"`, id))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		ExportedAt time.Time
		Truncated  bool `json:",omitempty"`
		customer.DataExport
	}{time.Now().UTC(), cut, x})
}
