package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/support"
)

// The customer portal: customers sign in with a one-time link sent to
// their email and see only their own cases and preferences. It shares
// nothing with staff sign-in: its own cookie, its own sessions.

const portalCookie = "scrms_portal"

// PortalPage is any page of the customer portal.
// PortalPoints is a membership as its customer sees it.
type PortalPoints struct {
	View      loyalty.MemberView
	Statement string
	// Rewards the member can take now, and the vouchers they took; Key
	// makes a redemption from this page count once however often it is
	// sent.
	Rewards  []loyalty.Reward
	Vouchers []loyalty.Voucher
	Key      string
}

type PortalPage struct {
	Base
	Customer support.PortalUser
	// Points are the customer's loyalty memberships, with the signed link
	// to this month's statement of each.
	Points    []PortalPoints
	Cases     []support.Case
	Case      support.Case
	Messages  []support.Message
	Types     []string
	Consents  map[string]bool
	Channels  []string
	Topics    []string
	Wants     map[string]bool
	Errors    map[string]string
	Sent      bool   // a sign-in link was asked for
	Token     string // the sign-in link's token, on its confirmation page
	Reopened  bool
	Submitted map[string]string
}

type portalHandlerFunc func(w http.ResponseWriter, r *http.Request, u support.PortalUser) error

// portalUser runs h for a signed-in customer; others go to the sign-in form.
func (s *site) portalUser(h portalHandlerFunc) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(portalCookie)
		if err != nil {
			return s.redirect(w, r, "/portal/sign-in", "")
		}
		u, err := s.Support.PortalUser(r.Context(), c.Value)
		if err != nil {
			return s.redirect(w, r, "/portal/sign-in", "Please sign in again.")
		}
		return h(w, r, u)
	})
}

func (s *site) portalBase(w http.ResponseWriter, r *http.Request, title string) Base {
	b := s.pageBase(w, r, auth.Actor{}, title, "portal")
	b.Help = "portal"
	return b
}

func (s *site) portalSignInPage(w http.ResponseWriter, r *http.Request) error {
	return render(w, r, http.StatusOK, portalSignIn(PortalPage{Base: s.portalBase(w, r, "Sign in to your support portal")}))
}

func (s *site) portalRequestLink(w http.ResponseWriter, r *http.Request) error {
	p := PortalPage{Base: s.portalBase(w, r, "Sign in to your support portal")}
	if !s.publicLimit.Allow(clientIP(r), time.Now()) {
		p.Errors = map[string]string{"email": "Too many requests from your address; please try again in a minute."}
		return render(w, r, http.StatusTooManyRequests, portalSignIn(p))
	}
	if err := s.Support.RequestPortalLink(r.Context(), r.FormValue("email")); err != nil {
		if errs, _ := fieldErrors(err); errs != nil {
			p.Errors = errs
			return render(w, r, http.StatusUnprocessableEntity, portalSignIn(p))
		}
		return err
	}
	p.Sent = true
	return render(w, r, http.StatusOK, portalSignIn(p))
}

// portalLinkPage asks the customer to press a button: mail scanners that
// follow links must not spend the one-time link.
func (s *site) portalLinkPage(w http.ResponseWriter, r *http.Request) error {
	return render(w, r, http.StatusOK, portalConfirm(PortalPage{Base: s.portalBase(w, r, "Sign in"), Token: r.PathValue("token")}))
}

func (s *site) portalSignIn(w http.ResponseWriter, r *http.Request) error {
	secret, err := s.Support.PortalSignIn(r.Context(), r.PathValue("token"))
	if err != nil {
		if e, ok := fault.As(err); ok && e.Code == fault.NotFound {
			return s.redirect(w, r, "/portal/sign-in", e.Message)
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: portalCookie, Value: secret, Path: "/portal", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, MaxAge: int((7 * 24 * time.Hour).Seconds())})
	return s.redirect(w, r, "/portal", "")
}

func (s *site) portalSignOut(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	if c, err := r.Cookie(portalCookie); err == nil {
		if err := s.Support.PortalSignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: portalCookie, Value: "", Path: "/portal", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	return s.redirect(w, r, "/portal/sign-in", "You are signed out.")
}

func (s *site) portalHome(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	cases, err := s.Support.PortalCases(r.Context(), u)
	if err != nil {
		return err
	}
	p := PortalPage{Base: s.portalBase(w, r, "Your support requests"), Customer: u, Cases: cases,
		Types: s.Support.CaseTypes(r.Context())}
	if s.Loyalty != nil {
		ms, err := s.Loyalty.CustomerMemberships(r.Context(), auth.System("portal"), u.CustomerID)
		if err != nil {
			return err
		}
		period := time.Now().UTC().Format("2006-01")
		for _, m := range ms {
			pp := PortalPoints{View: m, Statement: s.Loyalty.StatementPath(m.ID, period), Key: randomKey()}
			if m.Status == loyalty.Active {
				if pp.Rewards, err = s.Loyalty.Available(r.Context(), m); err != nil {
					return err
				}
			}
			if pp.Vouchers, err = s.Loyalty.Vouchers(r.Context(), auth.System("portal"), m.ID); err != nil {
				return err
			}
			p.Points = append(p.Points, pp)
		}
	}
	return render(w, r, http.StatusOK, portalHome(p))
}

// portalRedeem spends a signed-in customer's points on a reward, once per
// page key, and shows the voucher.
func (s *site) portalRedeem(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sys := auth.System("portal")
	if m, err := s.Loyalty.Member(r.Context(), sys, id); err != nil || m.CustomerID != u.CustomerID {
		return fault.New(fault.NotFound, "Membership %d was not found.", id)
	}
	reward, _ := strconv.ParseInt(r.PostFormValue("reward_id"), 10, 64)
	key := r.PostFormValue("key")
	if len(key) > 60 {
		key = key[:60]
	}
	v, _, err := s.Loyalty.Redeem(r.Context(), sys, id, loyalty.RedeemInput{RewardID: reward, Key: "portal:" + key})
	if err != nil {
		if e, ok := fault.As(err); ok && (e.Code == fault.Conflict || e.Code == fault.Invalid) {
			return s.redirect(w, r, "/portal", "Not redeemed: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/portal", fmt.Sprintf("Your voucher for %s: %s", v.RewardName, v.Code))
}

// randomKey is a key for a form that should take effect once.
func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *site) portalNewCase(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	kind := r.FormValue("type")
	if !slices.Contains(s.Support.CaseTypes(r.Context()), kind) {
		kind = ""
	}
	c, err := s.Support.PortalNewCase(r.Context(), u, r.FormValue("subject"), r.FormValue("body"), kind)
	if err != nil {
		errs, _ := fieldErrors(err)
		if errs == nil {
			return err
		}
		cases, _ := s.Support.PortalCases(r.Context(), u)
		p := PortalPage{Base: s.portalBase(w, r, "Your support requests"), Customer: u, Cases: cases, Errors: errs,
			Types: s.Support.CaseTypes(r.Context()), Submitted: map[string]string{"subject": r.FormValue("subject"),
				"body": r.FormValue("body")}}
		return render(w, r, http.StatusUnprocessableEntity, portalHome(p))
	}
	return s.redirect(w, r, fmt.Sprintf("/portal/cases/%d", c.ID), fmt.Sprintf("Thank you. Your request %d is with us.", c.ID))
}

func (s *site) portalCase(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, msgs, err := s.Support.PortalCase(r.Context(), u, id)
	if err != nil {
		return err
	}
	p := PortalPage{Base: s.portalBase(w, r, c.Subject), Customer: u, Case: c, Messages: msgs}
	return render(w, r, http.StatusOK, portalCasePage(p))
}

func (s *site) portalReply(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.Support.PortalReply(r.Context(), u, id, r.FormValue("body"))
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, fmt.Sprintf("/portal/cases/%d", id), msg)
		}
		return err
	}
	if res.CaseID != id {
		return s.redirect(w, r, fmt.Sprintf("/portal/cases/%d", res.CaseID),
			fmt.Sprintf("Your earlier request was closed, so we opened request %d for this.", res.CaseID))
	}
	return s.redirect(w, r, fmt.Sprintf("/portal/cases/%d", id), "Your reply is with us.")
}

func (s *site) portalPreferences(w http.ResponseWriter, r *http.Request, u support.PortalUser) error {
	if r.Method == http.MethodPost {
		want := map[string]bool{}
		for _, ch := range support.PortalChannels {
			want[ch] = r.FormValue(ch) == "yes"
		}
		if err := s.Support.SetPortalConsents(r.Context(), u, want, clientIP(r)); err != nil {
			return err
		}
		topics, _, err := s.Support.PortalTopics(r.Context(), u)
		if err != nil {
			return err
		}
		wants := map[string]bool{}
		for _, t := range topics {
			wants[t] = r.FormValue("topic_"+t) == "yes"
		}
		if err := s.Support.SetPortalTopics(r.Context(), u, wants); err != nil {
			return err
		}
		return s.redirect(w, r, "/portal/preferences", "Your choices are saved.")
	}
	consents, err := s.Support.PortalConsents(r.Context(), u)
	if err != nil {
		return err
	}
	topics, wants, err := s.Support.PortalTopics(r.Context(), u)
	if err != nil {
		return err
	}
	p := PortalPage{Base: s.portalBase(w, r, "Your communication preferences"), Customer: u, Consents: consents,
		Channels: support.PortalChannels, Topics: topics, Wants: wants}
	return render(w, r, http.StatusOK, portalPreferences(p))
}

// portalRoutes adds the customer portal.
func (s *site) portalRoutes(mux *http.ServeMux) {
	mux.Handle("GET /portal/sign-in", s.handle(s.portalSignInPage))
	mux.Handle("POST /portal/sign-in", s.handle(s.portalRequestLink))
	mux.Handle("GET /portal/in/{token}", s.handle(s.portalLinkPage))
	mux.Handle("POST /portal/in/{token}", s.handle(s.portalSignIn))
	mux.Handle("POST /portal/sign-out", s.portalUser(s.portalSignOut))
	mux.Handle("GET /portal", s.portalUser(s.portalHome))
	mux.Handle("POST /portal/cases", s.portalUser(s.portalNewCase))
	mux.Handle("GET /portal/cases/{id}", s.portalUser(s.portalCase))
	mux.Handle("POST /portal/cases/{id}/reply", s.portalUser(s.portalReply))
	mux.Handle("GET /portal/preferences", s.portalUser(s.portalPreferences))
	mux.Handle("POST /portal/loyalty/{id}/redeem", s.portalUser(s.portalRedeem))
	mux.Handle("POST /portal/preferences", s.portalUser(s.portalPreferences))
}
