package oauth

import (
	"crypto/sha256"
	"sync"

	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// maxVerifiedJWTs bounds the verified-token cache; when full it starts over.
const maxVerifiedJWTs = 10_000

// verifiedJWTs remembers the JWTs whose signature this replica checked at
// introspection, so that a resource server introspecting the same token
// again pays a hash and a map lookup instead of an RSA verification and a
// JSON parse. An entry is trusted only with the key set that verified it:
// a rotation or a forced key change makes every entry check again.
// Revocation and expiry are still checked on every call.
type verifiedJWTs struct {
	mu sync.Mutex
	m  map[[32]byte]verifiedJWT
}

type verifiedJWT struct {
	set    *keys.Set
	parsed token.Parsed
}

// parseJWT is token.ParseJWT through the cache. The key covers the server's
// issuer and audience, which an administrator may change.
func (h *Handler) parseJWT(as *authServer, set *keys.Set, raw string) (token.Parsed, error) {
	now := h.now()
	key := sha256.Sum256([]byte(as.ID + "\x00" + as.Issuer + "\x00" + as.Audience + "\x00" + raw))
	h.jwts.mu.Lock()
	e, ok := h.jwts.m[key]
	h.jwts.mu.Unlock()
	if ok && e.set == set {
		if e.parsed.Access != nil && e.parsed.Access.Exp <= now.Unix() {
			return token.Parsed{}, token.ErrInvalidToken
		}
		return e.parsed, nil
	}
	p, err := token.ParseJWT(set, raw, as.Issuer, as.Audience, now)
	if err != nil {
		return p, err
	}
	h.jwts.mu.Lock()
	if h.jwts.m == nil || len(h.jwts.m) >= maxVerifiedJWTs {
		h.jwts.m = make(map[[32]byte]verifiedJWT)
	}
	h.jwts.m[key] = verifiedJWT{set: set, parsed: p}
	h.jwts.mu.Unlock()
	return p, nil
}
