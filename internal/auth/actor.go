package auth

import (
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
)

// Actor is whoever is asking: a signed-in user, an API token acting as its
// user, or the system itself (command line, jobs). Services take it explicitly
// and decide with it; handlers never decide alone.
type Actor struct {
	UserID    int64
	Name      string
	Email     string
	Role      Role
	TeamID    int64 // 0 when the user has no team
	Via       string
	IP        string
	RequestID string
}

// System is the actor for work that no person asked for (migrations, demo data).
func System(via string) Actor {
	return Actor{Name: "SCRMS", Role: RoleAdmin, Via: via}
}

// Label names the actor in the audit log.
func (a Actor) Label() string {
	if a.UserID == 0 {
		return "system:" + a.Via
	}
	return a.Email
}

// Can reports whether the actor's role grants p.
func (a Actor) Can(p Permission) bool { return a.Role.Has(p) }

// Require returns a Forbidden error unless the actor's role grants p.
func (a Actor) Require(p Permission) error {
	if !a.Can(p) {
		return fault.New(fault.Forbidden, "Your role (%s) does not allow this (%s).", a.Role.Label(), p)
	}
	return nil
}

// Sees reports whether a record owned by ownerID in teamID is visible to the
// actor under its role's scope.
func (a Actor) Sees(ownerID, teamID int64) bool {
	switch a.Role.Scope() {
	case ScopeAll:
		return true
	case ScopeTeam:
		return (ownerID != 0 && ownerID == a.UserID) || (teamID != 0 && teamID == a.TeamID)
	default:
		return ownerID != 0 && ownerID == a.UserID
	}
}

// Audit starts the audit entry for something the actor did at the given time.
func (a Actor) Audit(action, entityType string, entityID int64, at time.Time) audit.Entry {
	return audit.Entry{At: at, ActorID: a.UserID, ActorLabel: a.Label(), Action: action,
		EntityType: entityType, EntityID: entityID, IP: a.IP, RequestID: a.RequestID}
}
