package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id cost parameters. The defaults cost about
// 100 ms and 64 MiB per hash on a small server; tests use cheaper ones.
type PasswordParams struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

// DefaultPasswordParams are used in production.
var DefaultPasswordParams = PasswordParams{MemoryKiB: 64 * 1024, Iterations: 2, Parallelism: 2}

// MinPasswordLength is the shortest password SCRMS accepts.
const MinPasswordLength = 10

// Hasher hashes and verifies passwords, running at most a few hashes at once
// so that a burst of sign-ins cannot exhaust memory.
type Hasher struct {
	params PasswordParams
	slots  chan struct{}
	dummy  string
	// dummyOnce makes dummy when it is first needed.
	dummyOnce sync.Once
}

// NewHasher returns a hasher that runs at most concurrency hashes at a time.
func NewHasher(p PasswordParams, concurrency int) *Hasher {
	if concurrency < 1 {
		concurrency = 1
	}
	return &Hasher{params: p, slots: make(chan struct{}, concurrency)}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns an encoded argon2id hash of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Iterations,
		p.Parallelism, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches the encoded hash, using the
// parameters stored in the hash so that old hashes keep working.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("auth: unknown password hash format")
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Parallelism); err != nil {
		return false, fmt.Errorf("auth: bad password hash parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("auth: bad password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("auth: bad password hash key: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyVerify checks a fixed hash against when an email is unknown, so that the answer
// takes as long whether or not the account exists.
func (h *Hasher) dummyVerify(ctx context.Context, password string) {
	// Made on first use: a hash costs its memory (64 MiB by default), which
	// a server that never sees an unknown address need not hold from start.
	h.dummyOnce.Do(func() { h.dummy, _ = h.Hash(context.WithoutCancel(ctx), "scrms-dummy-password") })
	_, _ = h.Verify(ctx, h.dummy, password)
}
