// Package reports is the report builder: a report picks a record type,
// filters it, groups it by a field (dates by day, week or month) and
// measures each group (count, sum, average, minimum, maximum), and is drawn
// as a table or a chart. Reports are written as data and turned into SQL
// here from a fixed list of fields, so a report can never read a column it
// does not name, and the reader's record visibility always applies.
package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Definition is what a report shows.
type Definition struct {
	Source   string    `json:"source"`
	Filters  []Filter  `json:"filters,omitempty"`
	GroupBy  string    `json:"group_by,omitempty"` // a field; dates as field:day, field:week or field:month
	Measures []Measure `json:"measures,omitempty"` // default: count
	Chart    string    `json:"chart,omitempty"`    // table, bar, line, pie
	Limit    int       `json:"limit,omitempty"`    // groups, at most 500 (default 100)
}

// Filter keeps the records whose field compares to the value: =, !=, >,
// >=, <, <= (numbers and dates YYYY-MM-DD), contains (text) or
// in_last_days (dates; the value is a number of days).
type Filter struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// Measure is one figure per group: count (no field), or sum, avg, min or
// max of a number field.
type Measure struct {
	Fn    string `json:"fn"`
	Field string `json:"field,omitempty"`
}

// Kinds of fields.
const (
	Text   = "text"
	Number = "number"
	Money  = "money"
	Date   = "date"
)

// Field is a column a report may use.
type Field struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Kind  string `json:"kind"`
	expr  string
	scale float64 // money: units per currency unit in the database
}

// Source is a record type reports read.
type Source struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Fields []Field `json:"fields"`
	perm   auth.Permission
	from   string
	base   string // conditions always applied
	owner  string // owner and team columns for team and own visibility
	team   string
}

func (s Source) field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Sources are the record types reports read, with their fields.
var Sources = []Source{
	{Name: "customers", Label: "Customers", perm: auth.CustomerRead,
		from: "customers c LEFT JOIN users u ON u.id = c.owner_id", base: "c.deleted_at IS NULL", owner: "c.owner_id", team: "c.team_id",
		Fields: []Field{
			{Name: "kind", Label: "Kind", Kind: Text, expr: "c.kind"},
			{Name: "stage", Label: "Lifecycle stage", Kind: Text, expr: "c.lifecycle_stage"},
			{Name: "referral_source", Label: "Referral source", Kind: Text, expr: "c.referral_source"},
			{Name: "owner", Label: "Owner", Kind: Text, expr: "COALESCE(u.name, '')"},
			{Name: "created_at", Label: "Created", Kind: Date, expr: "c.created_at"},
			{Name: "first_order_at", Label: "First purchase", Kind: Date, expr: "c.first_order_at"},
			{Name: "last_order_at", Label: "Last purchase", Kind: Date, expr: "c.last_order_at"},
			{Name: "orders", Label: "Orders", Kind: Number, expr: "c.order_count"},
			{Name: "spent", Label: "Total spent", Kind: Money, expr: "c.total_spent", scale: 10000},
		}},
	{Name: "orders", Label: "Orders", perm: auth.SalesRead,
		from: "orders o JOIN customers c ON c.id = o.customer_id", base: "c.deleted_at IS NULL", owner: "c.owner_id", team: "c.team_id",
		Fields: []Field{
			{Name: "status", Label: "Status", Kind: Text, expr: "o.status"},
			{Name: "currency", Label: "Currency", Kind: Text, expr: "o.currency"},
			{Name: "source", Label: "Source", Kind: Text, expr: "o.source"},
			{Name: "customer_stage", Label: "Customer's stage", Kind: Text, expr: "c.lifecycle_stage"},
			{Name: "referral_source", Label: "Customer's referral source", Kind: Text, expr: "c.referral_source"},
			{Name: "ordered_at", Label: "Ordered", Kind: Date, expr: "o.ordered_at"},
			{Name: "total", Label: "Total", Kind: Money, expr: "o.total", scale: 10000},
			{Name: "lines", Label: "Lines", Kind: Number, expr: "o.line_count"},
		}},
	{Name: "opportunities", Label: "Opportunities", perm: auth.SalesRead,
		from: "opportunities o JOIN pipeline_stages st ON st.id = o.stage_id LEFT JOIN users u ON u.id = o.owner_id",
		base: "o.deleted_at IS NULL", owner: "o.owner_id", team: "o.team_id",
		Fields: []Field{
			{Name: "stage", Label: "Stage", Kind: Text, expr: "st.name"},
			{Name: "outcome", Label: "Outcome (open, won, lost)", Kind: Text, expr: "st.kind"},
			{Name: "owner", Label: "Owner", Kind: Text, expr: "COALESCE(u.name, '')"},
			{Name: "currency", Label: "Currency", Kind: Text, expr: "o.currency"},
			{Name: "created_at", Label: "Created", Kind: Date, expr: "o.created_at"},
			{Name: "closed_at", Label: "Closed", Kind: Date, expr: "o.closed_at"},
			{Name: "amount", Label: "Amount", Kind: Money, expr: "o.amount", scale: 100},
		}},
	{Name: "leads", Label: "Leads", perm: auth.SalesRead,
		from: "leads l LEFT JOIN users u ON u.id = l.owner_id", owner: "l.owner_id", team: "l.team_id",
		Fields: []Field{
			{Name: "status", Label: "Status", Kind: Text, expr: "l.status"},
			{Name: "source", Label: "Source", Kind: Text, expr: "l.source"},
			{Name: "campaign", Label: "Campaign", Kind: Text, expr: "l.campaign"},
			{Name: "country", Label: "Country", Kind: Text, expr: "l.country"},
			{Name: "owner", Label: "Owner", Kind: Text, expr: "COALESCE(u.name, '')"},
			{Name: "created_at", Label: "Created", Kind: Date, expr: "l.created_at"},
			{Name: "converted_at", Label: "Converted", Kind: Date, expr: "l.converted_at"},
			{Name: "score", Label: "Score", Kind: Number, expr: "l.score"},
		}},
	{Name: "cases", Label: "Cases", perm: auth.CaseRead,
		from: "cases k JOIN customers c ON c.id = k.customer_id LEFT JOIN queues q ON q.id = k.queue_id LEFT JOIN users u ON u.id = k.assignee_id",
		base: "c.deleted_at IS NULL", owner: "c.owner_id", team: "c.team_id",
		Fields: []Field{
			{Name: "status", Label: "Status", Kind: Text, expr: "k.status"},
			{Name: "priority", Label: "Priority", Kind: Text, expr: "k.priority"},
			{Name: "type", Label: "Type", Kind: Text, expr: "k.case_type"},
			{Name: "category", Label: "Category", Kind: Text, expr: "k.category"},
			{Name: "channel", Label: "Channel", Kind: Text, expr: "k.channel"},
			{Name: "queue", Label: "Queue", Kind: Text, expr: "COALESCE(q.name, '')"},
			{Name: "assignee", Label: "Assignee", Kind: Text, expr: "COALESCE(u.name, '')"},
			{Name: "resolution_code", Label: "Resolution code", Kind: Text, expr: "k.resolution_code"},
			{Name: "created_at", Label: "Created", Kind: Date, expr: "k.created_at"},
			{Name: "resolved_at", Label: "Resolved", Kind: Date, expr: "k.resolved_at"},
		}},
	{Name: "interactions", Label: "Interactions", perm: auth.CustomerRead,
		from: "interactions i JOIN customers c ON c.id = i.customer_id LEFT JOIN users u ON u.id = i.handled_by",
		base: "c.deleted_at IS NULL", owner: "c.owner_id", team: "c.team_id",
		Fields: []Field{
			{Name: "channel", Label: "Channel", Kind: Text, expr: "i.channel"},
			{Name: "direction", Label: "Direction", Kind: Text, expr: "i.direction"},
			{Name: "handled_by", Label: "Handled by", Kind: Text, expr: "COALESCE(u.name, '')"},
			{Name: "occurred_at", Label: "When", Kind: Date, expr: "i.occurred_at"},
			{Name: "duration", Label: "Duration (seconds)", Kind: Number, expr: "i.duration_seconds"},
		}},
}

// SourceNamed returns a source by name.
func SourceNamed(name string) (Source, bool) {
	for _, s := range Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// Query is a report turned into SQL (with ? placeholders).
type Query struct {
	SQL      string
	Args     []any
	Grouped  bool
	Columns  []Column
	Measures []Field // the field each measure reads (Name "" for count)
}

// Column names a column of a report's result.
type Column struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Kind  string `json:"kind"`
}

var buckets = []string{"day", "week", "month"}

// Build checks a definition and writes its query for an engine
// ("sqlite" or "postgres") and a reader, as of now.
func Build(d Definition, engine string, a auth.Actor, now time.Time) (Query, error) {
	src, ok := SourceNamed(d.Source)
	if !ok {
		names := []string{}
		for _, s := range Sources {
			names = append(names, s.Name)
		}
		return Query{}, fault.Field("source", "must be one of %s", strings.Join(names, ", "))
	}
	if err := a.Require(src.perm); err != nil {
		return Query{}, err
	}
	if d.Chart == "" {
		d.Chart = "table"
	}
	if !slices.Contains([]string{"table", "bar", "line", "pie"}, d.Chart) {
		return Query{}, fault.Field("chart", "must be table, bar, line or pie")
	}
	if d.Limit <= 0 {
		d.Limit = 100
	}
	if d.Limit > 500 {
		return Query{}, fault.Field("limit", "must be at most 500")
	}
	var conds []string
	var args []any
	if src.base != "" {
		conds = append(conds, src.base)
	}
	switch a.Role.Scope() {
	case auth.ScopeTeam:
		if src.owner != "" {
			conds = append(conds, fmt.Sprintf("(%s = ? OR %s = ?)", src.owner, src.team))
			args = append(args, a.UserID, a.TeamID)
		}
	case auth.ScopeOwn:
		if src.owner != "" {
			conds = append(conds, src.owner+" = ?")
			args = append(args, a.UserID)
		}
	}
	if len(d.Filters) > 10 {
		return Query{}, fault.Field("filters", "at most 10")
	}
	for i, f := range d.Filters {
		fl, ok := src.field(f.Field)
		if !ok {
			return Query{}, fault.Field(fmt.Sprintf("filters[%d].field", i), "%q is not a field of %s", f.Field, src.Name)
		}
		c, v, err := condition(fl, f, now)
		if err != nil {
			return Query{}, fault.Field(fmt.Sprintf("filters[%d]", i), "%s", err.Error())
		}
		conds = append(conds, c)
		args = append(args, v...)
	}
	q := Query{}
	var sel []string
	group := ""
	if d.GroupBy != "" {
		name, bucket, _ := strings.Cut(d.GroupBy, ":")
		fl, ok := src.field(name)
		if !ok {
			return Query{}, fault.Field("group_by", "%q is not a field of %s", name, src.Name)
		}
		expr := fl.expr
		label := fl.Label
		switch {
		case fl.Kind == Date:
			if bucket == "" {
				bucket = "month"
			}
			if !slices.Contains(buckets, bucket) {
				return Query{}, fault.Field("group_by", "dates group by day, week or month (%s:month)", name)
			}
			expr = dateBucket(engine, fl.expr, bucket)
			label += " (" + bucket + ")"
		case bucket != "":
			return Query{}, fault.Field("group_by", "only dates group by day, week or month")
		case fl.Kind != Text:
			return Query{}, fault.Field("group_by", "group by a text or date field")
		}
		sel = append(sel, "COALESCE("+castText(engine, expr)+", '')")
		group = " GROUP BY 1 ORDER BY 1"
		q.Grouped = true
		q.Columns = append(q.Columns, Column{Name: d.GroupBy, Label: label, Kind: Text})
	}
	if len(d.Measures) == 0 {
		d.Measures = []Measure{{Fn: "count"}}
	}
	if len(d.Measures) > 5 {
		return Query{}, fault.Field("measures", "at most 5")
	}
	for i, m := range d.Measures {
		if m.Fn == "count" {
			sel = append(sel, "COUNT(*)")
			q.Measures = append(q.Measures, Field{})
			q.Columns = append(q.Columns, Column{Name: "count", Label: "Count", Kind: Number})
			continue
		}
		if !slices.Contains([]string{"sum", "avg", "min", "max"}, m.Fn) {
			return Query{}, fault.Field(fmt.Sprintf("measures[%d].fn", i), "must be count, sum, avg, min or max")
		}
		fl, ok := src.field(m.Field)
		if !ok || (fl.Kind != Number && fl.Kind != Money) {
			return Query{}, fault.Field(fmt.Sprintf("measures[%d].field", i), "%s needs a number field of %s", m.Fn, src.Name)
		}
		sel = append(sel, fmt.Sprintf("%s(%s)", strings.ToUpper(m.Fn), fl.expr))
		q.Measures = append(q.Measures, fl)
		q.Columns = append(q.Columns, Column{Name: m.Fn + "_" + fl.Name, Label: measureLabel(m.Fn) + " " + strings.ToLower(fl.Label),
			Kind: fl.Kind})
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	q.SQL = "SELECT " + strings.Join(sel, ", ") + " FROM " + src.from + where + group
	if q.Grouped {
		q.SQL += " LIMIT " + strconv.Itoa(d.Limit)
	}
	q.Args = args
	return q, nil
}

func measureLabel(fn string) string {
	return map[string]string{"sum": "Total", "avg": "Average", "min": "Lowest", "max": "Highest"}[fn]
}

func castText(engine, expr string) string {
	if engine == "postgres" {
		return "(" + expr + ")::text"
	}
	return "CAST(" + expr + " AS TEXT)"
}

// dateBucket writes the day, the Monday of the week or the month of a
// timestamp, in UTC, as text.
func dateBucket(engine, expr, bucket string) string {
	if engine == "postgres" {
		switch bucket {
		case "day":
			return "to_char(" + expr + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
		case "week":
			return "to_char(date_trunc('week', " + expr + " AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
		}
		return "to_char(" + expr + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	switch bucket {
	case "day":
		return "date(" + expr + ")"
	case "week":
		return "date(" + expr + ", '-6 days', 'weekday 1')"
	}
	return "strftime('%Y-%m', " + expr + ")"
}

func condition(f Field, fl Filter, now time.Time) (string, []any, error) {
	v := strings.TrimSpace(fl.Value)
	switch f.Kind {
	case Text:
		switch fl.Op {
		case "=", "!=":
			return fmt.Sprintf("%s %s ?", f.expr, map[string]string{"=": "=", "!=": "<>"}[fl.Op]), []any{v}, nil
		case "contains":
			return "LOWER(" + f.expr + ") LIKE ?", []any{"%" + strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(v)) + "%"}, nil
		}
		return "", nil, fmt.Errorf("a text field takes =, != or contains")
	case Number, Money:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "", nil, fmt.Errorf("%q is not a number", v)
		}
		if f.Kind == Money {
			n *= f.scale
		}
		if op, ok := compare[fl.Op]; ok {
			return fmt.Sprintf("%s %s ?", f.expr, op), []any{n}, nil
		}
		return "", nil, fmt.Errorf("a number field takes =, !=, >, >=, < or <=")
	case Date:
		if fl.Op == "in_last_days" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 3660 {
				return "", nil, fmt.Errorf("in_last_days takes a number of days from 1 to 3660")
			}
			return f.expr + " >= ?", []any{now.AddDate(0, 0, -n)}, nil
		}
		if fl.Op == "is_empty" {
			return f.expr + " IS NULL", nil, nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return "", nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", v)
		}
		switch fl.Op {
		case ">=", "<":
			return fmt.Sprintf("%s %s ?", f.expr, fl.Op), []any{t}, nil
		case ">", "<=": // the whole day counts
			return fmt.Sprintf("%s %s ?", f.expr, map[string]string{">": ">=", "<=": "<"}[fl.Op]), []any{t.AddDate(0, 0, 1)}, nil
		case "=":
			return fmt.Sprintf("%s >= ? AND %s < ?", f.expr, f.expr), []any{t, t.AddDate(0, 0, 1)}, nil
		}
		return "", nil, fmt.Errorf("a date field takes =, >, >=, <, <=, in_last_days or is_empty")
	}
	return "", nil, fmt.Errorf("this field cannot be filtered")
}

var compare = map[string]string{"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
