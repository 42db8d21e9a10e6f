package app_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/mail/mailtest"
)

// The loyalty run killed with SIGKILL in the middle of its nightly work
// (expiring points, writing and mailing last month's statements), twice,
// and run again: every due lot expired exactly once, one statement per
// member, and no statement mailed twice; a statement whose email was in
// flight at a kill is recorded as uncertain and not sent again.
func TestLoyaltyRunSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "scrms.db")
	sink := mailtest.Start(t)
	env := []string{"SCRMS_DATABASE_URL=sqlite:" + path, "SCRMS_LOG_LEVEL=warn", "SCRMS_SMTP_URL=" + sink.URL(),
		"SCRMS_MAIL_FROM=Club <club@shop.example>"}
	for _, args := range [][]string{{"migrate"}, {"demo", "--customers", "4000", "--seed", "5"}, {"loyalty", "run", "--program", "Club"}} {
		if out, err := scrmsProcess(env, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every customer joined three months ago with 100 points that expired
	// yesterday and 50 that last.
	now := time.Now().UTC().Truncate(time.Second)
	joined, lapsed := now.AddDate(0, -3, 0), now.AddDate(0, 0, -1)
	for _, q := range []string{
		`INSERT INTO loyalty_members (program_id, customer_id, number, status, balance, pending, source, enrolled_at)
         SELECT 1, id, 'M' || id, 'active', 150, 0, 'test', ? FROM customers`,
		`INSERT INTO loyalty_transactions (member_id, kind, points, status, remaining, qualifying, reason, detail, occurred_at,
         created_at, available_at, expires_at) SELECT id, 'adjustment', 100, 'posted', 100, 0, 'old', '', ?, ?, ?, ? FROM loyalty_members`,
		`INSERT INTO loyalty_transactions (member_id, kind, points, status, remaining, qualifying, reason, detail, occurred_at,
         created_at, available_at) SELECT id, 'adjustment', 50, 'posted', 50, 0, 'kept', '', ?, ?, ? FROM loyalty_members`,
	} {
		args := []any{joined}
		if strings.Contains(q, "expires_at") {
			args = []any{joined, joined, joined, lapsed}
		} else if strings.Contains(q, "'kept'") {
			args = []any{joined, joined, joined}
		}
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// The set-up run found no members; last month's statement run starts
	// afresh now that it has some.
	if _, err := db.Exec(`DELETE FROM loyalty_runs`); err != nil {
		t.Fatal(err)
	}
	var members int
	db.QueryRow(`SELECT COUNT(*) FROM loyalty_members`).Scan(&members)

	// Two runs killed: one while it writes statements, one while it mails.
	for i, until := range []func() bool{
		func() bool {
			var n int
			db.QueryRow(`SELECT COUNT(*) FROM loyalty_statements`).Scan(&n)
			return n >= 500
		},
		func() bool { return len(sink.Messages()) >= 251 },
	} {
		run := scrmsProcess(env, "loyalty", "run")
		if err := run.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for !until() && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		if err := run.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = run.Wait()
		var expired, statements int
		db.QueryRow(`SELECT COUNT(*) FROM loyalty_transactions WHERE kind = 'expiry'`).Scan(&expired)
		db.QueryRow(`SELECT COUNT(*) FROM loyalty_statements`).Scan(&statements)
		t.Logf("kill %d: %d lots expired, %d statements, %d emails", i+1, expired, statements, len(sink.Messages()))
	}
	if out, err := scrmsProcess(env, "loyalty", "run").CombinedOutput(); err != nil {
		t.Fatalf("the run after the kills: %v %s", err, out)
	}

	checkLedger(t, db)
	var expiries, expiredPoints int
	db.QueryRow(`SELECT COUNT(*), -SUM(points) FROM loyalty_transactions WHERE kind = 'expiry'`).Scan(&expiries, &expiredPoints)
	if expiries != members || expiredPoints != 100*members {
		t.Fatalf("%d expiries of %d points for %d members", expiries, expiredPoints, members)
	}
	states := map[string]int{}
	rows, err := db.Query(`SELECT email_state, COUNT(*) FROM loyalty_statements GROUP BY email_state`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		states[s] = n
	}
	rows.Close()
	total := 0
	for _, n := range states {
		total += n
	}
	if total != members || states["queued"]+states["sending"]+states["failed"] != 0 || states["uncertain"] > 2 {
		t.Fatalf("statements: %v for %d members", states, members)
	}
	received := map[string]int{}
	for _, m := range sink.Messages() {
		received[m.To[0]]++
	}
	for to, n := range received {
		if n > 1 {
			t.Fatalf("%s got %d statements", to, n)
		}
	}
	if got := len(sink.Messages()); got < states["sent"] || got > states["sent"]+states["uncertain"] {
		t.Fatalf("%d emails for %v", got, states)
	}
	t.Logf("members %d, statements %v, emails %d", members, states, len(sink.Messages()))
	_ = fmt.Sprint
}
