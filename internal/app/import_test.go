package app_test

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app"
	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
)

const importCSV = "\ufeffExternal ID,First Name,Surname,Company,Email,Phone,Street,City,Postcode,Country,Tags,Favourite colour\n" +
	"c-1,Ada,Lovelace,,ada@example.com,+44 20 7946 0001,1 High St,London,N1 1AA,GB,vip;newsletter,blue\n" +
	"c-2,,,Acme Hydraulics Ltd,info@acme.example,,,Leeds,,GB,wholesale,red\n" +
	"c-3,Bad,Email,,not-an-email,,,,,,,green\n" +
	",,,,,,,,,,,\n" +
	"c-1,Ada,Lovelace,,ada@example.com,,,,,,,blue\n" +
	"c-5,Grace,Hopper,,grace@navy.example,(415) 555-0100,,,,,,\n" +
	"c-6,Named,Country,,named@example.com,,1 Road,Paris,,France,,\n" +
	"17850.0,,,,,,,,,EIRE,,\n" +
	"c-8,Isle,Dweller,,,,,,,Channel Islands,,\n"

func TestImportCustomersFromCSV(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	plain := filepath.Join(dir, "customers.csv")
	if err := os.WriteFile(plain, []byte(importCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	packed := filepath.Join(dir, "customers.csv.gz")
	f, _ := os.Create(packed)
	gz := gzip.NewWriter(f)
	gz.Write([]byte(importCSV))
	gz.Close()
	f.Close()
	rejects := filepath.Join(dir, "rejects.csv")

	code, out, errOut := cli(t, db, "", "import", "customers", packed, "--rejects", rejects)
	if code != 0 || out != "imported=6 updated=0 skipped=1 rejected=2\n" {
		t.Fatalf("first import: %d %q %q", code, out, errOut)
	}
	report, _ := os.ReadFile(rejects)
	for _, want := range []string{"emails[0].address: is not a valid email address",
		"a person needs a name, an email, a phone or an external id"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("rejects report lacks %q:\n%s", want, report)
		}
	}
	// The same file again changes nothing.
	code, out, _ = cli(t, db, "", "import", "customers", plain)
	if code != 0 || out != "imported=0 updated=0 skipped=7 rejected=2\n" {
		t.Fatalf("second import: %d %q", code, out)
	}
	// Matching by email and updating: one row differs from what is stored.
	changed := strings.Replace(importCSV, "Leeds", "York", 1)
	os.WriteFile(plain, []byte(changed), 0o644)
	code, out, _ = cli(t, db, "", "import", "customers", plain, "--match", "email", "--on-match", "update")
	if code != 0 || out != "imported=0 updated=1 skipped=6 rejected=2\n" {
		t.Fatalf("update import: %d %q", code, out)
	}
	if code, _, errOut := cli(t, db, "", "import", "customers", plain, "--match", "birthday"); code != 1 || !strings.Contains(errOut, "match") {
		t.Fatalf("bad --match: %d %q", code, errOut)
	}

	a, err := newApp(t, db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sys := auth.System("test")
	page, err := a.Customers.FindCustomers(context.Background(), sys, customer.Filter{Query: "acme"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("acme: %v %+v", err, page.Items)
	}
	acme, _ := a.Customers.FindCustomer(context.Background(), sys, page.Items[0].ID)
	if acme.Kind != customer.Organization || acme.Addresses[0].City != "York" || acme.ExternalID != "c-2" {
		t.Fatalf("imported organisation: %+v", acme)
	}
	// Spreadsheet ids lose their ".0", country names become codes, and a
	// region that is no country is kept as the region.
	for q, want := range map[string]string{"17850": "IE|", "dweller": "|Channel Islands", "named country": "FR|"} {
		page, err := a.Customers.FindCustomers(context.Background(), sys, customer.Filter{Query: q})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%s: %v %+v", q, err, page.Items)
		}
		c, _ := a.Customers.FindCustomer(context.Background(), sys, page.Items[0].ID)
		if len(c.Addresses) != 1 || c.Addresses[0].Country+"|"+c.Addresses[0].Region != want {
			t.Fatalf("%s: %+v", q, c)
		}
	}
	page, _ = a.Customers.FindCustomers(context.Background(), sys, customer.Filter{Query: "lovelace"})
	ada, _ := a.Customers.FindCustomer(context.Background(), sys, page.Items[0].ID)
	if ada.PrimaryPhone() != "+442079460001" || strings.Join(ada.Tags, ",") != "newsletter,vip" {
		t.Fatalf("imported person: %+v", ada)
	}
}

func newApp(t *testing.T, db string) (*app.App, error) {
	t.Helper()
	return app.New(context.Background(), mustConfig(t, db), discardLog(), "test", app.Options{PasswordParams: apptest.Cheap})
}

func TestImportOnMatchCreate(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	file := filepath.Join(dir, "people.csv")
	os.WriteFile(file, []byte("first_name,last_name,email\nAna,Silva,ana@example.com\nAna,Silva,ana@example.com\n"), 0o644)
	code, out, _ := cli(t, db, "", "import", "customers", file, "--match", "email")
	if code != 0 || out != "imported=1 updated=0 skipped=1 rejected=0\n" {
		t.Fatalf("skip: %d %q", code, out)
	}
	code, out, _ = cli(t, db, "", "import", "customers", file, "--match", "email", "--on-match", "create")
	if code != 0 || out != "imported=2 updated=0 skipped=0 rejected=0\n" {
		t.Fatalf("create: %d %q", code, out)
	}
}
