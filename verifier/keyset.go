package verifier

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Key set cache lifetimes: the JWKS response's Cache-Control max-age,
// clamped to [minKeySetTTL, maxKeySetTTL], defaultKeySetTTL without one.
const (
	defaultKeySetTTL = time.Hour
	minKeySetTTL     = 5 * time.Minute
	maxKeySetTTL     = 24 * time.Hour
	// maxDocumentSize bounds the discovery document and the key set.
	maxDocumentSize = 1 << 20
	minRSABits      = 2048
)

// keySet caches the issuer's public keys. At most one fetch runs at a time
// and every caller that needs it waits for that one (zitadel's
// rp.NewRemoteKeySet does the same); fetches start at most once per
// interval.
type keySet struct {
	client   *http.Client
	issuer   string
	interval time.Duration
	now      func() time.Time
	// jwksURL is configured, or discovered by the first successful fetch.
	// Only the fetch goroutine touches it, and fetches never overlap.
	jwksURL string

	mu          sync.Mutex
	keys        map[string]*publicKey
	expires     time.Time // keys are stale from then on
	lastAttempt time.Time // start of the last fetch; zero before the first
	lastErr     error     // of the last fetch, nil when it succeeded
	inflight    *fetchCall

	// onWait, when set (by tests), runs when a caller starts waiting for a
	// fetch.
	onWait func()
}

// publicKey is a signing key with the one algorithm it verifies.
type publicKey struct {
	key any // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	alg jose.SignatureAlgorithm
}

type fetchCall struct {
	done chan struct{}
	err  error // set before done is closed
}

// key returns the public key with id kid, fetching the key set when kid is
// unknown (and the refetch interval allows it).
func (ks *keySet) key(ctx context.Context, kid string) (*publicKey, error) {
	ks.mu.Lock()
	if k, ok := ks.keys[kid]; ok {
		if !ks.now().Before(ks.expires) {
			ks.startLocked(ctx) // refresh in the background; use the stale key meanwhile
		}
		ks.mu.Unlock()
		return k, nil
	}
	call := ks.startLocked(ctx)
	if call == nil {
		err := ks.lastErr
		ks.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return nil, unknownKID(kid)
	}
	ks.mu.Unlock()

	if ks.onWait != nil {
		ks.onWait()
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrKeySetUnavailable, ctx.Err())
	}
	ks.mu.Lock()
	k, ok := ks.keys[kid]
	ks.mu.Unlock()
	switch {
	case ok:
		return k, nil
	case call.err != nil:
		return nil, call.err
	default:
		return nil, unknownKID(kid)
	}
}

func unknownKID(kid string) error {
	return fmt.Errorf("%w: no key with kid %q in the issuer's key set", ErrInvalidSignature, kid)
}

// startLocked returns the fetch in flight, or starts one, or returns nil
// when the last fetch started less than the refetch interval ago. ks.mu is
// held. The fetch runs on its own goroutine, detached from ctx's
// cancellation, so that one caller giving up does not fail the others.
func (ks *keySet) startLocked(ctx context.Context) *fetchCall {
	if ks.inflight != nil {
		return ks.inflight
	}
	now := ks.now()
	if since := now.Sub(ks.lastAttempt); !ks.lastAttempt.IsZero() && since >= 0 && since < ks.interval {
		return nil
	}
	call := &fetchCall{done: make(chan struct{})}
	ks.inflight, ks.lastAttempt = call, now
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	go func() {
		defer cancel()
		keys, ttl, err := ks.fetch(fctx)
		ks.mu.Lock()
		if err != nil {
			call.err = fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
		} else {
			ks.keys, ks.expires = keys, ks.now().Add(ttl)
		}
		ks.lastErr, ks.inflight = call.err, nil
		ks.mu.Unlock()
		close(call.done)
	}()
	return call
}

// fetch discovers the key set's address when needed and reads the keys.
func (ks *keySet) fetch(ctx context.Context) (map[string]*publicKey, time.Duration, error) {
	if ks.jwksURL == "" {
		u, err := ks.discover(ctx)
		if err != nil {
			return nil, 0, err
		}
		ks.jwksURL = u
	}
	body, resp, err := ks.get(ctx, ks.jwksURL)
	if err != nil {
		return nil, 0, err
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return nil, 0, fmt.Errorf("key set %s: %w", ks.jwksURL, err)
	}
	return keys, keySetTTL(resp.Header.Get("Cache-Control")), nil
}

// discover reads jwks_uri from the OpenID Provider Configuration (OIDC
// Discovery §4; Okta's verifiers use this document for access tokens too).
func (ks *keySet) discover(ctx context.Context) (string, error) {
	u := strings.TrimSuffix(ks.issuer, "/") + "/.well-known/openid-configuration"
	body, _, err := ks.get(ctx, u)
	if err != nil {
		return "", err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("discovery document %s: %w", u, err)
	}
	// OIDC Discovery §4.3: the issuer in the document must be the one asked for.
	if doc.Issuer != ks.issuer {
		return "", fmt.Errorf("discovery document %s names issuer %q", u, doc.Issuer)
	}
	if err := checkURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discovery document %s: jwks_uri: %w", u, err)
	}
	return doc.JWKSURI, nil
}

func (ks *keySet) get(ctx context.Context, u string) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocumentSize))
		return nil, nil, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxDocumentSize {
		return nil, nil, fmt.Errorf("GET %s: larger than %d bytes", u, maxDocumentSize)
	}
	return body, resp, nil
}

// parseKeySet keeps the signing keys of a JWKS (RFC 7517 §5) that it can
// pin to one algorithm: RSA keys of 2048 bits or more (alg RS256 or none:
// Okta's keys), P-256 keys with alg ES256 and Ed25519 keys with alg EdDSA.
// It skips the rest: keys of other types, curves, uses or algorithms, EC
// and OKP keys without alg, keys without kid, short RSA keys. Keys are
// parsed one by one so that one odd key does not discard the set.
func parseKeySet(body []byte) (map[string]*publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, err
	}
	keys := map[string]*publicKey{}
	for _, raw := range set.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			continue
		}
		if jwk.KeyID == "" || (jwk.Use != "" && jwk.Use != "sig") {
			continue
		}
		if k := pinned(jwk); k != nil {
			keys[jwk.KeyID] = k
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable signing key (RSA of 2048 bits or more, ES256 or EdDSA)")
	}
	return keys, nil
}

// pinned returns the key with its algorithm, or nil when it has none of
// the allowed ones.
func pinned(jwk jose.JSONWebKey) *publicKey {
	alg := jose.SignatureAlgorithm(jwk.Algorithm)
	switch pub := jwk.Public().Key.(type) {
	case *rsa.PublicKey:
		if (alg == "" || alg == jose.RS256) && pub.N.BitLen() >= minRSABits {
			return &publicKey{key: pub, alg: jose.RS256}
		}
	case *ecdsa.PublicKey:
		if alg == jose.ES256 && pub.Curve == elliptic.P256() {
			return &publicKey{key: pub, alg: alg}
		}
	case ed25519.PublicKey:
		if alg == jose.EdDSA {
			return &publicKey{key: pub, alg: alg}
		}
	}
	return nil
}

// keySetTTL reads max-age from a Cache-Control header.
func keySetTTL(cacheControl string) time.Duration {
	for _, d := range strings.Split(cacheControl, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		if !strings.EqualFold(name, "max-age") {
			continue
		}
		secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
		if err != nil || secs < 0 {
			break
		}
		return min(max(time.Duration(min(secs, int64(maxKeySetTTL/time.Second)))*time.Second, minKeySetTTL), maxKeySetTTL)
	}
	return defaultKeySetTTL
}
