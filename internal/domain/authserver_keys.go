package domain

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Okta's statuses of a signing key: ACTIVE signs, NEXT is published ahead
// of its use, EXPIRED signed before the last rotation (still published, so
// that the tokens it signed verify until the next rotation).
const (
	KeyStatusActive  = "ACTIVE"
	KeyStatusNext    = "NEXT"
	KeyStatusExpired = "EXPIRED"
)

var keyStatuses = map[string]string{store.KeyCurrent: KeyStatusActive, store.KeyNext: KeyStatusNext, store.KeyPrevious: KeyStatusExpired}

// ServerKey is a signing key of a custom server as administrators see it.
type ServerKey struct {
	KID     string
	Alg     string
	Status  string // KeyStatusActive, KeyStatusNext or KeyStatusExpired
	Created time.Time
	// JWK is the key's published public fields, and only those.
	JWK map[string]any
}

// ListAuthServerKeys lists a custom server's signing keys in the order its
// key set publishes them (ACTIVE, NEXT, EXPIRED). published returns that
// key set's JWKS document (the key manager's, which makes the keys of a
// server that has none yet), so that the list shows exactly what relying
// parties see.
func (s *Service) ListAuthServerKeys(ctx context.Context, id string, published func(ctx context.Context, id string) ([]byte, error)) ([]ServerKey, error) {
	if _, err := s.GetAuthServer(ctx, id); err != nil {
		return nil, err
	}
	doc, err := published(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.Store.ListSigningKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	stored := make(map[string]store.SigningKey, len(rows))
	for _, row := range rows {
		stored[row.KID] = row
	}
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(doc, &jwks); err != nil {
		return nil, err
	}
	out := make([]ServerKey, 0, len(jwks.Keys))
	for _, k := range jwks.Keys {
		kid, _ := k["kid"].(string)
		row, ok := stored[kid]
		if !ok || keyStatuses[row.Status] == "" {
			continue // rotated away since the set was loaded
		}
		alg, _ := k["alg"].(string)
		out = append(out, ServerKey{KID: kid, Alg: alg, Status: keyStatuses[row.Status], Created: row.Created, JWK: k})
	}
	return out, nil
}
