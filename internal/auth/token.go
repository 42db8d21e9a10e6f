package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// APIToken lets another system act as a user through the JSON API. Only its
// SHA-256 hash is stored; the value is shown once, when it is created.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while valid
}

// Session is a signed-in browser. The cookie carries the token; the database
// keeps only its hash, so a leaked database cannot be used to sign in.
type Session struct {
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

// Invite lets a new colleague set their own name and password. It is single
// use, expires, and is superseded by a newer invite for the same address.
type Invite struct {
	ID        int64
	Email     string
	Role      Role
	TeamID    int64
	Hash      string
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// tokenPrefix marks SCRMS API tokens so that secret scanners can find them.
const tokenPrefix = "scrms_"

// newSecret returns a random secret and the hash to store for it.
func newSecret(prefix string) (secret, hash string) {
	secret = prefix + rand.Text()
	return secret, HashSecret(secret)
}

// HashSecret is the stored form of a session, token or invite secret.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
