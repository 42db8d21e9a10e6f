package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/scrms/scrms/internal/auth"
)

// Base is what every page's layout needs.
type Base struct {
	Title   string
	User    auth.Actor // zero when signed out
	Flash   string
	CSS     string
	JS      string
	Section string // the navigation entry to highlight
	Help    string // the guide section for this screen
	Query   string // the global search box's value
	Version string
	Unread  int // the user's unread notifications
}

// SignedIn reports whether a user is signed in.
func (b Base) SignedIn() bool { return b.User.UserID != 0 }

// Can reports whether the signed-in user's role grants p.
func (b Base) Can(p auth.Permission) bool { return b.SignedIn() && b.User.Can(p) }

// base builds the layout data; with w set it also takes the flash message.
func (s *site) base(r *http.Request, a auth.Actor, title, section string) Base {
	b := Base{Title: title, User: a, CSS: s.assets["app.css"], JS: s.assets["app.js"], Section: section,
		Help: section, Version: s.Version}
	if a.UserID != 0 && s.Notify != nil {
		b.Unread, _ = s.Notify.Unread(r.Context(), a) // a failure here only hides the count
	}
	return b
}

func (s *site) pageBase(w http.ResponseWriter, r *http.Request, a auth.Actor, title, section string) Base {
	b := s.base(r, a, title, section)
	b.Flash = s.takeFlash(w, r)
	return b
}

// navItem is an entry of the main navigation. Areas that arrive later are
// shown so people know where they will be, but are not links yet.
type navItem struct {
	Section, Label, Href string
	Perm                 auth.Permission // needed to see the entry; "" for all
}

var nav = []navItem{
	{"dashboard", "Dashboard", "/", ""},
	{"customers", "Customers", "/customers", ""},
	{"sales", "Sales", "/sales", auth.SalesRead},
	{"marketing", "Marketing", "/marketing", auth.MarketingRead},
	{"service", "Service", "/cases", auth.CaseRead},
	{"loyalty", "Loyalty", "/loyalty", auth.LoyaltyRead},
	{"reports", "Reports", "/reports", ""},
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
