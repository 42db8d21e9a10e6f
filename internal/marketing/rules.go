// Package marketing is SCRMS's marketing: segments of customers described
// by rules, email templates, campaigns with their send ledger, and the
// tracking that tells what each message did.
package marketing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Rule is a segment's condition tree: exactly one of And, Or, Not or a
// condition (Field, Op, Value).
type Rule struct {
	And   []Rule `json:"and,omitempty"`
	Or    []Rule `json:"or,omitempty"`
	Not   *Rule  `json:"not,omitempty"`
	Field string `json:"field,omitempty"`
	Op    string `json:"op,omitempty"`
	Value any    `json:"value,omitempty"` // a string or a number
}

// Empty reports whether the rule says nothing: where a caller allows it
// (the codes of a members' offer without a segment), it matches every
// live customer.
func (r Rule) Empty() bool {
	return r.Field == "" && len(r.And) == 0 && len(r.Or) == 0 && r.Not == nil
}

// FieldKind is what values a field takes and which operators apply.
type FieldKind int

// Field kinds.
const (
	Number FieldKind = iota // compared with = != < <= > >=
	Text                    // compared with = and !=
	Member                  // = means "has", != means "has not" (tags, products bought, lists)
	Days                    // a number of days ago; = is not offered
)

// FieldInfo describes a field rules can use.
type FieldInfo struct {
	Name  string
	Kind  FieldKind
	Group string
	Help  string
}

// Fields are the fields segment rules can use, by group.
var Fields = []FieldInfo{
	{"kind", Text, "Profile", "person or organization"},
	{"stage", Text, "Profile", "lifecycle stage"},
	{"status", Text, "Profile", "customer status"},
	{"language", Text, "Profile", "preferred language code"},
	{"industry", Text, "Profile", "industry"},
	{"source", Text, "Profile", "referral source"},
	{"owner", Number, "Profile", "owner's user id (0: unowned)"},
	{"age", Number, "Profile", "age in years, from the birth date"},
	{"created_days", Days, "Profile", "days since the customer was created"},
	{"birthday_in", Number, "Profile", "days until the customer's birthday (= only; 0 is today)"},
	{"tag", Member, "Profile", "has the tag"},
	{"list", Member, "Profile", "is on the static list (its id)"},
	{"segment", Member, "Profile", "is in another segment (its id)"},
	{"country", Member, "Location", "has an address in the country (ISO code)"},
	{"city", Member, "Location", "has an address in the city"},
	{"consent", Member, "Consent", "agreed to marketing on the channel (email, sms, phone, post)"},
	{"orders", Number, "Purchases", "number of orders (frequency)"},
	{"spent", Number, "Purchases", "total spent, in currency units (monetary)"},
	{"last_order_days", Days, "Purchases", "days since the last order (recency)"},
	{"first_order_days", Days, "Purchases", "days since the first order"},
	{"bought", Member, "Purchases", "bought the product (SKU)"},
	{"bought_category", Member, "Purchases", "bought in the product category"},
	{"open_quotes", Number, "Purchases", "quotes sent and not yet accepted or declined"},
	{"interactions_90d", Number, "Engagement", "interactions in the last 90 days"},
	{"opened_days", Days, "Engagement", "days since the customer last opened a campaign email"},
	{"clicked_days", Days, "Engagement", "days since the customer last clicked in a campaign email"},
	{"open_cases", Number, "Service", "cases not resolved"},
	{"csat", Number, "Service", "average CSAT score (1-5)"},
	{"nps", Number, "Service", "latest NPS answer (0-10)"},
	{"loyalty_member", Member, "Loyalty", "is a member of the loyalty program (its id)"},
	{"loyalty_tier", Member, "Loyalty", "holds the tier (its name) in a loyalty program"},
	{"loyalty_points", Number, "Loyalty", "points to spend, over all programs"},
	{"points_expiring_30d", Number, "Loyalty", "points that expire in the next 30 days"},
	{"rfm_segment", Member, "Predictions", "RFM segment: champions, loyal, potential_loyalist, new, promising, need_attention, at_risk, hibernating"},
	{"churn_risk", Number, "Predictions", "churn risk from the churn model (0-1)"},
	{"p_alive", Number, "Predictions", "probability the customer still buys (0-1), from the lifetime value model"},
	{"predicted_purchases", Number, "Predictions", "purchases the lifetime value model expects over its horizon"},
	{"predicted_value", Number, "Predictions", "value the lifetime value model expects over its horizon, in currency units"},
}

// FieldByName returns a field's description.
func FieldByName(name string) (FieldInfo, bool) {
	i := slices.IndexFunc(Fields, func(f FieldInfo) bool { return f.Name == name })
	if i < 0 {
		return FieldInfo{}, false
	}
	return Fields[i], true
}

var numberOps = []string{"=", "!=", "<", "<=", ">", ">="}

// Validate checks a rule tree: known fields, operators that apply, values
// of the right type, and not too deep or large.
func (r Rule) Validate() error {
	n := 0
	return r.validate(0, &n)
}

func (r Rule) validate(depth int, count *int) error {
	*count++
	if depth > 10 || *count > 100 {
		return fmt.Errorf("the rules are too large (at most 100 conditions, 10 levels)")
	}
	parts := 0
	for _, set := range []bool{len(r.And) > 0, len(r.Or) > 0, r.Not != nil, r.Field != ""} {
		if set {
			parts++
		}
	}
	if parts != 1 {
		return fmt.Errorf("each rule is one of and, or, not or a condition (field, op, value)")
	}
	for _, sub := range append(append([]Rule{}, r.And...), r.Or...) {
		if err := sub.validate(depth+1, count); err != nil {
			return err
		}
	}
	if r.Not != nil {
		return r.Not.validate(depth+1, count)
	}
	if r.Field == "" {
		return nil
	}
	f, ok := FieldByName(r.Field)
	if !ok {
		return fmt.Errorf("%q is not a field; use one of %s", r.Field, fieldNames())
	}
	switch f.Kind {
	case Number, Days:
		if !slices.Contains(numberOps, r.Op) || (f.Kind == Days && (r.Op == "=" || r.Op == "!=")) {
			return fmt.Errorf("%s takes %s", f.Name, strings.Join(opsFor(f), " "))
		}
		if _, ok := Num(r.Value); !ok {
			return fmt.Errorf("%s needs a number, not %v", f.Name, r.Value)
		}
	case Text, Member:
		if r.Op != "=" && r.Op != "!=" {
			return fmt.Errorf("%s takes = or !=", f.Name)
		}
		s, isText := r.Value.(string)
		if _, isNum := Num(r.Value); (f.Name == "list" || f.Name == "segment") && !isNum {
			return fmt.Errorf("%s needs an id number", f.Name)
		} else if f.Name != "list" && f.Name != "segment" && (!isText || s == "") {
			return fmt.Errorf("%s needs a text in quotes", f.Name)
		}
	}
	return nil
}

func opsFor(f FieldInfo) []string {
	if f.Kind == Days {
		return []string{"<", "<=", ">", ">="}
	}
	return numberOps
}

func fieldNames() string {
	names := make([]string, len(Fields))
	for i, f := range Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// Num reads a rule value as a number (JSON numbers decode as float64).
func Num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// String writes the rule in its text form, which Parse reads back.
func (r Rule) String() string { return r.text(false) }

func (r Rule) text(nested bool) string {
	join := func(rs []Rule, op string) string {
		parts := make([]string, len(rs))
		for i, s := range rs {
			parts[i] = s.text(true)
		}
		out := strings.Join(parts, " "+op+" ")
		if nested && len(rs) > 1 {
			out = "(" + out + ")"
		}
		return out
	}
	switch {
	case len(r.And) > 0:
		return join(r.And, "and")
	case len(r.Or) > 0:
		return join(r.Or, "or")
	case r.Not != nil:
		return "not " + r.Not.text(true)
	}
	v := fmt.Sprint(r.Value)
	if s, ok := r.Value.(string); ok {
		v = strconv.Quote(s)
	} else if f, ok := Num(r.Value); ok {
		v = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return r.Field + " " + r.Op + " " + v
}

// Parse reads rules in their text form, for example:
//
//	stage = "customer" and (orders >= 3 or spent > 500) and not tag = "do-not-mail"
//
// and/or/not are words, values are numbers or quoted texts.
func Parse(text string) (Rule, error) {
	toks, err := lex(text)
	if err != nil {
		return Rule{}, err
	}
	p := &parser{toks: toks}
	if len(toks) == 0 {
		return Rule{}, fmt.Errorf("the rules are empty")
	}
	r, err := p.or()
	if err != nil {
		return Rule{}, err
	}
	if p.pos < len(p.toks) {
		return Rule{}, fmt.Errorf("unexpected %q at position %d", p.toks[p.pos].text, p.toks[p.pos].at+1)
	}
	return r, r.Validate()
}

type token struct {
	kind byte // w (word), s (quoted text), n (number), o (operator), ( )
	text string
	at   int
}

func lex(s string) ([]token, error) {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')':
			out = append(out, token{byte(c), string(c), i})
			i++
		case c == '"':
			j := i + 1
			var b strings.Builder
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("a text opened at position %d is not closed with \"", i+1)
			}
			out = append(out, token{'s', b.String(), i})
			i = j + 1
		case strings.ContainsRune("=!<>", c):
			j := i + 1
			if j < len(rs) && rs[j] == '=' {
				j++
			}
			op := string(rs[i:j])
			if op == "!" {
				return nil, fmt.Errorf("%q at position %d: use != for \"is not\"", op, i+1)
			}
			out = append(out, token{'o', op, i})
			i = j
		case c == '-' || c == '.' || unicode.IsDigit(c):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			out = append(out, token{'n', string(rs[i:j]), i})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i + 1
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			out = append(out, token{'w', strings.ToLower(string(rs[i:j])), i})
			i = j
		default:
			return nil, fmt.Errorf("%q at position %d is not understood", string(c), i+1)
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == 'w' && p.toks[p.pos].text == w
}

func (p *parser) or() (Rule, error) {
	first, err := p.and()
	if err != nil {
		return Rule{}, err
	}
	rs := []Rule{first}
	for p.peekWord("or") {
		p.pos++
		next, err := p.and()
		if err != nil {
			return Rule{}, err
		}
		rs = append(rs, next)
	}
	if len(rs) == 1 {
		return first, nil
	}
	return Rule{Or: rs}, nil
}

func (p *parser) and() (Rule, error) {
	first, err := p.unary()
	if err != nil {
		return Rule{}, err
	}
	rs := []Rule{first}
	for p.peekWord("and") {
		p.pos++
		next, err := p.unary()
		if err != nil {
			return Rule{}, err
		}
		rs = append(rs, next)
	}
	if len(rs) == 1 {
		return first, nil
	}
	return Rule{And: rs}, nil
}

func (p *parser) unary() (Rule, error) {
	if p.pos >= len(p.toks) {
		return Rule{}, fmt.Errorf("the rules end where a condition should be")
	}
	t := p.toks[p.pos]
	switch {
	case t.kind == 'w' && t.text == "not":
		p.pos++
		r, err := p.unary()
		if err != nil {
			return Rule{}, err
		}
		return Rule{Not: &r}, nil
	case t.kind == '(':
		p.pos++
		r, err := p.or()
		if err != nil {
			return Rule{}, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != ')' {
			return Rule{}, fmt.Errorf("a ( at position %d is not closed", t.at+1)
		}
		p.pos++
		return r, nil
	case t.kind == 'w':
		if p.pos+2 >= len(p.toks) {
			return Rule{}, fmt.Errorf("%s at position %d needs an operator and a value", t.text, t.at+1)
		}
		op, val := p.toks[p.pos+1], p.toks[p.pos+2]
		if op.kind != 'o' {
			return Rule{}, fmt.Errorf("%s at position %d needs an operator (= != < <= > >=), not %q", t.text, t.at+1, op.text)
		}
		r := Rule{Field: t.text, Op: op.text}
		switch val.kind {
		case 's':
			r.Value = val.text
		case 'n':
			f, err := strconv.ParseFloat(val.text, 64)
			if err != nil {
				return Rule{}, fmt.Errorf("%q at position %d is not a number", val.text, val.at+1)
			}
			r.Value = f
		default:
			return Rule{}, fmt.Errorf("%s %s at position %d needs a number or a quoted text", t.text, op.text, val.at+1)
		}
		p.pos += 3
		if err := r.Validate(); err != nil {
			return Rule{}, fmt.Errorf("at position %d: %w", t.at+1, err)
		}
		return r, nil
	}
	return Rule{}, fmt.Errorf("unexpected %q at position %d", t.text, t.at+1)
}
