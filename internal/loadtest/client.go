package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
)

// Options describe the server and the client the load runs as. Nothing is
// specific to Gatehouse except the sign-in scenarios' use of its hosted
// sign-in form.
type Options struct {
	Issuer       string // the issuer; {Issuer}/.well-known/openid-configuration is read
	ClientID     string
	ClientSecret string
	// AuthMethod is client_secret_basic, client_secret_post or none; empty
	// means client_secret_basic when there is a secret and none otherwise.
	AuthMethod  string
	RedirectURI string // must be registered for the client; it is never fetched
	Username    string
	Password    string
	// Scope is requested as is; empty means the scenario's default.
	Scope string
	// RefreshTokens seed the refresh scenario, one per worker; without
	// enough of them it obtains more through the authorization code flow.
	RefreshTokens []string
}

// Client authentication methods (RFC 6749 §2.3.1, OIDC Core §9).
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
	AuthNone  = "none"
)

func (o Options) authMethod() string {
	switch {
	case o.AuthMethod != "":
		return o.AuthMethod
	case o.ClientSecret != "":
		return AuthBasic
	default:
		return AuthNone
	}
}

// Endpoints are what the load needs from the discovery document.
type Endpoints struct {
	Discovery     string `json:"-"`
	Issuer        string `json:"issuer"`
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
	Introspection string `json:"introspection_endpoint"`
	JWKS          string `json:"jwks_uri"`
}

// DiscoveryURL is where an issuer publishes its OpenID Provider metadata
// (OIDC Discovery §4).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// Discover reads the issuer's discovery document.
func Discover(ctx context.Context, hc *http.Client, issuer string) (Endpoints, error) {
	u := DiscoveryURL(issuer)
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return Endpoints{}, fmt.Errorf("issuer %q is not an http(s) URL", issuer)
	}
	status, _, body, err := do(ctx, hc, "discovery", http.MethodGet, u, nil, nil)
	if err != nil {
		return Endpoints{}, err
	}
	if status != http.StatusOK {
		return Endpoints{}, httpFailure("discovery", status, body)
	}
	var ep Endpoints
	if err := json.Unmarshal(body, &ep); err != nil {
		return Endpoints{}, fmt.Errorf("discovery document at %s: %w", u, err)
	}
	ep.Discovery = u
	if ep.Issuer != strings.TrimSuffix(issuer, "/") && ep.Issuer != issuer {
		return Endpoints{}, fmt.Errorf("discovery document at %s names issuer %q, not %q", u, ep.Issuer, issuer)
	}
	return ep, nil
}

// NewClient returns a client on rt with a cookie jar of its own that does
// not follow redirects (the flows read each Location). It has no overall
// timeout: every operation's context carries one.
func NewClient(rt http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Transport: rt, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// maxBody bounds what is read of an answer.
const maxBody = 1 << 20

// do sends one request and reads the whole answer (so that the connection
// is reused). Transport errors come back as a *Failure of step.
func do(ctx context.Context, hc *http.Client, step, method, u string, form url.Values, setup func(*http.Request)) (int, http.Header, []byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, nil, nil, &Failure{Step: step, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if setup != nil {
		setup(req)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, &Failure{Step: step, Err: err}
	}
	defer resp.Body.Close()
	b, err := readBody(resp)
	if err != nil {
		return 0, nil, nil, &Failure{Step: step, Err: err}
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, b, nil
}

// readBody reads at most maxBody of an answer, in one buffer of the
// announced size when there is one (a HEAD answer announces a length but
// has no body).
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > maxBody {
		return io.ReadAll(io.LimitReader(resp.Body, maxBody))
	}
	b := make([]byte, 0, n)
	for len(b) < cap(b) {
		k, err := resp.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// flow makes the requests of one worker.
type flow struct {
	hc *http.Client
	ep Endpoints
	o  Options
	// checked is the last body that passed the jwks or discovery check:
	// the same bytes again pass without being parsed, which would cost
	// the tool more than the server spends answering.
	checked []byte
}

// checkOnce runs check on body unless body is the one that last passed.
func (f *flow) checkOnce(body []byte, check func([]byte) error) error {
	if f.checked != nil && bytes.Equal(body, f.checked) {
		return nil
	}
	if err := check(body); err != nil {
		return err
	}
	f.checked = body
	return nil
}

// authenticate adds the client's credentials to a token, introspection or
// revocation request.
func (f *flow) authenticate(form url.Values) func(*http.Request) {
	switch f.o.authMethod() {
	case AuthPost:
		form.Set("client_id", f.o.ClientID)
		form.Set("client_secret", f.o.ClientSecret)
		return nil
	case AuthNone:
		form.Set("client_id", f.o.ClientID)
		return nil
	default:
		return func(r *http.Request) {
			r.SetBasicAuth(url.QueryEscape(f.o.ClientID), url.QueryEscape(f.o.ClientSecret))
		}
	}
}

// tokenResponse is the part of a token answer the scenarios check.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// token posts a token request and checks that an access token came back.
func (f *flow) token(ctx context.Context, form url.Values) (tokenResponse, error) {
	setup := f.authenticate(form)
	// authenticate may add to form, so it is encoded after.
	status, _, body, err := do(ctx, f.hc, "token", http.MethodPost, f.ep.Token, form, setup)
	if err != nil {
		return tokenResponse{}, err
	}
	if status != http.StatusOK {
		return tokenResponse{}, httpFailure("token", status, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return tokenResponse{}, &Failure{Step: "token", Status: status, Code: "no access_token", Detail: snippet(body)}
	}
	return tr, nil
}

// pkce is an RFC 7636 verifier and its S256 challenge.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := randomString(32)
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authRequest is one authorization request in flight.
type authRequest struct {
	url   string
	state string
	pkce  pkce
}

func (f *flow) newAuthRequest(scope string) (authRequest, error) {
	if f.ep.Authorization == "" {
		return authRequest{}, errors.New("the discovery document has no authorization_endpoint")
	}
	ar := authRequest{state: randomString(12), pkce: newPKCE()}
	q := url.Values{
		"client_id": {f.o.ClientID}, "response_type": {"code"}, "scope": {scope},
		"redirect_uri": {f.o.RedirectURI}, "state": {ar.state}, "nonce": {randomString(12)},
		"code_challenge": {ar.pkce.challenge}, "code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(f.ep.Authorization, "?") {
		sep = "&"
	}
	ar.url = f.ep.Authorization + sep + q.Encode()
	return ar, nil
}

// The hosted sign-in form, as Gatehouse renders it.
var (
	formActionRe = regexp.MustCompile(`(?is)<form\b[^>]*\baction="([^"]*)"`)
	csrfRe       = regexp.MustCompile(`(?is)<input\b[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]*)"`)
	csrfRe2      = regexp.MustCompile(`(?is)<input\b[^>]*\bvalue="([^"]*)"[^>]*\bname="csrf_token"`)
)

// signInForm reads the hosted sign-in page: the form's action, resolved
// against the page's URL, and its CSRF token. This is the one place that
// assumes Gatehouse's sign-in page (fields username, password, csrf_token).
func signInForm(pageURL string, body []byte) (action, csrf string, ok bool) {
	a := formActionRe.FindSubmatch(body)
	c := csrfRe.FindSubmatch(body)
	if c == nil {
		c = csrfRe2.FindSubmatch(body)
	}
	if a == nil || c == nil {
		return "", "", false
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return "", "", false
	}
	ref, err := url.Parse(html.UnescapeString(string(a[1])))
	if err != nil {
		return "", "", false
	}
	return base.ResolveReference(ref).String(), html.UnescapeString(string(c[1])), true
}

// credentialsGuard is set once the server refuses the username or
// password, so that no worker sends them again: Gatehouse throttles a login
// after a few failures, and other servers lock accounts.
type credentialsGuard struct{ rejected atomic.Bool }

// authorize runs the authorization request in the worker's browser (its
// cookie jar): when signIn is true the hosted sign-in page must appear and
// is filled in; when false, the session must answer at once with a code.
// It returns the code.
func (f *flow) authorize(ctx context.Context, ar authRequest, signIn bool, guard *credentialsGuard) (string, error) {
	status, hdr, body, err := do(ctx, f.hc, "authorize", http.MethodGet, ar.url, nil, func(r *http.Request) {
		r.Header.Set("Accept", "text/html")
	})
	if err != nil {
		return "", err
	}
	step := "authorize"
	if status == http.StatusOK && signIn {
		action, csrf, ok := signInForm(ar.url, body)
		if !ok {
			return "", &Failure{Step: "signin", Status: status, Code: "no sign-in form",
				Detail: "the authorize page has no Gatehouse sign-in form (username, password, csrf_token)"}
		}
		if guard.rejected.Load() {
			return "", &Failure{Step: "signin", Code: "not sent", Detail: "the server already refused the credentials"}
		}
		form := url.Values{"username": {f.o.Username}, "password": {f.o.Password}, "csrf_token": {csrf}}
		step = "signin"
		status, hdr, body, err = do(ctx, f.hc, step, http.MethodPost, action, form, func(r *http.Request) {
			r.Header.Set("Accept", "text/html")
		})
		if err != nil {
			return "", err
		}
		if status == http.StatusUnauthorized {
			guard.rejected.Store(true)
			return "", &Failure{Step: step, Status: status, Code: "credentials refused",
				Detail: "the server refused the username or password; no worker sends them again"}
		}
	}
	if status != http.StatusFound && status != http.StatusSeeOther {
		fail := httpFailure(step, status, body)
		if status == http.StatusOK && !signIn {
			fail.Code, fail.Detail = "no session", "the sign-in page came back: the session was not honoured"
		} else if fail.Code == "" && status < 300 {
			fail.Code = "no redirect"
		}
		return "", fail
	}
	loc, err := url.Parse(hdr.Get("Location"))
	if err != nil {
		return "", &Failure{Step: step, Status: status, Code: "bad Location", Detail: err.Error()}
	}
	q := loc.Query()
	if loc.Fragment != "" && q.Get("code") == "" && q.Get("error") == "" {
		q, _ = url.ParseQuery(loc.Fragment)
	}
	if e := q.Get("error"); e != "" {
		if !plainCode(e) {
			e = "invalid error code"
		}
		return "", &Failure{Step: step, Status: status, Code: e, Detail: q.Get("error_description")}
	}
	code := q.Get("code")
	if code == "" {
		return "", &Failure{Step: step, Status: status, Code: "no code", Detail: "redirect to " + loc.Redacted()}
	}
	if q.Get("state") != ar.state {
		return "", &Failure{Step: step, Status: status, Code: "state mismatch"}
	}
	return code, nil
}

// exchange redeems an authorization code.
func (f *flow) exchange(ctx context.Context, ar authRequest, code string) (tokenResponse, error) {
	return f.token(ctx, url.Values{
		"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {f.o.RedirectURI}, "code_verifier": {ar.pkce.verifier},
	})
}

// signInAndExchange runs the whole authorization code flow in a fresh
// browser: authorize, sign in on the hosted page, exchange the code.
func (f *flow) signInAndExchange(ctx context.Context, scope string, guard *credentialsGuard) (tokenResponse, error) {
	jar, _ := cookiejar.New(nil)
	f.hc.Jar = jar
	ar, err := f.newAuthRequest(scope)
	if err != nil {
		return tokenResponse{}, err
	}
	code, err := f.authorize(ctx, ar, true, guard)
	if err != nil {
		return tokenResponse{}, err
	}
	return f.exchange(ctx, ar, code)
}
