// Package auth holds users, teams, roles and permissions, sign-in sessions and
// API tokens: who may ask SCRMS for what.
package auth

import (
	"net/mail"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// User is a member of staff who signs in to SCRMS.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         Role
	TeamID       int64 // 0 when the user has no team
	PasswordHash string
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Actor returns the actor for this user acting through via ("web", "api", …).
func (u User) Actor(via, ip, requestID string) Actor {
	return Actor{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, TeamID: u.TeamID,
		Via: via, IP: ip, RequestID: requestID}
}

// Team groups users; a sales user sees the customers of its team.
type Team struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// NewUser is what it takes to create a user.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	TeamID   int64
	Password string
}

// normalizeEmail lower-cases an address so that sign-in is case-insensitive.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validEmail reports whether s is a bare email address (no display name).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

func (n *NewUser) validate() error {
	var f fault.Fields
	n.Email = normalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if n.Email == "" {
		f.Add("email", "is required")
	} else if !validEmail(n.Email) || len(n.Email) > 254 {
		f.Add("email", "is not a valid email address")
	}
	if n.Name == "" {
		f.Add("name", "is required")
	} else if len(n.Name) > 200 {
		f.Add("name", "must be at most 200 characters")
	}
	if !n.Role.Valid() {
		f.Add("role", "must be one of admin, manager, sales, marketing, service, loyalty, readonly")
	}
	if msg := checkPassword(n.Password); msg != "" {
		f.Add("password", "%s", msg)
	}
	return f.Err()
}

// checkPassword returns what is wrong with a new password, or "".
func checkPassword(p string) string {
	switch {
	case len([]rune(p)) < MinPasswordLength:
		return "must be at least 10 characters"
	case len(p) > 256:
		return "must be at most 256 characters"
	}
	return ""
}
