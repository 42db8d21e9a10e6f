package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"testing"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/store/storetest"
)

// cheap keeps password hashing fast in tests; production uses the defaults.
var cheap = auth.PasswordParams{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}

type bundle struct {
	store *store.Store
	auth  *auth.Service
	cust  *customer.Service
	admin auth.Actor
}

func setup(t *testing.T, s *store.Store) *bundle {
	t.Helper()
	b := &bundle{store: s, auth: auth.NewService(s, auth.NewHasher(cheap, 2), auth.Options{}),
		cust: customer.NewService(s, customer.Options{DefaultRegion: "US"})}
	u, err := b.auth.Setup(context.Background(), auth.NewUser{Email: "admin@example.com", Name: "Ada Admin",
		Password: "correct horse battery"}, "127.0.0.1")
	if err != nil {
		t.Fatalf("setup admin: %v", err)
	}
	b.admin = u.Actor("test", "127.0.0.1", "")
	return b
}

func (b *bundle) user(t *testing.T, email string, role auth.Role, team int64) auth.Actor {
	t.Helper()
	u, err := b.auth.CreateUser(context.Background(), b.admin, auth.NewUser{Email: email, Name: email, Role: role,
		TeamID: team, Password: "long enough password"})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u.Actor("test", "127.0.0.1", "")
}

func (b *bundle) team(t *testing.T, name string) int64 {
	t.Helper()
	tm, err := b.auth.CreateTeam(context.Background(), b.admin, name)
	if err != nil {
		t.Fatalf("create team: %v", err)
	}
	return tm.ID
}

func (b *bundle) person(t *testing.T, a auth.Actor, first, last, email, phone string) customer.Customer {
	t.Helper()
	in := customer.Input{Kind: customer.Person, FirstName: first, LastName: last}
	if email != "" {
		in.Emails = []customer.Email{{Address: email}}
	}
	if phone != "" {
		in.Phones = []customer.Phone{{Number: phone}}
	}
	c, err := b.cust.CreateCustomer(context.Background(), a, in)
	if err != nil {
		t.Fatalf("create %s %s: %v", first, last, err)
	}
	return c
}

func TestMigrationFoldersHaveTheSameNumbers(t *testing.T) {
	names := func(e store.Engine) []string {
		fsys, err := store.MigrationFS(e)
		if err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(fsys, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		var nums []string
		for _, f := range files {
			nums = append(nums, f[:5])
		}
		return nums
	}
	lite, pg := names(store.SQLite), names(store.Postgres)
	if len(lite) == 0 || !slices.Equal(lite, pg) {
		t.Fatalf("migration numbers differ: sqlite %v, postgres %v", lite, pg)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v, want nothing", applied)
		}
	})
}

func TestSetupOnlyOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		b := setup(t, s)
		_, err := b.auth.Setup(context.Background(), auth.NewUser{Email: "intruder@example.com", Name: "X",
			Password: "another long password"}, "10.0.0.1")
		if !fault.Is(err, fault.Conflict) {
			t.Fatalf("second setup: got %v, want conflict", err)
		}
		if n, _ := s.CountUsers(context.Background()); n != 1 {
			t.Fatalf("users after refused setup = %d, want 1", n)
		}
	})
}

func TestSignInSessionsAndThrottle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		secret, u, err := b.auth.SignIn(ctx, "ADMIN@example.com ", "correct horse battery", "1.2.3.4", "test")
		if err != nil || u.Email != "admin@example.com" {
			t.Fatalf("sign in: %v %+v", err, u)
		}
		if got, _, err := b.auth.SessionUser(ctx, secret); err != nil || got.ID != u.ID {
			t.Fatalf("session user: %v", err)
		}
		if _, _, err := b.auth.SessionUser(ctx, secret+"x"); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("forged session: %v", err)
		}
		// Changing the password from another session ends this one.
		other, _, err := b.auth.SignIn(ctx, "admin@example.com", "correct horse battery", "1.2.3.4", "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.auth.ChangePassword(ctx, b.admin, other, "correct horse battery", "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.auth.SessionUser(ctx, secret); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("old session survived a password change: %v", err)
		}
		if _, _, err := b.auth.SessionUser(ctx, other); err != nil {
			t.Fatalf("the changing session was ended: %v", err)
		}
		for i := 0; i < 5; i++ {
			if _, _, err := b.auth.SignIn(ctx, "admin@example.com", "wrong password!", "5.6.7.8", "t"); !fault.Is(err, fault.Unauthenticated) {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		_, _, err = b.auth.SignIn(ctx, "admin@example.com", "a brand new passphrase", "5.6.7.8", "t")
		if !fault.Is(err, fault.TooManyRequests) {
			t.Fatalf("after 5 failures: got %v, want too many requests", err)
		}
		entries, err := s.ListAudit(ctx, audit.Filter{Action: "sign_in_failed", Limit: 10})
		if err != nil || len(entries) != 5 {
			t.Fatalf("audited failures = %d (%v), want 5", len(entries), err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		secret, tok, err := b.auth.CreateAPITokenFor(ctx, auth.System("cli"), "admin@example.com", "crm sync")
		if err != nil {
			t.Fatal(err)
		}
		if u, err := b.auth.TokenUser(ctx, secret); err != nil || u.Email != "admin@example.com" {
			t.Fatalf("token user: %v", err)
		}
		list, _ := b.auth.ListAPITokens(ctx, b.admin)
		if len(list) != 1 || list[0].Hash != "" || list[0].Name != "crm sync" {
			t.Fatalf("listed tokens %+v", list)
		}
		if err := b.auth.RevokeAPIToken(ctx, b.admin, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.auth.TokenUser(ctx, secret); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("revoked token still works: %v", err)
		}
	})
}

func TestInvites(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		team := b.team(t, "North")
		first, _, err := b.auth.InviteUser(ctx, b.admin, "Sam@Example.com", auth.RoleSales, team)
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := b.auth.InviteUser(ctx, b.admin, "sam@example.com", auth.RoleSales, team)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.auth.AcceptInvite(ctx, first, "Sam", "sams own password", ""); !fault.Is(err, fault.NotFound) {
			t.Fatalf("superseded invite accepted: %v", err)
		}
		u, err := b.auth.AcceptInvite(ctx, second, "Sam Seller", "sams own password", "")
		if err != nil || u.Role != auth.RoleSales || u.TeamID != team || u.Email != "sam@example.com" {
			t.Fatalf("accept: %v %+v", err, u)
		}
		if _, err := b.auth.AcceptInvite(ctx, second, "Sam Again", "sams own password", ""); !fault.Is(err, fault.NotFound) {
			t.Fatalf("invite used twice: %v", err)
		}
	})
}

func TestCustomerLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		c, err := b.cust.CreateCustomer(ctx, b.admin, customer.Input{Kind: customer.Person, FirstName: " Zoë ",
			LastName: "Quinn", Emails: []customer.Email{{Address: "Zoe@Example.com", Label: "work"},
				{Address: "zq@home.example", Primary: true}},
			Phones:    []customer.Phone{{Number: "(415) 555-0134"}},
			Addresses: []customer.Address{{Line1: "1 Main St", City: "Springfield", Country: "us"}},
			Tags:      []string{"VIP", " vip ", "Newsletter"}, ExternalID: "ext-1"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.cust.FindCustomer(ctx, b.admin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Zoë Quinn" || got.PrimaryEmail() != "zq@home.example" || got.PrimaryPhone() != "+14155550134" ||
			!slices.Equal(got.Tags, []string{"newsletter", "vip"}) || got.Addresses[0].Country != "US" ||
			got.OwnerID != b.admin.UserID || got.LifecycleStage != "lead" {
			t.Fatalf("stored customer %+v", got)
		}
		_, err = b.cust.CreateCustomer(ctx, b.admin, customer.Input{Kind: customer.Organization, Name: "Other", ExternalID: "ext-1"})
		if e, ok := fault.As(err); !ok || e.Code != fault.Conflict || e.Fields[0].Field != "external_id" {
			t.Fatalf("duplicate external id: %v", err)
		}
		stage := "customer"
		tags := []string{"vip"}
		up, err := b.cust.UpdateCustomer(ctx, b.admin, c.ID, customer.Update{LifecycleStage: &stage, Tags: &tags})
		if err != nil || up.LifecycleStage != "customer" || len(up.Tags) != 1 {
			t.Fatalf("update: %v %+v", err, up)
		}
		bad := []customer.Email{{Address: "not-an-email"}}
		_, err = b.cust.UpdateCustomer(ctx, b.admin, c.ID, customer.Update{Emails: &bad})
		if e, ok := fault.As(err); !ok || e.Code != fault.Invalid || e.Fields[0].Field != "emails[0].address" {
			t.Fatalf("bad email: %v", err)
		}
		if got, _ := b.cust.FindCustomer(ctx, b.admin, c.ID); got.PrimaryEmail() != "zq@home.example" {
			t.Fatalf("refused update changed the emails: %+v", got.Emails)
		}
		if err := b.cust.DeleteCustomer(ctx, b.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		page, _ := b.cust.FindCustomers(ctx, b.admin, customer.Filter{})
		if len(page.Items) != 0 {
			t.Fatalf("deleted customer still listed")
		}
		bin, _ := b.cust.FindCustomers(ctx, b.admin, customer.Filter{Deleted: true})
		if len(bin.Items) != 1 {
			t.Fatalf("bin has %d customers, want 1", len(bin.Items))
		}
		if err := b.cust.RestoreCustomer(ctx, b.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		tl, err := b.cust.Timeline(ctx, b.admin, c.ID, nil, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, ev := range tl.Events {
			titles = append(titles, ev.Title)
		}
		want := []string{"Customer restored", "Customer deleted", "Customer updated", "Customer created"}
		if !slices.Equal(titles, want) {
			t.Fatalf("timeline %v, want %v", titles, want)
		}
	})
}

func TestCustomerSearch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		ann := b.person(t, b.admin, "Ann", "Smithson", "ann.smithson@acme.example", "+44 20 7946 0958")
		b.person(t, b.admin, "Bob", "Annable", "bob@other.example", "+1 415 555 0101")
		org, err := b.cust.CreateCustomer(ctx, b.admin, customer.Input{Kind: customer.Organization, Name: "Müller Hydraulics GmbH"})
		if err != nil {
			t.Fatal(err)
		}
		find := func(a auth.Actor, q string) []int64 {
			t.Helper()
			p, err := b.cust.FindCustomers(ctx, a, customer.Filter{Query: q})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var ids []int64
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		cases := []struct {
			q    string
			want []int64
		}{
			{"smiths", []int64{ann.ID}},
			{"ann smi", []int64{ann.ID}},
			{"acme", []int64{ann.ID}},
			{"ann.smithson@ac", []int64{ann.ID}},
			{"020 7946", []int64{ann.ID}},
			{"+44 20 79", []int64{ann.ID}},
			{"mull", []int64{org.ID}},
			{"MÜLLER", []int64{org.ID}},
			{"nobody", nil},
		}
		for _, tc := range cases {
			if got := find(b.admin, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("search %q = %v, want %v", tc.q, got, tc.want)
			}
		}
		reader := b.user(t, "ro@example.com", auth.RoleReadOnly, 0)
		if got := find(reader, "acme"); len(got) != 0 {
			t.Errorf("read-only search matched an email domain: %v", got)
		}
		if got := find(reader, "smiths"); !slices.Equal(got, []int64{ann.ID}) {
			t.Errorf("read-only name search = %v", got)
		}
		if _, err := b.cust.FindCustomers(ctx, reader, customer.Filter{Query: "020 7946"}); !fault.Is(err, fault.Invalid) {
			t.Errorf("read-only phone search: %v, want invalid", err)
		}
		p, _ := b.cust.FindCustomers(ctx, reader, customer.Filter{Query: "smiths"})
		if p.Items[0].Email == "ann.smithson@acme.example" {
			t.Errorf("read-only list shows the email")
		}
	})
}

func TestVisibilityByTeam(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		north, south := b.team(t, "North"), b.team(t, "South")
		n1 := b.user(t, "n1@example.com", auth.RoleSales, north)
		n2 := b.user(t, "n2@example.com", auth.RoleSales, north)
		s1 := b.user(t, "s1@example.com", auth.RoleSales, south)
		mine := b.person(t, n1, "Nora", "North", "", "")
		theirs := b.person(t, s1, "Sid", "South", "", "")
		if _, err := b.cust.FindCustomer(ctx, n2, mine.ID); err != nil {
			t.Fatalf("teammate cannot see: %v", err)
		}
		if _, err := b.cust.FindCustomer(ctx, n1, theirs.ID); !fault.Is(err, fault.NotFound) {
			t.Fatalf("other team's customer: %v, want not found", err)
		}
		name := "Hacked"
		if _, err := b.cust.UpdateCustomer(ctx, n1, theirs.ID, customer.Update{LastName: &name}); !fault.Is(err, fault.NotFound) {
			t.Fatalf("update other team's customer: %v", err)
		}
		if got, _ := b.cust.FindCustomer(ctx, b.admin, theirs.ID); got.LastName != "South" {
			t.Fatalf("refused update changed the record: %q", got.LastName)
		}
		p, _ := b.cust.FindCustomers(ctx, n1, customer.Filter{})
		if len(p.Items) != 1 || p.Items[0].ID != mine.ID {
			t.Fatalf("north list = %+v", p.Items)
		}
		owner := s1.UserID
		if _, err := b.cust.UpdateCustomer(ctx, n1, mine.ID, customer.Update{OwnerID: &owner}); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("sales reassigning: %v, want forbidden", err)
		}
		tags := []string{"secret-south"}
		if _, err := b.cust.UpdateCustomer(ctx, s1, theirs.ID, customer.Update{Tags: &tags}); err != nil {
			t.Fatal(err)
		}
		tc, _ := b.cust.Tags(ctx, n1)
		if len(tc) != 0 {
			t.Fatalf("north sees south's tag counts: %+v", tc)
		}
		if _, err := b.cust.Timeline(ctx, n1, theirs.ID, nil, "", 10); !fault.Is(err, fault.NotFound) {
			t.Fatalf("north reads south's timeline: %v", err)
		}
		if err := b.cust.DeleteCustomer(ctx, n1, mine.ID); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("sales delete: %v", err)
		}
	})
}

func TestPaginationVisitsEveryCustomerOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		const n = 23
		for i := range n {
			// Repeated names make the name sort rely on the id tie-break.
			b.person(t, b.admin, "Pat", fmt.Sprintf("Page%d", i%4), "", "")
		}
		for _, sort := range customer.Sorts {
			seen := map[int64]bool{}
			cursor := ""
			pages := 0
			for {
				p, err := b.cust.FindCustomers(ctx, b.admin, customer.Filter{Sort: sort, Limit: 5, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s: %v", sort, err)
				}
				for _, it := range p.Items {
					if seen[it.ID] {
						t.Fatalf("%s: customer %d on two pages", sort, it.ID)
					}
					seen[it.ID] = true
				}
				pages++
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
			if len(seen) != n || pages != 5 {
				t.Fatalf("%s: saw %d customers in %d pages, want %d in 5", sort, len(seen), pages, n)
			}
		}
		if _, err := b.cust.FindCustomers(ctx, b.admin, customer.Filter{Sort: "password_hash"}); !fault.Is(err, fault.Invalid) {
			t.Fatalf("unknown sort accepted: %v", err)
		}
	})
}

func TestTimelinePagesNotesAndChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		c := b.person(t, b.admin, "Tim", "Line", "", "")
		for i := range 7 {
			if _, err := b.cust.AddNote(ctx, b.admin, c.ID, customer.NoteInput{Body: fmt.Sprintf("note %d", i)}); err != nil {
				t.Fatal(err)
			}
			stage := customer.LifecycleStages()[i%len(customer.LifecycleStages())]
			if _, err := b.cust.UpdateCustomer(ctx, b.admin, c.ID, customer.Update{LifecycleStage: &stage}); err != nil {
				t.Fatal(err)
			}
		}
		var all []customer.Event
		cursor := ""
		for {
			p, err := b.cust.Timeline(ctx, b.admin, c.ID, nil, cursor, 4)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, p.Events...)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		notes, changes := 0, 0
		for i, ev := range all {
			if i > 0 && ev.At.After(all[i-1].At) {
				t.Fatalf("timeline not newest first at %d", i)
			}
			switch ev.Kind {
			case "note":
				notes++
			case "change":
				changes++
			}
		}
		// 7 notes; changes: created + the stage updates that changed something.
		if notes != 7 || changes < 7 {
			t.Fatalf("timeline has %d notes and %d changes", notes, changes)
		}
		only, _ := b.cust.Timeline(ctx, b.admin, c.ID, []string{"note"}, "", 100)
		if len(only.Events) != 7 {
			t.Fatalf("note filter returned %d events", len(only.Events))
		}
	})
}

func TestConcurrentUpdatesKeepTheAuditChain(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		c := b.person(t, b.admin, "Con", "Current", "", "")
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("Current%02d", i)
				_, err := b.cust.UpdateCustomer(ctx, b.admin, c.ID, customer.Update{LastName: &name})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		updates, err := s.ListAudit(ctx, audit.Filter{EntityType: "customer", EntityID: c.ID, Action: "update", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(updates) != 40 {
			t.Fatalf("%d update entries, want 40", len(updates))
		}
		// Each update saw the state the previous one left: old values chain.
		olds := map[string]bool{}
		for _, e := range updates {
			if olds[e.Changes[0].Old] {
				t.Fatalf("two updates started from %q: a lost update", e.Changes[0].Old)
			}
			olds[e.Changes[0].Old] = true
		}
		bad, n, err := audit.Verify(ctx, s)
		if err != nil || bad != 0 || n < 42 {
			t.Fatalf("audit verify: bad=%d checked=%d err=%v", bad, n, err)
		}
	})
}

func TestAuditLogRefusesEdits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		setup(t, s)
		if _, err := s.DB().Exec("UPDATE audit_log SET actor_label = 'someone else'"); err == nil {
			t.Fatal("audit_log accepted an update")
		}
		if _, err := s.DB().Exec("DELETE FROM audit_log"); err == nil {
			t.Fatal("audit_log accepted a delete")
		}
	})
}

func TestRewritePlaceholders(t *testing.T) {
	cases := map[string]string{
		"SELECT ? , ?":                         "SELECT $1 , $2",
		"WHERE a = ?1 OR b = ?1 AND c = ?2":    "WHERE a = $1 OR b = $1 AND c = $2",
		"WHERE a = '?' AND b = ?":              "WHERE a = '?' AND b = $1",
		`SELECT "we?ird" FROM t WHERE x = ?10`: `SELECT "we?ird" FROM t WHERE x = $10`,
	}
	for in, want := range cases {
		if got := store.RewritePlaceholders(in); got != want {
			t.Errorf("rewrite %q = %q, want %q", in, got, want)
		}
	}
}

// Concurrent writes where some fail must not disturb the ones that succeed:
// on SQLite they share commits, and a batch with a failure is run again one
// request at a time.
func TestConcurrentWritesFailAlone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := setup(t, s)
		const n = 60
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every third customer reuses external id "dup": only one of those may exist.
				ext := fmt.Sprintf("ext-%d", i)
				if i%3 == 0 {
					ext = "dup"
				}
				_, errs[i] = b.cust.CreateCustomer(ctx, b.admin, customer.Input{Kind: customer.Person,
					LastName: fmt.Sprintf("Batch%02d", i), ExternalID: ext,
					Emails: []customer.Email{{Address: fmt.Sprintf("b%d@batch.example", i)}}})
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case fault.Is(err, fault.Conflict) && i%3 == 0:
				conflicts++
			default:
				t.Fatalf("create %d: %v", i, err)
			}
		}
		if ok != n-n/3+1 || conflicts != n/3-1 {
			t.Fatalf("%d created and %d conflicts, want %d and %d", ok, conflicts, n-n/3+1, n/3-1)
		}
		page, err := b.cust.FindCustomers(ctx, b.admin, customer.Filter{Query: "batch", Limit: 200})
		if err != nil || len(page.Items) != ok {
			t.Fatalf("%d customers found, want %d (%v)", len(page.Items), ok, err)
		}
		// A refused create left no contact point, tag or audit entry behind.
		creates, _ := s.ListAudit(ctx, audit.Filter{EntityType: "customer", Action: "create", Limit: 500})
		if len(creates) != ok {
			t.Fatalf("%d create entries in the audit log, want %d", len(creates), ok)
		}
		if bad, _, err := audit.Verify(ctx, s); err != nil || bad != 0 {
			t.Fatalf("audit chain broken at %d (%v)", bad, err)
		}
		var points int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM contact_points").Scan(&points); err != nil || points != ok {
			t.Fatalf("%d contact points, want %d (%v)", points, ok, err)
		}
	})
}
