package app_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/mail/mailtest"
)

// scrmsProcess runs this test binary as the scrms command.
func scrmsProcess(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env...), "SCRMS_TEST_AS_SCRMS="+strings.Join(args, "\x1f"))
	return cmd
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A campaign's sender killed with SIGKILL in the middle of a send, and
// started again, finishes the campaign: every recipient gets the message,
// and the only ones who get it twice are those the ledger marks as possible
// doubles, at most one per SMTP connection. Counted at the SMTP sink.
func TestCampaignSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes")
	}
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	sink := mailtest.Start(t)
	env := []string{"SCRMS_DATABASE_URL=" + db, "SCRMS_LOG_LEVEL=warn"}
	for _, args := range [][]string{{"migrate"}, {"demo", "--customers", "6000", "--seed", "9"}} {
		if out, err := scrmsProcess(env, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
	}
	user := scrmsProcess(env, "user", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "admin", "--password-stdin")
	user.Stdin = strings.NewReader("a long enough password\n")
	if out, err := user.CombinedOutput(); err != nil {
		t.Fatalf("user: %v %s", err, out)
	}
	tokOut, err := scrmsProcess(env, "token", "create", "--email", "ops@example.com", "--name", "crash test").Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	token := strings.TrimSpace(string(tokOut))
	addr := freePort(t)
	serveEnv := append(env, "SCRMS_JOBS=true", "SCRMS_SMTP_URL="+sink.URL(), "SCRMS_MAIL_FROM=Shop <news@shop.example>",
		"SCRMS_CAMPAIGN_LEASE=2s")
	serve := func() *exec.Cmd {
		cmd := scrmsProcess(serveEnv, "serve", "--addr", addr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
				res.Body.Close()
				return cmd
			}
			if i > 300 {
				t.Fatal("the server did not start")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	call := func(method, path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, "http://"+addr+"/api/v1"+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}

	first := serve()
	seg := call("POST", "/segments", map[string]any{"name": "Consenting", "text": `consent = "email"`})
	tpl := call("POST", "/templates", map[string]any{"name": "News", "subject": "News for {{first_name}}",
		"blocks": []map[string]any{{"type": "text", "text": "Hello {{first_name}}, written for {{email}}."}}})
	camp := call("POST", "/campaigns", map[string]any{"name": "Crash", "template_id": tpl["id"], "segment_id": seg["id"]})
	id := int64(camp["id"].(float64))
	call("POST", fmt.Sprintf("/campaigns/%d/send", id), nil)
	deadline := time.Now().Add(60 * time.Second)
	for len(sink.Messages()) < 800 {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign made no progress: %d messages", len(sink.Messages()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill := len(sink.Messages())

	ledger, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scrms.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()
	var total, inFlight int
	ledger.QueryRow(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'sending' THEN 1 ELSE 0 END), 0)
    FROM campaign_messages WHERE campaign_id = ?`, id).Scan(&total, &inFlight)
	if total <= atKill {
		t.Skipf("the campaign finished before it could be killed (%d of %d)", atKill, total)
	}
	if inFlight > 8 {
		t.Fatalf("%d messages in flight at the kill, more than one per connection (8)", inFlight)
	}

	second := serve()
	defer func() {
		_ = second.Process.Signal(os.Interrupt)
		_ = second.Wait()
	}()
	deadline = time.Now().Add(90 * time.Second)
	for call("GET", fmt.Sprintf("/campaigns/%d", id), nil)["status"] != "sent" {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign did not finish after the restart: %v", call("GET", fmt.Sprintf("/campaigns/%d/stats", id), nil))
		}
		time.Sleep(100 * time.Millisecond)
	}
	received := map[string]int{}
	for _, m := range sink.Messages() {
		received[m.To[0]]++
	}
	rows, err := ledger.Query(`SELECT email, status, maybe_double FROM campaign_messages WHERE campaign_id = ?`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	doubles, marked := 0, 0
	for rows.Next() {
		var email, status string
		var maybe bool
		if err := rows.Scan(&email, &status, &maybe); err != nil {
			t.Fatal(err)
		}
		if maybe {
			marked++
		}
		switch n := received[email]; {
		case status != "sent":
			t.Errorf("%s ended %s", email, status)
		case n == 0:
			t.Errorf("%s never received the campaign", email)
		case n > 2 || (n == 2 && !maybe):
			t.Errorf("%s received it %d times (marked as a possible double: %v)", email, n, maybe)
		case n == 2:
			doubles++
		}
	}
	if marked > 8 || len(received) != total {
		t.Fatalf("%d rows marked as possible doubles (at most 8), %d addresses received of %d", marked, len(received), total)
	}
	t.Logf("%d recipients; killed after %d messages with %d in flight; %d received twice, %d marked", total, atKill, inFlight,
		doubles, marked)
}
