package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/support"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

func rowKey(list string, i int, field string) string { return fmt.Sprintf("%s[%d].%s", list, i, field) }

func changeText(c customer.Change) string {
	switch {
	case c.Old == "":
		return "set to " + c.New
	case c.New == "":
		return "cleared (was " + c.Old + ")"
	default:
		return c.Old + " → " + c.New
	}
}

// dashboardCountCap is where the home page's customer counts stop.
const dashboardCountCap = 10000

func (s *site) dashboard(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ctx := r.Context()
	p := DashboardPage{Base: s.pageBase(w, r, a, "Dashboard", "dashboard"), CanCreate: a.Can(auth.CustomerCreate)}
	if s.Analytics != nil {
		d, err := s.Analytics.Dashboard(ctx, a)
		switch {
		case err == nil:
			j := d.JSON()
			p.Figures = &j
		case !fault.Is(err, fault.Forbidden):
			return err
		}
	}
	if !a.Can(auth.CustomerRead) {
		return render(w, r, http.StatusOK, dashboardPage(p))
	}
	// Counts stop at 10,000 ("10,000+"): exact counts of a million
	// customers would make the home page slow.
	var err error
	if p.Visible, p.VisibleMore, err = s.Customers.CountCustomers(ctx, a, customer.Filter{}, dashboardCountCap); err != nil {
		return err
	}
	if p.Mine, p.MineMore, err = s.Customers.CountCustomers(ctx, a, customer.Filter{OwnerID: a.UserID}, dashboardCountCap); err != nil {
		return err
	}
	week := customer.Filter{CreatedFrom: time.Now().UTC().Add(-7 * 24 * time.Hour)}
	if p.ThisWeek, p.ThisWeekMore, err = s.Customers.CountCustomers(ctx, a, week, dashboardCountCap); err != nil {
		return err
	}
	page, err := s.Customers.FindCustomers(ctx, a, customer.Filter{Limit: 10})
	if err != nil {
		return err
	}
	p.Recent = page.Items
	return render(w, r, http.StatusOK, dashboardPage(p))
}

// listFilter reads the list's filter from the query string.
func listFilter(r *http.Request, a auth.Actor) (customer.Filter, bool) {
	q := r.URL.Query()
	f := customer.Filter{Query: q.Get("q"), Tag: q.Get("tag"), ListID: formID(q.Get("list")), SegmentID: formID(q.Get("segment")), Stage: q.Get("stage"), Kind: customer.Kind(q.Get("kind")),
		Sort: q.Get("sort"), Cursor: q.Get("cursor"), Deleted: q.Get("deleted") == "1", Limit: 50}
	mine := q.Get("owner") == "me"
	if mine {
		f.OwnerID = a.UserID
	}
	// Dates are whole days in UTC; "to" includes its day.
	if d, err := time.Parse("2006-01-02", q.Get("from")); err == nil {
		f.CreatedFrom = d
	}
	if d, err := time.Parse("2006-01-02", q.Get("to")); err == nil {
		f.CreatedTo = d.AddDate(0, 0, 1)
	}
	return f, mine
}

func dateValue(t time.Time, endExclusive bool) string {
	if t.IsZero() {
		return ""
	}
	if endExclusive {
		t = t.AddDate(0, 0, -1)
	}
	return t.Format("2006-01-02")
}

func filterQuery(f customer.Filter, mine bool) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", f.Query)
	set("tag", f.Tag)
	set("list", idOrEmpty(f.ListID))
	set("stage", f.Stage)
	set("kind", string(f.Kind))
	set("sort", f.Sort)
	if mine {
		v.Set("owner", "me")
	}
	if !f.CreatedFrom.IsZero() {
		v.Set("from", dateValue(f.CreatedFrom, false))
	}
	if !f.CreatedTo.IsZero() {
		v.Set("to", dateValue(f.CreatedTo, true))
	}
	if f.Deleted {
		v.Set("deleted", "1")
	}
	return v
}

// listCountCap is where the list stops counting matches.
const listCountCap = 1000

func (s *site) customerList(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ctx := r.Context()
	f, mine := listFilter(r, a)
	p := ListPage{Base: s.pageBase(w, r, a, "Customers", "customers"), F: f, OwnerMine: mine,
		CanCreate: a.Can(auth.CustomerCreate)}
	p.Query = f.Query
	p.ExportURL = "/customers/export.csv?" + filterQuery(f, mine).Encode()
	var err error
	if p.Lists, err = s.Customers.StaticLists(ctx, a); err != nil {
		return err
	}
	page, err := s.Customers.FindCustomers(ctx, a, f)
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil || fault.Is(err, fault.Forbidden) {
			return err
		}
		p.Errors, p.Error = errs, msg
		return render(w, r, http.StatusUnprocessableEntity, listPage(p))
	}
	p.Items = page.Items
	if p.Count, p.CountMore, err = s.Customers.CountCustomers(ctx, a, f, listCountCap); err != nil {
		return err
	}
	if page.NextCursor != "" {
		v := filterQuery(f, mine)
		v.Set("cursor", page.NextCursor)
		p.NextURL = "/customers?" + v.Encode()
	}
	return render(w, r, http.StatusOK, listPage(p))
}

// csvSafe neutralises cells that a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (s *site) customerExport(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.CustomerExport); err != nil {
		return err
	}
	f, _ := listFilter(r, a)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="customers-`+time.Now().UTC().Format("20060102")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "kind", "name", "email", "phone", "lifecycle_stage", "status", "owner", "created_at"})
	_, err := s.Customers.ExportCustomers(r.Context(), a, f, func(c customer.Summary) error {
		return cw.Write([]string{itoa(c.ID), string(c.Kind), csvSafe(c.Name), csvSafe(c.Email), csvSafe(c.Phone),
			c.LifecycleStage, c.Status, csvSafe(c.OwnerName), c.CreatedAt.Format(time.RFC3339)})
	})
	cw.Flush()
	if err != nil {
		// Headers are sent; the log has the cause and the file ends early.
		s.Log.Error("web: export", "err", err, "request_id", s.RequestID(r))
	}
	return nil
}

// rows pads a list of rows with blank ones so that the form always offers
// at least min rows and one spare, up to the limit of ten.
func rows(in []Row, min int) []Row {
	out := append([]Row(nil), in...)
	for len(out) < 10 && (len(out) < min || len(out) < len(in)+1) {
		out = append(out, Row{})
	}
	return out
}

func formFromCustomer(b Base, c customer.Customer, a auth.Actor) CustomerForm {
	f := CustomerForm{Base: b, ID: c.ID, Kind: string(c.Kind), FirstName: c.FirstName, LastName: c.LastName,
		Name: c.OrgName, Tags: strings.Join(c.Tags, ", "), Stage: c.LifecycleStage, Status: c.Status,
		ExternalID: c.ExternalID, CanPII: a.Can(auth.CustomerPII), Profile: c.Profile}
	var es, ps, as []Row
	for _, e := range c.Emails {
		es = append(es, Row{Value: e.Address, Label: e.Label, Primary: e.Primary})
	}
	for _, p := range c.Phones {
		ps = append(ps, Row{Value: p.Number, Label: p.Label, Primary: p.Primary})
	}
	for _, ad := range c.Addresses {
		as = append(as, Row{Value: ad.OneLine(), Addr: ad})
	}
	f.Emails, f.Phones, f.Addresses = rows(es, 2), rows(ps, 2), rows(as, 1)
	return f
}

// parsedForm is a submitted customer form. Blank rows are dropped; idx maps
// each kept row back to its place on the form so that errors land next to it.
type parsedForm struct {
	form                      CustomerForm
	emails                    []customer.Email
	phones                    []customer.Phone
	addresses                 []customer.Address
	tags                      []string
	emailIdx, phoneIdx, adIdx []int
}

func parseCustomerForm(r *http.Request, b Base, a auth.Actor) parsedForm {
	_ = r.ParseForm()
	pf := r.PostForm
	f := CustomerForm{Base: b, Kind: pf.Get("kind"), FirstName: pf.Get("first_name"), LastName: pf.Get("last_name"),
		Name: pf.Get("name"), Tags: pf.Get("tags"), Stage: pf.Get("lifecycle_stage"), Status: pf.Get("status"),
		ExternalID: pf.Get("external_id"), CanPII: a.Can(auth.CustomerPII),
		Profile: customer.Profile{BirthDate: pf.Get("birth_date"), Language: pf.Get("language"),
			TimeZone: pf.Get("time_zone"), PreferredChannel: pf.Get("preferred_channel"), QuietHours: pf.Get("quiet_hours"),
			ReferralSource: pf.Get("referral_source"), Website: pf.Get("website"), Industry: pf.Get("industry"),
			Categories: splitComma(pf.Get("categories")), Brands: splitComma(pf.Get("brands")),
			ContactTimes: pf.Get("contact_times")}}
	out := parsedForm{}
	at := func(list []string, i int) string {
		if i < len(list) {
			return strings.TrimSpace(list[i])
		}
		return ""
	}
	primaryEmail, primaryPhone := pf.Get("email_primary"), pf.Get("phone_primary")
	for i, v := range pf["email"] {
		row := Row{Value: strings.TrimSpace(v), Label: at(pf["email_label"], i), Primary: primaryEmail == strconv.Itoa(i)}
		f.Emails = append(f.Emails, row)
		if row.Value != "" {
			out.emails = append(out.emails, customer.Email{Address: row.Value, Label: row.Label, Primary: row.Primary})
			out.emailIdx = append(out.emailIdx, i)
		}
	}
	for i, v := range pf["phone"] {
		row := Row{Value: strings.TrimSpace(v), Label: at(pf["phone_label"], i), Primary: primaryPhone == strconv.Itoa(i)}
		f.Phones = append(f.Phones, row)
		if row.Value != "" {
			out.phones = append(out.phones, customer.Phone{Number: row.Value, Label: row.Label, Primary: row.Primary})
			out.phoneIdx = append(out.phoneIdx, i)
		}
	}
	for i := range pf["addr_line1"] {
		ad := customer.Address{Label: at(pf["addr_label"], i), Line1: at(pf["addr_line1"], i), Line2: at(pf["addr_line2"], i),
			City: at(pf["addr_city"], i), Region: at(pf["addr_region"], i), PostalCode: at(pf["addr_postal"], i),
			Country: at(pf["addr_country"], i)}
		f.Addresses = append(f.Addresses, Row{Value: ad.OneLine(), Addr: ad})
		if ad.Line1 != "" || ad.City != "" || ad.PostalCode != "" || ad.Country != "" {
			out.addresses = append(out.addresses, ad)
			out.adIdx = append(out.adIdx, i)
		}
	}
	for _, t := range strings.Split(f.Tags, ",") {
		if strings.TrimSpace(t) != "" {
			out.tags = append(out.tags, t)
		}
	}
	out.form = f
	return out
}

// formErrors moves row errors from the service's numbering to the form's.
func (p parsedForm) formErrors(errs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range errs {
		moved := false
		for list, idx := range map[string][]int{"emails": p.emailIdx, "phones": p.phoneIdx, "addresses": p.adIdx} {
			var i int
			var field string
			if n, _ := fmt.Sscanf(strings.Replace(k, "].", "] ", 1), list+"[%d] %s", &i, &field); n == 2 && i < len(idx) {
				out[rowKey(list, idx[i], field)] = v
				moved = true
			}
		}
		if !moved {
			out[k] = v
		}
	}
	return out
}

func (s *site) customerNew(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.CustomerCreate); err != nil {
		return err
	}
	f := formFromCustomer(s.pageBase(w, r, a, "New customer", "customers"), customer.Customer{Kind: customer.Person,
		LifecycleStage: "lead", Status: "active"}, a)
	return render(w, r, http.StatusOK, customerFormPage(f))
}

func joinReasons(rs []string) string {
	if len(rs) == 0 {
		return "similar details"
	}
	return strings.Join(rs, ", ")
}

func (s *site) customerCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	p := parseCustomerForm(r, s.base(r, a, "New customer", "customers"), a)
	f := p.form
	in := customer.Input{Kind: customer.Kind(f.Kind), FirstName: f.FirstName,
		LastName: f.LastName, Name: f.Name, Emails: p.emails, Phones: p.phones, Addresses: p.addresses, Tags: p.tags,
		LifecycleStage: f.Stage, Status: f.Status, ExternalID: f.ExternalID, Profile: f.Profile}
	// Warn before saving what is probably a customer SCRMS already has.
	if r.PostFormValue("confirm_new") != "1" {
		dups, err := s.Customers.LikelyDuplicates(r.Context(), a, in)
		if err != nil {
			return err
		}
		if len(dups) > 0 {
			f.Duplicates = dups
			f.Emails, f.Phones, f.Addresses = rows(f.Emails, 2), rows(f.Phones, 2), rows(f.Addresses, 1)
			return render(w, r, http.StatusConflict, customerFormPage(f))
		}
	}
	c, err := s.Customers.CreateCustomer(r.Context(), a, in)
	if err != nil {
		return s.formFailed(w, r, p, err)
	}
	return s.redirect(w, r, "/customers/"+itoa(c.ID), "Customer "+c.Name+" created.")
}

func (s *site) formFailed(w http.ResponseWriter, r *http.Request, p parsedForm, err error) error {
	errs, msg := fieldErrors(err)
	if errs == nil {
		return err
	}
	f := p.form
	f.Errors, f.Error = p.formErrors(errs), msg
	f.Emails, f.Phones, f.Addresses = rows(f.Emails, 2), rows(f.Phones, 2), rows(f.Addresses, 1)
	return render(w, r, http.StatusUnprocessableEntity, customerFormPage(f))
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, fault.New(fault.NotFound, "Not found.")
	}
	return id, nil
}

func (s *site) customerEdit(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Customers.FindCustomer(r.Context(), a, id)
	if err != nil {
		return err
	}
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, customerFormPage(formFromCustomer(s.pageBase(w, r, a, "Edit "+c.Name, "customers"), c, a)))
}

func (s *site) customerUpdate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := parseCustomerForm(r, s.base(r, a, "Edit customer", "customers"), a)
	p.form.ID = id
	f := p.form
	kind := customer.Kind(f.Kind)
	u := customer.Update{Kind: &kind, FirstName: &f.FirstName, LastName: &f.LastName, Name: &f.Name, Tags: &p.tags,
		LifecycleStage: &f.Stage, Status: &f.Status, ExternalID: &f.ExternalID}
	if a.Can(auth.CustomerPII) {
		u.Emails, u.Phones, u.Addresses = &p.emails, &p.phones, &p.addresses
		u.Profile = &f.Profile
	}
	c, err := s.Customers.UpdateCustomer(r.Context(), a, id, u)
	if err != nil {
		return s.formFailed(w, r, p, err)
	}
	return s.redirect(w, r, "/customers/"+itoa(c.ID), "Changes saved.")
}

func (s *site) customerProfile(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Customers.FindCustomer(ctx, a, id)
	if err != nil {
		return err
	}
	p := ProfilePage{Base: s.pageBase(w, r, a, c.Name, "customers"), C: c, CanEdit: a.Can(auth.CustomerUpdate),
		CanDelete: a.Can(auth.CustomerDelete), UserID: a.UserID, Kind: r.URL.Query().Get("kind")}
	p.Help = "customer-profile"
	p.Owner, p.Team = "—", "—"
	if c.OwnerID != 0 {
		if u, err := s.Auth.FindUser(ctx, c.OwnerID); err == nil {
			p.Owner = u.Name
		}
	}
	if c.TeamID != 0 {
		if teams, err := s.Auth.ListTeams(ctx); err == nil {
			for _, t := range teams {
				if t.ID == c.TeamID {
					p.Team = t.Name
				}
			}
		}
	}
	if p.Pinned, err = s.Customers.Notes(ctx, a, id, 20); err != nil {
		return err
	}
	if p.Consents, _, err = s.Customers.Consents(ctx, a, id); err != nil {
		return err
	}
	if p.Related, err = s.Customers.Relationships(ctx, a, id); err != nil {
		return err
	}
	if h, err := s.Customers.HouseholdOfCustomer(ctx, a, id); err == nil {
		p.Household = &h
	} else if !fault.Is(err, fault.NotFound) {
		return err
	}
	if p.Merges, err = s.Customers.MergesOf(ctx, a, id); err != nil {
		return err
	}
	if p.OnLists, err = s.Customers.StaticListsOf(ctx, a, id); err != nil {
		return err
	}
	if a.Can(auth.SalesRead) {
		ps, err := s.Orders.Summary(ctx, a, id)
		if err != nil {
			return err
		}
		p.Purchases = &ps
		if p.Orders, err = s.Orders.Orders(ctx, a, id, 5); err != nil {
			return err
		}
		if s.Analytics != nil && ps.Orders > 0 {
			if pr, err := s.Analytics.CustomerCLV(ctx, a, id); err == nil {
				if m, err := s.Analytics.LatestModel(ctx, a); err == nil {
					p.CLV, p.CLVWeeks = &pr, m.HorizonWeeks
				}
			} else if !fault.Is(err, fault.NotFound) {
				return err
			}
			if sc, err := s.Analytics.CustomerChurn(ctx, a, id); err == nil {
				p.Churn = &sc
			} else if !fault.Is(err, fault.NotFound) {
				return err
			}
			if v, err := s.Analytics.CustomerRFM(ctx, a, id); err == nil {
				p.RFM = &v
			} else if !fault.Is(err, fault.NotFound) {
				return err
			}
		}
		if s.Analytics != nil && a.Can(auth.SalesRead) {
			if p.Offers, err = s.Analytics.RecommendFor(ctx, id, 5); err != nil {
				return err
			}
		}
		deals, err := s.Sales.List(ctx, a, sales.Filter{CustomerID: id, Open: true, Limit: 10})
		if err != nil {
			return err
		}
		for _, d := range deals {
			lines, err := s.DealDetails.Lines(ctx, a, d.ID)
			if err != nil {
				return err
			}
			p.Deals = append(p.Deals, DealWithLines{Deal: d, Lines: lines})
		}
	}
	if a.Can(auth.LoyaltyRead) && s.Loyalty != nil {
		p.CanLoyalty, p.CanLoyaltyWrite, p.CanLoyaltyAdmin = true, a.Can(auth.LoyaltyWrite), a.Can(auth.LoyaltyAdmin)
		if p.Loyalty, p.LoyaltyPrograms, err = s.loyaltyCards(r, a, id); err != nil {
			return err
		}
	}
	if a.Can(auth.CaseRead) && s.Support != nil {
		if p.Cases, err = s.Support.ListCases(ctx, a, support.CaseFilter{CustomerID: id, Limit: 10}); err != nil {
			return err
		}
		st, err := s.Support.CustomerStats(ctx, a, id)
		if err != nil {
			return err
		}
		p.CaseStats = &st
	}
	if c.Kind == customer.Organization {
		h, err := s.Customers.AccountHierarchy(ctx, a, id)
		if err != nil {
			return err
		}
		if len(h.Nodes) > 1 {
			p.Tree = &h
		}
	}
	if p.AllLists, err = s.Customers.StaticLists(ctx, a); err != nil {
		return err
	}
	p.Now = time.Now()
	var kinds []string
	if p.Kind != "" {
		kinds = []string{p.Kind}
	}
	tl, err := s.Customers.Timeline(ctx, a, id, kinds, r.URL.Query().Get("cursor"), 30)
	if err != nil {
		return err
	}
	p.Events = tl.Events
	if tl.NextCursor != "" {
		v := url.Values{"cursor": {tl.NextCursor}}
		if p.Kind != "" {
			v.Set("kind", p.Kind)
		}
		p.OlderURL = "/customers/" + itoa(id) + "?" + v.Encode()
	}
	return render(w, r, http.StatusOK, profilePage(p))
}

func (s *site) customerDelete(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Customers.DeleteCustomer(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/customers", "Customer moved to the bin. Managers can restore it from Deleted customers.")
}

func (s *site) customerRestore(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Customers.RestoreCustomer(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Customer restored.")
}

func (s *site) noteCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.Customers.AddNote(r.Context(), a, id, customer.NoteInput{Body: r.PostFormValue("body"),
		Pinned: r.PostFormValue("pinned") == "1"})
	if err != nil {
		if fault.Is(err, fault.Invalid) {
			return s.redirect(w, r, "/customers/"+itoa(id), "The note was empty; nothing was added.")
		}
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Note added.")
}

func (s *site) notePin(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	noteID, err := pathID(r, "note")
	if err != nil {
		return err
	}
	if _, err := s.Customers.ToggleNotePin(r.Context(), a, id, noteID); err != nil {
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Note updated.")
}

func (s *site) noteDelete(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	noteID, err := pathID(r, "note")
	if err != nil {
		return err
	}
	if err := s.Customers.DeleteNote(r.Context(), a, id, noteID); err != nil {
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Note deleted.")
}

// splitComma reads a comma-separated list typed in a form.
func splitComma(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
