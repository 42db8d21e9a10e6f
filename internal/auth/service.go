package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
)

// Store is what the auth service needs from storage. Every method that takes
// an audit entry writes it in the same transaction as the change.
type Store interface {
	CountUsers(ctx context.Context) (int, error)
	// CreateUser inserts u; with onlyFirst it fails with Conflict unless no user exists yet.
	CreateUser(ctx context.Context, u User, onlyFirst bool, e AuditEntry) (int64, error)
	FindUser(ctx context.Context, id int64) (User, error)
	FindUserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUserAccess changes role, team and active flag and, when endSessions
	// is set, ends all the user's sessions and revokes its API tokens.
	UpdateUserAccess(ctx context.Context, u User, endSessions bool, at time.Time, e AuditEntry) error
	// SetUserPassword stores a new hash and ends the user's other sessions
	// (all but keepSessionHash) and its API tokens.
	SetUserPassword(ctx context.Context, userID int64, hash, keepSessionHash string, at time.Time, e AuditEntry) error
	// EndOtherSessions ends every session of the user but the one kept
	// (API tokens stay).
	EndOtherSessions(ctx context.Context, userID int64, keepSessionHash string, e AuditEntry) error

	CreateTeam(ctx context.Context, name string, at time.Time, e AuditEntry) (int64, error)
	ListTeams(ctx context.Context) ([]Team, error)

	CreateSession(ctx context.Context, s Session, e AuditEntry) error
	FindSession(ctx context.Context, hash string) (Session, error)
	TouchSession(ctx context.Context, hash string, at time.Time) error
	DeleteSession(ctx context.Context, hash string) error

	CreateAPIToken(ctx context.Context, t APIToken, e AuditEntry) (int64, error)
	// FindAPITokenUser returns a token and its user (without password hash).
	FindAPITokenUser(ctx context.Context, hash string) (APIToken, User, error)
	ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error)
	RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time, e AuditEntry) (bool, error)
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error

	// CreateInvite stores inv and marks older open invites to the same address used.
	CreateInvite(ctx context.Context, inv Invite, e AuditEntry) (int64, error)
	FindInviteByHash(ctx context.Context, hash string) (Invite, error)
	// AcceptInvite marks the invite used and creates the user, or fails with
	// Conflict when the invite was used meanwhile.
	AcceptInvite(ctx context.Context, inviteID int64, u User, e AuditEntry) (int64, error)

	RecordLoginAttempt(ctx context.Context, email, ip string, ok bool, at time.Time) error
	CountLoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int, err error)
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// AuditEntry is the audit line a store writes with a change.
type AuditEntry = audit.Entry

// Options tune the auth service.
type Options struct {
	SessionTTL      time.Duration // absolute lifetime of a sign-in
	SessionIdle     time.Duration // sign-out after this long without a request
	InviteTTL       time.Duration
	MaxFailsByEmail int // failed sign-ins per address within ThrottleWindow
	MaxFailsByIP    int
	ThrottleWindow  time.Duration
	Now             func() time.Time
}

func (o *Options) defaults() {
	if o.SessionTTL == 0 {
		o.SessionTTL = 7 * 24 * time.Hour
	}
	if o.SessionIdle == 0 {
		o.SessionIdle = 12 * time.Hour
	}
	if o.InviteTTL == 0 {
		o.InviteTTL = 72 * time.Hour
	}
	if o.MaxFailsByEmail == 0 {
		o.MaxFailsByEmail = 5
	}
	if o.MaxFailsByIP == 0 {
		o.MaxFailsByIP = 30
	}
	if o.ThrottleWindow == 0 {
		o.ThrottleWindow = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Service signs people in and manages users, teams and tokens.
type Service struct {
	store  Store
	hasher *Hasher
	opt    Options
}

// NewService returns the auth service.
func NewService(store Store, hasher *Hasher, opt Options) *Service {
	opt.defaults()
	return &Service{store: store, hasher: hasher, opt: opt}
}

// now is truncated to microseconds, the precision both engines store.
func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// NeedsSetup reports whether no user exists yet, so the setup page is open.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: count users: %w", err)
	}
	return n == 0, nil
}

// Setup creates the first administrator. It fails with Conflict once any user
// exists, so the setup page cannot be used to take over an installation.
func (s *Service) Setup(ctx context.Context, nu NewUser, ip string) (User, error) {
	nu.Role = RoleAdmin
	nu.TeamID = 0
	return s.createUser(ctx, System("setup"), nu, true, ip)
}

// CreateUser adds a user; the actor needs user.manage (the command line acts as the system).
func (s *Service) CreateUser(ctx context.Context, a Actor, nu NewUser) (User, error) {
	if err := a.Require(UserManage); err != nil {
		return User{}, err
	}
	return s.createUser(ctx, a, nu, false, a.IP)
}

func (s *Service) createUser(ctx context.Context, a Actor, nu NewUser, onlyFirst bool, ip string) (User, error) {
	if err := nu.validate(); err != nil {
		return User{}, err
	}
	if err := s.checkTeam(ctx, nu.TeamID); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, nu.Password)
	if err != nil {
		return User{}, fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now()
	u := User{Email: nu.Email, Name: nu.Name, Role: nu.Role, TeamID: nu.TeamID, PasswordHash: hash,
		Active: true, CreatedAt: now, UpdatedAt: now}
	e := a.Audit("create", "user", 0, now)
	e.IP = ip
	e.Changes = userChanges(User{}, u)
	id, err := s.store.CreateUser(ctx, u, onlyFirst, e)
	if err != nil {
		if fault.Is(err, fault.Conflict) && !onlyFirst {
			return User{}, &fault.Error{Code: fault.Conflict, Message: "A user with this email already exists.",
				Fields: []fault.FieldError{{Field: "email", Message: "is already used by another user"}}}
		}
		return User{}, err
	}
	u.ID = id
	return u, nil
}

func (s *Service) checkTeam(ctx context.Context, teamID int64) error {
	if teamID == 0 {
		return nil
	}
	teams, err := s.store.ListTeams(ctx)
	if err != nil {
		return fmt.Errorf("auth: list teams: %w", err)
	}
	for _, t := range teams {
		if t.ID == teamID {
			return nil
		}
	}
	return &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
		Fields: []fault.FieldError{{Field: "team_id", Message: "is not an existing team"}}}
}

func userChanges(old, new User) []audit.Change {
	var c []audit.Change
	c = audit.Diff(c, "email", old.Email, new.Email)
	c = audit.Diff(c, "name", old.Name, new.Name)
	c = audit.Diff(c, "role", string(old.Role), string(new.Role))
	c = audit.Diff(c, "team_id", idText(old.TeamID), idText(new.TeamID))
	if old.ID == 0 || old.Active != new.Active {
		c = audit.Diff(c, "active", fmt.Sprint(old.Active && old.ID != 0), fmt.Sprint(new.Active))
	}
	return c
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// FindUser returns one user; any signed-in actor may look users up by id
// (names appear as owners and authors everywhere).
func (s *Service) FindUser(ctx context.Context, id int64) (User, error) {
	return s.store.FindUser(ctx, id)
}

// ListUsers returns all users. Their password hashes are cleared.
func (s *Service) ListUsers(ctx context.Context, a Actor) ([]User, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	for i := range users {
		users[i].PasswordHash = ""
	}
	return users, nil
}

// UserAccess is what an administrator may change about a user.
type UserAccess struct {
	Role   Role
	TeamID int64
	Active bool
}

// UpdateAccess changes a user's role, team or active flag. A change of role or
// a deactivation ends the user's sessions and tokens. Administrators cannot
// demote or deactivate themselves, so an installation keeps an administrator.
func (s *Service) UpdateAccess(ctx context.Context, a Actor, id int64, acc UserAccess) (User, error) {
	if err := a.Require(UserManage); err != nil {
		return User{}, err
	}
	if !acc.Role.Valid() {
		return User{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "role", Message: "is not a known role"}}}
	}
	if err := s.checkTeam(ctx, acc.TeamID); err != nil {
		return User{}, err
	}
	old, err := s.store.FindUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	if id == a.UserID && (acc.Role != old.Role || !acc.Active) {
		return User{}, fault.New(fault.Conflict, "You cannot change your own role or deactivate yourself.")
	}
	u := old
	u.Role, u.TeamID, u.Active = acc.Role, acc.TeamID, acc.Active
	now := s.now()
	u.UpdatedAt = now
	e := a.Audit("update", "user", id, now)
	e.Changes = userChanges(old, u)
	end := old.Role != u.Role || (old.Active && !u.Active) || old.TeamID != u.TeamID
	if err := s.store.UpdateUserAccess(ctx, u, end, now, e); err != nil {
		return User{}, err
	}
	u.PasswordHash = ""
	return u, nil
}

// CreateTeam adds a team.
func (s *Service) CreateTeam(ctx context.Context, a Actor, name string) (Team, error) {
	if err := a.Require(UserManage); err != nil {
		return Team{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Team{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "name", Message: "is required (at most 100 characters)"}}}
	}
	now := s.now()
	e := a.Audit("create", "team", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: name}}
	id, err := s.store.CreateTeam(ctx, name, now, e)
	if err != nil {
		if fault.Is(err, fault.Conflict) {
			return Team{}, &fault.Error{Code: fault.Conflict, Message: "A team with this name already exists.",
				Fields: []fault.FieldError{{Field: "name", Message: "is already used"}}}
		}
		return Team{}, err
	}
	return Team{ID: id, Name: name, CreatedAt: now}, nil
}

// ListTeams returns all teams.
func (s *Service) ListTeams(ctx context.Context) ([]Team, error) { return s.store.ListTeams(ctx) }
