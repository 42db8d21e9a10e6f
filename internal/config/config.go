// Package config reads SCRMS's configuration from SCRMS_* environment
// variables and command-line flags (flags win), and validates it once at start.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration. It is passed down, never global.
type Config struct {
	Addr            string
	DatabaseURL     string
	BaseURL         string
	LogLevel        slog.Level
	LogFormat       string
	SecureCookies   bool
	DefaultRegion   string
	ShutdownTimeout time.Duration
	CampaignLease   time.Duration
	// DKIMKey and DKIMSelector sign outgoing mail when both are set.
	DKIMKey, DKIMSelector string
	// WebhookPrivate lets webhooks call private and loopback addresses.
	WebhookPrivate  bool
	Jobs            bool
	MaxBodyBytes    int64
	SQLiteCacheMB   int
	PprofAddr       string
	InventorySecret string
	SMTPURL         string
	MailFrom        string
	InboundSMTPAddr string
}

// Var documents one setting for the README and `scrms help`.
type Var struct {
	Env, Flag, Default, Help string
}

// Vars lists every setting.
var Vars = []Var{
	{"SCRMS_ADDR", "addr", ":8080", "HOST:PORT the web UI and API listen on"},
	{"SCRMS_DATABASE_URL", "database-url", "sqlite:./scrms-data/scrms.db", "sqlite:PATH or postgres://USER@HOST/DB"},
	{"SCRMS_BASE_URL", "base-url", "http://localhost:8080", "public URL of this installation, used in links"},
	{"SCRMS_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"SCRMS_LOG_FORMAT", "log-format", "text", "text or json"},
	{"SCRMS_SECURE_COOKIES", "secure-cookies", "auto", "true, false, or auto (true when the base URL is https)"},
	{"SCRMS_DEFAULT_REGION", "default-region", "US", "ISO country for phone numbers typed without a country code"},
	{"SCRMS_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long requests may finish after SIGTERM"},
	{"SCRMS_JOBS", "jobs", "true", "run background jobs in this process"},
	{"SCRMS_MAX_BODY_BYTES", "max-body-bytes", "1048576", "largest request body accepted"},
	{"SCRMS_SQLITE_CACHE_MB", "sqlite-cache-mb", "64", "SQLite page cache of the writer in MB (each reader gets a quarter)"},
	{"SCRMS_SMTP_URL", "smtp-url", "", "mail server for notification digests and reminders: smtp://user:password@host:587?tls=starttls|tls|none; empty: no email"},
	{"SCRMS_MAIL_FROM", "mail-from", "", "the sender address of SCRMS's email, e.g. SCRMS <crm@example.com>"},
	{"SCRMS_INBOUND_SMTP_ADDR", "inbound-smtp-addr", "", "HOST:PORT where SCRMS receives support email by SMTP (each queue's address routes to it); empty: off"},
	{"SCRMS_INVENTORY_SECRET", "inventory-secret", "", "shared secret that signs the inventory system's stock webhooks (POST /webhooks/inventory); empty: the webhook is off"},
	{"SCRMS_DKIM_KEY_FILE", "dkim-key-file", "", "PEM file of the private key (RSA or Ed25519) that DKIM-signs outgoing mail for the sender's domain; empty: no signing"},
	{"SCRMS_DKIM_SELECTOR", "dkim-selector", "", "the DKIM selector under which the public key is published in DNS (selector._domainkey.domain)"},
	{"SCRMS_CAMPAIGN_LEASE", "campaign-lease", "30s", "how long an instance holds a campaign it sends (renewed as it goes); another instance takes over a stopped send after it"},
	{"SCRMS_WEBHOOK_ALLOW_PRIVATE", "webhook-allow-private", "false", "let webhooks call private, loopback and link-local addresses (development only)"},
	{"SCRMS_PPROF_ADDR", "pprof-addr", "", "HOST:PORT for Go's profiler (net/http/pprof); empty: off. Keep it on loopback"},
}

// Load reads the settings from getenv, then flags in args. extra, when not
// nil, registers a subcommand's own flags on the same flag set. Every bad
// value is reported, each with its name, in one error.
func Load(args []string, getenv func(string) string, extra func(*flag.FlagSet)) (Config, []string, error) {
	raw := map[string]string{}
	for _, v := range Vars {
		raw[v.Flag] = v.Default
		if e := getenv(v.Env); e != "" {
			raw[v.Flag] = e
		}
	}
	fs := flag.NewFlagSet("scrms", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	vals := map[string]*string{}
	for _, v := range Vars {
		vals[v.Flag] = fs.String(v.Flag, raw[v.Flag], v.Help+" ("+v.Env+")")
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, fmt.Errorf("config: %w", err)
	}
	for k, p := range vals {
		raw[k] = *p
	}
	var errs []error
	bad := func(flagName, format string, a ...any) {
		env := ""
		for _, v := range Vars {
			if v.Flag == flagName {
				env = v.Env
			}
		}
		errs = append(errs, fmt.Errorf("%s (--%s) %q: %s", env, flagName, raw[flagName], fmt.Sprintf(format, a...)))
	}
	c := Config{Addr: raw["addr"], DatabaseURL: raw["database-url"], BaseURL: strings.TrimRight(raw["base-url"], "/"),
		LogFormat: raw["log-format"], DefaultRegion: strings.ToUpper(raw["default-region"])}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("addr", "must be HOST:PORT, e.g. :8080 or 127.0.0.1:8080")
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("database-url", "must start with sqlite: or postgres://")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("base-url", "must be an http:// or https:// URL")
	}
	if err := c.LogLevel.UnmarshalText([]byte(raw["log-level"])); err != nil {
		bad("log-level", "must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format", "must be text or json")
	}
	switch raw["secure-cookies"] {
	case "auto":
		c.SecureCookies = strings.HasPrefix(c.BaseURL, "https://")
	default:
		b, err := strconv.ParseBool(raw["secure-cookies"])
		if err != nil {
			bad("secure-cookies", "must be true, false or auto")
		}
		c.SecureCookies = b
	}
	if len(c.DefaultRegion) != 2 {
		bad("default-region", "must be a two-letter country code")
	}
	d, err := time.ParseDuration(raw["shutdown-timeout"])
	if err != nil || d <= 0 {
		bad("shutdown-timeout", "must be a positive duration such as 15s")
	}
	c.ShutdownTimeout = d
	c.DKIMKey, c.DKIMSelector = raw["dkim-key-file"], raw["dkim-selector"]
	if (c.DKIMKey == "") != (c.DKIMSelector == "") {
		bad("dkim-selector", "give both the DKIM key file and the selector, or neither")
	}
	switch raw["webhook-allow-private"] {
	case "true":
		c.WebhookPrivate = true
	case "false":
	default:
		bad("webhook-allow-private", "must be true or false")
	}
	if lease, err := time.ParseDuration(raw["campaign-lease"]); err != nil || lease < time.Second {
		bad("campaign-lease", "must be a duration of at least 1s, such as 30s")
	} else {
		c.CampaignLease = lease
	}
	c.Jobs, err = strconv.ParseBool(raw["jobs"])
	if err != nil {
		bad("jobs", "must be true or false")
	}
	c.MaxBodyBytes, err = strconv.ParseInt(raw["max-body-bytes"], 10, 64)
	if err != nil || c.MaxBodyBytes < 1024 {
		bad("max-body-bytes", "must be a whole number of bytes, at least 1024")
	}
	c.PprofAddr = raw["pprof-addr"]
	c.InventorySecret = raw["inventory-secret"]
	c.SMTPURL, c.MailFrom = raw["smtp-url"], raw["mail-from"]
	if c.SMTPURL != "" && c.MailFrom == "" {
		bad("mail-from", "is needed when smtp-url is set")
	}
	if c.InventorySecret != "" && len(c.InventorySecret) < 16 {
		bad("inventory-secret", "must be at least 16 characters")
	}
	c.InboundSMTPAddr = raw["inbound-smtp-addr"]
	if c.InboundSMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.InboundSMTPAddr); err != nil {
			bad("inbound-smtp-addr", "must be HOST:PORT, e.g. 0.0.0.0:2525")
		}
	}
	if c.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			bad("pprof-addr", "must be HOST:PORT, e.g. 127.0.0.1:6060")
		}
	}
	c.SQLiteCacheMB, err = strconv.Atoi(raw["sqlite-cache-mb"])
	if err != nil || c.SQLiteCacheMB < 2 || c.SQLiteCacheMB > 65536 {
		bad("sqlite-cache-mb", "must be a whole number of megabytes between 2 and 65536")
	}
	return c, fs.Args(), errors.Join(errs...)
}
