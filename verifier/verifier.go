package verifier

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Defaults.
const (
	DefaultClockSkew       = 2 * time.Minute
	DefaultRefetchInterval = 10 * time.Second
	// fetchTimeout bounds one discovery + key set fetch.
	fetchTimeout = 10 * time.Second
	// maxTokenSize bounds the raw token Verify looks at.
	maxTokenSize = 64 << 10
)

// allowedAlgs is the fixed allow list of signature algorithms. Okta signs
// access tokens with RS256 only; a Gatehouse authorization server may sign
// with ES256 or EdDSA instead. Each key of the issuer's set verifies only
// the algorithm it is published with (its JWK alg), so a token's header
// cannot pick another algorithm for a key.
var allowedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// Verifier validates access tokens of one issuer for one audience. It is
// safe for concurrent use; make one per issuer and share it.
type Verifier struct {
	issuer    string
	audience  string
	skew      time.Duration
	clientIDs []string
	scopes    []string
	realm     string
	now       func() time.Time
	keys      *keySet
}

type options struct {
	client          *http.Client
	jwksURL         string
	skew            time.Duration
	clientIDs       []string
	scopes          []string
	now             func() time.Time
	refetchInterval time.Duration
	realm           string
}

// Option configures a Verifier.
type Option func(*options)

// WithHTTPClient sets the client that fetches the discovery document and the
// key set. The default is a client with a 10 s timeout.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithJWKSURL gives the key set's address, so that the discovery document is
// never fetched. For Gatehouse and Okta it is {issuer}/v1/keys.
func WithJWKSURL(u string) Option { return func(o *options) { o.jwksURL = u } }

// WithClockSkew sets the leeway for exp, nbf and iat (default 2 minutes).
func WithClockSkew(d time.Duration) Option { return func(o *options) { o.skew = d } }

// WithClientIDs restricts accepted tokens to those whose cid claim is one of
// ids (the OAuth client the token was issued to).
func WithClientIDs(ids ...string) Option {
	return func(o *options) { o.clientIDs = append(o.clientIDs, ids...) }
}

// WithRequiredScopes makes every token need all of scopes in its scp claim;
// a token that lacks one fails with ErrInsufficientScope.
func WithRequiredScopes(scopes ...string) Option {
	return func(o *options) { o.scopes = append(o.scopes, scopes...) }
}

// WithClock sets the clock used for the time claims and for the refetch
// interval (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithRefetchInterval sets the least time between two fetches of the key
// set (default 10 s). A token with an unknown kid arriving sooner after the
// last fetch is rejected without a fetch. Zero removes the limit; fetches
// in flight are still shared.
func WithRefetchInterval(d time.Duration) Option {
	return func(o *options) { o.refetchInterval = d }
}

// WithRealm sets the realm of the middleware's WWW-Authenticate challenges
// (default: the audience).
func WithRealm(realm string) Option { return func(o *options) { o.realm = realm } }

// New returns a Verifier for tokens of issuer (for example
// https://id.example.com/oauth2/default) meant for audience (api://default
// for Gatehouse's and Okta's default server). It makes no request: the
// discovery document and the keys are fetched on first use.
func New(issuer, audience string, opts ...Option) (*Verifier, error) {
	o := options{skew: DefaultClockSkew, refetchInterval: DefaultRefetchInterval, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	var problems []error
	if err := checkURL(issuer); err != nil {
		problems = append(problems, fmt.Errorf("issuer: %w", err))
	}
	if audience == "" {
		problems = append(problems, errors.New("audience is empty"))
	}
	if o.jwksURL != "" {
		if err := checkURL(o.jwksURL); err != nil {
			problems = append(problems, fmt.Errorf("JWKS URL: %w", err))
		}
	}
	if o.skew < 0 {
		problems = append(problems, errors.New("clock skew is negative"))
	}
	if o.refetchInterval < 0 {
		problems = append(problems, errors.New("refetch interval is negative"))
	}
	if o.now == nil {
		problems = append(problems, errors.New("clock is nil"))
	}
	if slices.Contains(o.scopes, "") || slices.Contains(o.clientIDs, "") {
		problems = append(problems, errors.New("empty scope or client id"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("verifier: %w", err)
	}
	if o.client == nil {
		o.client = &http.Client{Timeout: fetchTimeout}
	}
	if o.realm == "" {
		o.realm = audience
	}
	return &Verifier{
		issuer: issuer, audience: audience, skew: o.skew,
		clientIDs: o.clientIDs, scopes: o.scopes, realm: o.realm, now: o.now,
		keys: &keySet{
			client: o.client, issuer: issuer, jwksURL: o.jwksURL,
			interval: o.refetchInterval, now: o.now,
		},
	}, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// Issuer is the issuer the Verifier accepts.
func (v *Verifier) Issuer() string { return v.issuer }

// Audience is the audience the Verifier accepts.
func (v *Verifier) Audience() string { return v.audience }

// Verify checks rawToken (the compact JWT, without "Bearer ") as the package
// documentation describes and returns its claims. Errors wrap one of the
// Err… values. ctx bounds the wait for the key set when it must be fetched.
func (v *Verifier) Verify(ctx context.Context, rawToken string) (*Claims, error) {
	c, err := v.verifyToken(ctx, rawToken)
	if err != nil {
		return nil, err
	}
	if err := c.requireScopes(v.scopes); err != nil {
		return nil, err
	}
	return c, nil
}

// verifyToken checks everything but the scopes.
func (v *Verifier) verifyToken(ctx context.Context, raw string) (*Claims, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: empty token", ErrMalformed)
	}
	if len(raw) > maxTokenSize {
		return nil, fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenSize)
	}
	h, err := parseHeader(raw)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(allowedAlgs, jose.SignatureAlgorithm(h.Alg)) {
		return nil, fmt.Errorf("%w: alg %q is not allowed", ErrInvalidSignature, h.Alg)
	}
	jws, err := jose.ParseSignedCompact(raw, allowedAlgs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	key, err := v.keys.key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}
	if key.alg != jose.SignatureAlgorithm(h.Alg) {
		return nil, fmt.Errorf("%w: key %q is for %s, the token says %s", ErrInvalidSignature, h.Kid, key.alg, h.Alg)
	}
	payload, err := jws.Verify(key.key)
	if err != nil {
		return nil, fmt.Errorf("%w: signature does not verify with key %q", ErrInvalidSignature, h.Kid)
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	if err := v.check(c); err != nil {
		return nil, err
	}
	return c, nil
}

type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// parseHeader reads the JOSE header before go-jose does, to refuse
// algorithms and critical extensions with clear errors and to find the kid.
func parseHeader(raw string) (header, error) {
	var h header
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return h, fmt.Errorf("%w: a compact JWS has 3 parts, this has %d", ErrMalformed, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if h.Crit != nil {
		return h, fmt.Errorf("%w: crit header is not supported", ErrMalformed)
	}
	if h.Kid == "" && slices.Contains(allowedAlgs, jose.SignatureAlgorithm(h.Alg)) {
		return h, fmt.Errorf("%w: header has no kid", ErrMalformed)
	}
	return h, nil
}

// check validates the registered claims.
func (v *Verifier) check(c *Claims) error {
	if c.Issuer != v.issuer {
		return fmt.Errorf("%w: iss %q, want %q", ErrInvalidIssuer, c.Issuer, v.issuer)
	}
	if !slices.Contains(c.audiences, v.audience) {
		return fmt.Errorf("%w: aud %q does not contain %q", ErrInvalidAudience, c.audiences, v.audience)
	}
	c.Audience = v.audience
	now := v.now()
	if c.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: no exp claim", ErrMalformed)
	}
	if !now.Before(c.ExpiresAt.Add(v.skew)) {
		return fmt.Errorf("%w: exp %s, now %s", ErrExpired, c.ExpiresAt.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !c.NotBefore.IsZero() && now.Add(v.skew).Before(c.NotBefore) {
		return fmt.Errorf("%w: nbf %s, now %s", ErrNotYetValid, c.NotBefore.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !c.IssuedAt.IsZero() && now.Add(v.skew).Before(c.IssuedAt) {
		return fmt.Errorf("%w: iat %s is in the future, now %s", ErrNotYetValid, c.IssuedAt.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if len(v.clientIDs) > 0 && !slices.Contains(v.clientIDs, c.ClientID) {
		return fmt.Errorf("%w: cid %q", ErrInvalidClientID, c.ClientID)
	}
	return nil
}
