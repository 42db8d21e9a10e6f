package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
)

// UserJSON is a user as the API shows it (never its password hash).
type UserJSON struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	TeamID      *int64    `json:"team_id"`
	Active      bool      `json:"active"`
	Permissions []string  `json:"permissions"`
	Scope       string    `json:"scope" doc:"Which customers the user sees: own, team or all."`
	CreatedAt   time.Time `json:"created_at"`
}

func userJSON(u auth.User) UserJSON {
	j := UserJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), TeamID: optID(u.TeamID),
		Active: u.Active, Scope: u.Role.Scope().String(), CreatedAt: u.CreatedAt, Permissions: []string{}}
	for _, p := range u.Role.Permissions() {
		j.Permissions = append(j.Permissions, string(p))
	}
	return j
}

// TokenJSON is an API token; Token is set only in the answer that creates it.
type TokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token,omitempty" doc:"The secret, shown only once."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenJSON(t auth.APIToken) TokenJSON {
	return TokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: optTime(t.LastUsedAt),
		RevokedAt: optTime(t.RevokedAt)}
}

// TeamJSON is a team.
type TeamJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// AuditJSON is one audit log entry.
type AuditJSON struct {
	ID         int64        `json:"id"`
	At         time.Time    `json:"at"`
	ActorID    *int64       `json:"actor_id"`
	Actor      string       `json:"actor"`
	Action     string       `json:"action"`
	EntityType string       `json:"entity_type"`
	EntityID   *int64       `json:"entity_id"`
	CustomerID *int64       `json:"customer_id"`
	Changes    []ChangeJSON `json:"changes"`
	IP         string       `json:"ip"`
	RequestID  string       `json:"request_id"`
	Hash       string       `json:"hash"`
}

type auditInput struct {
	Before     int64  `query:"before" doc:"Only entries with a smaller id (paging)."`
	ActorID    int64  `query:"actor_id"`
	EntityType string `query:"entity_type" maxLength:"50"`
	EntityID   int64  `query:"entity_id"`
	Action     string `query:"action" maxLength:"50"`
	CustomerID int64  `query:"customer_id"`
	Limit      int    `query:"limit" minimum:"0" maximum:"500"`
}

func (s *server) registerAccounts(api huma.API) {
	tags := []string{"Accounts"}
	huma.Register(api, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/me",
		Summary: "The user the token acts as", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body UserJSON }, error) {
			u, err := s.Auth.FindUser(ctx, actorFrom(ctx).UserID)
			if err != nil {
				return nil, s.fail(ctx, "me", err)
			}
			return &struct{ Body UserJSON }{Body: userJSON(u)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/tokens",
		Summary: "Your API tokens", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []TokenJSON }, error) {
			ts, err := s.Auth.ListAPITokens(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "list tokens", err)
			}
			out := &struct{ Body []TokenJSON }{Body: []TokenJSON{}}
			for _, t := range ts {
				out.Body = append(out.Body, tokenJSON(t))
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: "/tokens",
		Summary: "Create an API token for yourself", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Name string `json:"name" minLength:"1" maxLength:"100"`
			}
		}) (*struct{ Body TokenJSON }, error) {
			secret, t, err := s.Auth.CreateAPIToken(ctx, actorFrom(ctx), in.Body.Name)
			if err != nil {
				return nil, s.fail(ctx, "create token", err)
			}
			j := tokenJSON(t)
			j.Token = secret
			return &struct{ Body TokenJSON }{Body: j}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/tokens/{id}",
		Summary: "Revoke one of your API tokens", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id"`
		}) (*struct{}, error) {
			if err := s.Auth.RevokeAPIToken(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "revoke token", err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/users",
		Summary: "All users (administrators)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []UserJSON }, error) {
			a := actorFrom(ctx)
			if err := a.Require(auth.UserManage); err != nil {
				return nil, s.fail(ctx, "list users", err)
			}
			us, err := s.Auth.ListUsers(ctx, a)
			if err != nil {
				return nil, s.fail(ctx, "list users", err)
			}
			out := &struct{ Body []UserJSON }{Body: []UserJSON{}}
			for _, u := range us {
				out.Body = append(out.Body, userJSON(u))
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "update-user-access", Method: http.MethodPut,
		Path: "/users/{id}/access", Summary: "Set a user's role, team and active flag (administrators)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id"`
			Body struct {
				Role   string `json:"role" enum:"admin,manager,sales,marketing,service,loyalty,readonly"`
				TeamID int64  `json:"team_id,omitempty"`
				Active bool   `json:"active"`
			}
		}) (*struct{ Body UserJSON }, error) {
			u, err := s.Auth.UpdateAccess(ctx, actorFrom(ctx), in.ID, auth.UserAccess{Role: auth.Role(in.Body.Role),
				TeamID: in.Body.TeamID, Active: in.Body.Active})
			if err != nil {
				return nil, s.fail(ctx, "update access", err)
			}
			return &struct{ Body UserJSON }{Body: userJSON(u)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "invite-user", Method: http.MethodPost, Path: "/users/invites",
		Summary: "Invite a colleague (administrators)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Email  string `json:"email" maxLength:"254"`
				Role   string `json:"role" enum:"admin,manager,sales,marketing,service,loyalty,readonly"`
				TeamID int64  `json:"team_id,omitempty"`
			}
		}) (*struct {
			Body struct {
				Link      string    `json:"link" doc:"Single-use link for the colleague to set a name and password."`
				ExpiresAt time.Time `json:"expires_at"`
			}
		}, error) {
			secret, inv, err := s.Auth.InviteUser(ctx, actorFrom(ctx), in.Body.Email, auth.Role(in.Body.Role), in.Body.TeamID)
			if err != nil {
				return nil, s.fail(ctx, "invite", err)
			}
			out := &struct {
				Body struct {
					Link      string    `json:"link" doc:"Single-use link for the colleague to set a name and password."`
					ExpiresAt time.Time `json:"expires_at"`
				}
			}{}
			out.Body.Link = s.BaseURL + "/invite/" + secret
			out.Body.ExpiresAt = inv.ExpiresAt
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "list-teams", Method: http.MethodGet, Path: "/teams",
		Summary: "All teams", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []TeamJSON }, error) {
			ts, err := s.Auth.ListTeams(ctx)
			if err != nil {
				return nil, s.fail(ctx, "list teams", err)
			}
			out := &struct{ Body []TeamJSON }{Body: []TeamJSON{}}
			for _, t := range ts {
				out.Body = append(out.Body, TeamJSON{ID: t.ID, Name: t.Name})
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "create-team", Method: http.MethodPost, Path: "/teams",
		Summary: "Create a team (administrators)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Name string `json:"name" minLength:"1" maxLength:"100"`
			}
		}) (*struct{ Body TeamJSON }, error) {
			t, err := s.Auth.CreateTeam(ctx, actorFrom(ctx), in.Body.Name)
			if err != nil {
				return nil, s.fail(ctx, "create team", err)
			}
			return &struct{ Body TeamJSON }{Body: TeamJSON{ID: t.ID, Name: t.Name}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/audit",
		Summary: "The audit log, newest first (administrators)", Tags: tags},
		func(ctx context.Context, in *auditInput) (*struct{ Body []AuditJSON }, error) {
			a := actorFrom(ctx)
			if err := a.Require(auth.AuditRead); err != nil {
				return nil, s.fail(ctx, "audit", err)
			}
			limit := in.Limit
			if limit == 0 {
				limit = 100
			}
			es, err := s.Audit.ListAudit(ctx, audit.Filter{BeforeID: in.Before, ActorID: in.ActorID,
				EntityType: in.EntityType, EntityID: in.EntityID, Action: in.Action, CustomerID: in.CustomerID, Limit: limit})
			if err != nil {
				return nil, s.fail(ctx, "audit", err)
			}
			out := &struct{ Body []AuditJSON }{Body: []AuditJSON{}}
			for _, e := range es {
				j := AuditJSON{ID: e.ID, At: e.At, ActorID: optID(e.ActorID), Actor: e.ActorLabel, Action: e.Action,
					EntityType: e.EntityType, EntityID: optID(e.EntityID), CustomerID: optID(e.CustomerID),
					Changes: []ChangeJSON{}, IP: e.IP, RequestID: e.RequestID, Hash: e.Hash}
				for _, c := range e.Changes {
					j.Changes = append(j.Changes, ChangeJSON(c))
				}
				out.Body = append(out.Body, j)
			}
			return out, nil
		})
}
