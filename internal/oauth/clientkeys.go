package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// How the public keys of private_key_jwt clients that publish a jwks_uri
// are fetched and kept.
const (
	jwksFetchTimeout = 5 * time.Second
	// jwksCacheFor is how long a fetched set is used before it is fetched
	// again.
	jwksCacheFor = 5 * time.Minute
	// jwksRetryAfter spaces fetches of one client's set: an assertion
	// naming an unknown kid refetches at once (the client rotated its key),
	// but at most once per this period, so that assertions with made-up kids
	// cannot make Gatehouse hammer the client's server. A failed fetch is
	// not retried sooner either.
	jwksRetryAfter = 10 * time.Second
)

// clientKeys finds the public keys of private_key_jwt clients: parsed once
// from the registered JWKS, or fetched from the jwks_uri and cached per
// client. Replicas cache independently; nothing here needs to be shared.
type clientKeys struct {
	http   *http.Client
	now    func() time.Time
	inline sync.Map // client id → *inlineKeys
	remote sync.Map // client id → *remoteKeys
}

type inlineKeys struct {
	raw  string
	keys []jose.JSONWebKey
	err  error
}

// remoteKeys is one client's fetched set. mu is held across a fetch, so
// that concurrent requests share it instead of each fetching.
type remoteKeys struct {
	mu      sync.Mutex
	uri     string
	keys    []jose.JSONWebKey
	fetched time.Time // last successful fetch
	tried   time.Time // last attempt, successful or not
	err     error     // why the last attempt failed, nil after a success
}

func newClientKeys(now func() time.Time) *clientKeys {
	return &clientKeys{now: now, http: &http.Client{Timeout: jwksFetchTimeout, CheckRedirect: jwksRedirect}}
}

// jwksRedirect follows at most three redirects, each to https or to the
// first URL's own origin (a loopback http jwks_uri in development).
func jwksRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if req.URL.Scheme != "https" && (req.URL.Scheme != first.Scheme || req.URL.Host != first.Host) {
		return fmt.Errorf("redirect to %s://%s refused: https only", req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// keysFor returns the app's keys. With kid set and absent from a fetched
// set, the set is fetched again (rate-limited) before giving up.
func (c *clientKeys) keysFor(ctx context.Context, app store.App, kid string) ([]jose.JSONWebKey, error) {
	if app.JWKSURI == "" {
		return c.inlineKeys(app)
	}
	v, _ := c.remote.LoadOrStore(app.ClientID, &remoteKeys{uri: app.JWKSURI})
	e := v.(*remoteKeys)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.uri != app.JWKSURI { // the app was given another URL: start over
		e.uri, e.keys, e.fetched, e.tried, e.err = app.JWKSURI, nil, time.Time{}, time.Time{}, nil
	}
	now := c.now()
	mayFetch := e.tried.IsZero() || now.Sub(e.tried) >= jwksRetryAfter || now.Before(e.tried)
	stale := e.keys == nil || now.Sub(e.fetched) >= jwksCacheFor
	unknownKid := kid != "" && e.keys != nil && !hasKid(e.keys, kid)
	if (stale || unknownKid) && mayFetch {
		e.tried = now
		keys, err := c.fetch(ctx, app.JWKSURI)
		if err != nil {
			e.err = err
			if stale {
				e.keys = nil // never use a set past its lifetime
			}
		} else {
			e.keys, e.fetched, e.err = keys, now, nil
		}
	}
	if e.keys == nil {
		if e.err == nil {
			e.err = errors.New("not fetched yet")
		}
		return nil, e.err
	}
	return e.keys, nil
}

func (c *clientKeys) inlineKeys(app store.App) ([]jose.JSONWebKey, error) {
	if v, ok := c.inline.Load(app.ClientID); ok {
		if k := v.(*inlineKeys); k.raw == app.JWKS {
			return k.keys, k.err
		}
	}
	keys, err := domain.ParseClientJWKS([]byte(app.JWKS))
	c.inline.Store(app.ClientID, &inlineKeys{raw: app.JWKS, keys: keys, err: err})
	return keys, err
}

// fetch GETs a jwks_uri and reads the client's signing keys from it. The
// fetch outlives the request that caused it (other requests wait for it),
// so it is bounded by its own timeout, not by the request's context.
func (c *clientKeys) fetch(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := c.http.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("no answer within %s", jwksFetchTimeout)
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "Get "))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, domain.MaxJWKSBytes+1))
	if err != nil {
		return nil, errors.New("the answer could not be read")
	}
	return domain.ClientSigningKeys(body)
}

func hasKid(keys []jose.JSONWebKey, kid string) bool {
	for _, k := range keys {
		if k.KeyID == kid {
			return true
		}
	}
	return false
}
