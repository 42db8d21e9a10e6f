package customer

import (
	"encoding/csv"
	"strings"
	"testing"
)

// FuzzImportRow feeds arbitrary CSV to the import's column mapping, row
// reading and normalisation. Whatever comes in, nothing panics, and a row
// that normalises cleanly holds only normal-form data.
func FuzzImportRow(f *testing.F) {
	f.Add("first_name,last_name,email,phone,country,tags\nAda,Lovelace,ADA@Example.com,+44 20 7946 0001,gb,vip;x")
	f.Add("Company,E-mail,Zip\nAcme,info@acme.example,12345")
	f.Add("name,kind,phone\n\"Quoted, Name\",organisation,(415) 555-0100")
	f.Add("\ufeffExternal ID,Surname\nx-1,\x00\x01")
	f.Fuzz(func(t *testing.T, data string) {
		recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
		if err != nil || len(recs) < 2 {
			return
		}
		fields, _ := ImportColumns(recs[0])
		for _, rec := range recs[1:] {
			in := rowInput(fields, rec)
			c := Customer{Kind: in.Kind, FirstName: in.FirstName, LastName: in.LastName, OrgName: in.Name, Name: in.Name,
				Emails: in.Emails, Phones: in.Phones, Addresses: in.Addresses, Tags: in.Tags}
			if normalize(&c, "US") != nil {
				continue
			}
			primaries := 0
			for _, e := range c.Emails {
				if e.Address != strings.ToLower(e.Address) || !strings.Contains(e.Address, "@") {
					t.Fatalf("email not in normal form: %q", e.Address)
				}
				if e.Primary {
					primaries++
				}
			}
			if len(c.Emails) > 0 && primaries != 1 {
				t.Fatalf("%d primary emails", primaries)
			}
			for _, p := range c.Phones {
				if !strings.HasPrefix(p.Number, "+") {
					t.Fatalf("phone not in E.164: %q", p.Number)
				}
			}
			if c.Name == "" || hasControl(c.Name) {
				t.Fatalf("normalised customer has name %q", c.Name)
			}
			_ = BuildSearchText(c)
		}
	})
}
