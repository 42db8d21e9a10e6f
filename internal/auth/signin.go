package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
)

// errBadCredentials is the one answer to a failed sign-in, whether the email
// is unknown, the account inactive or the password wrong.
var errBadCredentials = fault.New(fault.Unauthenticated, "The email or password is not correct.")

// SignIn checks the credentials and starts a session. It returns the session
// secret for the cookie. Repeated failures for an address or from an address
// are refused for a while, and every attempt is recorded.
func (s *Service) SignIn(ctx context.Context, email, password, ip, userAgent string) (string, User, error) {
	email = normalizeEmail(email)
	now := s.now()
	byEmail, byIP, err := s.store.CountLoginFailures(ctx, email, ip, now.Add(-s.opt.ThrottleWindow))
	if err != nil {
		return "", User{}, fmt.Errorf("auth: count sign-in failures: %w", err)
	}
	if byEmail >= s.opt.MaxFailsByEmail || byIP >= s.opt.MaxFailsByIP {
		return "", User{}, fault.New(fault.TooManyRequests,
			"Too many failed sign-ins. Wait %d minutes and try again.", int(s.opt.ThrottleWindow.Minutes()))
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	ok := false
	switch {
	case fault.Is(err, fault.NotFound):
		s.hasher.dummyVerify(ctx, password)
	case err != nil:
		return "", User{}, fmt.Errorf("auth: find user: %w", err)
	default:
		ok, err = s.hasher.Verify(ctx, u.PasswordHash, password)
		if err != nil {
			return "", User{}, fmt.Errorf("auth: verify password: %w", err)
		}
		ok = ok && u.Active
	}
	if err := s.store.RecordLoginAttempt(ctx, email, ip, ok, now); err != nil {
		return "", User{}, fmt.Errorf("auth: record sign-in: %w", err)
	}
	if !ok {
		e := System("web").Audit("sign_in_failed", "user", u.ID, now)
		e.ActorLabel, e.IP = truncate(email, 254), ip
		if err := s.store.AppendAudit(ctx, e); err != nil {
			return "", User{}, fmt.Errorf("auth: audit sign-in: %w", err)
		}
		return "", User{}, errBadCredentials
	}
	secret, hash := newSecret("")
	sess := Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.opt.SessionTTL), IP: ip, UserAgent: truncate(userAgent, 300)}
	e := u.Actor("web", ip, "").Audit("sign_in", "user", u.ID, now)
	if err := s.store.CreateSession(ctx, sess, e); err != nil {
		return "", User{}, fmt.Errorf("auth: create session: %w", err)
	}
	return secret, u, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// SessionUser returns the user of a live session. A session ends at its
// absolute expiry, after SessionIdle without use, or when its user is
// deactivated.
func (s *Service) SessionUser(ctx context.Context, secret string) (User, Session, error) {
	if secret == "" {
		return User{}, Session{}, fault.New(fault.Unauthenticated, "Please sign in.")
	}
	sess, err := s.store.FindSession(ctx, HashSecret(secret))
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return User{}, Session{}, fault.New(fault.Unauthenticated, "Please sign in.")
		}
		return User{}, Session{}, err
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.opt.SessionIdle {
		_ = s.store.DeleteSession(ctx, sess.TokenHash)
		return User{}, Session{}, fault.New(fault.Unauthenticated, "Your session has ended. Please sign in again.")
	}
	u, err := s.store.FindUser(ctx, sess.UserID)
	if err != nil {
		return User{}, Session{}, err
	}
	if !u.Active {
		return User{}, Session{}, fault.New(fault.Unauthenticated, "Please sign in.")
	}
	// Touching at most once a minute keeps a busy page from writing on every request.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, sess.TokenHash, now); err != nil {
			return User{}, Session{}, fmt.Errorf("auth: touch session: %w", err)
		}
	}
	return u, sess, nil
}

// SignOut ends the session.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, HashSecret(secret))
}

// ChangePassword sets a new password after checking the current one, and
// ends the user's other sessions and API tokens.
func (s *Service) ChangePassword(ctx context.Context, a Actor, sessionSecret, current, next string) error {
	u, err := s.store.FindUser(ctx, a.UserID)
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("auth: verify password: %w", err)
	}
	if !ok {
		return &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "current_password", Message: "is not correct"}}}
	}
	return s.setPassword(ctx, a, u.ID, next, HashSecret(sessionSecret))
}

// SetPassword replaces a user's password without the old one (command line
// and administrators), ending all the user's sessions and tokens.
func (s *Service) SetPassword(ctx context.Context, a Actor, email, next string) error {
	if err := a.Require(UserManage); err != nil {
		return err
	}
	u, err := s.store.FindUserByEmail(ctx, normalizeEmail(email))
	if err != nil {
		return err
	}
	return s.setPassword(ctx, a, u.ID, next, "")
}

func (s *Service) setPassword(ctx context.Context, a Actor, userID int64, next, keep string) error {
	if msg := checkPassword(next); msg != "" {
		return &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "password", Message: msg}}}
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now()
	e := a.Audit("password_change", "user", userID, now)
	return s.store.SetUserPassword(ctx, userID, hash, keep, now, e)
}

// CreateAPIToken creates a token for the actor itself and returns its secret,
// which is never shown again.
func (s *Service) CreateAPIToken(ctx context.Context, a Actor, name string) (string, APIToken, error) {
	return s.createToken(ctx, a, a.UserID, name)
}

// CreateAPITokenFor creates a token for the user with email (command line).
func (s *Service) CreateAPITokenFor(ctx context.Context, a Actor, email, name string) (string, APIToken, error) {
	if err := a.Require(UserManage); err != nil {
		return "", APIToken{}, err
	}
	u, err := s.store.FindUserByEmail(ctx, normalizeEmail(email))
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return "", APIToken{}, fault.New(fault.NotFound, "No user has the email %q.", email)
		}
		return "", APIToken{}, err
	}
	if !u.Active {
		return "", APIToken{}, fault.New(fault.Conflict, "The user %s is deactivated.", u.Email)
	}
	return s.createToken(ctx, a, u.ID, name)
}

func (s *Service) createToken(ctx context.Context, a Actor, userID int64, name string) (string, APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", APIToken{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "name", Message: "is required (at most 100 characters)"}}}
	}
	secret, hash := newSecret(tokenPrefix)
	now := s.now()
	t := APIToken{UserID: userID, Name: name, Hash: hash, CreatedAt: now}
	e := a.Audit("create", "api_token", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: name}, {Field: "user_id", New: fmt.Sprint(userID)}}
	id, err := s.store.CreateAPIToken(ctx, t, e)
	if err != nil {
		return "", APIToken{}, err
	}
	t.ID = id
	return secret, t, nil
}

// TokenUser returns the user a valid, unrevoked token acts for.
func (s *Service) TokenUser(ctx context.Context, secret string) (User, error) {
	unauth := fault.New(fault.Unauthenticated, "The API token is missing, revoked or not valid.")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return User{}, unauth
	}
	t, u, err := s.store.FindAPITokenUser(ctx, HashSecret(secret))
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return User{}, unauth
		}
		return User{}, err
	}
	if !t.RevokedAt.IsZero() || !u.Active {
		return User{}, unauth
	}
	now := s.now()
	if now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return User{}, fmt.Errorf("auth: touch token: %w", err)
		}
	}
	return u, nil
}

// ListAPITokens returns the actor's own tokens (hashes cleared).
func (s *Service) ListAPITokens(ctx context.Context, a Actor) ([]APIToken, error) {
	ts, err := s.store.ListAPITokens(ctx, a.UserID)
	for i := range ts {
		ts[i].Hash = ""
	}
	return ts, err
}

// RevokeAPIToken revokes one of the actor's own tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, a Actor, id int64) error {
	now := s.now()
	ok, err := s.store.RevokeAPIToken(ctx, a.UserID, id, now, a.Audit("revoke", "api_token", id, now))
	if err != nil {
		return err
	}
	if !ok {
		return fault.New(fault.NotFound, "No such token.")
	}
	return nil
}

// SignOutOtherDevices ends the actor's sessions on every other browser and
// phone (the one asking stays signed in). A lost phone loses its access
// at its next request; what it kept offline is wiped when it next signs in
// or out.
func (s *Service) SignOutOtherDevices(ctx context.Context, a Actor, sessionSecret string) error {
	if a.UserID == 0 {
		return fault.New(fault.Unauthenticated, "Please sign in.")
	}
	e := a.Audit("sign_out_everywhere", "user", a.UserID, s.now())
	return s.store.EndOtherSessions(ctx, a.UserID, HashSecret(sessionSecret), e)
}

// MobileSessionMax is how long after signing in the mobile app's data may
// be read before the rep signs in again (phones get lost).
const MobileSessionMax = 12 * time.Hour

// MobileUser is SessionUser for the mobile app: a sign-in older than
// MobileSessionMax must be renewed.
func (s *Service) MobileUser(ctx context.Context, secret string) (User, error) {
	u, sess, err := s.SessionUser(ctx, secret)
	if err != nil {
		return User{}, err
	}
	if s.now().Sub(sess.CreatedAt) > MobileSessionMax {
		return User{}, fault.New(fault.Unauthenticated, "Please sign in again to use the app.")
	}
	return u, nil
}
