package app

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
)

// runImport is `scrms import customers FILE [--match K] [--on-match A] [--rejects PATH]`.
func runImport(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "customers" {
		return errors.New("import: say what to import: scrms import customers FILE")
	}
	args = args[1:]
	var opt customer.ImportOptions
	var rejectsPath string
	var file string
	// The file may stand before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	a, err := openWithRest(ctx, env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&opt.Match, "match", "external_id", "match rows to customers by external_id, email or phone")
		fs.StringVar(&opt.OnMatch, "on-match", "skip", "what to do with a matched row: skip or update")
		fs.StringVar(&rejectsPath, "rejects", "", "write rejected rows with their reason to this CSV file")
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
	in, closeIn, err := openCSV(file)
	if err != nil {
		return err
	}
	defer closeIn()

	var rejects *csv.Writer
	var mu sync.Mutex
	shown := 0
	if rejectsPath != "" {
		f, err := os.Create(rejectsPath)
		if err != nil {
			return fmt.Errorf("import: rejects file: %w", err)
		}
		defer f.Close()
		rejects = csv.NewWriter(f)
		defer rejects.Flush()
		_ = rejects.Write([]string{"line", "reason", "row"})
	}
	res, err := a.Customers.ImportCustomers(ctx, auth.System("import"), a.Store, in, opt, func(r customer.Rejection) {
		mu.Lock()
		defer mu.Unlock()
		if rejects != nil {
			_ = rejects.Write([]string{strconv.Itoa(r.Line), r.Reason, strings.Join(r.Record, ",")})
			return
		}
		if shown < 20 {
			fmt.Fprintf(env.Stderr, "line %d rejected: %s\n", r.Line, r.Reason)
		}
		shown++
	})
	fmt.Fprintf(env.Stdout, "imported=%d updated=%d skipped=%d rejected=%d\n", res.Imported, res.Updated, res.Skipped, res.Rejected)
	return err
}

// openCSV opens a CSV file, unpacking it when it is gzip-compressed.
func openCSV(path string) (io.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("import: %w", err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("import: %s: %w", path, err)
		}
		return gz, func() { gz.Close(); f.Close() }, nil
	}
	return br, func() { f.Close() }, nil
}
