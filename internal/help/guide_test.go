package help

import (
	"strings"
	"testing"
)

func TestRenderEscapesAndAllowsOnlySafeLinks(t *testing.T) {
	out := Render("Hello <script>alert(1)</script> **bold** `<code>`\n\n" +
		"- [guide](/help/guide#customers)\n- [bad](javascript:alert(1))\n- [data](data:text/html,x)\n\n" +
		"1. first\n2. second\n\n```\n<b>raw</b>\n```\n")
	for _, want := range []string{"&lt;script&gt;", "<strong>bold</strong>", "<code>&lt;code&gt;</code>",
		`<a href="/help/guide#customers">guide</a>`, "<ol>", "<li>second</li>", "&lt;b&gt;raw&lt;/b&gt;"} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"<script>", "javascript:", "data:text", "<b>raw"} {
		if strings.Contains(out, bad) {
			t.Errorf("render contains %q:\n%s", bad, out)
		}
	}
}

func TestTheGuideHasASectionForEveryScreen(t *testing.T) {
	g := Load()
	ids := map[string]bool{}
	for _, s := range g.Sections {
		if ids[s.ID] {
			t.Errorf("section id %q twice", s.ID)
		}
		ids[s.ID] = true
	}
	// The Help link of each screen opens one of these.
	for _, id := range []string{"dashboard", "setup", "sign-in", "customers", "customer-profile", "access", "admin",
		"audit", "account", "api", "invite", "duplicates", "notifications", "sales", "leads", "today", "forecast", "service", "chat", "portal", "surveys", "service-settings", "marketing", "webhooks", "reports"} {
		if !ids[id] {
			t.Errorf("the guide has no section %q", id)
		}
	}
	hits := g.Search("restore bin")
	if len(hits) == 0 || hits[0].Section.ID != "customers" {
		t.Errorf("search for 'restore bin' found %+v", hits)
	}
	if len(g.Search("zzzznothing")) != 0 {
		t.Errorf("search matched nonsense")
	}
}
