package marketing

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseAndPrintRoundTrip(t *testing.T) {
	for _, text := range []string{
		`stage = "customer"`,
		`stage = "customer" and orders >= 3`,
		`(tag = "vip" or spent > 500) and not bought = "SKU-1" and last_order_days <= 90`,
		`consent = "email" and country = "PT" and (nps <= 6 or csat < 3)`,
		`list = 4 or segment = 2`,
	} {
		r, err := Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got := r.String(); got != text {
			t.Errorf("printed %q, want %q", got, text)
		}
		// The JSON form reads back to the same rules.
		b, _ := json.Marshal(r)
		var back Rule
		if err := json.Unmarshal(b, &back); err != nil || back.String() != text || back.Validate() != nil {
			t.Errorf("JSON round trip of %q: %s (%v)", text, b, err)
		}
	}
}

func TestParseNamesTheProblem(t *testing.T) {
	for text, want := range map[string]string{
		``:                          "empty",
		`age > `:                    "needs an operator and a value",
		`colour = "red"`:            `"colour" is not a field`,
		`orders = "many"`:           "needs a number",
		`tag >= "vip"`:              "takes = or !=",
		`last_order_days = 3`:       "takes < <= > >=",
		`stage = "lead" and`:        "end where a condition should be",
		`(stage = "lead"`:           "is not closed",
		`stage = "lead`:             "not closed with",
		`stage = "lead" orders > 1`: `unexpected "orders"`,
		`orders ! 3`:                "use != ",
		`list = "vip"`:              "needs an id number",
	} {
		_, err := Parse(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", text, err, want)
		}
	}
}

func TestValidateRejectsMalformedTrees(t *testing.T) {
	bad := []Rule{
		{},
		{Field: "orders", Op: ">", Value: 1.0, And: []Rule{{Field: "orders", Op: ">", Value: 1.0}}},
	}
	for _, r := range bad {
		if r.Validate() == nil {
			t.Errorf("%+v passed validation", r)
		}
	}
	deep := Rule{Field: "orders", Op: ">", Value: 1.0}
	for range 12 {
		deep = Rule{Not: &deep}
	}
	if err := deep.Validate(); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("a 12-level tree: %v", err)
	}
}
