package customer

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/audit"
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
	"external_id": "external_id", "id": "external_id", "customer_id": "external_id", "customerid": "external_id",
	"customer_number": "external_id", "account_number": "external_id",
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

// CleanID undoes what spreadsheets do to numeric ids: 17850.0 is 17850.
func CleanID(s string) string { return cleanID(s) }

func cleanID(s string) string {
	if whole, frac, ok := strings.Cut(s, "."); ok && whole != "" && strings.Trim(frac, "0") == "" && isDigits(whole) {
		return whole
	}
	return s
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// unspecified reports whether a value says that it is not known.
func unspecified(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unspecified", "unknown", "n/a", "na", "none", "-", "?":
		return true
	}
	return false
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
	in := Input{FirstName: v["first_name"], LastName: v["last_name"], Name: v["name"], ExternalID: cleanID(v["external_id"]),
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
	// A country given by a name SCRMS does not know as a country (a region
	// such as "Channel Islands") is kept as the address's region.
	if c := v["country"]; c != "" {
		if code, ok := CountryCode(c); ok {
			v["country"] = code
		} else {
			if v["region"] == "" && !unspecified(c) {
				v["region"] = c
			}
			v["country"] = ""
		}
	}
	if v["street"] != "" || v["city"] != "" || v["postcode"] != "" || v["country"] != "" || v["region"] != "" {
		in.Addresses = []Address{{Line1: v["street"], City: v["city"], Region: v["region"], PostalCode: v["postcode"],
			Country: v["country"], Primary: true}}
	}
	in.Tags = strings.FieldsFunc(v["tags"], func(r rune) bool { return r == ',' || r == ';' || r == '|' })
	return in
}

// ImportJob is one import of a CSV file. It is kept in the database, so
// that its progress can be watched and an interrupted import resumed from
// its last committed batch.
type ImportJob struct {
	ID          int64
	Kind        string // customers (the default) or orders
	Status      string // draft (waiting for its column mapping), queued, running, done, failed
	FileName    string
	FileSize    int64
	SHA256      string
	Path        string // a file on the server's disk (command line); empty for uploads kept in the database
	Match       string
	OnMatch     string
	Header      []string
	Mapping     []string // the field each column fills ("" ignores it); empty maps by the header
	CreatedBy   int64
	CreatedAt   time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	HeartbeatAt time.Time
	RowsDone    int   // data rows processed and committed: where a resumed import goes on
	BytesDone   int64 // bytes of the file read by then, for progress
	Imported    int
	Updated     int
	Skipped     int
	Rejected    int
	Error       string
}

// Running reports whether the import is waiting or working.
func (j ImportJob) Running() bool { return j.Status == "queued" || j.Status == "running" }

// Progress is the share of the file read, from 0 to 1.
func (j ImportJob) Progress() float64 {
	switch {
	case j.Status == "done":
		return 1
	case j.FileSize <= 0:
		return 0
	}
	return min(1, float64(j.BytesDone)/float64(j.FileSize))
}

// Result is what the import did.
func (j ImportJob) Result() ImportResult {
	return ImportResult{Imported: j.Imported, Updated: j.Updated, Skipped: j.Skipped, Rejected: j.Rejected}
}

// ImportCreate is a new customer of an import batch, with its audit entry.
type ImportCreate struct {
	Customer Customer
	Search   SearchText
	Audit    audit.Entry
}

// ImportFields lists the fields a column can be mapped to, for the mapping screen.
var ImportFields = []string{"kind", "first_name", "last_name", "name", "email", "phone", "street", "city",
	"postcode", "region", "country", "tags", "lifecycle_stage", "status", "external_id", "date_of_birth",
	"language", "website", "industry", "referral_source"}

// checkImportOptions validates an import's settings for the actor.
func checkImportOptions(a auth.Actor, j *ImportJob) error {
	if j.Match == "" {
		j.Match = "external_id"
	}
	if j.OnMatch == "" {
		j.OnMatch = "skip"
	}
	var f fault.Fields
	if j.Match != "external_id" && j.Match != "email" && j.Match != "phone" {
		f.Add("match", "must be external_id, email or phone")
	}
	if j.OnMatch != "skip" && j.OnMatch != "update" && j.OnMatch != "create" {
		f.Add("on_match", "must be skip, update or create (a new customer even when one matches)")
	}
	if j.OnMatch == "update" && !a.Can(auth.CustomerUpdate) {
		f.Add("on_match", "your role may not update customers")
	}
	for i, m := range j.Mapping {
		if m != "" && !slices.Contains(ImportFields, m) {
			f.Add(fmt.Sprintf("mapping[%d]", i), "is not a field SCRMS imports")
		}
	}
	if len(j.Mapping) > 0 && !hasAny(j.Mapping, "first_name", "last_name", "name", "external_id", "email", "phone") {
		f.Add("mapping", "map at least one column to a name, email, phone or external id")
	}
	return f.Err()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// OpenCSV returns a reader of the CSV text in r, unpacking gzip.
func OpenCSV(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fault.Wrap(fault.Invalid, err, "The file looks gzip-compressed but cannot be unpacked.")
		}
		return gz, nil
	}
	return br, nil
}

// ReadImportHeader returns the header and up to n first rows of a file, for
// the mapping screen.
func ReadImportHeader(r io.Reader, n int) ([]string, [][]string, error) {
	text, err := OpenCSV(r)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fault.Wrap(fault.Invalid, err, "The file has no header row SCRMS can read as CSV.")
	}
	var rows [][]string
	for len(rows) < n {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		rows = append(rows, rec)
	}
	return header, rows, nil
}

// importBatch is how many rows are committed together, with the checkpoint.
const importBatch = 500

// importRow is one data row on its way through a batch.
type importRow struct {
	line   int
	rec    []string
	key    string // the match key's value, folded; "" when the row has none
	hash   uint64 // of the row's mapped values, to know an exact repeat
	in     Input
	c      Customer // normalised
	reason string   // set when rejected
	found  int64    // an existing customer with the key, 0 when none
	err    error
}

// cacheEntry remembers a key seen in this import: the customer it is, and
// the values its row had.
type cacheEntry struct {
	id      int64
	pending int // index of the batch's create when id is 0
	hash    uint64
}

// maxImportCache bounds the keys an import remembers; past it the cache
// starts again, and rows are matched through the database.
const maxImportCache = 250_000

// RunImport performs an import job: it reads the CSV (or gzip-compressed
// CSV) file in src from its start, passes over the rows an earlier run
// committed, and processes the rest in batches. Each batch's new customers,
// their audit entries, its rejected rows and the job's new checkpoint are
// committed in one transaction, so that an import killed at any point and
// run again neither loses nor doubles a row. Rows are validated like any
// other write; a row repeating a key already imported with the same values
// is skipped without touching the database. progress is called after each
// batch.
func (s *Service) RunImport(ctx context.Context, a auth.Actor, j ImportJob, src io.Reader, progress func(ImportJob)) (ImportJob, error) {
	if err := a.Require(auth.CustomerCreate); err != nil {
		return j, err
	}
	if err := checkImportOptions(a, &j); err != nil {
		return j, err
	}
	counting := &countingReader{r: src}
	text, err := OpenCSV(counting)
	if err != nil {
		return s.failImport(ctx, j, err)
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return s.failImport(ctx, j, fault.Wrap(fault.Invalid, err, "The file has no header row."))
	}
	fields := j.Mapping
	if len(fields) == 0 {
		fields, _ = ImportColumns(header)
	}
	if len(fields) < len(header) {
		fields = append(slices.Clone(fields), make([]string, len(header)-len(fields))...)
	}
	if !hasAny(fields, "first_name", "last_name", "name", "external_id", "email", "phone") {
		return s.failImport(ctx, j, fault.New(fault.Invalid,
			"The header names no column SCRMS knows (for example name, email, external_id); map the columns first."))
	}
	j.Status = "running"
	now := s.now()
	if j.StartedAt.IsZero() {
		j.StartedAt = now
	}
	j.HeartbeatAt, j.Error = now, ""
	if err := s.store.UpdateImport(ctx, j); err != nil {
		return j, err
	}
	line := 1
	// Rows an earlier run committed are read again but not processed.
	for skipped := 0; skipped < j.RowsDone; skipped++ {
		if _, err := cr.Read(); errors.Is(err, io.EOF) {
			break
		} else if err != nil && !isParseError(err) {
			return s.failImport(ctx, j, fmt.Errorf("read line %d: %w", line+1, err))
		}
		line++
	}
	cache := map[string]cacheEntry{}
	for {
		if err := ctx.Err(); err != nil {
			return j, err // left running: the next run resumes it
		}
		var rows []*importRow
		eof := false
		for len(rows) < importBatch {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			line++
			r := &importRow{line: line, rec: slices.Clone(rec)}
			if err != nil {
				if !isParseError(err) {
					return s.failImport(ctx, j, fmt.Errorf("read line %d: %w", line, err))
				}
				var pe *csv.ParseError
				errors.As(err, &pe)
				if pe.Err == csv.ErrFieldCount {
					// Short or long rows are read as far as they go.
				} else {
					r.reason = "not valid CSV: " + pe.Err.Error()
				}
			}
			rows = append(rows, r)
		}
		if len(rows) > 0 {
			if err := s.importBatch(ctx, a, &j, fields, rows, cache); err != nil {
				return s.failImport(ctx, j, err)
			}
			j.BytesDone = counting.n
			if progress != nil {
				progress(j)
			}
		}
		if eof {
			break
		}
	}
	j.Status, j.FinishedAt, j.BytesDone = "done", s.now(), counting.n
	if err := s.store.UpdateImport(ctx, j); err != nil {
		return j, err
	}
	if progress != nil {
		progress(j)
	}
	return j, nil
}

func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

// FailImport records that an import stopped on an error.
func (s *Service) FailImport(ctx context.Context, j ImportJob, err error) (ImportJob, error) {
	return s.failImport(ctx, j, err)
}

// SaveImport records an import's state.
func (s *Service) SaveImport(ctx context.Context, j ImportJob) error {
	return s.store.UpdateImport(ctx, j)
}

func (s *Service) failImport(ctx context.Context, j ImportJob, err error) (ImportJob, error) {
	j.Status, j.Error, j.FinishedAt = "failed", err.Error(), s.now()
	if j.ID != 0 {
		if uerr := s.store.UpdateImport(context.WithoutCancel(ctx), j); uerr != nil {
			return j, errors.Join(err, uerr)
		}
	}
	return j, err
}

// importBatch processes one batch of rows and commits it with the checkpoint.
func (s *Service) importBatch(ctx context.Context, a auth.Actor, j *ImportJob, fields []string, rows []*importRow,
	cache map[string]cacheEntry) error {
	// Reading, validating and looking up run in parallel; deciding runs in
	// file order, so that repeated keys resolve the same way every time.
	var wg sync.WaitGroup
	next := make(chan *importRow)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				s.prepareRow(ctx, a, fields, r, j.Match, j.OnMatch, cache)
			}
		}()
	}
	for _, r := range rows {
		if r.reason == "" {
			next <- r
		}
	}
	close(next)
	wg.Wait()
	if len(cache) > maxImportCache {
		clear(cache)
	}
	now := s.now()
	res := ImportResult{}
	var creates []ImportCreate
	var rejects []Rejection
	var pendingKeys []string
	for _, r := range rows {
		if r.err != nil {
			return r.err
		}
		if r.reason != "" {
			res.Rejected++
			rejects = append(rejects, Rejection{Line: r.line, Record: r.rec, Reason: r.reason})
			continue
		}
		if r.key != "" && j.OnMatch != "create" {
			if e, ok := cache[r.key]; ok {
				if e.hash == r.hash || j.OnMatch == "skip" {
					res.Skipped++
					continue
				}
				if e.id == 0 {
					// The customer is created in this batch: the later row's values win.
					creates[e.pending] = s.importCreate(a, r.c, now)
					cache[r.key] = cacheEntry{pending: e.pending, hash: r.hash}
					res.Updated++
					continue
				}
				r.found = e.id
			}
		}
		if r.found != 0 {
			if r.key != "" {
				cache[r.key] = cacheEntry{id: r.found, hash: r.hash}
			}
			if j.OnMatch == "skip" {
				res.Skipped++
				continue
			}
			outcome, reason, err := s.updateFromRow(ctx, a, r.found, r.in)
			switch {
			case err != nil:
				return err
			case outcome == "rejected":
				res.Rejected++
				rejects = append(rejects, Rejection{Line: r.line, Record: r.rec, Reason: reason})
			case outcome == "updated":
				res.Updated++
			default:
				res.Skipped++
			}
			continue
		}
		creates = append(creates, s.importCreate(a, r.c, now))
		pendingKeys = append(pendingKeys, r.key)
		if r.key != "" {
			cache[r.key] = cacheEntry{pending: len(creates) - 1, hash: r.hash}
		}
		res.Imported++
	}
	next2 := *j
	next2.RowsDone += len(rows)
	next2.Imported += res.Imported
	next2.Updated += res.Updated
	next2.Skipped += res.Skipped
	next2.Rejected += res.Rejected
	next2.HeartbeatAt = now
	ids, err := s.store.CommitImportBatch(ctx, next2, creates, rejects)
	if err != nil {
		if fault.Is(err, fault.Conflict) {
			// Another writer took an external id meanwhile: redo the batch row by row.
			return s.importBatchAlone(ctx, a, j, rows, now)
		}
		return err
	}
	for i, key := range pendingKeys {
		if key != "" {
			if e, ok := cache[key]; ok && e.id == 0 && e.pending == i {
				cache[key] = cacheEntry{id: ids[i], hash: e.hash}
			}
		}
	}
	*j = next2
	return nil
}

// importBatchAlone commits a batch that conflicted as a whole one row at a
// time, so that only the conflicting rows are rejected.
func (s *Service) importBatchAlone(ctx context.Context, a auth.Actor, j *ImportJob, rows []*importRow, now time.Time) error {
	next := *j
	var rejects []Rejection
	for _, r := range rows {
		if r.reason != "" {
			next.Rejected++
			rejects = append(rejects, Rejection{Line: r.line, Record: r.rec, Reason: r.reason})
			continue
		}
		id, err := s.matchRow(ctx, a, r.in, j.Match)
		if err != nil {
			return err
		}
		if j.OnMatch == "create" {
			id = 0 // a new customer, whatever matches
		}
		if id == 0 {
			step := next
			if _, err := s.store.CommitImportBatch(ctx, step, []ImportCreate{s.importCreate(a, r.c, now)}, nil); err == nil {
				next.Imported++
				continue
			} else if !fault.Is(err, fault.Conflict) {
				return err
			}
			next.Rejected++
			rejects = append(rejects, Rejection{Line: r.line, Record: r.rec, Reason: "another customer already has this external id"})
			continue
		}
		if j.OnMatch == "skip" {
			next.Skipped++
			continue
		}
		outcome, reason, err := s.updateFromRow(ctx, a, id, r.in)
		switch {
		case err != nil:
			return err
		case outcome == "rejected":
			next.Rejected++
			rejects = append(rejects, Rejection{Line: r.line, Record: r.rec, Reason: reason})
		case outcome == "updated":
			next.Updated++
		default:
			next.Skipped++
		}
	}
	next.RowsDone += len(rows)
	next.HeartbeatAt = now
	if _, err := s.store.CommitImportBatch(ctx, next, nil, rejects); err != nil {
		return err
	}
	*j = next
	return nil
}

func (s *Service) importCreate(a auth.Actor, c Customer, now time.Time) ImportCreate {
	c.OwnerID, c.TeamID, c.CreatedBy = a.UserID, a.TeamID, a.UserID
	c.CreatedAt, c.UpdatedAt = now, now
	e := a.Audit("create", "customer", 0, now)
	e.Changes = changes(Customer{}, c)
	return ImportCreate{Customer: c, Search: BuildSearchText(c), Audit: e}
}

// prepareRow reads, validates and looks up one row. It only reads.
func (s *Service) prepareRow(ctx context.Context, a auth.Actor, fields []string, r *importRow, match, onMatch string,
	cache map[string]cacheEntry) {
	r.key = rowKey(fields, r.rec, match)
	if r.key == "" && match != "external_id" {
		// A row without the match key is still found by its external id.
		if ext := rowKey(fields, r.rec, "external_id"); ext != "" {
			r.key, match = "id:"+ext, "external_id"
		}
	}
	h := fnv.New64a()
	for i, f := range fields {
		if f != "" && i < len(r.rec) {
			h.Write([]byte(f))
			h.Write([]byte{0})
			h.Write([]byte(strings.TrimSpace(r.rec[i])))
			h.Write([]byte{0})
		}
	}
	r.hash = h.Sum64()
	if e, ok := cache[r.key]; r.key != "" && ok && e.hash == r.hash && onMatch != "create" {
		return // an exact repeat: decided without the database
	}
	r.in = rowInput(fields, r.rec)
	c := Customer{Kind: r.in.Kind, FirstName: r.in.FirstName, LastName: r.in.LastName, OrgName: r.in.Name, Name: r.in.Name,
		Emails: r.in.Emails, Phones: r.in.Phones, Addresses: r.in.Addresses, Tags: r.in.Tags,
		LifecycleStage: r.in.LifecycleStage, Status: r.in.Status, ExternalID: r.in.ExternalID, Profile: r.in.Profile}
	if err := normalize(&c, s.opt.DefaultRegion); err != nil {
		if reason, ok := rowProblem(err); ok {
			r.reason = reason
			return
		}
		r.err = err
		return
	}
	r.c = c
	if _, ok := cache[r.key]; r.key != "" && ok {
		return // known from an earlier row; decided in order
	}
	if onMatch == "create" {
		return // every row becomes a new customer
	}
	r.found, r.err = s.matchRow(ctx, a, r.in, match)
}

// updateFromRow changes a matched customer with what the row gives.
func (s *Service) updateFromRow(ctx context.Context, a auth.Actor, id int64, in Input) (outcome, reason string, err error) {
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

// rowKey is the value a row is matched on, folded so that spellings of the
// same key meet.
func rowKey(fields, rec []string, match string) string {
	col := map[string]string{"external_id": "external_id", "email": "email", "phone": "phone"}[match]
	for i, f := range fields {
		if i < len(rec) && f == col {
			key := strings.ToLower(strings.TrimSpace(rec[i]))
			switch match {
			case "phone":
				key = strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, key)
			case "external_id":
				key = cleanID(strings.TrimSpace(rec[i]))
			}
			return key
		}
	}
	return ""
}

func hasAny(fields []string, want ...string) bool {
	for _, f := range fields {
		if slices.Contains(want, f) {
			return true
		}
	}
	return false
}

// StartImport records a new import of a file (uploaded or on disk) for the
// actor; with draft set it waits for its column mapping.
func (s *Service) StartImport(ctx context.Context, a auth.Actor, j ImportJob, draft bool) (ImportJob, error) {
	if err := a.Require(auth.CustomerCreate); err != nil {
		return j, err
	}
	if err := checkImportOptions(a, &j); err != nil {
		return j, err
	}
	j.Status, j.CreatedBy, j.CreatedAt = "queued", a.UserID, s.now()
	if draft {
		j.Status = "draft"
	}
	id, err := s.store.CreateImport(ctx, j)
	j.ID = id
	return j, err
}

// ConfigureImport sets a draft import's mapping and options and queues it.
func (s *Service) ConfigureImport(ctx context.Context, a auth.Actor, id int64, mapping []string, match, onMatch string) (ImportJob, error) {
	j, err := s.Import(ctx, a, id)
	if err != nil {
		return j, err
	}
	if j.Status != "draft" {
		return j, fault.New(fault.Conflict, "Import %d has already started.", id)
	}
	j.Mapping, j.Match, j.OnMatch = mapping, match, onMatch
	if len(mapping) == 0 {
		mapping, _ = ImportColumns(j.Header)
	}
	j.Mapping = mapping
	if len(mapping) != len(j.Header) {
		return j, &fault.Error{Code: fault.Invalid, Message: "The mapping must name a field (or none) for every column.",
			Fields: []fault.FieldError{{Field: "mapping", Message: fmt.Sprintf("has %d entries; the file has %d columns", len(mapping), len(j.Header))}}}
	}
	if err := checkImportOptions(a, &j); err != nil {
		return j, err
	}
	j.Status = "queued"
	return j, s.store.UpdateImport(ctx, j)
}

// Import returns an import the actor started (administrators see all).
func (s *Service) Import(ctx context.Context, a auth.Actor, id int64) (ImportJob, error) {
	if err := a.Require(auth.CustomerCreate); err != nil {
		return ImportJob{}, err
	}
	j, err := s.store.FindImport(ctx, id)
	if err != nil || (j.CreatedBy != a.UserID && !a.Can(auth.UserManage)) {
		return ImportJob{}, fault.New(fault.NotFound, "Import %d was not found.", id)
	}
	return j, nil
}

// ImportRejects returns the rejected rows of an import, in file order.
func (s *Service) ImportRejects(ctx context.Context, a auth.Actor, id int64, afterLine, limit int) ([]Rejection, error) {
	if _, err := s.Import(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.ListImportRejects(ctx, id, afterLine, limit)
}

// ResumableImport finds an unfinished import of the same file with the same
// options whose process stopped (no heartbeat since staleBefore).
func (s *Service) ResumableImport(ctx context.Context, kind, sha, match, onMatch string, staleBefore time.Time) (ImportJob, error) {
	return s.store.FindResumableImport(ctx, kind, sha, match, onMatch, staleBefore)
}

// matchRow finds the customer a row refers to by the import's key, among the
// customers the actor may see; 0 when there is none.
func (s *Service) matchRow(ctx context.Context, a auth.Actor, in Input, key string) (int64, error) {
	var id int64
	var err error
	switch key {
	case "external_id":
		if strings.TrimSpace(in.ExternalID) == "" {
			return 0, nil
		}
		id, err = s.store.FindCustomerIDByExternalID(ctx, strings.TrimSpace(in.ExternalID))
	case "email":
		if len(in.Emails) == 0 {
			return 0, nil
		}
		id, err = s.store.FindCustomerIDByContact(ctx, "email", strings.ToLower(strings.TrimSpace(in.Emails[0].Address)))
	case "phone":
		if len(in.Phones) == 0 {
			return 0, nil
		}
		c := Customer{Kind: Person, LastName: "x", Phones: in.Phones}
		if normalize(&c, s.opt.DefaultRegion) != nil || len(c.Phones) == 0 {
			return 0, nil
		}
		id, err = s.store.FindCustomerIDByContact(ctx, "phone", c.Phones[0].Number)
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
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; "), true
}

// UploadImport keeps an uploaded file for a new import and reads its
// header; the import waits (draft) until its mapping is confirmed.
func (s *Service) UploadImport(ctx context.Context, a auth.Actor, name string, r io.Reader) (ImportJob, error) {
	j, err := s.StartImport(ctx, a, ImportJob{FileName: name}, true)
	if err != nil {
		return j, err
	}
	if j.FileSize, j.SHA256, err = s.store.SaveImportFile(ctx, j.ID, r); err != nil {
		return s.failImport(ctx, j, err)
	}
	header, _, err := ReadImportHeader(s.store.ImportFile(ctx, j.ID), 0)
	if err != nil {
		return s.failImport(ctx, j, err)
	}
	j.Header = header
	return j, s.store.UpdateImport(ctx, j)
}

// ImportPreview returns the header, the suggested mapping and the first n
// rows of an uploaded file.
func (s *Service) ImportPreview(ctx context.Context, a auth.Actor, id int64, n int) (ImportJob, []string, [][]string, error) {
	j, err := s.Import(ctx, a, id)
	if err != nil {
		return j, nil, nil, err
	}
	header, rows, err := ReadImportHeader(s.store.ImportFile(ctx, id), n)
	if err != nil {
		return j, nil, nil, err
	}
	mapping := j.Mapping
	if len(mapping) != len(header) {
		mapping, _ = ImportColumns(header)
	}
	return j, mapping, rows, nil
}

// RunQueuedImport runs an uploaded import as the user who started it (the
// background job; actor finds that user); its file is dropped once done.
func (s *Service) RunQueuedImportAs(ctx context.Context, id int64, actor func(userID int64) (auth.Actor, error)) (ImportJob, error) {
	j, err := s.store.FindImport(ctx, id)
	if err != nil {
		return j, err
	}
	if j.Status == "draft" || j.Status == "done" {
		return j, nil
	}
	a, err := actor(j.CreatedBy)
	if err != nil {
		return s.failImport(ctx, j, err)
	}
	j, err = s.RunImport(ctx, a, j, s.store.ImportFile(ctx, id), nil)
	if err == nil {
		err = s.store.DeleteImportFile(ctx, id)
	}
	return j, err
}
