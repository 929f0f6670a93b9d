package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
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
//
// A jwks_uri is a URL anyone registering a client chooses, so fetching it
// must not become a way to reach Gatehouse's own network (SSRF): public
// connects only to public addresses, checked on the address actually
// dialled (see guardDial), and neither client follows redirects. local
// serves a jwks_uri registered on loopback (http://127.0.0.1:port or
// http://localhost:port, in development and tests): it may reach loopback
// addresses, but no other non-public one.
type clientKeys struct {
	public *http.Client
	local  *http.Client
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
	return &clientKeys{now: now, public: newJWKSClient(false), local: newJWKSClient(true)}
}

// newJWKSClient returns the HTTP client that fetches jwks_uris. Every
// connection it makes goes through guardDial, which sees the resolved
// address just before connecting, so that a host name resolving (or
// re-resolving, DNS rebinding) to an internal address is refused. It uses
// no proxy: with one, the address checked would be the proxy's, not the
// jwks_uri's. It follows no redirect: a redirect answer is a failed fetch.
func newJWKSClient(allowLoopback bool) *http.Client {
	dialer := &net.Dialer{Timeout: jwksFetchTimeout, Control: guardDial(allowLoopback)}
	return &http.Client{
		Timeout: jwksFetchTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   jwksFetchTimeout,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// clientFor picks the client for a registered jwks_uri: local when its
// host is itself loopback ("localhost" or a loopback IP), public otherwise.
func (c *clientKeys) clientFor(uri string) *http.Client {
	if loopbackHost(uri) {
		return c.local
	}
	return c.public
}

// loopbackHost reports whether the URL's host is "localhost" or a loopback
// IP address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
func loopbackHost(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// errNonPublicAddress is why guardDial refuses a connection.
var errNonPublicAddress = errors.New("refused to connect to a non-public address")

// guardDial is the net.Dialer Control function of the jwks_uri clients. It
// runs for each address the dialer tries, after name resolution and before
// connecting, and refuses every address that is not public unicast:
// loopback (unless allowLoopback), private, link-local, unspecified,
// multicast, shared (CGNAT) and reserved ranges, IPv4-mapped IPv6 forms of
// them, and IPv6 prefixes that embed such an IPv4 address.
func guardDial(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if network != "tcp4" && network != "tcp6" {
			return fmt.Errorf("%w: network %s", errNonPublicAddress, network)
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", errNonPublicAddress, address)
		}
		ip := ap.Addr().Unmap().WithZone("")
		if allowLoopback && ip.IsLoopback() {
			return nil
		}
		if !publicAddr(ip) {
			return fmt.Errorf("%w: %s", errNonPublicAddress, ip)
		}
		return nil
	}
}

// nonPublicPrefixes are the ranges publicAddr refuses beyond those netip
// classifies (loopback, private, link-local, multicast, unspecified).
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated)
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated)
}

// IPv6 prefixes that carry an IPv4 address, which the connection reaches.
var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96") // the IPv4 address in the last 4 bytes
	sixToFourNet = netip.MustParsePrefix("2002::/16")    // the IPv4 address in bytes 2–5
)

// publicAddr reports whether ip is a public unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFourNet.Contains(ip):
			return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}

// jwksUnavailable is what a failed jwks_uri fetch tells the client: it
// names no address, network error or status, so that a client cannot use
// its jwks_uri to probe what Gatehouse can reach. The reason is logged.
const jwksUnavailable = "the key set is unavailable"

// jwksError is a failed fetch (or an unusable answer): its message is the
// fixed jwksUnavailable, and the reason is only reachable through Unwrap.
type jwksError struct{ cause error }

func (e *jwksError) Error() string { return jwksUnavailable }
func (e *jwksError) Unwrap() error { return e.cause }

// logURI is the jwks_uri as it is logged: without user info, query or
// fragment, which could hold credentials.
func logURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparseable)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
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
			slog.WarnContext(ctx, "fetching a client's jwks_uri failed",
				"client_id", app.ClientID, "jwks_uri", logURI(app.JWKSURI), "error", err.Error())
			e.err = &jwksError{cause: err}
			if stale {
				e.keys = nil // never use a set past its lifetime
			}
		} else {
			e.keys, e.fetched, e.err = keys, now, nil
		}
	}
	if e.keys == nil {
		if e.err == nil {
			e.err = &jwksError{cause: errors.New("not fetched yet")}
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
// so it is bounded by its own timeout, not by the request's context. Its
// errors are detailed, for the log; keysFor hides them from the client.
func (c *clientKeys) fetch(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, errors.New("invalid URL")
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := c.clientFor(uri).Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("no answer within %s", jwksFetchTimeout)
		}
		// The *url.Error repeats the whole URL, query included; keep
		// only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, fmt.Errorf("status %d: redirects are not followed", resp.StatusCode)
	}
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
