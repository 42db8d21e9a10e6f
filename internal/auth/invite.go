package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
)

// InviteUser creates a single-use invite link secret for a new colleague with
// the given role and team. An older open invite to the same address stops working.
func (s *Service) InviteUser(ctx context.Context, a Actor, email string, role Role, teamID int64) (string, Invite, error) {
	if err := a.Require(UserManage); err != nil {
		return "", Invite{}, err
	}
	email = normalizeEmail(email)
	var f fault.Fields
	if !validEmail(email) {
		f.Add("email", "is not a valid email address")
	}
	if !role.Valid() {
		f.Add("role", "is not a known role")
	}
	if err := f.Err(); err != nil {
		return "", Invite{}, err
	}
	if err := s.checkTeam(ctx, teamID); err != nil {
		return "", Invite{}, err
	}
	if _, err := s.store.FindUserByEmail(ctx, email); err == nil {
		return "", Invite{}, &fault.Error{Code: fault.Conflict, Message: "A user with this email already exists.",
			Fields: []fault.FieldError{{Field: "email", Message: "is already used by another user"}}}
	} else if !fault.Is(err, fault.NotFound) {
		return "", Invite{}, err
	}
	secret, hash := newSecret("")
	now := s.now()
	inv := Invite{Email: email, Role: role, TeamID: teamID, Hash: hash, CreatedBy: a.UserID,
		CreatedAt: now, ExpiresAt: now.Add(s.opt.InviteTTL)}
	e := a.Audit("invite", "user", 0, now)
	e.Changes = []audit.Change{{Field: "email", New: email}, {Field: "role", New: string(role)}}
	id, err := s.store.CreateInvite(ctx, inv, e)
	if err != nil {
		return "", Invite{}, err
	}
	inv.ID = id
	return secret, inv, nil
}

// FindInvite returns the open invite for a secret, or NotFound when it is
// unknown, used, superseded or expired (one answer for all, by design).
func (s *Service) FindInvite(ctx context.Context, secret string) (Invite, error) {
	gone := fault.New(fault.NotFound, "This invitation link is not valid any more. Ask for a new one.")
	if secret == "" {
		return Invite{}, gone
	}
	inv, err := s.store.FindInviteByHash(ctx, HashSecret(secret))
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return Invite{}, gone
		}
		return Invite{}, err
	}
	if !inv.UsedAt.IsZero() || s.now().After(inv.ExpiresAt) {
		return Invite{}, gone
	}
	return inv, nil
}

// AcceptInvite creates the invited user with their chosen name and password.
func (s *Service) AcceptInvite(ctx context.Context, secret, name, password, ip string) (User, error) {
	inv, err := s.FindInvite(ctx, secret)
	if err != nil {
		return User{}, err
	}
	nu := NewUser{Email: inv.Email, Name: strings.TrimSpace(name), Role: inv.Role, TeamID: inv.TeamID, Password: password}
	if err := nu.validate(); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return User{}, fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now()
	u := User{Email: nu.Email, Name: nu.Name, Role: nu.Role, TeamID: nu.TeamID, PasswordHash: hash,
		Active: true, CreatedAt: now, UpdatedAt: now}
	e := System("invite").Audit("create", "user", 0, now)
	e.ActorLabel, e.IP = u.Email, ip
	e.Changes = userChanges(User{}, u)
	id, err := s.store.AcceptInvite(ctx, inv.ID, u, e)
	if err != nil {
		return User{}, err
	}
	u.ID = id
	return u, nil
}
