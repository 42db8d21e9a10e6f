package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

func userFrom(r sqlcdb.User) auth.User {
	return auth.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: auth.Role(r.Role), TeamID: r.TeamID.Int64,
		PasswordHash: r.PasswordHash, Active: r.Active, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CountUsers counts users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	n, err := s.reader().CountUsers(ctx)
	return int(n), err
}

// CreateUser inserts a user; with onlyFirst it refuses when any user exists.
func (s *Store) CreateUser(ctx context.Context, u auth.User, onlyFirst bool, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if onlyFirst {
			n, err := t.q.CountUsers(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				return fault.New(fault.Conflict, "SCRMS is already set up.")
			}
		}
		var err error
		id, err = t.q.CreateUser(ctx, sqlcdb.CreateUserParams{Email: u.Email, Name: u.Name, Role: string(u.Role),
			TeamID: nullID(u.TeamID), PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindUser returns a user by id.
func (s *Store) FindUser(ctx context.Context, id int64) (auth.User, error) {
	r, err := s.reader().FindUser(ctx, id)
	if err != nil {
		return auth.User{}, notFoundOr(err, "User not found.")
	}
	return userFrom(r), nil
}

// FindUserByEmail returns a user by (normalised) email.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (auth.User, error) {
	r, err := s.reader().FindUserByEmail(ctx, email)
	if err != nil {
		return auth.User{}, notFoundOr(err, "User not found.")
	}
	return userFrom(r), nil
}

// ListUsers returns all users by name.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := s.reader().ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]auth.User, len(rows))
	for i, r := range rows {
		out[i] = userFrom(r)
	}
	return out, nil
}

// UpdateUserAccess stores role, team and active flag.
func (s *Store) UpdateUserAccess(ctx context.Context, u auth.User, endSessions bool, at time.Time, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.UpdateUserAccess(ctx, sqlcdb.UpdateUserAccessParams{Role: string(u.Role), TeamID: nullID(u.TeamID),
			Active: u.Active, UpdatedAt: at, ID: u.ID}); err != nil {
			return mapErr(err)
		}
		if endSessions {
			if err := t.endSessions(ctx, u.ID, "", at); err != nil {
				return err
			}
		}
		return t.appendAudit(ctx, e)
	})
}

func (t *tx) endSessions(ctx context.Context, userID int64, keep string, at time.Time) error {
	if err := t.q.DeleteUserSessions(ctx, sqlcdb.DeleteUserSessionsParams{UserID: userID, KeepTokenHash: keep}); err != nil {
		return fmt.Errorf("store: end sessions: %w", err)
	}
	if err := t.q.RevokeUserAPITokens(ctx, sqlcdb.RevokeUserAPITokensParams{RevokedAt: sql.NullTime{Time: at, Valid: true},
		UserID: userID}); err != nil {
		return fmt.Errorf("store: revoke tokens: %w", err)
	}
	return nil
}

// SetUserPassword stores a new password hash and ends other sessions and tokens.
func (s *Store) SetUserPassword(ctx context.Context, userID int64, hash, keep string, at time.Time, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.UpdateUserPassword(ctx, sqlcdb.UpdateUserPasswordParams{PasswordHash: hash, UpdatedAt: at, ID: userID}); err != nil {
			return mapErr(err)
		}
		if err := t.endSessions(ctx, userID, keep, at); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// CreateTeam inserts a team.
func (s *Store) CreateTeam(ctx context.Context, name string, at time.Time, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		id, err = t.q.CreateTeam(ctx, sqlcdb.CreateTeamParams{Name: name, CreatedAt: at})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// ListTeams returns all teams by name.
func (s *Store) ListTeams(ctx context.Context) ([]auth.Team, error) {
	rows, err := s.reader().ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]auth.Team, len(rows))
	for i, r := range rows {
		out[i] = auth.Team{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, ss auth.Session, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.CreateSession(ctx, sqlcdb.CreateSessionParams{TokenHash: ss.TokenHash, UserID: ss.UserID,
			CreatedAt: ss.CreatedAt, ExpiresAt: ss.ExpiresAt, Ip: ss.IP, UserAgent: ss.UserAgent}); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// FindSession returns a session by its token hash.
func (s *Store) FindSession(ctx context.Context, hash string) (auth.Session, error) {
	r, err := s.reader().FindSession(ctx, hash)
	if err != nil {
		return auth.Session{}, notFoundOr(err, "Session not found.")
	}
	return auth.Session{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(),
		LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), IP: r.Ip, UserAgent: r.UserAgent}, nil
}

// TouchSession records that a session was used.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		return t.q.TouchSession(ctx, sqlcdb.TouchSessionParams{LastSeenAt: at, TokenHash: hash})
	})
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, func(t *tx) error { return t.q.DeleteSession(ctx, hash) })
}

func tokenFrom(r sqlcdb.ApiToken) auth.APIToken {
	return auth.APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, Hash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(),
		LastUsedAt: r.LastUsedAt.Time.UTC(), RevokedAt: r.RevokedAt.Time.UTC()}
}

// CreateAPIToken stores a token.
func (s *Store) CreateAPIToken(ctx context.Context, tk auth.APIToken, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		id, err = t.q.CreateAPIToken(ctx, sqlcdb.CreateAPITokenParams{UserID: tk.UserID, Name: tk.Name,
			TokenHash: tk.Hash, CreatedAt: tk.CreatedAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// ListAPITokens returns a user's tokens, newest first.
func (s *Store) ListAPITokens(ctx context.Context, userID int64) ([]auth.APIToken, error) {
	rows, err := s.reader().ListAPITokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]auth.APIToken, len(rows))
	for i, r := range rows {
		out[i] = tokenFrom(r)
	}
	return out, nil
}

// RevokeAPIToken revokes one of a user's tokens; false when there was none to revoke.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time, e audit.Entry) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		n, err = t.q.RevokeAPIToken(ctx, sqlcdb.RevokeAPITokenParams{RevokedAt: sql.NullTime{Time: at, Valid: true},
			ID: id, UserID: userID})
		if err != nil || n == 0 {
			return err
		}
		return t.appendAudit(ctx, e)
	})
	return n > 0, err
}

// TouchAPIToken records that a token was used.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		return t.q.TouchAPIToken(ctx, sqlcdb.TouchAPITokenParams{LastUsedAt: sql.NullTime{Time: at, Valid: true}, ID: id})
	})
}

// CreateInvite stores an invite, superseding older open ones to the same address.
func (s *Store) CreateInvite(ctx context.Context, inv auth.Invite, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.q.SupersedeInvites(ctx, sqlcdb.SupersedeInvitesParams{UsedAt: sql.NullTime{Time: inv.CreatedAt, Valid: true},
			Email: inv.Email}); err != nil {
			return err
		}
		var err error
		id, err = t.q.CreateInvite(ctx, sqlcdb.CreateInviteParams{Email: inv.Email, Role: string(inv.Role),
			TeamID: nullID(inv.TeamID), TokenHash: inv.Hash, CreatedBy: inv.CreatedBy, CreatedAt: inv.CreatedAt,
			ExpiresAt: inv.ExpiresAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindInviteByHash returns an invite by its secret's hash.
func (s *Store) FindInviteByHash(ctx context.Context, hash string) (auth.Invite, error) {
	r, err := s.reader().FindInviteByHash(ctx, hash)
	if err != nil {
		return auth.Invite{}, notFoundOr(err, "Invite not found.")
	}
	return auth.Invite{ID: r.ID, Email: r.Email, Role: auth.Role(r.Role), TeamID: r.TeamID.Int64, Hash: r.TokenHash,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: r.UsedAt.Time.UTC()}, nil
}

// AcceptInvite consumes the invite and creates the user in one transaction.
func (s *Store) AcceptInvite(ctx context.Context, inviteID int64, u auth.User, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		n, err := t.q.UseInvite(ctx, sqlcdb.UseInviteParams{UsedAt: sql.NullTime{Time: u.CreatedAt, Valid: true}, ID: inviteID})
		if err != nil {
			return err
		}
		if n == 0 {
			return fault.New(fault.NotFound, "This invitation link is not valid any more. Ask for a new one.")
		}
		id, err = t.q.CreateUser(ctx, sqlcdb.CreateUserParams{Email: u.Email, Name: u.Name, Role: string(u.Role),
			TeamID: nullID(u.TeamID), PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt})
		if err != nil {
			err = mapErr(err)
			if fault.Is(err, fault.Conflict) {
				return fault.New(fault.Conflict, "A user with this email already exists.")
			}
			return err
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// RecordLoginAttempt stores one sign-in attempt for throttling.
func (s *Store) RecordLoginAttempt(ctx context.Context, email, ip string, ok bool, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		return t.q.RecordLoginAttempt(ctx, sqlcdb.RecordLoginAttemptParams{Email: email, Ip: ip, Succeeded: ok, At: at})
	})
}

// CountLoginFailures counts recent failures for an address and from an IP.
func (s *Store) CountLoginFailures(ctx context.Context, email, ip string, since time.Time) (int, int, error) {
	q := s.reader()
	byEmail, err := q.CountLoginFailuresByEmail(ctx, sqlcdb.CountLoginFailuresByEmailParams{Email: email, Since: since})
	if err != nil {
		return 0, 0, err
	}
	byIP, err := q.CountLoginFailuresByIP(ctx, sqlcdb.CountLoginFailuresByIPParams{Ip: ip, Since: since})
	return int(byEmail), int(byIP), err
}

// FindAPITokenUser returns a token and its user in one read, for
// authenticating API requests. The user's password hash is not read.
func (s *Store) FindAPITokenUser(ctx context.Context, hash string) (auth.APIToken, auth.User, error) {
	r, err := s.reader().FindAPITokenUser(ctx, hash)
	if err != nil {
		return auth.APIToken{}, auth.User{}, notFoundOr(err, "Token not found.")
	}
	t := auth.APIToken{ID: r.TokenID, UserID: r.ID, Hash: hash, LastUsedAt: r.LastUsedAt.Time.UTC(),
		RevokedAt: r.RevokedAt.Time.UTC()}
	u := auth.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: auth.Role(r.Role), TeamID: r.TeamID.Int64, Active: r.Active}
	return t, u, nil
}

// EndOtherSessions ends every session of a user but the one kept.
func (s *Store) EndOtherSessions(ctx context.Context, userID int64, keep string, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.DeleteUserSessions(ctx, sqlcdb.DeleteUserSessionsParams{UserID: userID, KeepTokenHash: keep}); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return t.appendAudit(ctx, e)
	})
}
