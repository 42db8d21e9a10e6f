package app

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// runImport is `scrms import customers FILE [--match K] [--on-match A] [--rejects PATH]`.
func runImport(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "leads" {
		return runImportLeads(ctx, env, args[1:])
	}
	if len(args) == 0 || (args[0] != "customers" && args[0] != "orders") {
		return errors.New("import: say what to import: scrms import customers|orders|leads FILE")
	}
	what := args[0]
	args = args[1:]
	var opt customer.ImportOptions
	var currency string
	var rejectsPath string
	var resumeAfter time.Duration
	var file string
	// The file may stand before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	a, err := openWithRest(ctx, env, args, func(fs *flag.FlagSet) {
		if what == "customers" {
			fs.StringVar(&opt.Match, "match", "external_id", "match rows to customers by external_id, email or phone")
			fs.StringVar(&opt.OnMatch, "on-match", "skip", "what to do with a matched row: skip, update, or create a new customer anyway")
		} else {
			fs.StringVar(&currency, "currency", "", "the currency of orders whose rows give none (ISO 4217, e.g. GBP)")
		}
		fs.StringVar(&rejectsPath, "rejects", "", "write rejected rows with their reason to this CSV file")
		fs.DurationVar(&resumeAfter, "resume-after", 15*time.Second,
			"resume an unfinished import of the same file that has been silent this long (its process died)")
	}, func(rest []string) error {
		if file == "" && len(rest) == 1 {
			file = rest[0]
			return nil
		}
		if len(rest) > 0 {
			return fmt.Errorf("unexpected arguments: %s", strings.Join(rest, " "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if file == "" {
		return errors.New("import: name the CSV file: scrms import customers FILE")
	}
	size, sum, err := fileDigest(file)
	if err != nil {
		return err
	}
	sys := auth.System("import")
	if what == "orders" {
		opt.Match, opt.OnMatch = "external_id", "skip"
	}
	job, err := a.Customers.ResumableImport(ctx, what, sum, orDefault(opt.Match, "external_id"), orDefault(opt.OnMatch, "skip"),
		time.Now().Add(-resumeAfter))
	switch {
	case err == nil:
		fmt.Fprintf(env.Stderr, "resuming import %d of %s after row %d\n", job.ID, filepath.Base(file), job.RowsDone)
	case fault.Is(err, fault.NotFound):
		abs, _ := filepath.Abs(file)
		job, err = a.Customers.StartImport(ctx, sys, customer.ImportJob{Kind: what, FileName: filepath.Base(file), Path: abs,
			FileSize: size, SHA256: sum, Match: opt.Match, OnMatch: opt.OnMatch}, false)
		if err != nil {
			return err
		}
	default:
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	last := time.Now()
	progress := func(j customer.ImportJob) {
		if time.Since(last) >= time.Second || j.Status == "done" {
			last = time.Now()
			fmt.Fprintf(env.Stderr, "import %d: %d rows, %.0f%% (imported=%d updated=%d skipped=%d rejected=%d)\n",
				j.ID, j.RowsDone, 100*j.Progress(), j.Imported, j.Updated, j.Skipped, j.Rejected)
		}
	}
	if what == "orders" {
		counting := &countingFile{f: f, size: size}
		job, err = a.Orders.RunOrderImport(ctx, sys, a.Customers, job, counting, currency, func(j customer.ImportJob) {
			j.BytesDone = counting.n
			progress(j)
		})
	} else {
		job, err = a.Customers.RunImport(ctx, sys, job, f, progress)
	}
	if job.ID != 0 && job.Rejected > 0 {
		if werr := writeRejects(ctx, a, sys, job.ID, rejectsPath, env.Stderr); werr != nil && err == nil {
			err = werr
		}
	}
	fmt.Fprintf(env.Stdout, "imported=%d updated=%d skipped=%d rejected=%d\n", job.Imported, job.Updated, job.Skipped, job.Rejected)
	return err
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// fileDigest returns a file's size and SHA-256, which identify an import
// to resume.
func fileDigest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("import: read %s: %w", path, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// writeRejects writes the rejected rows to path as CSV, or shows the first
// ones on w.
func writeRejects(ctx context.Context, a *App, actor auth.Actor, id int64, path string, w io.Writer) error {
	var out *csv.Writer
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("import: rejects file: %w", err)
		}
		defer f.Close()
		out = csv.NewWriter(f)
		defer out.Flush()
		if err := out.Write([]string{"line", "reason", "row"}); err != nil {
			return err
		}
	}
	shown := 0
	for after := 0; ; {
		page, err := a.Customers.ImportRejects(ctx, actor, id, after, 1000)
		if err != nil {
			return err
		}
		for _, r := range page {
			if out != nil {
				if err := out.Write([]string{strconv.Itoa(r.Line), r.Reason, strings.Join(r.Record, ",")}); err != nil {
					return err
				}
			} else if shown < 20 {
				fmt.Fprintf(w, "line %d rejected: %s\n", r.Line, r.Reason)
				shown++
			}
			after = r.Line
		}
		if len(page) < 1000 || (out == nil && shown >= 20) {
			return nil
		}
	}
}

// countingFile counts the bytes read from a file, for progress.
type countingFile struct {
	f    io.Reader
	n    int64
	size int64
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	c.n += int64(n)
	return n, err
}

// runImportLeads is `scrms import leads FILE [--team NAME]`.
func runImportLeads(ctx context.Context, env Env, args []string) error {
	var file, team string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	a, err := openWithRest(ctx, env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&team, "team", "", "the team whose representatives get the leads, in turn (default: by country's territory)")
	}, func(rest []string) error {
		if file == "" && len(rest) == 1 {
			file = rest[0]
			return nil
		}
		if len(rest) > 0 {
			return fmt.Errorf("unexpected arguments: %s", strings.Join(rest, " "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if file == "" {
		return errors.New("import: name the CSV file: scrms import leads FILE")
	}
	sys := auth.System("import")
	teamID := int64(0)
	if team != "" {
		if teamID, err = a.teamByName(ctx, sys, team); err != nil {
			return err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	shown := 0
	res, err := a.Leads.ImportLeads(ctx, sys, f, teamID, func(r customer.Rejection) {
		if shown < 20 {
			fmt.Fprintf(env.Stderr, "line %d rejected: %s\n", r.Line, r.Reason)
		}
		shown++
	})
	fmt.Fprintf(env.Stdout, "imported=%d updated=0 skipped=%d rejected=%d\n", res.Imported, res.Skipped, res.Rejected)
	return err
}
