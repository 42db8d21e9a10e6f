package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/config"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
)

// Env is what the command line runs with; tests supply their own.
type Env struct {
	Args    []string // without the program name
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version string
	Options Options
}

const usage = `SCRMS — customer relationship management

Usage: scrms [command] [flags]

Commands:
  serve                 run the web UI, API and background jobs (the default)
  migrate               bring the database schema up to date and exit
  user create           create a user: --email E --name N --role ROLE [--team NAME] --password-stdin
  user set-password     set a user's password: --email E --password-stdin
  token create          create an API token: --email E --name LABEL (prints the token alone)
  demo                  fill the database with sample data: --customers N [--seed S]
  import orders FILE    import order lines from CSV (.csv or .csv.gz), rows with the same external_id forming
                        one order: [--currency GBP] [--rejects PATH]; prints imported=N skipped=N rejected=N
                        (orders); unknown customers and products are created
  import leads FILE     import leads from CSV (name, company, email, phone, country, source, campaign, utm_…):
                        [--team NAME]; scored and assigned on arrival; a lead whose email exists is skipped
  import customers FILE import customers from CSV (.csv or .csv.gz): [--match external_id|email|phone]
                        [--on-match skip|update] [--rejects PATH] [--resume-after 15s]; an interrupted import
                        of the same file resumes where it stopped; prints imported=N updated=N skipped=N rejected=N
  duplicates scan       scan all customers for duplicates now, in this process, and file new pairs in
                        the review queue; prints customers=N comparisons=N pairs=N new=N seconds=S
  loyalty run           book loyalty points for new orders and returns and do the due loyalty work (pending
                        points, expiry, tier review, statements) now, in this process: [--program NAME creates
                        that program with the default rules first when there is none] [--accrue-only: only book new orders
                        and returns]; prints booked=N seconds=S
  analytics run         do the nightly analytics now, in this process: RFM segments, the churn model, product
                        recommendations and the lifetime value models; prints the seconds each took
  version               print the version

Settings (flag, environment variable, default):
`

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, v := range config.Vars {
		fmt.Fprintf(w, "  --%-18s %-24s %s\n      %s\n", v.Flag, v.Env, v.Default, v.Help)
	}
}

// Main runs one command line and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	args := env.Args
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
		if (cmd == "user" || cmd == "token" || cmd == "duplicates" || cmd == "loyalty" || cmd == "analytics") && len(args) > 0 {
			cmd, args = cmd+" "+args[0], args[1:]
		}
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, env, args)
	case "migrate":
		err = runMigrate(ctx, env, args)
	case "user create":
		err = runUserCreate(ctx, env, args)
	case "user set-password":
		err = runSetPassword(ctx, env, args)
	case "token create":
		err = runTokenCreate(ctx, env, args)
	case "demo":
		err = runDemo(ctx, env, args)
	case "import":
		err = runImport(ctx, env, args)
	case "duplicates scan":
		err = runDuplicateScan(ctx, env, args)
	case "loyalty run":
		err = runLoyalty(ctx, env, args)
	case "analytics run":
		err = runAnalytics(ctx, env, args)
	case "version":
		fmt.Fprintln(env.Stdout, "scrms", env.Version)
	case "help", "-h", "--help":
		printUsage(env.Stdout)
	default:
		fmt.Fprintf(env.Stderr, "scrms: unknown command %q\n\n", cmd)
		printUsage(env.Stderr)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(env.Stdout)
			return 0
		}
		fmt.Fprintln(env.Stderr, "scrms:", describe(err))
		return 1
	}
	return 0
}

// describe prints a domain error with its fields, others as they are.
func describe(err error) string {
	if e, ok := fault.As(err); ok && e.Code != fault.Internal {
		s := e.Message
		for _, f := range e.Fields {
			s += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
		return s
	}
	return err.Error()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open loads the configuration (with a command's own flags) and opens the app.
func open(ctx context.Context, env Env, args []string, extra func(*flag.FlagSet)) (*App, error) {
	return openWithRest(ctx, env, args, extra, func(rest []string) error {
		if len(rest) > 0 {
			return fmt.Errorf("unexpected arguments: %s", strings.Join(rest, " "))
		}
		return nil
	})
}

// openWithRest is open for commands that take arguments after their flags.
func openWithRest(ctx context.Context, env Env, args []string, extra func(*flag.FlagSet), rest func([]string) error) (*App, error) {
	cfg, more, err := config.Load(args, env.Getenv, extra)
	if err != nil {
		return nil, err
	}
	if err := rest(more); err != nil {
		return nil, err
	}
	return New(ctx, cfg, newLogger(cfg, env.Stderr), env.Version, env.Options)
}

func runServe(ctx context.Context, env Env, args []string) error {
	a, err := open(ctx, env, args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx)
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	a, err := open(ctx, env, args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintln(env.Stdout, "database is up to date")
	return nil
}

func runDuplicateScan(ctx context.Context, env Env, args []string) error {
	a, err := open(ctx, env, args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	sys := auth.System("cli")
	sc, started, err := a.Customers.RequestDuplicateScan(ctx, sys)
	if err != nil {
		return err
	}
	if !started {
		return fmt.Errorf("scan %d is already %s (requested %s); wait for it to finish", sc.ID, sc.Status,
			sc.RequestedAt.Format(time.RFC3339))
	}
	sc, err = a.Customers.RunDuplicateScan(ctx, sc.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "customers=%d comparisons=%d pairs=%d new=%d seconds=%.1f\n", sc.Scanned, sc.Comparisons,
		sc.Found, sc.New, sc.FinishedAt.Sub(sc.StartedAt).Seconds())
	return nil
}

func runLoyalty(ctx context.Context, env Env, args []string) error {
	var name string
	var accrueOnly bool
	// The command line books whole order histories (a new program's
	// recomputation) and the nightly work in one go: tuned as a bulk load.
	a, err := open(ctx, bulkEnv(env), args, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "program", "", "create this program with the default rules when there is none of that name")
		fs.BoolVar(&accrueOnly, "accrue-only", false, "only book points for new orders and returns")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	sys := auth.System("cli")
	if name != "" {
		ps, err := a.Loyalty.Programs(ctx, sys)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ps, func(p loyalty.Program) bool { return p.Name == name }) {
			if _, err := a.Loyalty.CreateProgram(ctx, sys, loyalty.ProgramInput{Name: name}); err != nil {
				return err
			}
		}
	}
	// Alone on the database, the run books larger batches than the
	// server's job, which keeps its transactions short for other writers.
	a.Loyalty.BatchSize = 20000
	start := time.Now()
	run := a.Loyalty.Run
	if accrueOnly {
		run = a.Loyalty.AccrueAll
	}
	n, err := run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "booked=%d seconds=%.1f\n", n, time.Since(start).Seconds())
	return nil
}

func runAnalytics(ctx context.Context, env Env, args []string) error {
	a, err := open(ctx, env, args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.runAnalytics(ctx, func(step string, took time.Duration) {
		fmt.Fprintf(env.Stderr, "%s: %.1f s\n", step, took.Seconds())
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rfm_seconds=%.1f churn_seconds=%.1f recommendations_seconds=%.1f clv_seconds=%.1f customers=%d pairs=%d\n",
		r.RFM.Seconds(), r.Churn.Seconds(), r.Recommendations.Seconds(), r.CLV.Seconds(), r.Customers, r.Pairs)
	return nil
}

// readPassword reads one line from stdin (for --password-stdin).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runUserCreate(ctx context.Context, env Env, args []string) error {
	var email, name, role, team string
	var fromStdin bool
	a, err := open(ctx, env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email (sign-in name)")
		fs.StringVar(&name, "name", "", "the user's full name")
		fs.StringVar(&role, "role", "", "admin, manager, sales, marketing, service, loyalty or readonly")
		fs.StringVar(&team, "team", "", "team name (created if it does not exist)")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if !fromStdin {
		return errors.New("user create: pass --password-stdin and the password on standard input")
	}
	pw, err := readPassword(env.Stdin)
	if err != nil {
		return err
	}
	sys := auth.System("cli")
	var teamID int64
	if team != "" {
		teamID, err = a.teamByName(ctx, sys, team)
		if err != nil {
			return err
		}
	}
	u, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Email: email, Name: name, Role: auth.Role(role), TeamID: teamID, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

func (a *App) teamByName(ctx context.Context, sys auth.Actor, name string) (int64, error) {
	teams, err := a.Auth.ListTeams(ctx)
	if err != nil {
		return 0, err
	}
	for _, t := range teams {
		if strings.EqualFold(t.Name, strings.TrimSpace(name)) {
			return t.ID, nil
		}
	}
	t, err := a.Auth.CreateTeam(ctx, sys, name)
	return t.ID, err
}

func runSetPassword(ctx context.Context, env Env, args []string) error {
	var email string
	var fromStdin bool
	a, err := open(ctx, env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the new password from standard input")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if !fromStdin {
		return errors.New("user set-password: pass --password-stdin and the password on standard input")
	}
	pw, err := readPassword(env.Stdin)
	if err != nil {
		return err
	}
	if err := a.Auth.SetPassword(ctx, auth.System("cli"), email, pw); err != nil {
		if fault.Is(err, fault.NotFound) {
			return fmt.Errorf("no user has the email %q", email)
		}
		return err
	}
	fmt.Fprintln(env.Stdout, "password changed; the user's sessions and API tokens have ended")
	return nil
}

func runTokenCreate(ctx context.Context, env Env, args []string) error {
	var email, name string
	a, err := open(ctx, env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user the token acts as")
		fs.StringVar(&name, "name", "", "a label saying what uses the token")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	secret, _, err := a.Auth.CreateAPITokenFor(ctx, auth.System("cli"), email, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

// OSEnv is the environment of the real process.
func OSEnv(version string) Env {
	return Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Version: version}
}
