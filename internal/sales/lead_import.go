package sales

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// leadColumns maps header names (lower case, without spaces, _ or -) to lead fields.
var leadColumns = map[string]string{
	"firstname": "first_name", "givenname": "first_name", "lastname": "last_name", "surname": "last_name",
	"name": "name", "fullname": "name", "company": "company", "organization": "company", "organisation": "company",
	"jobtitle": "job_title", "title": "job_title", "email": "email", "emailaddress": "email", "phone": "phone",
	"telephone": "phone", "mobile": "phone", "country": "country", "message": "message", "notes": "message",
	"source": "source", "campaign": "campaign", "utmsource": "utm_source", "utmmedium": "utm_medium",
	"utmcampaign": "utm_campaign", "utmterm": "utm_term", "utmcontent": "utm_content",
	"estimatedvalue": "estimated_value", "value": "estimated_value",
}

// ImportLeads captures a lead per CSV row (scored and assigned like any
// other). A row whose email an existing lead already has is skipped, so
// that importing a file again adds nothing. Bad rows are passed to reject
// with the reason.
func (s *LeadService) ImportLeads(ctx context.Context, a auth.Actor, r io.Reader, teamID int64,
	reject func(customer.Rejection)) (customer.ImportResult, error) {
	var res customer.ImportResult
	if err := a.Require(auth.SalesWrite); err != nil {
		return res, err
	}
	finder, ok := s.store.(interface {
		LeadIDByEmail(ctx context.Context, email string) (int64, error)
	})
	if !ok {
		return res, fmt.Errorf("sales: this store cannot find leads by email")
	}
	text, err := customer.OpenCSV(r)
	if err != nil {
		return res, err
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return res, fault.Wrap(fault.Invalid, err, "The file has no header row.")
	}
	fields := make([]string, len(header))
	known := 0
	for i, h := range header {
		key := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))))
		if f, ok := leadColumns[key]; ok {
			fields[i] = f
			known++
		}
	}
	if known == 0 {
		return res, fault.New(fault.Invalid, "The header names no lead field SCRMS knows (name, company, email, phone…).")
	}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return res, err
			}
			if pe.Err != csv.ErrFieldCount {
				res.Rejected++
				if reject != nil {
					reject(customer.Rejection{Line: line, Record: rec, Reason: "not valid CSV: " + pe.Err.Error()})
				}
				continue
			}
		}
		v := map[string]string{}
		for i, f := range fields {
			if f != "" && i < len(rec) {
				v[f] = strings.TrimSpace(rec[i])
			}
		}
		if v["first_name"] == "" && v["last_name"] == "" && v["name"] != "" {
			parts := strings.Fields(v["name"])
			v["first_name"], v["last_name"] = parts[0], strings.Join(parts[1:], " ")
		}
		l := Lead{FirstName: v["first_name"], LastName: v["last_name"], Company: v["company"], JobTitle: v["job_title"],
			Email: v["email"], Phone: v["phone"], Country: v["country"], Message: v["message"], Source: v["source"],
			Campaign: v["campaign"], TeamID: teamID, UTM: UTM{Source: v["utm_source"], Medium: v["utm_medium"],
				Campaign: v["utm_campaign"], Term: v["utm_term"], Content: v["utm_content"]}}
		if l.Source == "" {
			l.Source = "import"
		}
		if ev := v["estimated_value"]; ev != "" {
			var f float64
			if _, err := fmt.Sscan(strings.ReplaceAll(ev, ",", ""), &f); err != nil || f < 0 {
				res.Rejected++
				if reject != nil {
					reject(customer.Rejection{Line: line, Record: rec, Reason: "estimated_value: is not an amount"})
				}
				continue
			}
			l.EstimatedValue = int64(f*100 + 0.5)
		}
		if e := strings.ToLower(l.Email); e != "" {
			if _, err := finder.LeadIDByEmail(ctx, e); err == nil {
				res.Skipped++
				continue
			} else if !fault.Is(err, fault.NotFound) {
				return res, err
			}
		}
		if _, err := s.CaptureLead(ctx, a, l); err != nil {
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.Invalid {
				return res, err
			}
			var parts []string
			for _, x := range fe.Fields {
				parts = append(parts, x.Field+": "+x.Message)
			}
			res.Rejected++
			if reject != nil {
				reject(customer.Rejection{Line: line, Record: rec, Reason: strings.Join(parts, "; ")})
			}
			continue
		}
		res.Imported++
	}
	return res, nil
}
