// Package e2e_test drives a real Gatehouse over HTTP the way applications
// and browsers do: the Authorization Code flow with the client libraries
// apps use (golang.org/x/oauth2, github.com/coreos/go-oidc/v3), the checks
// Okta's own JWT verifier makes, and every error the protocol endpoints give.
package e2e_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

// plainClient is what an app's back end uses for /token and /userinfo: no
// cookies, default redirect handling.
var plainClient = &http.Client{Timeout: 30 * time.Second}

// plainCtx carries plainClient to golang.org/x/oauth2 and go-oidc.
func plainCtx() context.Context {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, plainClient)
	return oidc.ClientContext(ctx, plainClient)
}

// orgEndpoints and defaultEndpoints are the /v1 prefixes of the two servers.
func orgEndpoints(s *testkit.Server) string     { return s.URL + "/oauth2/v1" }
func defaultEndpoints(s *testkit.Server) string { return s.Issuer() + "/v1" }

// authorizeURL builds an /authorize URL under endpoints with testkit's
// defaults; a nil value in extra removes that parameter.
func authorizeURL(endpoints, clientID string, extra url.Values) string {
	q := url.Values{
		"client_id": {clientID}, "redirect_uri": {testkit.RedirectURI}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"state-123"}, "nonce": {"nonce-456"},
	}
	for k, v := range extra {
		if v == nil {
			delete(q, k)
			continue
		}
		q[k] = v
	}
	return endpoints + "/authorize?" + q.Encode()
}

// clock is a controllable time source for testkit.Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_760_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func readAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func get(t testing.TB, c *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

func getJSON(t testing.TB, u string, v any) {
	t.Helper()
	resp, body := get(t, plainClient, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", u, err, body)
	}
}

// redirectParams checks that loc is the registered redirect URI and returns
// its query.
func redirectParams(t testing.TB, loc *url.URL) url.Values {
	t.Helper()
	base := *loc
	base.RawQuery = ""
	if base.String() != testkit.RedirectURI {
		t.Fatalf("redirected to %s, want the registered redirect URI %s", loc, testkit.RedirectURI)
	}
	return loc.Query()
}

// codeFrom returns the code of a successful authorization response, checking
// state and the RFC 9207 iss parameter.
func codeFrom(t testing.TB, loc *url.URL, issuer, state string) string {
	t.Helper()
	q := redirectParams(t, loc)
	if e := q.Get("error"); e != "" {
		t.Fatalf("authorization failed: %s: %s", e, q.Get("error_description"))
	}
	if q.Get("code") == "" {
		t.Fatalf("no code in %s", loc)
	}
	if q.Get("state") != state {
		t.Errorf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("iss") != issuer {
		t.Errorf("iss = %q, want %q", q.Get("iss"), issuer)
	}
	return q.Get("code")
}

// authorizeCode runs /authorize in browser c (signing in when asked) and
// returns the code.
func authorizeCode(t testing.TB, s *testkit.Server, c *http.Client, endpoints, issuer, clientID string, extra url.Values) string {
	t.Helper()
	loc, err := s.Authorize(c, authorizeURL(endpoints, clientID, extra), testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	state := "state-123"
	if v, ok := extra["state"]; ok && len(v) > 0 {
		state = v[0]
	}
	return codeFrom(t, loc, issuer, state)
}

// signedIn returns a browser with a live session on s.
func signedIn(t testing.TB, s *testkit.Server) *http.Client {
	t.Helper()
	c := testkit.Browser()
	authorizeCode(t, s, c, defaultEndpoints(s), s.Issuer(), s.WebApp.ClientID, nil)
	return c
}

// tokenCall is one raw request to /token.
type tokenCall struct {
	form        url.Values
	basicID     string // sends HTTP Basic when not empty
	basicSecret string
	header      string // a raw Authorization header instead of Basic
	contentType string // defaults to form encoding
	body        string // overrides the encoded form
}

func (tc tokenCall) do(t testing.TB, tokenURL string) (*http.Response, []byte) {
	t.Helper()
	body := tc.body
	if body == "" {
		body = tc.form.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ct := tc.contentType
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	if tc.basicID != "" {
		req.SetBasicAuth(url.QueryEscape(tc.basicID), url.QueryEscape(tc.basicSecret))
	}
	if tc.header != "" {
		req.Header.Set("Authorization", tc.header)
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

// tokenResponse is the /token success body.
type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	IDToken     string `json:"id_token"`
}

// exchange redeems code at endpoints/token authenticating as the app does
// (Basic for the web app, form secret for the post app, PKCE for the public
// app) and checks the success response.
func exchange(t testing.TB, s *testkit.Server, endpoints, clientID, code string, extra url.Values) tokenResponse {
	t.Helper()
	resp, body := exchangeCall(s, clientID, code, extra).do(t, endpoints+"/token")
	return decodeTokenResponse(t, resp, body)
}

func exchangeCall(s *testkit.Server, clientID, code string, extra url.Values) tokenCall {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}}
	tc := tokenCall{form: form}
	switch clientID {
	case s.WebApp.ClientID:
		tc.basicID, tc.basicSecret = clientID, s.WebSecret
	case s.PostApp.ClientID:
		form.Set("client_id", clientID)
		form.Set("client_secret", s.PostSecret)
	default:
		form.Set("client_id", clientID)
	}
	for k, v := range extra {
		if v == nil {
			delete(form, k)
			continue
		}
		form[k] = v
	}
	return tc
}

func decodeTokenResponse(t testing.TB, resp *http.Response, body []byte) tokenResponse {
	t.Helper()
	return decodeTokenResponseLifetime(t, resp, body, 3600)
}

// decodeTokenResponseLifetime is decodeTokenResponse for an access token
// lifetime other than the default hour (set by an access policy rule).
func decodeTokenResponseLifetime(t testing.TB, resp *http.Response, body []byte, expiresIn int64) tokenResponse {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: status %d, body %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("token response Cache-Control = %q, want no-store", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("token response Content-Type = %q", ct)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatalf("token response: %v in %s", err, body)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn != expiresIn || tr.AccessToken == "" || tr.Scope == "" {
		t.Errorf("token response = %s, want token_type Bearer, expires_in %d, access_token and scope", body, expiresIn)
	}
	return tr
}

// assertOAuthError checks an RFC 6749 §5.2 error answer.
func assertOAuthError(t testing.TB, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if len(m) != 2 {
		t.Errorf("error body %s: want exactly the members error and error_description", body)
	}
	if m["error"] != code {
		t.Errorf("error = %v, want %s (description %v)", m["error"], code, m["error_description"])
	}
	if d, _ := m["error_description"].(string); d == "" {
		t.Errorf("error_description is missing or empty in %s", body)
	}
}

// userinfo calls GET endpoints/userinfo with the bearer token.
func userinfo(t testing.TB, endpoints, accessToken string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, endpoints+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

func assertBearerError(t testing.TB, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	want := fmt.Sprintf(`Bearer error=%q`, code)
	if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, want) {
		t.Errorf("WWW-Authenticate = %q, want it to start with %s", h, want)
	}
}

// jwtPayload decodes the claims of a compact JWT without verifying it.
func jwtPayload(t testing.TB, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %.40s…", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return m
}

// jwks is a JSON Web Key Set as the server publishes it.
type jwks struct {
	Keys []map[string]any `json:"keys"`
}

// rsaKey finds kid in the set and builds its public key.
func (s jwks) rsaKey(t testing.TB, kid string) *rsa.PublicKey {
	t.Helper()
	for _, k := range s.Keys {
		if k["kid"] != kid {
			continue
		}
		if k["kty"] != "RSA" {
			t.Fatalf("key %s: kty %v, want RSA", kid, k["kty"])
		}
		nStr, _ := k["n"].(string)
		eStr, _ := k["e"].(string)
		n, err1 := base64.RawURLEncoding.DecodeString(nStr)
		e, err2 := base64.RawURLEncoding.DecodeString(eStr)
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 {
			t.Fatalf("key %s: bad n or e", kid)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	t.Fatalf("kid %q is not in the JWKS", kid)
	return nil
}

// oktaVerifierChecks makes the checks of github.com/okta/okta-jwt-verifier-golang
// (okta-oauth.md §15), which cannot be downloaded here, and returns the
// claims: the header decodes with standard base64 into exactly {alg, kid};
// alg is RS256; the signature verifies with the key from the JWKS named by
// {issuer}/.well-known/openid-configuration; iss equals issuer; aud is a
// JSON string equal to aud; access tokens carry a string cid; exp and iat
// are numbers and the token is current (120 s leeway, the verifier's default).
func oktaVerifierChecks(t testing.TB, rawJWT, issuer, aud string) map[string]any {
	t.Helper()
	parts := strings.Split(rawJWT, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a compact JWS")
	}
	if strings.ContainsAny(parts[0], "-_") {
		t.Errorf("header segment %q holds '-' or '_': Okta's verifier decodes it with standard base64 and fails", parts[0])
	}
	padded := parts[0]
	if m := len(padded) % 4; m != 0 {
		padded += strings.Repeat("=", 4-m)
	}
	hb, err := base64.StdEncoding.DecodeString(padded)
	if err != nil {
		t.Fatalf("header does not decode with standard base64: %v", err)
	}
	var header map[string]any
	if err := json.Unmarshal(hb, &header); err != nil {
		t.Fatalf("header is not a JSON object: %s", hb)
	}
	if len(header) != 2 {
		t.Errorf("header %s: want exactly the members alg and kid (the verifier fails on others)", hb)
	}
	if header["alg"] != "RS256" {
		t.Errorf("header alg = %v, want RS256", header["alg"])
	}
	kid, _ := header["kid"].(string)
	if kid == "" {
		t.Fatalf("header %s has no kid", hb)
	}

	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, issuer+"/.well-known/openid-configuration", &disc)
	var set jwks
	getJSON(t, disc.JWKSURI, &set)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(set.rsaKey(t, kid), crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("signature does not verify with the JWKS key %s: %v", kid, err)
	}

	claims := jwtPayload(t, rawJWT)
	if claims["iss"] != issuer {
		t.Errorf("iss = %v, want %s", claims["iss"], issuer)
	}
	switch a := claims["aud"].(type) {
	case string:
		if a != aud {
			t.Errorf("aud = %q, want %q", a, aud)
		}
	default:
		t.Errorf("aud = %#v: the verifier needs a JSON string", claims["aud"])
	}
	if jti, _ := claims["jti"].(string); strings.HasPrefix(jti, "AT.") {
		if cid, ok := claims["cid"].(string); !ok || cid == "" {
			t.Errorf("access token cid = %#v, want a string", claims["cid"])
		}
	}
	now := float64(time.Now().Unix())
	exp, ok1 := claims["exp"].(float64)
	iat, ok2 := claims["iat"].(float64)
	if !ok1 || !ok2 {
		t.Fatalf("exp = %#v, iat = %#v: the verifier needs numbers", claims["exp"], claims["iat"])
	}
	if exp < now-120 || iat > now+120 {
		t.Errorf("token not current: iat %v exp %v now %v", iat, exp, now)
	}
	return claims
}

// checkAccessTokenClaims checks Okta's custom-server access token claims.
func checkAccessTokenClaims(t testing.TB, c map[string]any, s *testkit.Server, issuer, aud, clientID string, scopes []string, authTime float64) {
	t.Helper()
	if c["ver"] != 1.0 {
		t.Errorf("ver = %v, want 1", c["ver"])
	}
	if jti, _ := c["jti"].(string); !strings.HasPrefix(jti, "AT.") || len(jti) < 20 {
		t.Errorf("jti = %v, want AT. and a random id", c["jti"])
	}
	if c["iss"] != issuer || c["aud"] != aud || c["cid"] != clientID {
		t.Errorf("iss, aud, cid = %v, %v, %v; want %s, %s, %s", c["iss"], c["aud"], c["cid"], issuer, aud, clientID)
	}
	if c["uid"] != s.User.ID {
		t.Errorf("uid = %v, want the user id %s", c["uid"], s.User.ID)
	}
	if c["sub"] != testkit.UserLogin {
		t.Errorf("sub = %v, want the login %s", c["sub"], testkit.UserLogin)
	}
	scp, ok := c["scp"].([]any)
	var got []string
	for _, v := range scp {
		str, _ := v.(string)
		got = append(got, str)
	}
	if !ok || !slices.Equal(got, scopes) {
		t.Errorf("scp = %#v, want the array %q", c["scp"], scopes)
	}
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	if exp-iat != 3600 {
		t.Errorf("exp - iat = %v, want 3600", exp-iat)
	}
	if c["auth_time"] != authTime {
		t.Errorf("auth_time = %v, want %v", c["auth_time"], authTime)
	}
}

func setCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var alertRe = regexp.MustCompile(`<p class="alert"[^>]*>([^<]*)</p>`)

// ---------------------------------------------------------------------------
// The Authorization Code flow with real client libraries
// ---------------------------------------------------------------------------

func TestAuthorizationCodeFlowWithClientLibraries(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ctx := plainCtx()
	browser := testkit.Browser()
	started := time.Now().Unix()

	cases := []struct {
		name     string
		issuer   string
		clientID string
		secret   string
		style    oauth2.AuthStyle
		pkce     bool
		atAud    string
	}{
		{"default server, client_secret_basic", s.Issuer(), s.WebApp.ClientID, s.WebSecret, oauth2.AuthStyleInHeader, false, "api://default"},
		{"default server, client_secret_post", s.Issuer(), s.PostApp.ClientID, s.PostSecret, oauth2.AuthStyleInParams, false, "api://default"},
		{"default server, public client with PKCE", s.Issuer(), s.PublicApp.ClientID, "", oauth2.AuthStyleInParams, true, "api://default"},
		{"default server, confidential client with PKCE", s.Issuer(), s.WebApp.ClientID, s.WebSecret, oauth2.AuthStyleInHeader, true, "api://default"},
		{"org server, client_secret_basic", s.URL, s.WebApp.ClientID, s.WebSecret, oauth2.AuthStyleInHeader, false, s.URL},
		{"org server, public client with PKCE", s.URL, s.PublicApp.ClientID, "", oauth2.AuthStyleInParams, true, s.URL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			provider, err := oidc.NewProvider(ctx, tc.issuer)
			if err != nil {
				t.Fatalf("discovery: %v", err)
			}
			endpoint := provider.Endpoint()
			endpoint.AuthStyle = tc.style
			cfg := oauth2.Config{
				ClientID: tc.clientID, ClientSecret: tc.secret, Endpoint: endpoint,
				RedirectURL: testkit.RedirectURI, Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
			}
			state, nonce := domain.RandomToken(16), domain.RandomToken(16)
			authOpts := []oauth2.AuthCodeOption{oidc.Nonce(nonce)}
			var exchOpts []oauth2.AuthCodeOption
			if tc.pkce {
				verifier := oauth2.GenerateVerifier()
				authOpts = append(authOpts, oauth2.S256ChallengeOption(verifier))
				exchOpts = append(exchOpts, oauth2.VerifierOption(verifier))
			}
			loc, err := s.Authorize(browser, cfg.AuthCodeURL(state, authOpts...), testkit.UserLogin, testkit.Password)
			if err != nil {
				t.Fatal(err)
			}
			code := codeFrom(t, loc, tc.issuer, state)

			before := time.Now()
			tok, err := cfg.Exchange(ctx, code, exchOpts...)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.Extra("scope") != "openid profile email" {
				t.Errorf("token_type %q scope %v", tok.TokenType, tok.Extra("scope"))
			}
			if d := tok.Expiry.Sub(before); d < 3590*time.Second || d > 3610*time.Second {
				t.Errorf("expiry in %v, want about an hour", d)
			}
			rawID, _ := tok.Extra("id_token").(string)
			if rawID == "" {
				t.Fatal("no id_token in the token response")
			}

			idt, err := provider.Verifier(&oidc.Config{ClientID: tc.clientID}).Verify(ctx, rawID)
			if err != nil {
				t.Fatalf("go-oidc rejects the ID token: %v", err)
			}
			if idt.Nonce != nonce {
				t.Errorf("nonce = %q, want %q", idt.Nonce, nonce)
			}
			if idt.AccessTokenHash == "" {
				t.Error("ID token has no at_hash")
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash does not match the access token: %v", err)
			}
			if idt.Subject != s.User.ID || !slices.Equal(idt.Audience, []string{tc.clientID}) {
				t.Errorf("sub %q aud %q, want %s and [%s]", idt.Subject, idt.Audience, s.User.ID, tc.clientID)
			}
			if got := idt.Expiry.Sub(idt.IssuedAt); got != time.Hour {
				t.Errorf("ID token lifetime %v, want 1h", got)
			}
			var claims struct {
				Name              string   `json:"name"`
				Email             string   `json:"email"`
				PreferredUsername string   `json:"preferred_username"`
				Ver               int      `json:"ver"`
				IDP               string   `json:"idp"`
				AMR               []string `json:"amr"`
				AuthTime          int64    `json:"auth_time"`
				JTI               string   `json:"jti"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.Name != "Alice Anders" || claims.Email != testkit.UserLogin || claims.PreferredUsername != testkit.UserLogin {
				t.Errorf("name %q email %q preferred_username %q", claims.Name, claims.Email, claims.PreferredUsername)
			}
			if claims.Ver != 1 || !slices.Equal(claims.AMR, []string{"pwd"}) || !strings.HasPrefix(claims.JTI, "ID.") {
				t.Errorf("ver %d amr %q jti %q, want 1, [pwd], ID.…", claims.Ver, claims.AMR, claims.JTI)
			}
			if !regexp.MustCompile(`^00o[0-9A-Za-z]{17}$`).MatchString(claims.IDP) {
				t.Errorf("idp = %q, want an org id 00o…", claims.IDP)
			}
			if claims.AuthTime < started || claims.AuthTime > time.Now().Unix() {
				t.Errorf("auth_time %d is not the time of the sign-in (after %d)", claims.AuthTime, started)
			}

			// What Okta's own verifier would check, on both tokens.
			oktaVerifierChecks(t, rawID, tc.issuer, tc.clientID)
			at := oktaVerifierChecks(t, tok.AccessToken, tc.issuer, tc.atAud)
			checkAccessTokenClaims(t, at, s, tc.issuer, tc.atAud, tc.clientID,
				[]string{"openid", "profile", "email"}, float64(claims.AuthTime))

			// The userinfo endpoint from discovery, called the go-oidc way.
			ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if ui.Subject != s.User.ID || ui.Email != testkit.UserLogin || !ui.EmailVerified {
				t.Errorf("userinfo sub %q email %q verified %v", ui.Subject, ui.Email, ui.EmailVerified)
			}
		})
	}

	t.Run("the idp claim is the same org id on both servers", func(t *testing.T) {
		c := signedIn(t, s)
		org := exchange(t, s, orgEndpoints(s), s.WebApp.ClientID,
			authorizeCode(t, s, c, orgEndpoints(s), s.URL, s.WebApp.ClientID, nil), nil)
		def := exchange(t, s, defaultEndpoints(s), s.WebApp.ClientID,
			authorizeCode(t, s, c, defaultEndpoints(s), s.Issuer(), s.WebApp.ClientID, nil), nil)
		if a, b := jwtPayload(t, org.IDToken)["idp"], jwtPayload(t, def.IDToken)["idp"]; a != b || a == nil {
			t.Errorf("idp differs: org %v, default %v", a, b)
		}
	})
}

// ---------------------------------------------------------------------------
// /userinfo
// ---------------------------------------------------------------------------

func TestUserInfoReleasesClaimsByScope(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	c := signedIn(t, s)
	ep := defaultEndpoints(s)

	profile := []string{"name", "given_name", "family_name", "preferred_username", "updated_at"}
	email := []string{"email", "email_verified"}
	cases := []struct {
		scope string
		want  []string // claims besides sub
	}{
		{"openid", nil},
		{"openid profile", profile},
		{"openid email", email},
		{"openid profile email", append(slices.Clone(profile), email...)},
	}
	for _, tc := range cases {
		t.Run(tc.scope, func(t *testing.T) {
			code := authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, url.Values{"scope": {tc.scope}})
			tr := exchange(t, s, ep, s.WebApp.ClientID, code, nil)
			if tr.Scope != tc.scope || tr.IDToken == "" {
				t.Errorf("scope %q, id_token present %v", tr.Scope, tr.IDToken != "")
			}
			resp, body := userinfo(t, ep, tr.AccessToken)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			var got []string
			for k := range m {
				got = append(got, k)
			}
			want := append([]string{"sub"}, tc.want...)
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("claims %q, want %q", got, want)
			}
			if m["sub"] != s.User.ID {
				t.Errorf("sub = %v, want %s", m["sub"], s.User.ID)
			}
			if slices.Contains(tc.want, "name") && (m["name"] != "Alice Anders" || m["given_name"] != "Alice" ||
				m["family_name"] != "Anders" || m["preferred_username"] != testkit.UserLogin) {
				t.Errorf("profile claims %s", body)
			}
			if slices.Contains(tc.want, "email") && (m["email"] != testkit.UserLogin || m["email_verified"] != true) {
				t.Errorf("email claims %s", body)
			}
		})
	}

	t.Run("POST with the bearer header", func(t *testing.T) {
		tr := exchange(t, s, ep, s.WebApp.ClientID, authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, nil), nil)
		req, _ := http.NewRequest(http.MethodPost, ep+"/userinfo", strings.NewReader(""))
		req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := plainClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), s.User.ID) {
			t.Errorf("status %d body %s", resp.StatusCode, body)
		}
	})

	t.Run("no openid scope is insufficient_scope", func(t *testing.T) {
		code := authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, url.Values{"scope": {"profile email"}})
		tr := exchange(t, s, ep, s.WebApp.ClientID, code, nil)
		if tr.IDToken != "" {
			t.Error("an ID token was issued without the openid scope")
		}
		resp, body := userinfo(t, ep, tr.AccessToken)
		assertBearerError(t, resp, body, http.StatusForbidden, "insufficient_scope")
		if strings.Contains(string(body), s.User.ID) {
			t.Errorf("claims leaked in the error body: %s", body)
		}
	})
}

func TestUserInfoRefusesBadTokens(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	c := signedIn(t, s)
	def := exchange(t, s, defaultEndpoints(s), s.WebApp.ClientID,
		authorizeCode(t, s, c, defaultEndpoints(s), s.Issuer(), s.WebApp.ClientID, nil), nil)
	org := exchange(t, s, orgEndpoints(s), s.WebApp.ClientID,
		authorizeCode(t, s, c, orgEndpoints(s), s.URL, s.WebApp.ClientID, nil), nil)

	parts := strings.Split(def.AccessToken, ".")
	flip := func(seg string) string {
		b := []byte(seg)
		if b[len(b)/2] == 'A' {
			b[len(b)/2] = 'B'
		} else {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	// A payload naming another user, keeping the real signature.
	claims := jwtPayload(t, def.AccessToken)
	claims["uid"] = "00uSomeoneElse000000"
	forgedPayload, _ := json.Marshal(claims)
	swapped := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2]
	// A token signed by an attacker's key under the server's kid.
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hdr := parts[0]
	body := base64.RawURLEncoding.EncodeToString(forgedPayload)
	sum := sha256.Sum256([]byte(hdr + "." + body))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, attacker, crypto.SHA256, sum[:])
	foreignKey := hdr + "." + body + "." + base64.RawURLEncoding.EncodeToString(sig)
	// alg none.
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."

	cases := []struct {
		name, endpoints, header string
	}{
		{"garbage", defaultEndpoints(s), "Bearer not-a-token"},
		{"signature altered", defaultEndpoints(s), "Bearer " + parts[0] + "." + parts[1] + "." + flip(parts[2])},
		{"payload altered", defaultEndpoints(s), "Bearer " + swapped},
		{"signed by a foreign key", defaultEndpoints(s), "Bearer " + foreignKey},
		{"alg none", defaultEndpoints(s), "Bearer " + none},
		{"ID token instead of access token", defaultEndpoints(s), "Bearer " + def.IDToken},
		{"org server token at the default server", defaultEndpoints(s), "Bearer " + org.AccessToken},
		{"default server token at the org server", orgEndpoints(s), "Bearer " + def.AccessToken},
		{"Basic scheme", defaultEndpoints(s), "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))},
		{"empty bearer", defaultEndpoints(s), "Bearer "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, tc.endpoints+"/userinfo", nil)
			req.Header.Set("Authorization", tc.header)
			resp, err := plainClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
			if strings.Contains(string(body), s.User.ID) {
				t.Errorf("claims leaked: %s", body)
			}
		})
	}

	t.Run("no Authorization header", func(t *testing.T) {
		resp, body := get(t, plainClient, defaultEndpoints(s)+"/userinfo")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("status %d WWW-Authenticate %q body %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	})

	t.Run("the genuine tokens work", func(t *testing.T) {
		for _, x := range []struct{ ep, tok string }{{defaultEndpoints(s), def.AccessToken}, {orgEndpoints(s), org.AccessToken}} {
			if resp, body := userinfo(t, x.ep, x.tok); resp.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d %s", x.ep, resp.StatusCode, body)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Codes and tokens over time
// ---------------------------------------------------------------------------

func TestCodeAndTokenExpiry(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	c := testkit.Browser()
	ep := defaultEndpoints(s)
	code := func() string { return authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, nil) }

	// A code redeemed just inside its 300 s lifetime works.
	fresh := code()
	clk.Advance(299 * time.Second)
	tr := exchange(t, s, ep, s.WebApp.ClientID, fresh, nil)
	issuedAt := clk.Now()
	if iat := jwtPayload(t, tr.AccessToken)["iat"]; iat != float64(issuedAt.Unix()) {
		t.Fatalf("iat %v, want the server clock %d", iat, issuedAt.Unix())
	}

	// One redeemed after 300 s is refused.
	stale := code()
	clk.Advance(301 * time.Second)
	resp, body := exchangeCall(s, s.WebApp.ClientID, stale, nil).do(t, ep+"/token")
	assertOAuthError(t, resp, body, http.StatusBadRequest, "invalid_grant")

	// The access token works until its exp, and not after.
	clk.Advance(issuedAt.Add(time.Hour - time.Second).Sub(clk.Now()))
	if resp, body := userinfo(t, ep, tr.AccessToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("one second before exp: status %d %s", resp.StatusCode, body)
	}
	clk.Advance(time.Second)
	resp, body = userinfo(t, ep, tr.AccessToken)
	assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
}

func TestReplayedCodeRevokesTheFirstAccessToken(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	c := signedIn(t, s)
	ep := defaultEndpoints(s)

	t.Run("sequential replay", func(t *testing.T) {
		code := authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, nil)
		first := exchange(t, s, ep, s.WebApp.ClientID, code, nil)
		if resp, body := userinfo(t, ep, first.AccessToken); resp.StatusCode != http.StatusOK {
			t.Fatalf("fresh token: %d %s", resp.StatusCode, body)
		}
		resp, body := exchangeCall(s, s.WebApp.ClientID, code, nil).do(t, ep+"/token")
		assertOAuthError(t, resp, body, http.StatusBadRequest, "invalid_grant")
		resp, body = userinfo(t, ep, first.AccessToken)
		assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
	})

	t.Run("concurrent redemptions: exactly one succeeds", func(t *testing.T) {
		code := authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, nil)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		form := exchangeCall(s, s.WebApp.ClientID, code, nil).form.Encode()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, ep+"/token", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(s.WebApp.ClientID, s.WebSecret)
				resp, err := plainClient.Do(req)
				if err != nil {
					statuses[i] = -1
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}()
		}
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			switch st {
			case http.StatusOK:
				ok++
			case http.StatusBadRequest:
			default:
				t.Errorf("unexpected status %d", st)
			}
		}
		if ok != 1 {
			t.Errorf("%d redemptions succeeded, want exactly 1 (statuses %v)", ok, statuses)
		}
	})
}

// ---------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------

func TestSessions(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ep := defaultEndpoints(s)
	c := signedIn(t, s)

	t.Run("a second authorize reuses the session", func(t *testing.T) {
		resp, body := get(t, c, authorizeURL(ep, s.PostApp.ClientID, nil))
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("status %d, want a redirect with a code and no sign-in page: %.200s", resp.StatusCode, body)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		code := codeFrom(t, loc, s.Issuer(), "state-123")
		exchange(t, s, ep, s.PostApp.ClientID, code, nil)
	})

	t.Run("the session spans authorization servers", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(orgEndpoints(s), s.WebApp.ClientID, nil))
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("org server: status %d, want a code without signing in", resp.StatusCode)
		}
	})

	t.Run("prompt=none with a session gives a code", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"prompt": {"none"}}))
		loc, _ := url.Parse(resp.Header.Get("Location"))
		codeFrom(t, loc, s.Issuer(), "state-123")
	})

	t.Run("prompt=consent with a session gives a code (trusted apps, implicit scopes)", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"prompt": {"consent"}}))
		loc, _ := url.Parse(resp.Header.Get("Location"))
		codeFrom(t, loc, s.Issuer(), "state-123")
	})

	t.Run("prompt=login consent shows the sign-in page", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"prompt": {"login consent"}}))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			t.Fatalf("status %d Location %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	// signInAgain asks for the sign-in page with extra, signs in, and wants
	// the code straight after (no sign-in loop).
	signInAgain := func(t *testing.T, extra url.Values) {
		t.Helper()
		resp, body := get(t, c, authorizeURL(ep, s.WebApp.ClientID, extra))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			t.Fatalf("status %d Location %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
		}
		form, err := s.ParseSignInForm(string(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err = s.SubmitSignIn(c, form, testkit.UserLogin, testkit.Password)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("after signing in: status %d, want a redirect with a code (no sign-in loop)", resp.StatusCode)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		codeFrom(t, loc, s.Issuer(), "state-123")
	}

	t.Run("prompt=login shows the sign-in page again", func(t *testing.T) {
		signInAgain(t, url.Values{"prompt": {"login"}})
	})

	t.Run("max_age=0 forces sign-in, then completes", func(t *testing.T) {
		signInAgain(t, url.Values{"max_age": {"0"}})
	})

	t.Run("prompt=none without a session is login_required", func(t *testing.T) {
		resp, _ := get(t, testkit.Browser(), authorizeURL(ep, s.WebApp.ClientID, url.Values{"prompt": {"none"}}))
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("status %d, want a redirect", resp.StatusCode)
		}
		loc, _ := url.Parse(resp.Header.Get("Location"))
		q := redirectParams(t, loc)
		if q.Get("error") != "login_required" || q.Get("state") != "state-123" || q.Get("iss") != s.Issuer() || q.Has("code") {
			t.Errorf("redirect %s, want error=login_required with state and iss and no code", loc)
		}
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		b := signedIn(t, s)
		u, _ := url.Parse(s.URL)
		var old *http.Cookie
		for _, ck := range b.Jar.Cookies(u) {
			if ck.Name == "gh_session" {
				old = ck
			}
		}
		if old == nil {
			t.Fatal("no session cookie after signing in")
		}

		resp, body := get(t, b, s.URL+"/login/signout")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), testkit.UserLogin) {
			t.Fatalf("sign-out page: status %d, want it to name the user: %.300s", resp.StatusCode, body)
		}
		csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(string(body))
		if csrf == nil {
			t.Fatalf("no CSRF token on the sign-out page")
		}

		// Without the token nothing happens.
		resp, err := b.PostForm(s.URL+"/login/signout", url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out without CSRF token: status %d, want 403", resp.StatusCode)
		}
		if resp, _ := get(t, b, authorizeURL(ep, s.WebApp.ClientID, nil)); resp.StatusCode != http.StatusFound {
			t.Fatalf("session ended by a sign-out without CSRF token (status %d)", resp.StatusCode)
		}

		resp, err = b.PostForm(s.URL+"/login/signout", url.Values{"csrf_token": {csrf[1]}})
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-out: status %d", resp.StatusCode)
		}
		if ck := setCookie(resp, "gh_session"); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("sign-out did not clear the session cookie: %v", ck)
		}
		if resp, _ := get(t, b, authorizeURL(ep, s.WebApp.ClientID, nil)); resp.StatusCode != http.StatusOK {
			t.Errorf("after sign-out: status %d, want the sign-in page", resp.StatusCode)
		}
		// The session is gone on the server too: the old cookie is worthless.
		replay := testkit.Browser()
		replay.Jar.SetCookies(u, []*http.Cookie{{Name: "gh_session", Value: old.Value, Path: "/"}})
		if resp, _ := get(t, replay, authorizeURL(ep, s.WebApp.ClientID, nil)); resp.StatusCode != http.StatusOK {
			t.Errorf("the pre-sign-out cookie still works: status %d", resp.StatusCode)
		}
	})
}

// TestMaxAgeWithClock checks max_age against the server's clock.
func TestMaxAgeWithClock(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	c := testkit.Browser()
	ep := defaultEndpoints(s)
	signInAt := clk.Now().Unix()
	authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, nil) // signs in

	status := func(maxAge string) (int, []byte) {
		resp, body := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"max_age": {maxAge}}))
		return resp.StatusCode, body
	}

	// OIDC Core §3.1.2.1: max_age=0 is prompt=login, even within the second
	// of the sign-in.
	if st, _ := status("0"); st != http.StatusOK {
		t.Errorf("max_age=0 right after signing in: status %d, want the sign-in page", st)
	}

	clk.Advance(10 * time.Minute)
	if st, _ := status("900"); st != http.StatusFound {
		t.Errorf("max_age=900 ten minutes after signing in: status %d, want a code", st)
	}
	resp, _ := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"max_age": {"300"}, "prompt": {"none"}}))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if q := redirectParams(t, loc); q.Get("error") != "login_required" {
		t.Errorf("max_age exceeded with prompt=none: %s, want login_required", loc)
	}
	st, body := status("300")
	if st != http.StatusOK {
		t.Fatalf("max_age=300 ten minutes after signing in: status %d, want the sign-in page", st)
	}
	form, err := s.ParseSignInForm(string(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = s.SubmitSignIn(c, form, testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	tr := exchange(t, s, ep, s.WebApp.ClientID, codeFrom(t, loc, s.Issuer(), "state-123"), nil)
	if at := jwtPayload(t, tr.IDToken)["auth_time"]; at != float64(signInAt+600) {
		t.Errorf("auth_time %v, want the new sign-in %d (first was %d)", at, signInAt+600, signInAt)
	}
	if st, _ := status("300"); st != http.StatusFound {
		t.Errorf("max_age=300 right after signing in again: status %d, want a code", st)
	}
}

func TestFormPostResponseMode(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ep := defaultEndpoints(s)
	inputRe := regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	actionRe := regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	parse := func(t *testing.T, resp *http.Response, body []byte) url.Values {
		t.Helper()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			t.Fatalf("status %d Location %q, want a form page", resp.StatusCode, resp.Header.Get("Location"))
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		a := actionRe.FindStringSubmatch(string(body))
		if a == nil || a[1] != testkit.RedirectURI {
			t.Fatalf("form action %v, want %s: %s", a, testkit.RedirectURI, body)
		}
		v := url.Values{}
		for _, m := range inputRe.FindAllStringSubmatch(string(body), -1) {
			v.Add(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
		}
		return v
	}

	c := testkit.Browser()
	resp, body := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"response_mode": {"form_post"}}))
	form, err := s.ParseSignInForm(string(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = s.SubmitSignIn(c, form, testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	v := parse(t, resp, readAll(t, resp))
	if v.Get("code") == "" || v.Get("state") != "state-123" || v.Get("iss") != s.Issuer() || len(v) != 3 {
		t.Fatalf("fields %v, want code, state and iss", v)
	}
	exchange(t, s, ep, s.WebApp.ClientID, v.Get("code"), nil)

	t.Run("with a session", func(t *testing.T) {
		resp, body := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"response_mode": {"form_post"}}))
		v := parse(t, resp, body)
		if v.Get("code") == "" || v.Get("iss") != s.Issuer() {
			t.Errorf("fields %v", v)
		}
	})
	t.Run("errors are posted too", func(t *testing.T) {
		resp, body := get(t, c, authorizeURL(ep, s.WebApp.ClientID, url.Values{"response_mode": {"form_post"}, "scope": {"openid bogus"}}))
		v := parse(t, resp, body)
		if v.Get("error") != "invalid_scope" || v.Get("state") != "state-123" || v.Get("iss") != s.Issuer() || v.Has("code") {
			t.Errorf("fields %v, want invalid_scope with state and iss", v)
		}
	})
}

func TestCookieFlags(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	c := testkit.Browser()
	resp, body := get(t, c, authorizeURL(defaultEndpoints(s), s.WebApp.ClientID, nil))
	csrf := setCookie(resp, "gh_csrf")
	form, err := s.ParseSignInForm(string(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = s.SubmitSignIn(c, form, testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	session := setCookie(resp, "gh_session")
	for name, ck := range map[string]*http.Cookie{"gh_csrf": csrf, "gh_session": session} {
		if ck == nil {
			t.Errorf("%s was not set", name)
			continue
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
			t.Errorf("%s: HttpOnly %v SameSite %v Secure %v Path %q; want HttpOnly, Lax, not Secure on http, /",
				name, ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path)
		}
	}
	if session != nil && (session.MaxAge != 3600 || len(session.Value) < 43) {
		t.Errorf("session cookie MaxAge %d value length %d, want the 1h lifetime and 256 random bits", session.MaxAge, len(session.Value))
	}
}

// ---------------------------------------------------------------------------
// /authorize errors
// ---------------------------------------------------------------------------

func TestAuthorizeErrorsThatMustNotRedirect(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ep := defaultEndpoints(s)
	cases := []struct {
		name string
		url  string
		code string
	}{
		{"unknown client_id", authorizeURL(ep, "0oaUnknownClient0000", nil), "invalid_client"},
		{"missing client_id", authorizeURL(ep, "", url.Values{"client_id": nil}), "invalid_request"},
		{"missing redirect_uri", authorizeURL(ep, s.WebApp.ClientID, url.Values{"redirect_uri": nil}), "invalid_request"},
		{"unregistered redirect_uri", authorizeURL(ep, s.WebApp.ClientID, url.Values{"redirect_uri": {"https://evil.example.com/callback"}}), "invalid_request"},
		{"redirect_uri with a trailing slash", authorizeURL(ep, s.WebApp.ClientID, url.Values{"redirect_uri": {testkit.RedirectURI + "/"}}), "invalid_request"},
		{"redirect_uri with another case", authorizeURL(ep, s.WebApp.ClientID, url.Values{"redirect_uri": {strings.ToUpper(testkit.RedirectURI)}}), "invalid_request"},
		{"redirect_uri with extra query", authorizeURL(ep, s.WebApp.ClientID, url.Values{"redirect_uri": {testkit.RedirectURI + "?next=/"}}), "invalid_request"},
		{"unregistered redirect_uri and a bad scope", authorizeURL(ep, s.WebApp.ClientID, url.Values{"redirect_uri": {"https://evil.example.com/"}, "scope": {"bogus"}}), "invalid_request"},
		{"repeated parameter", authorizeURL(ep, s.WebApp.ClientID, nil) + "&state=again", "invalid_request"},
		{"org server, unknown client_id", authorizeURL(orgEndpoints(s), "0oaUnknownClient0000", nil), "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, testkit.Browser(), tc.url)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirected to %s: this error must never redirect", loc)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want an HTML page", ct)
			}
			if !strings.Contains(string(body), "<code>"+tc.code+"</code>") {
				t.Errorf("page does not show %s: %.400s", tc.code, body)
			}
			if strings.Contains(string(body), "evil.example.com") {
				t.Errorf("page links to the unregistered redirect URI")
			}
		})
	}
}

func TestAuthorizeErrorsRedirectToTheClient(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ep := defaultEndpoints(s)
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	cases := []struct {
		name      string
		endpoints string
		issuer    string
		clientID  string
		extra     url.Values
		code      string
	}{
		{"missing state", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"state": nil}, "invalid_request"},
		{"missing response_type", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"response_type": nil}, "invalid_request"},
		{"response_type=token", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"response_type": {"token"}}, "unsupported_response_type"},
		{"response_type=code id_token", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"response_type": {"code id_token"}}, "unsupported_response_type"},
		{"response_mode=web_message", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"response_mode": {"web_message"}}, "unsupported_response_mode"},
		{"unknown scope", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"scope": {"openid bogus"}}, "invalid_scope"},
		{"missing scope", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"scope": nil}, "invalid_scope"},
		{"unknown scope at the org server", orgEndpoints(s), s.URL, s.WebApp.ClientID, url.Values{"scope": {"openid bogus"}}, "invalid_scope"},
		{"code_challenge_method=plain", ep, s.Issuer(), s.PublicApp.ClientID, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"plain"}}, "invalid_request"},
		{"code_challenge without method", ep, s.Issuer(), s.PublicApp.ClientID, url.Values{"code_challenge": {challenge}}, "invalid_request"},
		{"code_challenge_method without challenge", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"code_challenge_method": {"S256"}}, "invalid_request"},
		{"code_challenge of the wrong length", ep, s.Issuer(), s.PublicApp.ClientID, url.Values{"code_challenge": {challenge[:42]}, "code_challenge_method": {"S256"}}, "invalid_request"},
		{"public client without PKCE", ep, s.Issuer(), s.PublicApp.ClientID, nil, "invalid_request"},
		{"negative max_age", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"max_age": {"-1"}}, "invalid_request"},
		{"non-numeric max_age", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"max_age": {"soon"}}, "invalid_request"},
		{"unknown prompt", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"prompt": {"bogus"}}, "invalid_request"},
		{"prompt none with login", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"prompt": {"none login"}}, "invalid_request"},
		{"nonce too long", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"nonce": {strings.Repeat("n", 513)}}, "invalid_request"},
		{"prompt=none without a session", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"prompt": {"none"}}, "login_required"},
		{"request object", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"request": {"eyJhbGciOiJub25lIn0.e30."}}, "request_not_supported"},
		{"request_uri", ep, s.Issuer(), s.WebApp.ClientID, url.Values{"request_uri": {"urn:ietf:params:oauth:request_uri:x"}}, "request_uri_not_supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, testkit.Browser(), authorizeURL(tc.endpoints, tc.clientID, tc.extra))
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want a redirect to the client: %.300s", resp.StatusCode, body)
			}
			if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("Referrer-Policy %q", rp)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			q := redirectParams(t, loc)
			if q.Get("error") != tc.code {
				t.Errorf("error = %q (%s), want %s", q.Get("error"), q.Get("error_description"), tc.code)
			}
			if q.Get("error_description") == "" {
				t.Error("no error_description")
			}
			if q.Get("iss") != tc.issuer {
				t.Errorf("iss = %q, want %s (RFC 9207)", q.Get("iss"), tc.issuer)
			}
			wantState := "state-123"
			if v, ok := tc.extra["state"]; ok && v == nil {
				wantState = ""
			}
			if q.Get("state") != wantState || (wantState == "" && q.Has("state")) {
				t.Errorf("state = %q, want %q", q.Get("state"), wantState)
			}
			if q.Has("code") {
				t.Error("an error response carries a code")
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Hosted sign-in form errors
// ---------------------------------------------------------------------------

func TestSignInFormErrors(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ep := defaultEndpoints(s)
	page := func(t *testing.T) (*http.Client, testkit.SignInForm) {
		t.Helper()
		c := testkit.Browser()
		_, body := get(t, c, authorizeURL(ep, s.WebApp.ClientID, nil))
		f, err := s.ParseSignInForm(string(body))
		if err != nil {
			t.Fatal(err)
		}
		return c, f
	}
	hasSession := func(t *testing.T, c *http.Client) bool {
		t.Helper()
		resp, _ := get(t, c, authorizeURL(ep, s.WebApp.ClientID, nil))
		return resp.StatusCode == http.StatusFound
	}

	t.Run("wrong password and unknown user look the same", func(t *testing.T) {
		var messages []string
		for _, creds := range [][2]string{{testkit.UserLogin, "wrong password!"}, {"nobody@example.com", testkit.Password}} {
			c, f := page(t)
			resp, err := s.SubmitSignIn(c, f, creds[0], creds[1])
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Location") != "" {
				t.Errorf("%s: status %d Location %q, want 401 and no redirect", creds[0], resp.StatusCode, resp.Header.Get("Location"))
			}
			if setCookie(resp, "gh_session") != nil || hasSession(t, c) {
				t.Errorf("%s: a session was started", creds[0])
			}
			m := alertRe.FindStringSubmatch(string(body))
			if m == nil {
				t.Fatalf("%s: no error message on the page", creds[0])
			}
			messages = append(messages, m[1])
			// The form is shown again, ready for another try.
			if _, err := s.ParseSignInForm(string(body)); err != nil {
				t.Errorf("%s: %v", creds[0], err)
			}
		}
		if messages[0] != messages[1] {
			t.Errorf("messages differ, which tells logins apart: %q vs %q", messages[0], messages[1])
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		cases := []struct {
			name   string
			mutate func(f *testkit.SignInForm, c *http.Client)
		}{
			{"missing token", func(f *testkit.SignInForm, _ *http.Client) { f.CSRF = "" }},
			{"wrong token", func(f *testkit.SignInForm, _ *http.Client) { f.CSRF = domain.RandomToken(32) }},
			{"no CSRF cookie", func(f *testkit.SignInForm, c *http.Client) { c.Jar, _ = cookiejar.New(nil) }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c, f := page(t)
				tc.mutate(&f, c)
				resp, err := s.SubmitSignIn(c, f, testkit.UserLogin, testkit.Password)
				if err != nil {
					t.Fatal(err)
				}
				readAll(t, resp)
				if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
					t.Errorf("status %d Location %q, want 403", resp.StatusCode, resp.Header.Get("Location"))
				}
				if setCookie(resp, "gh_session") != nil || hasSession(t, c) {
					t.Error("a session was started")
				}
			})
		}
	})

	t.Run("a tampered form action is validated again", func(t *testing.T) {
		c, f := page(t)
		u, _ := url.Parse(f.Action)
		q := u.Query()
		q.Set("redirect_uri", "https://evil.example.com/callback")
		u.RawQuery = q.Encode()
		f.Action = u.String()
		resp, err := s.SubmitSignIn(c, f, testkit.UserLogin, testkit.Password)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("status %d Location %q, want a 400 page", resp.StatusCode, resp.Header.Get("Location"))
		}
		if setCookie(resp, "gh_session") != nil {
			t.Error("a session was started")
		}
	})
}

// ---------------------------------------------------------------------------
// /token errors
// ---------------------------------------------------------------------------

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	c := signedIn(t, s)
	ep := defaultEndpoints(s)
	tokenURL := ep + "/token"

	webCode := func() string { return authorizeCode(t, s, c, ep, s.Issuer(), s.WebApp.ClientID, nil) }
	verifier := oauth2.GenerateVerifier()
	pkceCode := func() string {
		return authorizeCode(t, s, c, ep, s.Issuer(), s.PublicApp.ClientID, url.Values{
			"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}})
	}
	grant := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}}
	}
	with := func(v url.Values, kv ...string) url.Values {
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	without := func(v url.Values, keys ...string) url.Values {
		for _, k := range keys {
			v.Del(k)
		}
		return v
	}
	basic := func(tc tokenCall) tokenCall {
		tc.basicID, tc.basicSecret = s.WebApp.ClientID, s.WebSecret
		return tc
	}
	oversized := grant("x")
	for i := range 10 {
		oversized.Set(fmt.Sprintf("pad%d", i), strings.Repeat("b", 8000))
	}

	cases := []struct {
		name      string
		call      func() tokenCall
		status    int
		code      string
		challenge bool // WWW-Authenticate: Basic expected
	}{
		// Client authentication.
		{"wrong secret", func() tokenCall {
			return tokenCall{form: grant(webCode()), basicID: s.WebApp.ClientID, basicSecret: "wrong"}
		}, 401, "invalid_client", true},
		{"unknown client with Basic", func() tokenCall {
			return tokenCall{form: grant(webCode()), basicID: "0oaUnknownClient0000", basicSecret: s.WebSecret}
		}, 401, "invalid_client", true},
		{"unknown client in the body", func() tokenCall {
			return tokenCall{form: with(grant(webCode()), "client_id", "0oaUnknownClient0000", "client_secret", "x")}
		}, 401, "invalid_client", false},
		{"no credentials", func() tokenCall { return tokenCall{form: grant(webCode())} }, 401, "invalid_client", false},
		{"confidential client without its secret", func() tokenCall {
			return tokenCall{form: with(grant(webCode()), "client_id", s.WebApp.ClientID)}
		}, 401, "invalid_client", false},
		{"client_secret_post to a client_secret_basic app", func() tokenCall {
			return tokenCall{form: with(grant(webCode()), "client_id", s.WebApp.ClientID, "client_secret", s.WebSecret)}
		}, 401, "invalid_client", false},
		{"client_secret_basic to a client_secret_post app", func() tokenCall {
			return tokenCall{form: grant(webCode()), basicID: s.PostApp.ClientID, basicSecret: s.PostSecret}
		}, 401, "invalid_client", true},
		{"secret sent by a public client", func() tokenCall {
			return tokenCall{form: with(grant(pkceCode()), "client_id", s.PublicApp.ClientID, "client_secret", "x", "code_verifier", verifier)}
		}, 401, "invalid_client", false},
		{"Bearer instead of Basic", func() tokenCall {
			return tokenCall{form: grant(webCode()), header: "Bearer " + s.WebSecret}
		}, 401, "invalid_client", true},
		{"Basic and client_secret together", func() tokenCall {
			return basic(tokenCall{form: with(grant(webCode()), "client_secret", s.WebSecret)})
		}, 400, "invalid_request", false},
		{"Basic and another client_id", func() tokenCall {
			return basic(tokenCall{form: with(grant(webCode()), "client_id", s.PostApp.ClientID)})
		}, 400, "invalid_request", false},
		{"malformed Basic header", func() tokenCall {
			return tokenCall{form: grant(webCode()), header: "Basic !!!"}
		}, 400, "invalid_request", false},

		// The request itself.
		{"missing grant_type", func() tokenCall { return basic(tokenCall{form: without(grant(webCode()), "grant_type")}) }, 400, "invalid_request", false},
		{"unknown grant_type", func() tokenCall {
			return basic(tokenCall{form: with(grant(webCode()), "grant_type", "urn:example:unknown")})
		}, 400, "unsupported_grant_type", false},
		{"password grant", func() tokenCall {
			return basic(tokenCall{form: url.Values{"grant_type": {"password"}, "username": {testkit.UserLogin}, "password": {testkit.Password}}})
		}, 400, "unsupported_grant_type", false},
		{"wrong content type", func() tokenCall {
			return basic(tokenCall{body: grant(webCode()).Encode(), contentType: "application/json"})
		}, 400, "invalid_request", false},
		{"JSON body", func() tokenCall {
			b, _ := json.Marshal(map[string]string{"grant_type": "authorization_code", "code": webCode(), "redirect_uri": testkit.RedirectURI})
			return basic(tokenCall{body: string(b), contentType: "application/json"})
		}, 400, "invalid_request", false},
		{"body over 64 KiB", func() tokenCall { return basic(tokenCall{form: oversized}) }, 400, "invalid_request", false},
		{"repeated parameter", func() tokenCall {
			return basic(tokenCall{body: grant(webCode()).Encode() + "&grant_type=authorization_code"})
		}, 400, "invalid_request", false},
		{"repeated code", func() tokenCall {
			return basic(tokenCall{body: grant(webCode()).Encode() + "&code=" + webCode()})
		}, 400, "invalid_request", false},

		// The grant.
		{"missing code", func() tokenCall { return basic(tokenCall{form: without(grant(""), "code")}) }, 400, "invalid_request", false},
		{"unknown code", func() tokenCall { return basic(tokenCall{form: grant(domain.RandomToken(32))}) }, 400, "invalid_grant", false},
		{"missing redirect_uri", func() tokenCall { return basic(tokenCall{form: without(grant(webCode()), "redirect_uri")}) }, 400, "invalid_request", false},
		{"wrong redirect_uri", func() tokenCall {
			return basic(tokenCall{form: with(grant(webCode()), "redirect_uri", "https://app.example.com/other")})
		}, 400, "invalid_grant", false},
		{"wrong code_verifier", func() tokenCall {
			return tokenCall{form: with(grant(pkceCode()), "client_id", s.PublicApp.ClientID, "code_verifier", oauth2.GenerateVerifier())}
		}, 400, "invalid_grant", false},
		{"missing code_verifier", func() tokenCall {
			return tokenCall{form: with(grant(pkceCode()), "client_id", s.PublicApp.ClientID)}
		}, 400, "invalid_grant", false},
		{"malformed code_verifier", func() tokenCall {
			return tokenCall{form: with(grant(pkceCode()), "client_id", s.PublicApp.ClientID, "code_verifier", "short")}
		}, 400, "invalid_request", false},
		{"code_verifier without a challenge", func() tokenCall {
			return basic(tokenCall{form: with(grant(webCode()), "code_verifier", verifier)})
		}, 400, "invalid_grant", false},
		{"code issued to another client", func() tokenCall {
			code := authorizeCode(t, s, c, ep, s.Issuer(), s.PostApp.ClientID, nil)
			return basic(tokenCall{form: grant(code)})
		}, 400, "invalid_grant", false},
		{"org server code at the default server", func() tokenCall {
			code := authorizeCode(t, s, c, orgEndpoints(s), s.URL, s.WebApp.ClientID, nil)
			return basic(tokenCall{form: grant(code)})
		}, 400, "invalid_grant", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.call().do(t, tokenURL)
			assertOAuthError(t, resp, body, tc.status, tc.code)
			h := resp.Header.Get("WWW-Authenticate")
			if tc.challenge && !strings.HasPrefix(h, "Basic") {
				t.Errorf("WWW-Authenticate = %q, want a Basic challenge", h)
			}
			if !tc.challenge && h != "" {
				t.Errorf("WWW-Authenticate = %q, want none", h)
			}
		})
	}

	t.Run("default server code at the org server", func(t *testing.T) {
		resp, body := basic(tokenCall{form: grant(webCode())}).do(t, orgEndpoints(s)+"/token")
		assertOAuthError(t, resp, body, 400, "invalid_grant")
	})

	t.Run("a failed redemption burns the code", func(t *testing.T) {
		code := pkceCode()
		resp, body := tokenCall{form: with(grant(code), "client_id", s.PublicApp.ClientID, "code_verifier", oauth2.GenerateVerifier())}.do(t, tokenURL)
		assertOAuthError(t, resp, body, 400, "invalid_grant")
		resp, body = tokenCall{form: with(grant(code), "client_id", s.PublicApp.ClientID, "code_verifier", verifier)}.do(t, tokenURL)
		assertOAuthError(t, resp, body, 400, "invalid_grant")
	})

	t.Run("success", func(t *testing.T) {
		resp, body := basic(tokenCall{form: grant(webCode())}).do(t, tokenURL)
		tr := decodeTokenResponse(t, resp, body)
		if tr.Scope != "openid profile email" || tr.IDToken == "" {
			t.Errorf("scope %q id_token %v", tr.Scope, tr.IDToken != "")
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		if _, ok := m["refresh_token"]; ok {
			t.Error("a refresh token was issued without offline_access")
		}
	})
}

func TestUnknownAuthorizationServer(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	cases := []struct{ method, path, id string }{
		{"GET", "/oauth2/nope/.well-known/openid-configuration", "nope"},
		{"GET", "/oauth2/nope/.well-known/oauth-authorization-server", "nope"},
		{"GET", "/oauth2/nope/v1/authorize?client_id=" + s.WebApp.ClientID, "nope"},
		{"POST", "/oauth2/nope/v1/token", "nope"},
		{"GET", "/oauth2/nope/v1/keys", "nope"},
		{"GET", "/oauth2/nope/v1/userinfo", "nope"},
		{"GET", "/oauth2/org/v1/keys", "org"},
		{"GET", "/oauth2/" + strings.Repeat("x", 65) + "/v1/keys", strings.Repeat("x", 65)},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(""))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := plainClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %s", resp.StatusCode, body)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			var e struct {
				ErrorCode, ErrorSummary, ErrorLink, ErrorID string
				ErrorCauses                                 []any
			}
			json.Unmarshal(body, &e)
			if len(m) != 5 || e.ErrorCode != "E0000007" || e.ErrorLink != "E0000007" || e.ErrorID == "" ||
				string(m["errorCauses"]) != "[]" ||
				e.ErrorSummary != "Not found: Resource not found: "+tc.id+" (AuthorizationServer)" {
				t.Errorf("body %s, want Okta's E0000007 body", body)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Discovery and keys
// ---------------------------------------------------------------------------

func TestDiscovery(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	type doc struct {
		Issuer                string   `json:"issuer"`
		AuthorizationEndpoint string   `json:"authorization_endpoint"`
		TokenEndpoint         string   `json:"token_endpoint"`
		UserinfoEndpoint      string   `json:"userinfo_endpoint"`
		JWKSURI               string   `json:"jwks_uri"`
		ResponseTypes         []string `json:"response_types_supported"`
		ResponseModes         []string `json:"response_modes_supported"`
		GrantTypes            []string `json:"grant_types_supported"`
		AuthMethods           []string `json:"token_endpoint_auth_methods_supported"`
		ChallengeMethods      []string `json:"code_challenge_methods_supported"`
		Scopes                []string `json:"scopes_supported"`
		IssParameter          bool     `json:"authorization_response_iss_parameter_supported"`
	}
	cases := []struct {
		url, issuer, endpoints string
		oidc                   bool
	}{
		{s.URL + "/.well-known/openid-configuration", s.URL, s.URL + "/oauth2/v1", true},
		{s.URL + "/.well-known/oauth-authorization-server", s.URL, s.URL + "/oauth2/v1", false},
		{s.URL + "/oauth2/default/.well-known/openid-configuration", s.Issuer(), s.Issuer() + "/v1", true},
		{s.URL + "/oauth2/default/.well-known/oauth-authorization-server", s.Issuer(), s.Issuer() + "/v1", false},
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.url, s.URL), func(t *testing.T) {
			// A single-page app reads discovery cross-origin.
			req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
			req.Header.Set("Origin", "https://spa.example.com")
			resp, err := plainClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Error("discovery is not readable cross-origin")
			}
			var d doc
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatal(err)
			}
			if d.Issuer != tc.issuer {
				t.Errorf("issuer %q, want %q", d.Issuer, tc.issuer)
			}
			endpoints := []struct{ name, got, want string }{
				{"authorization_endpoint", d.AuthorizationEndpoint, tc.endpoints + "/authorize"},
				{"token_endpoint", d.TokenEndpoint, tc.endpoints + "/token"},
				{"jwks_uri", d.JWKSURI, tc.endpoints + "/keys"},
			}
			// userinfo is required in the OpenID document and must be right
			// wherever it appears.
			if tc.oidc || d.UserinfoEndpoint != "" {
				endpoints = append(endpoints, struct{ name, got, want string }{"userinfo_endpoint", d.UserinfoEndpoint, tc.endpoints + "/userinfo"})
			}
			for _, e := range endpoints {
				if e.got != e.want {
					t.Errorf("%s = %q, want %q", e.name, e.got, e.want)
				}
			}
			if !slices.Equal(d.ResponseTypes, []string{"code"}) || !slices.Equal(d.ChallengeMethods, []string{"S256"}) ||
				!slices.Contains(d.GrantTypes, "authorization_code") || !slices.Contains(d.ResponseModes, "form_post") ||
				!slices.Contains(d.Scopes, "openid") || !d.IssParameter {
				t.Errorf("capabilities %s", body)
			}
			for _, m := range []string{"client_secret_basic", "client_secret_post", "none"} {
				if !slices.Contains(d.AuthMethods, m) {
					t.Errorf("token_endpoint_auth_methods_supported lacks %s", m)
				}
			}
			// Every advertised endpoint answers (none is a 404).
			for _, u := range []string{d.JWKSURI, d.AuthorizationEndpoint} {
				if resp, _ := get(t, plainClient, u); resp.StatusCode == http.StatusNotFound {
					t.Errorf("%s: 404", u)
				}
			}
		})
	}

	t.Run("keys", func(t *testing.T) {
		var org, def jwks
		getJSON(t, s.URL+"/oauth2/v1/keys", &org)
		getJSON(t, s.Issuer()+"/v1/keys", &def)
		for name, set := range map[string]jwks{"org": org, "default": def} {
			if len(set.Keys) == 0 {
				t.Fatalf("%s: empty key set", name)
			}
			for _, k := range set.Keys {
				if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] == "" {
					t.Errorf("%s key %v", name, k)
				}
				for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
					if _, ok := k[private]; ok {
						t.Errorf("%s key publishes the private member %q", name, private)
					}
				}
				if n, _ := k["n"].(string); len(n) < 342 { // 2048 bits
					t.Errorf("%s key modulus too short", name)
				}
			}
		}
		if org.Keys[0]["kid"] == def.Keys[0]["kid"] {
			t.Error("the org and default servers share a signing key")
		}
		resp, _ := get(t, plainClient, s.Issuer()+"/v1/keys")
		etag := resp.Header.Get("ETag")
		req, _ := http.NewRequest(http.MethodGet, s.Issuer()+"/v1/keys", nil)
		req.Header.Set("If-None-Match", etag)
		resp2, err := plainClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp2)
		if etag == "" || resp2.StatusCode != http.StatusNotModified {
			t.Errorf("ETag %q, revalidation status %d, want 304", etag, resp2.StatusCode)
		}
	})
}

// ---------------------------------------------------------------------------
// Restart
// ---------------------------------------------------------------------------

// startOn runs Gatehouse over dbPath on a fixed address, so that its issuer is
// the one a previous instance had: testkit always picks a fresh port.
func startOn(t *testing.T, addr, dbPath string) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(testkit.MasterKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := domain.EnsureAuthServers(ctx, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Options{Store: st, Sealer: sealer, BaseURL: "http://" + addr, SessionLifetime: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return srv
}

func TestRestartKeepsKeysTokensAppsAndUsers(t *testing.T) {
	// Not parallel: the restart listens again on the first instance's port,
	// which must not be handed to another test's server in between.
	first := testkit.Start(t)
	c := signedIn(t, first)
	tok := exchange(t, first, defaultEndpoints(first), first.WebApp.ClientID,
		authorizeCode(t, first, c, defaultEndpoints(first), first.Issuer(), first.WebApp.ClientID, nil), nil)
	var defKeys, orgKeys jwks
	getJSON(t, first.Issuer()+"/v1/keys", &defKeys)
	getJSON(t, first.URL+"/oauth2/v1/keys", &orgKeys)
	addr := first.HTTP.Listener.Addr().String()
	first.HTTP.Close()
	first.Store.Close()
	if _, err := plainClient.Get(first.URL + "/healthz"); err == nil {
		t.Fatal("the first instance still answers")
	}

	sameKeys := func(t *testing.T, base, issuer string) {
		t.Helper()
		var d, o jwks
		getJSON(t, issuer+"/v1/keys", &d)
		getJSON(t, base+"/oauth2/v1/keys", &o)
		dj, _ := json.Marshal(d)
		oj, _ := json.Marshal(o)
		wd, _ := json.Marshal(defKeys)
		wo, _ := json.Marshal(orgKeys)
		if string(dj) != string(wd) || string(oj) != string(wo) {
			t.Errorf("the key sets changed across the restart")
		}
	}

	t.Run("same address: old tokens still valid", func(t *testing.T) {
		srv := startOn(t, addr, first.DBPath)
		if srv.URL != first.URL {
			t.Fatalf("restarted at %s, want %s", srv.URL, first.URL)
		}
		sameKeys(t, srv.URL, first.Issuer())
		if resp, body := userinfo(t, first.Issuer()+"/v1", tok.AccessToken); resp.StatusCode != http.StatusOK ||
			!strings.Contains(string(body), first.User.ID) {
			t.Errorf("old access token at the new instance: status %d %s", resp.StatusCode, body)
		}
		provider, err := oidc.NewProvider(plainCtx(), first.Issuer())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := provider.Verifier(&oidc.Config{ClientID: first.WebApp.ClientID}).Verify(plainCtx(), tok.IDToken); err != nil {
			t.Errorf("old ID token no longer verifies: %v", err)
		}
		oktaVerifierChecks(t, tok.AccessToken, first.Issuer(), "api://default")
		srv.Close()
	})

	t.Run("testkit restart over the same database", func(t *testing.T) {
		second := testkit.Start(t, testkit.Options{DBPath: first.DBPath})
		if second.WebApp.ClientID != first.WebApp.ClientID || second.PublicApp.ClientID != first.PublicApp.ClientID ||
			second.User.ID != first.User.ID {
			t.Fatalf("apps or user not found again: %+v", second.WebApp)
		}
		sameKeys(t, second.URL, second.Issuer())
		// testkit listens on a new port, so the issuer changed: a token signed
		// with the same key under the old issuer is no longer accepted.
		resp, body := userinfo(t, defaultEndpoints(second), tok.AccessToken)
		assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
		// The secret from the first instance and the user's password still work.
		second.WebSecret = first.WebSecret
		b := testkit.Browser()
		code := authorizeCode(t, second, b, defaultEndpoints(second), second.Issuer(), second.WebApp.ClientID, nil)
		tr := exchange(t, second, defaultEndpoints(second), second.WebApp.ClientID, code, nil)
		if resp, body := userinfo(t, defaultEndpoints(second), tr.AccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("userinfo with a new token: %d %s", resp.StatusCode, body)
		}
		oktaVerifierChecks(t, tr.AccessToken, second.Issuer(), "api://default")
		// The secret really is the first one: a wrong one is refused.
		resp, body = tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {testkit.RedirectURI}},
			basicID: second.WebApp.ClientID, basicSecret: first.PostSecret}.do(t, defaultEndpoints(second)+"/token")
		assertOAuthError(t, resp, body, http.StatusUnauthorized, "invalid_client")
	})
}

// TestCORS checks that browser apps can call the endpoints they fetch
// (token, userinfo, keys) cross-origin, and that the browser-only endpoints
// do not open up.
func TestCORS(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	const origin = "https://spa.example.com"
	cases := []struct {
		path   string
		method string // the method the pre-flight asks for
	}{
		{"/oauth2/default/v1/token", "POST"},
		{"/oauth2/default/v1/userinfo", "GET"},
		{"/oauth2/default/v1/keys", "GET"},
		{"/oauth2/v1/token", "POST"},
		{"/oauth2/v1/userinfo", "POST"},
	}
	for _, tc := range cases {
		t.Run("pre-flight "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, s.URL+tc.path, nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", tc.method)
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			resp, err := plainClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") == "" ||
				!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), tc.method) ||
				!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
				t.Errorf("pre-flight headers %v", resp.Header)
			}
		})
	}

	t.Run("a token error is readable cross-origin", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/token", strings.NewReader("grant_type=authorization_code"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := plainClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		assertOAuthError(t, resp, body, http.StatusUnauthorized, "invalid_client")
		if resp.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Error("no Access-Control-Allow-Origin on the token endpoint")
		}
	})

	t.Run("authorize is not opened to other origins", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, authorizeURL(defaultEndpoints(s), s.WebApp.ClientID, nil), nil)
		req.Header.Set("Origin", origin)
		resp, err := testkit.Browser().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if h := resp.Header.Get("Access-Control-Allow-Origin"); h != "" {
			t.Errorf("authorize answers Access-Control-Allow-Origin %q", h)
		}
	})
}
