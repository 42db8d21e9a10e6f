package customer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"sync"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// ImportOptions say how rows are matched to existing customers and what
// happens on a match.
type ImportOptions struct {
	Match   string // external_id (default), email or phone
	OnMatch string // skip (default) or update
	Workers int    // rows written at once; default 8
}

// ImportResult counts what an import did.
type ImportResult struct {
	Imported, Updated, Skipped, Rejected int
}

// Rejection is a row that was not imported and why.
type Rejection struct {
	Line   int // line number in the file (the header is line 1)
	Record []string
	Reason string
}

// importColumns maps the header names an import understands, in lower case,
// to the field they fill. API field names map themselves, and so do the
// usual flat names of spreadsheets.
var importColumns = map[string]string{
	"kind": "kind", "type": "kind",
	"first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
	"last_name": "last_name", "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
	"name": "name", "company": "name", "organization": "name", "organisation": "name",
	"email": "email", "e-mail": "email", "email_address": "email",
	"phone": "phone", "telephone": "phone", "mobile": "phone", "phone_number": "phone",
	"street": "street", "address": "street", "line1": "street", "address_line1": "street",
	"city": "city", "town": "city",
	"postcode": "postcode", "postal_code": "postcode", "zip": "postcode",
	"region": "region", "state": "region", "county": "region",
	"country":         "country",
	"tags":            "tags",
	"lifecycle_stage": "lifecycle_stage", "stage": "lifecycle_stage",
	"status":      "status",
	"external_id": "external_id", "id": "external_id", "customer_id": "external_id",
	"date_of_birth": "date_of_birth", "birthday": "date_of_birth", "birth_date": "date_of_birth",
	"language": "language", "website": "website", "industry": "industry", "referral_source": "referral_source",
	"source": "referral_source",
}

// ImportColumns maps a header row to fields; unknown columns are ignored and
// listed, so that a user sees what was not used.
func ImportColumns(header []string) (fields []string, ignored []string) {
	fields = make([]string, len(header))
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		key = strings.ReplaceAll(key, " ", "_")
		if f, ok := importColumns[key]; ok {
			fields[i] = f
		} else {
			ignored = append(ignored, h)
		}
	}
	return fields, ignored
}

// rowInput turns one CSV record into an Input. A row with a company name
// and no person's name is an organisation unless its kind says otherwise.
func rowInput(fields, rec []string) Input {
	v := map[string]string{}
	for i, f := range fields {
		if f != "" && i < len(rec) {
			v[f] = strings.TrimSpace(rec[i])
		}
	}
	in := Input{FirstName: v["first_name"], LastName: v["last_name"], Name: v["name"], ExternalID: v["external_id"],
		LifecycleStage: v["lifecycle_stage"], Status: v["status"], Kind: Kind(strings.ToLower(v["kind"])),
		Profile: Profile{BirthDate: v["date_of_birth"], Language: v["language"], Website: v["website"],
			Industry: v["industry"], ReferralSource: v["referral_source"]}}
	if in.Kind == "" {
		in.Kind = Person
		if in.FirstName == "" && in.LastName == "" && in.Name != "" {
			in.Kind = Organization
		}
	}
	if in.Kind == "company" || in.Kind == "organisation" {
		in.Kind = Organization
	}
	if e := v["email"]; e != "" {
		in.Emails = []Email{{Address: e, Primary: true}}
	}
	if p := v["phone"]; p != "" {
		in.Phones = []Phone{{Number: p, Primary: true}}
	}
	if v["street"] != "" || v["city"] != "" || v["postcode"] != "" || v["country"] != "" {
		in.Addresses = []Address{{Line1: v["street"], City: v["city"], Region: v["region"], PostalCode: v["postcode"],
			Country: v["country"], Primary: true}}
	}
	in.Tags = strings.FieldsFunc(v["tags"], func(r rune) bool { return r == ',' || r == ';' || r == '|' })
	return in
}

// ImportStore finds customers by the key an import matches on.
type ImportStore interface {
	FindCustomerIDByExternalID(ctx context.Context, externalID string) (int64, error)
	FindCustomerIDByContact(ctx context.Context, kind, value string) (int64, error)
}

// ImportCustomers reads CSV from r (header first) and creates or updates a
// customer per row through the same rules as any other write, so that every
// row is validated and audited. Bad rows are passed to reject with their
// reason and do not stop the import. Running the same file twice changes
// nothing the second time: rows match the customers the first run created.
func (s *Service) ImportCustomers(ctx context.Context, a auth.Actor, finder ImportStore, r io.Reader, opt ImportOptions,
	reject func(Rejection)) (ImportResult, error) {
	var res ImportResult
	if err := a.Require(auth.CustomerCreate); err != nil {
		return res, err
	}
	if opt.Match == "" {
		opt.Match = "external_id"
	}
	if opt.OnMatch == "" {
		opt.OnMatch = "skip"
	}
	var f fault.Fields
	if opt.Match != "external_id" && opt.Match != "email" && opt.Match != "phone" {
		f.Add("match", "must be external_id, email or phone")
	}
	if opt.OnMatch != "skip" && opt.OnMatch != "update" {
		f.Add("on_match", "must be skip or update")
	}
	if opt.OnMatch == "update" && !a.Can(auth.CustomerUpdate) {
		f.Add("on_match", "your role may not update customers")
	}
	if err := f.Err(); err != nil {
		return res, err
	}
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return res, fault.Wrap(fault.Invalid, err, "The file has no header row.")
	}
	fields, _ := ImportColumns(header)
	if !hasAny(fields, "first_name", "last_name", "name", "external_id", "email") {
		return res, fault.New(fault.Invalid, "The header names no column SCRMS knows (for example name, email, external_id).")
	}
	type job struct {
		line int
		rec  []string
	}
	// Rows with the same match key go to the same worker, in file order, so
	// that duplicates within a file resolve the same way every time.
	queues := make([]chan job, opt.Workers)
	for i := range queues {
		queues[i] = make(chan job, 16)
	}
	next := 0
	var mu sync.Mutex
	var fatal error
	record := func(fn func()) {
		mu.Lock()
		defer mu.Unlock()
		fn()
	}
	var wg sync.WaitGroup
	for w := range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queues[w] {
				outcome, reason, err := s.importRow(ctx, a, finder, fields, j.rec, opt)
				record(func() {
					switch {
					case err != nil:
						if fatal == nil {
							fatal = err
						}
					case outcome == "rejected":
						res.Rejected++
						if reject != nil {
							reject(Rejection{Line: j.line, Record: j.rec, Reason: reason})
						}
					case outcome == "imported":
						res.Imported++
					case outcome == "updated":
						res.Updated++
					default:
						res.Skipped++
					}
				})
			}
		}()
	}
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err != csv.ErrFieldCount {
				record(func() {
					res.Rejected++
					if reject != nil {
						reject(Rejection{Line: pe.Line, Record: rec, Reason: "not valid CSV: " + pe.Err.Error()})
					}
				})
				continue
			}
			if !errors.As(err, &pe) {
				closeAll(queues)
				wg.Wait()
				return res, fmt.Errorf("customer: import: read line %d: %w", line, err)
			}
		}
		mu.Lock()
		stop := fatal != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		w := next % len(queues)
		if key := rowKey(fields, rec, opt.Match); key != "" {
			h := fnv.New32a()
			h.Write([]byte(key))
			w = int(h.Sum32() % uint32(len(queues)))
		} else {
			next++
		}
		queues[w] <- job{line: line, rec: rec}
	}
	closeAll(queues)
	wg.Wait()
	if fatal != nil {
		return res, fatal
	}
	return res, ctx.Err()
}

func closeAll[T any](chans []chan T) {
	for _, c := range chans {
		close(c)
	}
}

// rowKey is the value a row is matched on, folded so that spellings of the
// same key meet; the external id also, since a create can conflict on it.
func rowKey(fields, rec []string, match string) string {
	col := map[string]string{"external_id": "external_id", "email": "email", "phone": "phone"}[match]
	var key, ext string
	for i, f := range fields {
		if i >= len(rec) {
			break
		}
		switch f {
		case col:
			key = strings.ToLower(strings.TrimSpace(rec[i]))
		case "external_id":
			ext = strings.TrimSpace(rec[i])
		}
	}
	if match == "phone" {
		key = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, key)
	}
	if key == "" {
		return ext
	}
	return key
}

func hasAny(fields []string, want ...string) bool {
	for _, f := range fields {
		for _, w := range want {
			if f == w {
				return true
			}
		}
	}
	return false
}

// importRow creates, updates or skips one row; a validation problem rejects
// the row, anything else stops the import.
func (s *Service) importRow(ctx context.Context, a auth.Actor, finder ImportStore, fields, rec []string,
	opt ImportOptions) (outcome, reason string, err error) {
	in := rowInput(fields, rec)
	id, err := s.matchRow(ctx, a, finder, in, opt.Match)
	if err != nil {
		return "", "", err
	}
	if id == 0 {
		_, err := s.CreateCustomer(ctx, a, in)
		switch {
		case err == nil:
			return "imported", "", nil
		case fault.Is(err, fault.Conflict):
			// Another row of this file created the same customer meanwhile.
			if id, err = s.matchRow(ctx, a, finder, in, "external_id"); err != nil || id == 0 {
				return "rejected", "another customer already has this external id", err
			}
		default:
			if r, ok := rowProblem(err); ok {
				return "rejected", r, nil
			}
			return "", "", err
		}
	}
	if opt.OnMatch == "skip" {
		return "skipped", "", nil
	}
	// Only what the row gives replaces what the customer has.
	u := Update{Tags: nilIfEmpty(in.Tags)}
	set := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	if in.Kind == Organization {
		u.Name = set(in.Name)
	} else {
		u.FirstName, u.LastName = set(in.FirstName), set(in.LastName)
	}
	u.Status = set(in.Status)
	if len(in.Emails) > 0 {
		u.Emails = &in.Emails
	}
	if len(in.Phones) > 0 {
		u.Phones = &in.Phones
	}
	if len(in.Addresses) > 0 {
		u.Addresses = &in.Addresses
	}
	if in.LifecycleStage != "" {
		u.LifecycleStage = &in.LifecycleStage
	}
	before, err := s.store.FindCustomer(ctx, id)
	if err != nil {
		return "", "", err
	}
	after, err := s.UpdateCustomer(ctx, a, id, u)
	if err != nil {
		if r, ok := rowProblem(err); ok {
			return "rejected", r, nil
		}
		return "", "", err
	}
	if after.UpdatedAt.Equal(before.UpdatedAt) {
		return "skipped", "", nil // nothing differed
	}
	return "updated", "", nil
}

func nilIfEmpty(tags []string) *[]string {
	if len(tags) == 0 {
		return nil
	}
	return &tags
}

// matchRow finds the customer a row refers to by the import's key, among the
// customers the actor may see; 0 when there is none.
func (s *Service) matchRow(ctx context.Context, a auth.Actor, finder ImportStore, in Input, key string) (int64, error) {
	var id int64
	var err error
	switch key {
	case "external_id":
		if strings.TrimSpace(in.ExternalID) == "" {
			return 0, nil
		}
		id, err = finder.FindCustomerIDByExternalID(ctx, strings.TrimSpace(in.ExternalID))
	case "email":
		if len(in.Emails) == 0 {
			return 0, nil
		}
		id, err = finder.FindCustomerIDByContact(ctx, "email", strings.ToLower(strings.TrimSpace(in.Emails[0].Address)))
	case "phone":
		if len(in.Phones) == 0 {
			return 0, nil
		}
		c := Customer{Kind: Person, LastName: "x", Phones: in.Phones}
		if normalize(&c, s.opt.DefaultRegion) != nil || len(c.Phones) == 0 {
			return 0, nil
		}
		id, err = finder.FindCustomerIDByContact(ctx, "phone", c.Phones[0].Number)
	}
	if fault.Is(err, fault.NotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if _, err := s.liveVisible(ctx, a, id); err != nil {
		if fault.Is(err, fault.NotFound) || fault.Is(err, fault.Conflict) {
			return 0, nil
		}
		return 0, err
	}
	return id, nil
}

// rowProblem describes a validation error for the rejects report.
func rowProblem(err error) (string, bool) {
	e, ok := fault.As(err)
	if !ok || (e.Code != fault.Invalid && e.Code != fault.Forbidden && e.Code != fault.Conflict) {
		return "", false
	}
	if len(e.Fields) == 0 {
		return e.Message, true
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return strings.Join(parts, "; "), true
}
