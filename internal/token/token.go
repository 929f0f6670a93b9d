// Package token mints and parses the tokens Gatehouse issues: ID tokens and
// JWT access tokens with Okta's claims, signed by the authorization
// server's current key, and the opaque values (codes, session ids) whose
// hashes the store keeps.
package token

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Lifetimes Okta uses for the org and default servers.
const (
	AccessTokenLifetime = time.Hour
	IDTokenLifetime     = time.Hour
	CodeLifetime        = 300 * time.Second
	// A refresh token dies when unused this long (Okta's default window);
	// each rotation starts a new window.
	RefreshIdleWindow = 7 * 24 * time.Hour
	// The org server's refresh tokens end 90 days after the grant; custom
	// servers' last while they are used.
	OrgRefreshLifetime = 90 * 24 * time.Hour
)

// Grant is what a token response is minted from.
type Grant struct {
	Issuer   string
	Audience string // access token aud
	IDP      string // the org id, Okta's idp claim for locally signed-in users
	ClientID string
	// User is the resource owner; zero for client credentials, whose
	// access token has the client as sub and no uid.
	User     store.User
	Scopes   []string
	AuthTime time.Time
	AMR      []string
	Nonce    string
	// AccessTokenJTI is the access token's id (without the "AT." prefix).
	AccessTokenJTI string
	// AccessTokenLifetime is set by the access policy rule that allowed
	// the request; 0 means AccessTokenLifetime.
	AccessTokenLifetime time.Duration
	// AccessClaims and IDClaims are custom claims (RESOURCE and IDENTITY
	// claims of the authorization server) added to the access token and
	// the ID token. They never replace a claim Gatehouse sets itself.
	AccessClaims map[string]any
	IDClaims     map[string]any
}

// Issued is what Mint produced.
type Issued struct {
	AccessToken string
	IDToken     string // empty unless openid was granted
	// AccessTokenJTI and IDTokenJTI are the tokens' jti claims ("AT.…",
	// "ID.…"), for whoever records what was issued.
	AccessTokenJTI string
	IDTokenJTI     string
	ExpiresIn      int64
	ExpiresAt      time.Time
}

// Mint signs the access token and, when openid was granted, the ID token.
func Mint(set *keys.Set, g Grant, now time.Time) (Issued, error) {
	at, lifetime := accessTokenClaims(g, now)
	raw, err := signJSON(set, withClaims(at, g.AccessClaims))
	if err != nil {
		return Issued{}, err
	}
	out := Issued{AccessToken: raw, AccessTokenJTI: at.Jti, ExpiresIn: int64(lifetime / time.Second), ExpiresAt: now.Add(lifetime)}
	id, ok := idTokenClaims(g, now)
	if !ok {
		return out, nil
	}
	id.AtHash = LeftHalfHashFor(set.Alg(), raw)
	out.IDTokenJTI = id.Jti
	if out.IDToken, err = signJSON(set, withClaims(id, g.IDClaims)); err != nil {
		return Issued{}, err
	}
	return out, nil
}

// Preview returns the claims Mint would sign for g at now, as JSON objects:
// the access token's and the ID token's (nil when none would be issued),
// the latter without at_hash, which hashes the signed access token. The
// console's Token Preview shows them.
func Preview(g Grant, now time.Time) (access, id map[string]any, err error) {
	at, _ := accessTokenClaims(g, now)
	if access, err = claimsObject(withClaims(at, g.AccessClaims)); err != nil {
		return nil, nil, err
	}
	if idc, ok := idTokenClaims(g, now); ok {
		if id, err = claimsObject(withClaims(idc, g.IDClaims)); err != nil {
			return nil, nil, err
		}
	}
	return access, id, nil
}

// accessTokenClaims are the claims of g's access token, and its lifetime.
func accessTokenClaims(g Grant, now time.Time) (wire.AccessTokenClaims, time.Duration) {
	lifetime := g.AccessTokenLifetime
	if lifetime <= 0 {
		lifetime = AccessTokenLifetime
	}
	at := wire.AccessTokenClaims{
		Ver: 1, Jti: store.AccessTokenPrefix + g.AccessTokenJTI, Iss: g.Issuer, Aud: g.Audience, Iat: now.Unix(),
		Exp: now.Add(lifetime).Unix(), Cid: g.ClientID, UID: g.User.ID, Scp: g.Scopes, Sub: g.User.Login,
	}
	if g.User.ID == "" {
		at.Sub = g.ClientID
	} else {
		at.AuthTime = g.AuthTime.Unix()
	}
	return at, lifetime
}

// idTokenClaims are the claims of g's ID token but at_hash; false when
// there is none (openid not granted, or no user).
func idTokenClaims(g Grant, now time.Time) (wire.IDTokenClaims, bool) {
	if !slices.Contains(g.Scopes, domain.ScopeOpenID) || g.User.ID == "" {
		return wire.IDTokenClaims{}, false
	}
	id := wire.IDTokenClaims{
		Sub: g.User.ID, Ver: 1, Iss: g.Issuer, Aud: g.ClientID, Iat: now.Unix(),
		Exp: now.Add(IDTokenLifetime).Unix(), Jti: store.IDTokenPrefix + domain.RandomToken(15), AMR: g.AMR, IDP: g.IDP,
		Nonce: g.Nonce, AuthTime: g.AuthTime.Unix(),
	}
	// Okta's code flow puts only the minimal profile claims in the ID token;
	// the rest come from /userinfo.
	if slices.Contains(g.Scopes, domain.ScopeProfile) {
		id.Name = DisplayName(g.User)
		id.PreferredUsername = g.User.Login
	}
	if slices.Contains(g.Scopes, domain.ScopeEmail) {
		id.Email = g.User.Email
	}
	return id, true
}

// claimsObject is claims as the JSON object a token carries.
func claimsObject(claims any) (map[string]any, error) {
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	// Numbers stay as written (no float64 rounding of large values).
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	return out, d.Decode(&out)
}

// withClaims returns claims with extra added, or claims itself when there
// is nothing to add. A name claims already has (set, or reserved by the
// JWT and OIDC specs) is never replaced.
func withClaims(claims any, extra map[string]any) any {
	if len(extra) == 0 {
		return claims
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return claims
	}
	merged := map[string]any{}
	if err := json.Unmarshal(b, &merged); err != nil {
		return claims
	}
	for k, v := range extra {
		if _, taken := merged[k]; !taken && !ReservedClaim(k) {
			merged[k] = v
		}
	}
	return merged
}

// ReservedClaim reports whether name belongs to the protocol and may not be
// defined as a custom claim (domain.ReservedClaim, the one list).
func ReservedClaim(name string) bool { return domain.ReservedClaim(name) }

func signJSON(set *keys.Set, claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return set.Sign(payload)
}

// LeftHalfHash is the OIDC Core §3.1.3.6 at_hash / c_hash for RS256:
// base64url of the left half of the SHA-256 of the ASCII value.
func LeftHalfHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// LeftHalfHashFor is the at_hash / c_hash for a token signed with alg: the
// left half of the value's hash under the algorithm's hash function,
// SHA-256 for RS256 and ES256, SHA-512 for EdDSA (Ed25519 hashes with
// SHA-512; go-oidc and other relying parties check it so).
func LeftHalfHashFor(alg, value string) string {
	if alg != "EdDSA" {
		return LeftHalfHash(value)
	}
	sum := sha512.Sum512([]byte(value))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// DisplayName is the name claim of a user: display name, else first and
// last name, else the login.
func DisplayName(u store.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Login
}

// ErrInvalidToken covers every way an access token can fail validation; the
// reason is not told to the caller (RFC 6750 §3.1 invalid_token).
var ErrInvalidToken = errors.New("token: invalid access token")

// ParseAccessToken verifies an access token's signature with set and checks
// that issuer issued it for audience, as an access token (not an ID token,
// which the same key signs), and that it has not expired.
func ParseAccessToken(set *keys.Set, raw, issuer, audience string, now time.Time) (wire.AccessTokenClaims, error) {
	payload, err := set.Verify(raw)
	if err != nil {
		return wire.AccessTokenClaims{}, ErrInvalidToken
	}
	return accessClaims(payload, issuer, audience, now)
}

func accessClaims(payload []byte, issuer, audience string, now time.Time) (wire.AccessTokenClaims, error) {
	var c wire.AccessTokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, ErrInvalidToken
	}
	if c.Iss != issuer || c.Aud != audience || c.Cid == "" || c.Exp <= now.Unix() || !strings.HasPrefix(c.Jti, store.AccessTokenPrefix) {
		return c, ErrInvalidToken
	}
	return c, nil
}

// ParseIDTokenHint verifies an ID token this server issued, as an
// id_token_hint: the signature and issuer must hold, but an expired token
// is accepted (OIDC RP-Initiated Logout §2).
func ParseIDTokenHint(set *keys.Set, raw, issuer string) (wire.IDTokenClaims, error) {
	payload, err := set.Verify(raw)
	if err != nil {
		return wire.IDTokenClaims{}, ErrInvalidToken
	}
	return idClaims(payload, issuer)
}

func idClaims(payload []byte, issuer string) (wire.IDTokenClaims, error) {
	var c wire.IDTokenClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.Iss != issuer || !strings.HasPrefix(c.Jti, store.IDTokenPrefix) {
		return c, ErrInvalidToken
	}
	return c, nil
}

// Parsed is a verified JWT of this server: exactly one of Access and ID is set.
type Parsed struct {
	Access *wire.AccessTokenClaims
	ID     *wire.IDTokenClaims
}

// ParseJWT verifies raw once and reads it as whichever token it is, by its
// jti prefix: an unexpired access token for audience (as ParseAccessToken)
// or an ID token (as ParseIDTokenHint: expiry is the caller's to judge).
// Introspection uses it so that a token costs one signature check.
func ParseJWT(set *keys.Set, raw, issuer, audience string, now time.Time) (Parsed, error) {
	payload, err := set.Verify(raw)
	if err != nil {
		return Parsed{}, ErrInvalidToken
	}
	var probe struct {
		Jti string `json:"jti"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return Parsed{}, ErrInvalidToken
	}
	switch {
	case strings.HasPrefix(probe.Jti, store.AccessTokenPrefix):
		c, err := accessClaims(payload, issuer, audience, now)
		return Parsed{Access: &c}, err
	case strings.HasPrefix(probe.Jti, store.IDTokenPrefix):
		c, err := idClaims(payload, issuer)
		return Parsed{ID: &c}, err
	}
	return Parsed{}, ErrInvalidToken
}
