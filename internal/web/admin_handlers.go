package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
)

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return itoa(id)
}

func formID(v string) int64 {
	id, _ := strconv.ParseInt(v, 10, 64)
	return id
}

func (s *site) usersPageData(ctx context.Context, b Base) (UsersPage, error) {
	p := UsersPage{Base: b}
	var err error
	if p.Users, err = s.Auth.ListUsers(ctx, b.User); err != nil {
		return p, err
	}
	p.Teams, err = s.Auth.ListTeams(ctx)
	return p, err
}

func (s *site) usersPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.UserManage); err != nil {
		return err
	}
	p, err := s.usersPageData(r.Context(), s.pageBase(w, r, a, "Users and teams", "admin"))
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, usersPage(p))
}

func (s *site) inviteCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.UserManage); err != nil {
		return err
	}
	email, role, team := r.PostFormValue("email"), r.PostFormValue("role"), formID(r.PostFormValue("team_id"))
	secret, _, ierr := s.Auth.InviteUser(r.Context(), a, email, auth.Role(role), team)
	p, err := s.usersPageData(r.Context(), s.base(r, a, "Users and teams", "admin"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if ierr != nil {
		errs, msg := fieldErrors(ierr)
		if errs == nil {
			return ierr
		}
		p.Errors, p.Error, p.Email, p.Role, p.TeamID = errs, msg, email, role, team
		status = http.StatusUnprocessableEntity
	} else {
		p.InviteLink = s.BaseURL + "/invite/" + secret
	}
	return render(w, r, status, usersPage(p))
}

func (s *site) userAccess(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.Auth.UpdateAccess(r.Context(), a, id, auth.UserAccess{Role: auth.Role(r.PostFormValue("role")),
		TeamID: formID(r.PostFormValue("team_id")), Active: r.PostFormValue("active") == "1"})
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		return s.redirect(w, r, "/admin/users", msg)
	}
	return s.redirect(w, r, "/admin/users", "Access saved. A changed role ends that user's sessions.")
}

func (s *site) teamCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	_, err := s.Auth.CreateTeam(r.Context(), a, r.PostFormValue("name"))
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		p, perr := s.usersPageData(r.Context(), s.base(r, a, "Users and teams", "admin"))
		if perr != nil {
			return perr
		}
		p.Errors, p.Error = errs, msg
		return render(w, r, http.StatusUnprocessableEntity, usersPage(p))
	}
	return s.redirect(w, r, "/admin/users", "Team added.")
}

func (s *site) auditPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.AuditRead); err != nil {
		return err
	}
	q := r.URL.Query()
	f := audit.Filter{BeforeID: formID(q.Get("before")), ActorID: formID(q.Get("actor_id")), Action: q.Get("action"),
		EntityType: q.Get("entity_type"), CustomerID: formID(q.Get("customer_id")), Limit: 100}
	entries, err := s.Audit.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	p := AuditPage{Base: s.pageBase(w, r, a, "Audit log", "admin"), Entries: entries, F: f}
	p.Help = "audit"
	bad, n, err := audit.Verify(r.Context(), s.Audit)
	if err != nil {
		return err
	}
	p.ChainOK, p.ChainBadID, p.Checked = bad == 0, bad, n
	if len(entries) == f.Limit {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("before", itoa(entries[len(entries)-1].ID))
		p.OlderURL = "/admin/audit?" + v.Encode()
	}
	return render(w, r, http.StatusOK, auditPage(p))
}

func (s *site) accountData(ctx context.Context, b Base) (AccountPage, error) {
	p := AccountPage{Base: b}
	var err error
	p.Tokens, err = s.Auth.ListAPITokens(ctx, b.User)
	return p, err
}

func (s *site) accountPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	p, err := s.accountData(r.Context(), s.pageBase(w, r, a, "Your account", "account"))
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, accountPage(p))
}

func (s *site) accountPassword(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	secret, _ := r.Context().Value(sessionKey{}).(string)
	err := s.Auth.ChangePassword(r.Context(), a, secret, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		p, perr := s.accountData(r.Context(), s.base(r, a, "Your account", "account"))
		if perr != nil {
			return perr
		}
		p.Errors, p.Error = errs, msg
		return render(w, r, http.StatusUnprocessableEntity, accountPage(p))
	}
	return s.redirect(w, r, "/account", "Password changed. Your other sessions and API tokens have ended.")
}

func (s *site) tokenCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	secret, _, terr := s.Auth.CreateAPIToken(r.Context(), a, r.PostFormValue("name"))
	p, err := s.accountData(r.Context(), s.base(r, a, "Your account", "account"))
	if err != nil {
		return err
	}
	if terr != nil {
		errs, msg := fieldErrors(terr)
		if errs == nil {
			return terr
		}
		p.Errors, p.Error = errs, msg
		return render(w, r, http.StatusUnprocessableEntity, accountPage(p))
	}
	p.NewToken = secret
	return render(w, r, http.StatusOK, accountPage(p))
}

func (s *site) tokenRevoke(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeAPIToken(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "Token revoked.")
}

// signOutEverywhere ends the user's sessions on every other browser and
// phone.
func (s *site) signOutEverywhere(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	secret, _ := r.Context().Value(sessionKey{}).(string)
	if err := s.Auth.SignOutOtherDevices(r.Context(), a, secret); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "Signed out on every other device.")
}
