package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// assertionKey is the row key of a used client assertion: a hash of the
// client id and the jti, so that a client picks its jti values freely (any
// length, any characters) without colliding with another client's.
func assertionKey(clientID, jti string) string {
	h := sha256.New()
	h.Write([]byte(clientID))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	return hex.EncodeToString(h.Sum(nil))
}

// UseClientAssertion inserts the assertion's key; the primary key settles
// races, and a row already there (even one past its expiry that cleanup
// has not reached yet) is a replay.
func (s *Store) UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	res, err := s.exec(ctx, `INSERT INTO client_assertions (jti_hash, expires_at) VALUES (?, ?)
		ON CONFLICT (jti_hash) DO NOTHING`, assertionKey(clientID, jti), expiresAt.Unix())
	if err != nil {
		return s.translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.translate(err)
	}
	if n == 0 {
		return store.ErrAlreadyUsed
	}
	return nil
}

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
