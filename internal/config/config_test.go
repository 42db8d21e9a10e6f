package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, rest, err := Load(nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "sqlite:./scrms-data/scrms.db" || c.SecureCookies || !c.Jobs ||
		c.ShutdownTimeout != 15*time.Second || len(rest) != 0 {
		t.Fatalf("defaults: %+v %v", c, rest)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	c, rest, err := Load([]string{"--addr", "127.0.0.1:9000", "extra"},
		env(map[string]string{"SCRMS_ADDR": ":7000", "SCRMS_BASE_URL": "https://crm.example.com/"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.BaseURL != "https://crm.example.com" || !c.SecureCookies || rest[0] != "extra" {
		t.Fatalf("got %+v %v", c, rest)
	}
}

func TestEveryBadValueIsNamed(t *testing.T) {
	_, _, err := Load(nil, env(map[string]string{
		"SCRMS_ADDR": "8080", "SCRMS_DATABASE_URL": "mysql://x", "SCRMS_LOG_LEVEL": "loud",
		"SCRMS_SHUTDOWN_TIMEOUT": "soon", "SCRMS_JOBS": "maybe", "SCRMS_BASE_URL": "crm.example.com",
	}), nil)
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, name := range []string{"SCRMS_ADDR", "SCRMS_DATABASE_URL", "SCRMS_LOG_LEVEL", "SCRMS_SHUTDOWN_TIMEOUT",
		"SCRMS_JOBS", "SCRMS_BASE_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}
