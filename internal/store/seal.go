package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
)

// sealedPrefix marks an audit value sealed with its customer's key.
const sealedPrefix = "sealed:v1:"

// erasedValue is what a sealed value reads as once its key is gone.
const erasedValue = "(erased)"

// customerKey returns the customer's sealing key, creating it on first use.
func (t *tx) customerKey(ctx context.Context, customerID int64) ([]byte, error) {
	var key []byte
	err := t.c.QueryRowContext(ctx, `SELECT key FROM customer_keys WHERE customer_id = ?`, customerID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		_, err = t.c.ExecContext(ctx, `INSERT INTO customer_keys (customer_id, key, created_at) VALUES (?, ?, ?)`,
			customerID, key, time.Now().UTC())
	}
	if err != nil {
		return nil, fmt.Errorf("store: customer key: %w", err)
	}
	return key, nil
}

func seal(key []byte, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(v), nil)), nil
}

func unseal(key []byte, v string) string {
	raw, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok {
		return v // written before sealing, or never personal
	}
	if key == nil {
		return erasedValue
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	block, err2 := aes.NewCipher(key)
	if err != nil || err2 != nil {
		return erasedValue
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(b) < gcm.NonceSize() {
		return erasedValue
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], nil)
	if err != nil {
		return erasedValue
	}
	return string(plain)
}

// sealChanges seals the values of an entry about a customer. The erasure's
// own entry stays readable: it holds the request reference only.
func (t *tx) sealChanges(ctx context.Context, e *audit.Entry) error {
	if e.CustomerID == 0 || e.Action == "erase" || len(e.Changes) == 0 {
		return nil
	}
	key, err := t.customerKey(ctx, e.CustomerID)
	if err != nil {
		return err
	}
	sealed := make([]audit.Change, len(e.Changes))
	for i, c := range e.Changes {
		sealed[i].Field = c.Field
		if sealed[i].Old, err = seal(key, c.Old); err != nil {
			return err
		}
		if sealed[i].New, err = seal(key, c.New); err != nil {
			return err
		}
	}
	e.Changes = sealed
	return nil
}

// customerKeys loads the keys of customers; an erased customer has none.
func (s *Store) customerKeys(ctx context.Context, ids map[int64]bool) (map[int64][]byte, error) {
	keys := map[int64][]byte{}
	for id := range ids {
		var key []byte
		err := s.readConn().QueryRowContext(ctx, `SELECT key FROM customer_keys WHERE customer_id = ?`, id).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		keys[id] = key
	}
	return keys, nil
}

// unsealEntries opens the sealed values of entries for reading.
func (s *Store) unsealEntries(ctx context.Context, es []audit.Entry) error {
	ids := map[int64]bool{}
	for _, e := range es {
		if e.CustomerID != 0 {
			ids[e.CustomerID] = true
		}
	}
	keys, err := s.customerKeys(ctx, ids)
	if err != nil {
		return err
	}
	for i := range es {
		for j := range es[i].Changes {
			c := &es[i].Changes[j]
			c.Old, c.New = unseal(keys[es[i].CustomerID], c.Old), unseal(keys[es[i].CustomerID], c.New)
		}
	}
	return nil
}
