package web

import (
	"net/http"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

func invalid(errs map[string]string, field string) string {
	if _, ok := errs[field]; ok {
		return "true"
	}
	return "false"
}

func (s *site) setupPage(w http.ResponseWriter, r *http.Request) error {
	need, err := s.Auth.NeedsSetup(r.Context())
	if err != nil {
		return err
	}
	if !need {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return render(w, r, http.StatusOK, setupPage(s.base(r, auth.Actor{}, "Set up SCRMS", "setup"), CredentialsForm{}))
}

func (s *site) setupSubmit(w http.ResponseWriter, r *http.Request) error {
	f := CredentialsForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name")}
	u, err := s.Auth.Setup(r.Context(), auth.NewUser{Email: f.Email, Name: f.Name, Password: r.PostFormValue("password")}, clientIP(r))
	if err != nil {
		if fault.Is(err, fault.Conflict) {
			return s.redirect(w, r, "/login", "SCRMS is already set up. Sign in.")
		}
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		f.Errors, f.Error = errs, msg
		return render(w, r, http.StatusUnprocessableEntity, setupPage(s.base(r, auth.Actor{}, "Set up SCRMS", "setup"), f))
	}
	return s.signIn(w, r, u.Email, r.PostFormValue("password"), "/")
}

func (s *site) loginPage(w http.ResponseWriter, r *http.Request) error {
	if need, _ := s.Auth.NeedsSetup(r.Context()); need {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return nil
	}
	b := s.pageBase(w, r, auth.Actor{}, "Sign in", "sign-in")
	return render(w, r, http.StatusOK, loginPage(b, CredentialsForm{Next: safeNext(r.URL.Query().Get("next"))}))
}

// safeNext keeps only local paths, so the sign-in page cannot be used to
// send someone to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *site) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.signIn(w, r, r.PostFormValue("email"), r.PostFormValue("password"), safeNext(r.PostFormValue("next")))
}

func (s *site) signIn(w http.ResponseWriter, r *http.Request, email, password, next string) error {
	secret, _, err := s.Auth.SignIn(r.Context(), email, password, clientIP(r), r.UserAgent())
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		status := http.StatusUnauthorized
		if fault.Is(err, fault.TooManyRequests) {
			status = http.StatusTooManyRequests
		}
		f := CredentialsForm{Email: email, Next: next, Error: msg}
		return render(w, r, status, loginPage(s.base(r, auth.Actor{}, "Sign in", "sign-in"), f))
	}
	// A new secret at every sign-in: a session id planted before sign-in is never promoted.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *site) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Auth.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	return s.redirect(w, r, "/login", "You are signed out.")
}

func (s *site) invitePage(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.Auth.FindInvite(r.Context(), r.PathValue("secret"))
	if err != nil {
		return err
	}
	b := s.base(r, auth.Actor{}, "Join SCRMS", "invite")
	return render(w, r, http.StatusOK, invitePage(b, inv.Email, inv.Role.Label(), CredentialsForm{}))
}

func (s *site) inviteSubmit(w http.ResponseWriter, r *http.Request) error {
	secret := r.PathValue("secret")
	inv, err := s.Auth.FindInvite(r.Context(), secret)
	if err != nil {
		return err
	}
	f := CredentialsForm{Name: r.PostFormValue("name")}
	u, err := s.Auth.AcceptInvite(r.Context(), secret, f.Name, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		errs, msg := fieldErrors(err)
		if errs == nil {
			return err
		}
		f.Errors, f.Error = errs, msg
		b := s.base(r, auth.Actor{}, "Join SCRMS", "invite")
		return render(w, r, http.StatusUnprocessableEntity, invitePage(b, inv.Email, inv.Role.Label(), f))
	}
	return s.signIn(w, r, u.Email, r.PostFormValue("password"), "/")
}
