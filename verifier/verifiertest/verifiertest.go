// Package verifiertest runs a fake token issuer on a loopback HTTP server,
// so that resource servers can test their use of package verifier without a
// running Gatehouse:
//
//	iss := verifiertest.NewIssuer(t)
//	v, _ := verifier.New(iss.Issuer(), iss.Audience())
//	token := iss.Mint(map[string]any{"scp": []string{"messages:read"}})
//
// The issuer serves the OpenID Provider Configuration and the key set at
// Gatehouse's paths ({issuer}/.well-known/openid-configuration and
// {issuer}/v1/keys) and mints RS256 access tokens shaped like Gatehouse's
// and Okta's: header {"alg":"RS256","kid":…}, claims ver jti iss aud iat exp
// cid uid scp sub auth_time. It can rotate its key, go down, and mint the
// broken tokens a verifier must refuse (other algorithms, unknown kids).
//
// Like net/http/httptest, it panics on the failures a test cannot recover
// from (no randomness, no loopback listener).
//
// The package imports only the standard library and go-jose.
package verifiertest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"hash"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Defaults of the minted tokens.
const (
	Path     = "/oauth2/default" // the issuer's path under the server's URL
	Audience = "api://default"
	ClientID = "0oaverifiertest0client"
	UserID   = "00uverifiertest00user"
	Subject  = "user@example.com"
	Lifetime = time.Hour
)

// Issuer is a fake authorization server. Its methods are safe for concurrent
// use.
type Issuer struct {
	server   *httptest.Server
	issuer   string
	audience string
	now      func() time.Time

	mu        sync.Mutex
	keys      []signingKey // keys[0] signs; at most current and previous
	available bool
	keyHits   int
	discHits  int
}

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// Option configures an Issuer.
type Option func(*Issuer)

// WithAudience sets the default aud of minted tokens (default api://default).
func WithAudience(aud string) Option { return func(i *Issuer) { i.audience = aud } }

// WithClock sets the clock for iat, exp and auth_time of minted tokens
// (default time.Now).
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// NewIssuer starts an Issuer that stops when the test ends.
func NewIssuer(t testing.TB, opts ...Option) *Issuer {
	t.Helper()
	i := New(opts...)
	t.Cleanup(i.Close)
	return i
}

// New starts an Issuer; Close stops it. Tests should prefer NewIssuer.
func New(opts ...Option) *Issuer {
	i := &Issuer{audience: Audience, now: time.Now, available: true}
	for _, opt := range opts {
		opt(i)
	}
	i.keys = []signingKey{newKey()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path+"/.well-known/openid-configuration", i.discovery)
	mux.HandleFunc("GET "+Path+"/.well-known/oauth-authorization-server", i.discovery)
	mux.HandleFunc("GET "+Path+"/v1/keys", i.jwks)
	i.server = httptest.NewServer(mux)
	i.issuer = i.server.URL + Path
	return i
}

// Close shuts the server down.
func (i *Issuer) Close() { i.server.Close() }

// Issuer is the issuer identifier (iss), the server's URL + Path.
func (i *Issuer) Issuer() string { return i.issuer }

// Audience is the default aud of minted tokens.
func (i *Issuer) Audience() string { return i.audience }

// JWKSURL is the key set's address, {issuer}/v1/keys.
func (i *Issuer) JWKSURL() string { return i.issuer + "/v1/keys" }

// KeyID is the kid of the key that signs new tokens.
func (i *Issuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keys[0].kid
}

// Rotate makes a new signing key and returns its kid. The key set then
// holds the new key and the one it replaces, as Okta's does after a
// rotation; the key before that is dropped, so tokens it signed stop
// verifying once a verifier refreshes its keys.
func (i *Issuer) Rotate() string {
	k := newKey()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = []signingKey{k, i.keys[0]}
	return k.kid
}

// SetAvailable makes the discovery document and the key set answer 503
// while ok is false.
func (i *Issuer) SetAvailable(ok bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.available = ok
}

// KeyFetches counts the requests for the key set so far, failed ones too.
func (i *Issuer) KeyFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keyHits
}

// DiscoveryFetches counts the requests for the discovery documents so far.
func (i *Issuer) DiscoveryFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.discHits
}

func (i *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	i.discHits++
	up := i.available
	i.mu.Unlock()
	if !up {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, map[string]any{
		"issuer":                                i.issuer,
		"authorization_endpoint":                i.issuer + "/v1/authorize",
		"token_endpoint":                        i.issuer + "/v1/token",
		"jwks_uri":                              i.JWKSURL(),
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	i.keyHits++
	up := i.available
	var set jose.JSONWebKeySet
	for _, k := range i.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
	i.mu.Unlock()
	if !up {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600, must-revalidate")
	writeJSON(w, set)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

type mintConfig struct {
	kid       string
	alg       string
	expiresIn time.Duration
	key       *rsa.PrivateKey
}

// MintOption changes how Mint signs.
type MintOption func(*mintConfig)

// WithKeyID puts kid in the header instead of the signing key's own, as a
// token from another issuer, or signed with a key not yet published, would.
// The token is still signed with the current key.
func WithKeyID(kid string) MintOption { return func(c *mintConfig) { c.kid = kid } }

// WithAlg signs with alg instead of RS256: RS384 and RS512 with the current
// key; HS256 with the PEM of the current public key as the HMAC secret (the
// key-confusion attack); "none" with an empty signature.
func WithAlg(alg string) MintOption { return func(c *mintConfig) { c.alg = alg } }

// WithExpiresIn sets exp to iat + d (default one hour; negative for an
// expired token). An exp in Mint's claims wins.
func WithExpiresIn(d time.Duration) MintOption { return func(c *mintConfig) { c.expiresIn = d } }

// WithUnpublishedKey signs with a fresh key the key set never shows, under
// the current key's kid: a forged token.
func WithUnpublishedKey() MintOption { return func(c *mintConfig) { c.key = newKey().priv } }

// Mint returns a signed access token. claims are laid over the defaults
// (ver 1, a fresh jti, iss, aud, iat and auth_time now, exp in an hour, cid
// ClientID, uid UserID, scp ["openid"], sub Subject); a nil value removes
// a default claim.
func (i *Issuer) Mint(claims map[string]any, opts ...MintOption) string {
	i.mu.Lock()
	key := i.keys[0]
	i.mu.Unlock()
	c := mintConfig{kid: key.kid, alg: "RS256", expiresIn: Lifetime, key: key.priv}
	for _, opt := range opts {
		opt(&c)
	}
	now := i.now().Unix()
	all := map[string]any{
		"ver": 1, "jti": "AT." + randomString(), "iss": i.issuer, "aud": i.audience,
		"iat": now, "exp": now + int64(c.expiresIn/time.Second), "auth_time": now,
		"cid": ClientID, "uid": UserID, "scp": []string{"openid"}, "sub": Subject,
	}
	maps.Copy(all, claims)
	for name, v := range all {
		if v == nil {
			delete(all, name)
		}
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid,omitempty"`
	}{c.alg, c.kid})
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(all)
	if err != nil {
		panic("verifiertest: Mint: " + err.Error())
	}
	input := b64(header) + "." + b64(payload)
	return input + "." + b64(sign(c.alg, c.key, []byte(input)))
}

func sign(alg string, key *rsa.PrivateKey, input []byte) []byte {
	rsaSign := func(h crypto.Hash, newHash func() hash.Hash) []byte {
		d := newHash()
		d.Write(input)
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, d.Sum(nil))
		if err != nil {
			panic(err)
		}
		return sig
	}
	switch alg {
	case "RS256":
		return rsaSign(crypto.SHA256, sha256.New)
	case "RS384":
		return rsaSign(crypto.SHA384, sha512.New384)
	case "RS512":
		return rsaSign(crypto.SHA512, sha512.New)
	case "HS256":
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			panic(err)
		}
		mac := hmac.New(sha256.New, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		mac.Write(input)
		return mac.Sum(nil)
	case "none":
		return nil
	}
	panic("verifiertest: WithAlg: unsupported alg " + alg)
}

// newKey makes a 2048-bit RSA key whose kid is its RFC 7638 thumbprint, as
// Gatehouse derives kids.
func newKey() signingKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	thumb, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		panic(err)
	}
	return signingKey{kid: b64(thumb), priv: priv}
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return b64(b)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
