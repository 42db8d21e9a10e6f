package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/scrms/scrms/internal/app"
)

// TestMain lets this test binary act as the scrms command, so that a test
// can run an import in a process of its own and kill it.
func TestMain(m *testing.M) {
	if args := os.Getenv("SCRMS_TEST_AS_SCRMS"); args != "" {
		env := app.OSEnv("test")
		env.Args = strings.Split(args, "\x1f")
		os.Exit(app.Main(context.Background(), env))
	}
	os.Exit(m.Run())
}

// An import killed with SIGKILL in the middle and run again ends with every
// row imported exactly once: rows with an external id and rows with none.
func TestImportSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "scrms.db")
	file := filepath.Join(dir, "big.csv")
	const keyed, keyless = 40000, 8000
	var b strings.Builder
	b.WriteString("external_id,first_name,last_name,email,country\n")
	for i := range keyed {
		fmt.Fprintf(&b, "k-%d,Name%d,Family%d,,United Kingdom\n", i, i, i%97)
		if i%5 == 0 && i/5 < keyless {
			fmt.Fprintf(&b, ",Walk,In%d,walkin%d@example.com,\n", i/5, i/5)
		}
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SCRMS_DATABASE_URL=sqlite:"+dbPath, "SCRMS_LOG_LEVEL=warn",
		"SCRMS_TEST_AS_SCRMS="+strings.Join([]string{"import", "customers", file}, "\x1f"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var done int
		err := db.QueryRow("SELECT rows_done FROM imports WHERE id = 1").Scan(&done)
		if err == nil && done >= 5000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import made no progress: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	var doneAtKill, customersAtKill int
	db.QueryRow("SELECT rows_done FROM imports WHERE id = 1").Scan(&doneAtKill)
	db.QueryRow("SELECT COUNT(*) FROM customers").Scan(&customersAtKill)
	if doneAtKill >= keyed+keyless {
		t.Skipf("the import finished before it could be killed (%d rows)", doneAtKill)
	}
	t.Logf("killed after %d committed rows (%d customers)", doneAtKill, customersAtKill)

	// Run it again, as a user would after the crash, once its silence shows
	// that its process is gone.
	time.Sleep(1100 * time.Millisecond)
	code, out, errOut := cli(t, "sqlite:"+dbPath, "", "import", "customers", file, "--resume-after", "1s")
	if code != 0 || out != fmt.Sprintf("imported=%d updated=0 skipped=0 rejected=0\n", keyed+keyless) {
		t.Fatalf("resumed import: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "resuming import 1") {
		t.Fatalf("the second run did not resume: %q", errOut)
	}
	var total, ids, emails int
	db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT external_id) FROM customers").Scan(&total, &ids)
	db.QueryRow("SELECT COUNT(DISTINCT value) FROM contact_points WHERE kind = 'email'").Scan(&emails)
	if total != keyed+keyless || ids != keyed || emails != keyless {
		t.Fatalf("after resume: %d customers, %d external ids, %d emails; want %d, %d, %d",
			total, ids, emails, keyed+keyless, keyed, keyless)
	}
	var audits int
	db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity_type = 'customer'").Scan(&audits)
	if audits != keyed+keyless {
		t.Fatalf("%d creations audited, want %d", audits, keyed+keyless)
	}
}
