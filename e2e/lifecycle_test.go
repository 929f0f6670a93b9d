package e2e_test

// The token lifecycle as applications see it: refresh tokens (rotation,
// reuse detection, scope narrowing, expiry, x/oauth2's transparent refresh),
// the client credentials grant, introspection (RFC 7662), revocation
// (RFC 7009), RP-initiated logout, and signing-key rotation while tokens
// are live.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// ---------------------------------------------------------------------------
// Helpers (prefixed lc: authcode_test.go owns the unprefixed names)
// ---------------------------------------------------------------------------

const lcFullScope = "openid profile offline_access"

// lcClient is how a test app authenticates at /token, /introspect and
// /revoke: HTTP Basic, or form fields (client_secret_post); a public client
// sends its client_id alone.
type lcClient struct {
	id, secret string
	form       bool
}

func lcWeb(s *testkit.Server) lcClient { return lcClient{id: s.WebApp.ClientID, secret: s.WebSecret} }
func lcPost(s *testkit.Server) lcClient {
	return lcClient{id: s.PostApp.ClientID, secret: s.PostSecret, form: true}
}
func lcSPA(s *testkit.Server) lcClient { return lcClient{id: s.PublicApp.ClientID, form: true} }

func (c lcClient) public() bool { return c.secret == "" }

// call is a form request carrying the client's credentials.
func (c lcClient) call(form url.Values) tokenCall {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	tc := tokenCall{form: f}
	if c.form {
		f.Set("client_id", c.id)
		if c.secret != "" {
			f.Set("client_secret", c.secret)
		}
	} else {
		tc.basicID, tc.basicSecret = c.id, c.secret
	}
	return tc
}

// lcTokens is a token response with its refresh token.
type lcTokens struct {
	tokenResponse
	RefreshToken string `json:"refresh_token"`
}

func lcDecode(t testing.TB, resp *http.Response, body []byte) lcTokens {
	t.Helper()
	out := lcTokens{tokenResponse: decodeTokenResponse(t, resp, body)}
	var rt struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &rt); err != nil {
		t.Fatal(err)
	}
	out.RefreshToken = rt.RefreshToken
	return out
}

// lcRealClock is a controllable clock that starts at the real time, so that
// oktaVerifierChecks (which judges iat and exp by the real clock) still
// holds while the test moves time by less than its 120 s leeway.
func lcRealClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

// lcGrant runs the code flow in browser b (signing in when asked) at the
// server whose /v1 prefix is endpoints, for client c with scope, and
// exchanges the code. Public clients use PKCE.
func lcGrant(t testing.TB, s *testkit.Server, b *http.Client, endpoints, issuer string, c lcClient, scope string) lcTokens {
	t.Helper()
	extra := url.Values{"scope": {scope}}
	verifier := oauth2.GenerateVerifier()
	if c.public() {
		extra.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
		extra.Set("code_challenge_method", "S256")
	}
	code := authorizeCode(t, s, b, endpoints, issuer, c.id, extra)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}}
	if c.public() {
		form.Set("code_verifier", verifier)
	}
	resp, body := c.call(form).do(t, endpoints+"/token")
	return lcDecode(t, resp, body)
}

// lcRefresh presents a refresh token at endpoints/token.
func lcRefresh(t testing.TB, endpoints string, c lcClient, refreshToken string, extra url.Values) (*http.Response, []byte) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	for k, v := range extra {
		form[k] = v
	}
	return c.call(form).do(t, endpoints+"/token")
}

// lcRefreshOK refreshes and checks that a new refresh token came back.
func lcRefreshOK(t testing.TB, endpoints string, c lcClient, refreshToken string, extra url.Values) lcTokens {
	t.Helper()
	resp, body := lcRefresh(t, endpoints, c, refreshToken, extra)
	tr := lcDecode(t, resp, body)
	if tr.RefreshToken == "" || tr.RefreshToken == refreshToken {
		t.Fatalf("refresh: refresh_token %q, want a new one (rotation)", tr.RefreshToken)
	}
	return tr
}

// lcRefreshFails checks that presenting refreshToken gives the OAuth error code.
func lcRefreshFails(t testing.TB, endpoints string, c lcClient, refreshToken string, extra url.Values, status int, code string) {
	t.Helper()
	resp, body := lcRefresh(t, endpoints, c, refreshToken, extra)
	assertOAuthError(t, resp, body, status, code)
}

// lcIntrospect asks endpoints/introspect about token as client c and
// returns the answer, checking the RFC 7662 framing.
func lcIntrospect(t testing.TB, endpoints string, c lcClient, token, hint string) map[string]any {
	t.Helper()
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	resp, body := c.call(form).do(t, endpoints+"/introspect")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("introspect: status %d, body %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("introspect Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("introspect Cache-Control = %q, want no-store", cc)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("introspect: %v in %s", err, body)
	}
	if active, ok := m["active"].(bool); !ok {
		t.Fatalf("introspect: active = %#v, want a boolean", m["active"])
	} else if !active && len(m) != 1 {
		t.Errorf("inactive answer %s: want {\"active\":false} alone (RFC 7662 §2.2)", body)
	}
	return m
}

func lcActive(t testing.TB, endpoints string, c lcClient, token string) bool {
	t.Helper()
	return lcIntrospect(t, endpoints, c, token, "")["active"] == true
}

// lcRevoke posts token to endpoints/revoke as client c.
func lcRevoke(t testing.TB, endpoints string, c lcClient, token string) (*http.Response, []byte) {
	t.Helper()
	form := url.Values{}
	if token != "" {
		form.Set("token", token)
	}
	return c.call(form).do(t, endpoints+"/revoke")
}

func lcRevokeOK(t testing.TB, endpoints string, c lcClient, token string) {
	t.Helper()
	resp, body := lcRevoke(t, endpoints, c, token)
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Fatalf("revoke: status %d body %q, want 200 with an empty body", resp.StatusCode, body)
	}
}

// lcAccessLive checks what a resource server and the app see of an access
// token: introspection and /userinfo agree that it is live, or dead.
func lcAccessLive(t testing.TB, endpoints string, c lcClient, accessToken string, live bool) {
	t.Helper()
	if got := lcActive(t, endpoints, c, accessToken); got != live {
		t.Errorf("access token introspects active=%v, want %v", got, live)
	}
	resp, body := userinfo(t, endpoints, accessToken)
	if live && resp.StatusCode != http.StatusOK {
		t.Errorf("/userinfo with a live access token: status %d %s", resp.StatusCode, body)
	}
	if !live {
		assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
	}
}

// lcHasSession reports whether browser b is signed in: /authorize answers
// with a code instead of the sign-in page.
func lcHasSession(t testing.TB, s *testkit.Server, b *http.Client) bool {
	t.Helper()
	resp, body := get(t, b, authorizeURL(defaultEndpoints(s), s.WebApp.ClientID, nil))
	switch {
	case resp.StatusCode == http.StatusFound && strings.Contains(resp.Header.Get("Location"), "code="):
		return true
	case resp.StatusCode == http.StatusOK && strings.Contains(string(body), `name="csrf_token"`):
		return false
	}
	t.Fatalf("/authorize: status %d Location %q: neither a code nor the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	return false
}

// lcSessionBrowser returns a browser signed in as the user at now through a
// session stored directly. The hosted sign-in is covered elsewhere (and
// here by the x/oauth2 tests); its argon2id check costs most of a test's
// time under -race.
func lcSessionBrowser(t testing.TB, s *testkit.Server, userID string, now time.Time) *http.Client {
	t.Helper()
	value := domain.RandomToken(32)
	err := s.Store.CreateSession(context.Background(), store.Session{
		IDHash: domain.HashSecret(value), UserID: userID, AuthTime: now, AMR: []string{"pwd"},
		Created: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	br := testkit.Browser()
	u, _ := url.Parse(s.URL)
	br.Jar.SetCookies(u, []*http.Cookie{{Name: login.SessionCookie, Value: value, Path: "/"}})
	return br
}

// lcKID is the kid of a JWT's header.
func lcKID(t testing.TB, raw string) string {
	t.Helper()
	head, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	var h struct {
		KID string `json:"kid"`
	}
	if err := json.Unmarshal(b, &h); err != nil || h.KID == "" {
		t.Fatalf("JWT header %s: no kid", b)
	}
	return h.KID
}

func lcKIDs(set jwks) []string {
	var out []string
	for _, k := range set.Keys {
		kid, _ := k["kid"].(string)
		out = append(out, kid)
	}
	return out
}

// lcApp registers an app.
func lcApp(t testing.TB, s *testkit.Server, p domain.NewAppParams) domain.NewApp {
	t.Helper()
	a, err := domain.CreateApp(context.Background(), s.Store, p, time.Now())
	if err != nil {
		t.Fatalf("create app %s: %v", p.Name, err)
	}
	return a
}

// lcScope adds a custom scope to the default server.
func lcScope(t testing.TB, s *testkit.Server, name string, isDefault bool) {
	t.Helper()
	_, err := domain.CreateScope(context.Background(), s.Store,
		domain.NewScopeParams{AuthServerID: domain.DefaultServerID, Name: name, Default: isDefault}, time.Now())
	if err != nil {
		t.Fatalf("create scope %s: %v", name, err)
	}
}

// lcRetrieveError unwraps the OAuth error x/oauth2 reports.
func lcRetrieveError(t testing.TB, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want an *oauth2.RetrieveError", err)
	}
	return re
}

// ---------------------------------------------------------------------------
// 1. Refresh tokens
// ---------------------------------------------------------------------------

// TestRefreshWithClientLibraries runs the code flow with offline_access and a
// refresh the way apps do: golang.org/x/oauth2 for both, go-oidc to verify
// the ID tokens.
func TestRefreshWithClientLibraries(t *testing.T) {
	t.Parallel()
	clk := lcRealClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	ctx := plainCtx()
	provider, err := oidc.NewProvider(ctx, s.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: s.WebApp.ClientID, Now: clk.Now})
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	cfg := oauth2.Config{
		ClientID: s.WebApp.ClientID, ClientSecret: s.WebSecret, Endpoint: endpoint,
		RedirectURL: testkit.RedirectURI, Scopes: strings.Fields(lcFullScope),
	}
	type idClaims struct {
		AuthTime int64  `json:"auth_time"`
		JTI      string `json:"jti"`
	}
	verify := func(t *testing.T, tok *oauth2.Token) (*oidc.IDToken, idClaims) {
		t.Helper()
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			t.Fatal("no id_token in the token response")
		}
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("go-oidc rejects the ID token: %v", err)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash does not match the access token: %v", err)
		}
		var c idClaims
		if err := idt.Claims(&c); err != nil {
			t.Fatal(err)
		}
		return idt, c
	}

	state, nonce := domain.RandomToken(16), domain.RandomToken(16)
	loc, err := s.Authorize(testkit.Browser(), cfg.AuthCodeURL(state, oidc.Nonce(nonce)), testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	first, err := cfg.Exchange(ctx, codeFrom(t, loc, s.Issuer(), state))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if first.RefreshToken == "" {
		t.Fatalf("no refresh_token for scope %q", lcFullScope)
	}
	if first.Extra("scope") != lcFullScope {
		t.Errorf("scope = %v, want %q", first.Extra("scope"), lcFullScope)
	}
	id1, c1 := verify(t, first)
	if id1.Nonce != nonce {
		t.Errorf("first ID token nonce %q, want %q", id1.Nonce, nonce)
	}

	clk.Advance(30 * time.Second)
	// An app refreshes when its token is no longer valid; a token with no
	// access token is that.
	second, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: first.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}

	t.Run("rotation: new refresh and access tokens", func(t *testing.T) {
		if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
			t.Errorf("refresh_token %q, want a new one", second.RefreshToken)
		}
		if second.AccessToken == "" || second.AccessToken == first.AccessToken {
			t.Error("no new access token")
		}
		if second.Extra("scope") != lcFullScope || second.TokenType != "Bearer" {
			t.Errorf("scope %v token_type %q", second.Extra("scope"), second.TokenType)
		}
		at := oktaVerifierChecks(t, second.AccessToken, s.Issuer(), "api://default")
		checkAccessTokenClaims(t, at, s, s.Issuer(), "api://default", s.WebApp.ClientID,
			strings.Fields(lcFullScope), float64(c1.AuthTime))
		if at["iat"] != float64(clk.Now().Unix()) {
			t.Errorf("access token iat %v, want the refresh time %d", at["iat"], clk.Now().Unix())
		}
		if at["jti"] == jwtPayload(t, first.AccessToken)["jti"] {
			t.Error("the new access token reuses the first one's jti")
		}
	})

	t.Run("a new ID token: same subject and auth_time, no nonce", func(t *testing.T) {
		id2, c2 := verify(t, second)
		if id2.Subject != id1.Subject || id2.Subject != s.User.ID {
			t.Errorf("sub %q, want %q", id2.Subject, id1.Subject)
		}
		if c2.AuthTime != c1.AuthTime {
			t.Errorf("auth_time %d, want the original sign-in's %d", c2.AuthTime, c1.AuthTime)
		}
		if !id2.IssuedAt.Equal(clk.Now()) || !id2.IssuedAt.After(id1.IssuedAt) {
			t.Errorf("iat %v, want the refresh time %v", id2.IssuedAt, clk.Now())
		}
		if c2.JTI == c1.JTI {
			t.Error("the new ID token reuses the first one's jti")
		}
		if _, ok := jwtPayload(t, second.Extra("id_token").(string))["nonce"]; ok {
			t.Error("a refreshed ID token carries a nonce (OIDC Core §12.2: it must not)")
		}
	})

	t.Run("both access tokens open /userinfo", func(t *testing.T) {
		for _, tok := range []*oauth2.Token{first, second} {
			ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil || ui.Subject != s.User.ID {
				t.Errorf("userinfo: %v %+v", err, ui)
			}
		}
	})

	t.Run("the rotated refresh token refreshes again", func(t *testing.T) {
		third, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: second.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("second refresh: %v", err)
		}
		if third.RefreshToken == second.RefreshToken || third.RefreshToken == first.RefreshToken {
			t.Error("refresh token not rotated again")
		}
		verify(t, third)
	})
}

// TestRefreshScope covers narrowing and widening the scope at refresh
// (RFC 6749 §6).
func TestRefreshScope(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	ep := defaultEndpoints(s)
	web := lcWeb(s)
	grant := func(t *testing.T) lcTokens { return lcGrant(t, s, b, ep, s.Issuer(), web, lcFullScope) }

	narrow := []struct {
		name, scope, want string
		idToken           bool
		userinfoStatus    int
		userinfoName      bool
	}{
		{"openid only", "openid", "openid", true, http.StatusOK, false},
		{"openid and profile", "openid profile", "openid profile", true, http.StatusOK, true},
		{"repeats collapse", "openid openid", "openid", true, http.StatusOK, false},
		{"without openid there is no ID token", "profile offline_access", "profile offline_access", false, http.StatusForbidden, false},
		{"an empty scope means the granted scope", "", lcFullScope, true, http.StatusOK, true},
	}
	for _, tc := range narrow {
		t.Run("narrow: "+tc.name, func(t *testing.T) {
			g := grant(t)
			tr := lcRefreshOK(t, ep, web, g.RefreshToken, url.Values{"scope": {tc.scope}})
			if tr.Scope != tc.want {
				t.Errorf("scope %q, want %q", tr.Scope, tc.want)
			}
			var scp []string
			for _, v := range jwtPayload(t, tr.AccessToken)["scp"].([]any) {
				scp = append(scp, v.(string))
			}
			if strings.Join(scp, " ") != tc.want {
				t.Errorf("access token scp %q, want %q", scp, tc.want)
			}
			if (tr.IDToken != "") != tc.idToken {
				t.Errorf("id_token present = %v, want %v", tr.IDToken != "", tc.idToken)
			}
			resp, body := userinfo(t, ep, tr.AccessToken)
			if resp.StatusCode != tc.userinfoStatus || strings.Contains(string(body), `"name"`) != tc.userinfoName {
				t.Errorf("/userinfo: status %d body %s; want status %d, name released %v",
					resp.StatusCode, body, tc.userinfoStatus, tc.userinfoName)
			}
			// The new refresh token keeps the grant's full scope (RFC 6749 §6).
			again := lcRefreshOK(t, ep, web, tr.RefreshToken, nil)
			if again.Scope != lcFullScope {
				t.Errorf("refresh after narrowing: scope %q, want the original %q", again.Scope, lcFullScope)
			}
		})
	}

	widen := []struct{ name, scope string }{
		{"a standard scope not granted", "email"},
		{"granted plus one more", "openid email"},
		{"an unknown scope", "orders.read"},
	}
	for _, tc := range widen {
		t.Run("widen: "+tc.name, func(t *testing.T) {
			g := grant(t)
			lcRefreshFails(t, ep, web, g.RefreshToken, url.Values{"scope": {tc.scope}}, http.StatusBadRequest, "invalid_scope")
			// The token was not spent: with no grace period a spent token
			// would now be a replay.
			if tr := lcRefreshOK(t, ep, web, g.RefreshToken, nil); tr.Scope != lcFullScope {
				t.Errorf("scope %q after the refused request", tr.Scope)
			}
		})
	}
}

// TestRefreshReuseDetection: with no grace period, presenting a rotated-out
// refresh token ends the whole grant (RFC 9700 §4.14.2).
func TestRefreshReuseDetection(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t) // RefreshGrace 0
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	ep := defaultEndpoints(s)
	web := lcWeb(s)

	g := lcGrant(t, s, b, ep, s.Issuer(), web, lcFullScope)
	r2 := lcRefreshOK(t, ep, web, g.RefreshToken, nil)
	r3 := lcRefreshOK(t, ep, web, r2.RefreshToken, nil)
	other := lcGrant(t, s, b, ep, s.Issuer(), web, lcFullScope) // same user and client, another grant
	for _, at := range []string{g.AccessToken, r2.AccessToken, r3.AccessToken} {
		lcAccessLive(t, ep, web, at, true)
	}

	// The thief (or a confused client) presents the first token again.
	lcRefreshFails(t, ep, web, g.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")

	t.Run("the newest refresh token is dead", func(t *testing.T) {
		if lcActive(t, ep, web, r3.RefreshToken) {
			t.Error("the newest refresh token still introspects active")
		}
		lcRefreshFails(t, ep, web, r3.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("every access token of the grant is dead", func(t *testing.T) {
		for name, at := range map[string]string{"code's": g.AccessToken, "first refresh's": r2.AccessToken, "second refresh's": r3.AccessToken} {
			t.Run(name, func(t *testing.T) { lcAccessLive(t, ep, web, at, false) })
		}
	})
	t.Run("another grant of the same user lives on", func(t *testing.T) {
		lcAccessLive(t, ep, web, other.AccessToken, true)
		lcRefreshOK(t, ep, web, other.RefreshToken, nil)
	})
	t.Run("a middle token replayed later changes nothing more", func(t *testing.T) {
		lcRefreshFails(t, ep, web, r2.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
	})
}

// TestRefreshGracePeriod: a rotated-out token keeps working for the grace
// period (a client retrying a lost answer), and is a replay after it. A
// retry replaces the first successor, so a grant never has two live
// branches: the replaced successor presented later ends the grant.
func TestRefreshGracePeriod(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now, RefreshGrace: 30 * time.Second})
	b := lcSessionBrowser(t, s, s.User.ID, clk.Now())
	ep := defaultEndpoints(s)
	web := lcWeb(s)

	g := lcGrant(t, s, b, ep, s.Issuer(), web, lcFullScope)
	r2 := lcRefreshOK(t, ep, web, g.RefreshToken, nil)

	clk.Advance(29 * time.Second)
	retry := lcRefreshOK(t, ep, web, g.RefreshToken, nil) // the answer to the first refresh was "lost"
	if retry.RefreshToken == r2.RefreshToken {
		t.Error("the retry returned the same refresh token")
	}
	lcAccessLive(t, ep, web, r2.AccessToken, false) // the replaced successor's access token is revoked
	r3 := lcRefreshOK(t, ep, web, retry.RefreshToken, nil)
	lcAccessLive(t, ep, web, r3.AccessToken, true)

	t.Run("the replaced successor presented later ends the grant", func(t *testing.T) {
		fresh := lcGrant(t, s, b, ep, s.Issuer(), web, lcFullScope)
		first := lcRefreshOK(t, ep, web, fresh.RefreshToken, nil)
		second := lcRefreshOK(t, ep, web, fresh.RefreshToken, nil) // within grace: replaces first
		lcRefreshFails(t, ep, web, first.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
		if lcActive(t, ep, web, second.RefreshToken) {
			t.Error("the live branch survived a replay of the replaced one")
		}
		lcAccessLive(t, ep, web, second.AccessToken, false)
	})

	t.Run("concurrent refreshes with one token all succeed", func(t *testing.T) {
		fresh := lcGrant(t, s, b, ep, s.Issuer(), web, lcFullScope)
		const n = 4
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				form := web.call(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fresh.RefreshToken}}).form.Encode()
				req, _ := http.NewRequest(http.MethodPost, ep+"/token", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(web.id, web.secret)
				resp, err := plainClient.Do(req)
				if err != nil {
					statuses[i] = -1
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		for _, st := range statuses {
			if st != http.StatusOK {
				t.Errorf("statuses %v, want all 200 inside the grace period", statuses)
				break
			}
		}
	})

	clk.Advance(2 * time.Second) // 31 s after the first rotation
	lcRefreshFails(t, ep, web, g.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
	for name, rt := range map[string]string{"successor": r3.RefreshToken, "retry's successor": retry.RefreshToken} {
		if lcActive(t, ep, web, rt) {
			t.Errorf("%s still active after the replay", name)
		}
		lcRefreshFails(t, ep, web, rt, nil, http.StatusBadRequest, "invalid_grant")
	}
	lcAccessLive(t, ep, web, r3.AccessToken, false)
}

// TestCodeReplayRevokesRefreshTokens: a second redemption of a code ends the
// grant the first one started, refresh tokens included (RFC 6749 §4.1.2).
func TestCodeReplayRevokesRefreshTokens(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	ep := defaultEndpoints(s)
	web := lcWeb(s)

	code := authorizeCode(t, s, b, ep, s.Issuer(), web.id, url.Values{"scope": {lcFullScope}})
	resp, body := exchangeCall(s, web.id, code, nil).do(t, ep+"/token")
	first := lcDecode(t, resp, body)
	if first.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	refreshed := lcRefreshOK(t, ep, web, first.RefreshToken, nil)

	resp, body = exchangeCall(s, web.id, code, nil).do(t, ep+"/token")
	assertOAuthError(t, resp, body, http.StatusBadRequest, "invalid_grant")

	lcRefreshFails(t, ep, web, refreshed.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
	lcAccessLive(t, ep, web, first.AccessToken, false)
	lcAccessLive(t, ep, web, refreshed.AccessToken, false)
}

// TestRefreshTokenIssuance: a refresh token comes only with offline_access
// and only to apps allowed the refresh_token grant.
func TestRefreshTokenIssuance(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	noRefresh := lcApp(t, s, domain.NewAppParams{Name: "No refresh", Type: domain.AppTypeWeb,
		RedirectURIs: []string{testkit.RedirectURI}, GrantTypes: []string{domain.GrantAuthorizationCode}})
	noRefreshClient := lcClient{id: noRefresh.App.ClientID, secret: noRefresh.ClientSecret}

	cases := []struct {
		name      string
		client    lcClient
		endpoints string
		issuer    string
		scope     string
		want      bool
	}{
		{"offline_access at default", lcWeb(s), defaultEndpoints(s), s.Issuer(), lcFullScope, true},
		{"offline_access at the org server", lcWeb(s), orgEndpoints(s), s.URL, lcFullScope, true},
		{"public client with PKCE", lcSPA(s), defaultEndpoints(s), s.Issuer(), lcFullScope, true},
		{"client_secret_post client", lcPost(s), defaultEndpoints(s), s.Issuer(), "openid offline_access", true},
		{"no offline_access", lcWeb(s), defaultEndpoints(s), s.Issuer(), "openid profile", false},
		{"no offline_access at the org server", lcWeb(s), orgEndpoints(s), s.URL, "openid profile", false},
		{"app without the refresh_token grant", noRefreshClient, defaultEndpoints(s), s.Issuer(), lcFullScope, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := lcGrant(t, s, b, tc.endpoints, tc.issuer, tc.client, tc.scope)
			if (tr.RefreshToken != "") != tc.want {
				t.Fatalf("refresh_token present = %v, want %v", tr.RefreshToken != "", tc.want)
			}
			if tr.Scope != tc.scope {
				t.Errorf("scope %q, want %q", tr.Scope, tc.scope)
			}
			if tc.want {
				next := lcRefreshOK(t, tc.endpoints, tc.client, tr.RefreshToken, nil)
				lcAccessLive(t, tc.endpoints, tc.client, next.AccessToken, true)
			}
		})
	}

	t.Run("an app without the grant cannot refresh", func(t *testing.T) {
		lcRefreshFails(t, defaultEndpoints(s), noRefreshClient, "anything", nil, http.StatusBadRequest, "unauthorized_client")
	})
}

// TestRefreshTokenRejected: tokens presented by the wrong client, at the
// wrong server, or not refresh tokens at all get invalid_grant and do not
// harm the owner's grant.
func TestRefreshTokenRejected(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	def, org := defaultEndpoints(s), orgEndpoints(s)
	web := lcWeb(s)
	atDefault := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	atOrg := lcGrant(t, s, b, org, s.URL, web, lcFullScope)

	cases := []struct {
		name      string
		client    lcClient
		endpoints string
		token     string
		extra     url.Values
		code      string
	}{
		{"unknown token", web, def, "bm90LWEtcmVmcmVzaC10b2tlbg", nil, "invalid_grant"},
		{"another confidential client's token", lcPost(s), def, atDefault.RefreshToken, nil, "invalid_grant"},
		{"another client's token, public client", lcSPA(s), def, atDefault.RefreshToken, nil, "invalid_grant"},
		{"another client's token with a scope", lcPost(s), def, atDefault.RefreshToken, url.Values{"scope": {"openid"}}, "invalid_grant"},
		{"org server's token at default", web, def, atOrg.RefreshToken, nil, "invalid_grant"},
		{"default server's token at the org server", web, org, atDefault.RefreshToken, nil, "invalid_grant"},
		{"an access token", web, def, atDefault.AccessToken, nil, "invalid_grant"},
		{"an ID token", web, def, atDefault.IDToken, nil, "invalid_grant"},
		{"no refresh_token", web, def, "", nil, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lcRefreshFails(t, tc.endpoints, tc.client, tc.token, tc.extra, http.StatusBadRequest, tc.code)
		})
	}
	t.Run("the owner's tokens still work at their own server", func(t *testing.T) {
		lcRefreshOK(t, def, web, atDefault.RefreshToken, nil)
		lcRefreshOK(t, org, web, atOrg.RefreshToken, nil)
	})
}

// TestRefreshTokenExpiry: a refresh token dies after 7 days unused; each use
// starts a new window. Custom servers' grants have no absolute end; the org
// server's end 90 days after the sign-in.
func TestRefreshTokenExpiry(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	b := lcSessionBrowser(t, s, s.User.ID, clk.Now())
	def, org := defaultEndpoints(s), orgEndpoints(s)
	web := lcWeb(s)

	idle := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	idleEnd := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	longDef := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	longOrg := lcGrant(t, s, b, org, s.URL, web, lcFullScope)
	start := clk.Now()
	const week = 7 * 24 * time.Hour

	t.Run("idle window", func(t *testing.T) {
		clk.Advance(week - time.Second)
		next := lcRefreshOK(t, def, web, idle.RefreshToken, nil)
		if exp := lcIntrospect(t, def, web, next.RefreshToken, "refresh_token")["exp"]; exp != float64(clk.Now().Add(week).Unix()) {
			t.Errorf("introspected exp %v, want a new 7-day window ending %d", exp, clk.Now().Add(week).Unix())
		}
		clk.Advance(2 * time.Second) // the untouched grant is now 7 days + 1 s idle
		if lcActive(t, def, web, idleEnd.RefreshToken) {
			t.Error("a refresh token unused for more than 7 days introspects active")
		}
		lcRefreshFails(t, def, web, idleEnd.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
		clk.Advance(week - 3*time.Second) // 7 days - 1 s after the last refresh
		next = lcRefreshOK(t, def, web, next.RefreshToken, nil)
		clk.Advance(week + time.Second)
		lcRefreshFails(t, def, web, next.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("default lives past 90 days while used, org ends at 90 days", func(t *testing.T) {
		// Both grants were made at start; catch up from wherever the clock is.
		dRT, oRT := longDef.RefreshToken, longOrg.RefreshToken
		clk.mu.Lock()
		clk.now = start
		clk.mu.Unlock()
		step := 6 * 24 * time.Hour
		for elapsed := step; elapsed < 90*24*time.Hour; elapsed += step {
			clk.Advance(step)
			dRT = lcRefreshOK(t, def, web, dRT, nil).RefreshToken
			oRT = lcRefreshOK(t, org, web, oRT, nil).RefreshToken
		}
		end := start.Add(90 * 24 * time.Hour)
		if exp := lcIntrospect(t, org, web, oRT, "")["exp"]; exp != float64(end.Unix()) {
			t.Errorf("org refresh token exp %v, want the grant's 90-day end %d", exp, end.Unix())
		}
		clk.Advance(end.Add(-time.Hour).Sub(clk.Now()))
		dRT = lcRefreshOK(t, def, web, dRT, nil).RefreshToken
		oRT = lcRefreshOK(t, org, web, oRT, nil).RefreshToken
		clk.Advance(2 * time.Hour)
		lcRefreshFails(t, org, web, oRT, nil, http.StatusBadRequest, "invalid_grant")
		lcRefreshOK(t, def, web, dRT, nil)
	})
}

// TestTokenSourceRefreshesTransparently: an app using x/oauth2's HTTP client
// keeps working across access-token expiry, with rotation handled for it.
func TestTokenSourceRefreshesTransparently(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	ctx := plainCtx()
	provider, err := oidc.NewProvider(ctx, s.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	cfg := oauth2.Config{ClientID: s.WebApp.ClientID, ClientSecret: s.WebSecret, Endpoint: endpoint,
		RedirectURL: testkit.RedirectURI, Scopes: strings.Fields(lcFullScope)}
	loc, err := s.Authorize(testkit.Browser(), cfg.AuthCodeURL("st"), testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.Exchange(ctx, codeFrom(t, loc, s.Issuer(), "st"))
	if err != nil {
		t.Fatal(err)
	}
	var infoURL struct {
		URL string `json:"userinfo_endpoint"`
	}
	if err := provider.Claims(&infoURL); err != nil {
		t.Fatal(err)
	}

	// callAPI is the app's API call through x/oauth2's client.
	callAPI := func(t *testing.T, ts oauth2.TokenSource) {
		t.Helper()
		resp, err := oauth2.NewClient(ctx, ts).Get(infoURL.URL)
		if err != nil {
			t.Fatalf("API call: %v", err)
		}
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), s.User.ID) {
			t.Fatalf("API call: status %d %s", resp.StatusCode, body)
		}
	}

	for round := range 2 {
		// An hour passes on the server. x/oauth2 judges expiry by the real
		// clock, so the app's copy of the token is marked expired to match.
		clk.Advance(time.Hour + time.Minute)
		resp, body := userinfo(t, defaultEndpoints(s), tok.AccessToken)
		assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
		old := *tok
		old.Expiry = time.Now().Add(-time.Minute)

		ts := cfg.TokenSource(ctx, &old)
		callAPI(t, ts)
		next, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if next.AccessToken == tok.AccessToken || next.RefreshToken == tok.RefreshToken || next.RefreshToken == "" {
			t.Fatalf("round %d: the token source did not pick up new (rotated) tokens", round)
		}
		if !next.Valid() {
			t.Errorf("round %d: the refreshed token is not valid: expiry %v", round, next.Expiry)
		}
		tok = next
	}
}

// ---------------------------------------------------------------------------
// 2. Client credentials
// ---------------------------------------------------------------------------

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	clk := lcRealClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	ctx := plainCtx()
	def := defaultEndpoints(s)
	service := lcApp(t, s, domain.NewAppParams{Name: "Service", Type: domain.AppTypeService})
	servicePost := lcApp(t, s, domain.NewAppParams{Name: "Service (post)", Type: domain.AppTypeService, AuthMethod: domain.AuthMethodPost})
	webWithCC := lcApp(t, s, domain.NewAppParams{Name: "Web with client credentials", Type: domain.AppTypeWeb,
		RedirectURIs: []string{testkit.RedirectURI}, GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantClientCredentials}})

	cc := func(id, secret, tokenURL string, style oauth2.AuthStyle, scopes ...string) *clientcredentials.Config {
		return &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, Scopes: scopes, AuthStyle: style}
	}
	svc := func(tokenURL string, scopes ...string) *clientcredentials.Config {
		return cc(service.App.ClientID, service.ClientSecret, tokenURL, oauth2.AuthStyleInHeader, scopes...)
	}

	t.Run("no scope and no default scope is invalid_scope", func(t *testing.T) {
		lcScope(t, s, "orders.write", false)
		_, err := svc(def + "/token").Token(ctx)
		if re := lcRetrieveError(t, err); re.ErrorCode != "invalid_scope" || re.Response.StatusCode != http.StatusBadRequest {
			t.Errorf("error %q status %d, want invalid_scope 400", re.ErrorCode, re.Response.StatusCode)
		}
	})
	lcScope(t, s, "orders.read", true)
	clk.Advance(11 * time.Second) // past the 10 s scope cache

	ok := []struct {
		name   string
		cfg    *clientcredentials.Config
		client string
		want   string
	}{
		{"default and non-default scopes", svc(def+"/token", "orders.read", "orders.write"), service.App.ClientID, "orders.read orders.write"},
		{"a non-default scope alone", svc(def+"/token", "orders.write"), service.App.ClientID, "orders.write"},
		{"no scope: the default scopes", svc(def + "/token"), service.App.ClientID, "orders.read"},
		{"client_secret_post", cc(servicePost.App.ClientID, servicePost.ClientSecret, def+"/token", oauth2.AuthStyleInParams, "orders.read"),
			servicePost.App.ClientID, "orders.read"},
		{"auto-detected auth style", cc(service.App.ClientID, service.ClientSecret, def+"/token", oauth2.AuthStyleAutoDetect, "orders.read"),
			service.App.ClientID, "orders.read"},
		{"a web app allowed the grant", cc(webWithCC.App.ClientID, webWithCC.ClientSecret, def+"/token", oauth2.AuthStyleInHeader, "orders.write"),
			webWithCC.App.ClientID, "orders.write"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.cfg.Token(ctx)
			if err != nil {
				t.Fatalf("token: %v", err)
			}
			if tok.RefreshToken != "" || tok.Extra("id_token") != nil {
				t.Errorf("refresh_token %q id_token %v: client credentials get neither", tok.RefreshToken, tok.Extra("id_token"))
			}
			if tok.Extra("scope") != tc.want || tok.TokenType != "Bearer" {
				t.Errorf("scope %v token_type %q, want %q Bearer", tok.Extra("scope"), tok.TokenType, tc.want)
			}
			c := oktaVerifierChecks(t, tok.AccessToken, s.Issuer(), "api://default")
			if c["sub"] != tc.client || c["cid"] != tc.client {
				t.Errorf("sub %v cid %v, want the client id %s", c["sub"], c["cid"], tc.client)
			}
			for _, absent := range []string{"uid", "auth_time"} {
				if _, has := c[absent]; has {
					t.Errorf("claim %s = %v: a token without a user has none", absent, c[absent])
				}
			}
			var scp []string
			for _, v := range c["scp"].([]any) {
				scp = append(scp, v.(string))
			}
			if strings.Join(scp, " ") != tc.want {
				t.Errorf("scp %q, want %q", scp, tc.want)
			}
			// A resource server introspecting it sees the client as subject.
			self := lcClient{id: tc.client, secret: tc.cfg.ClientSecret, form: tc.cfg.AuthStyle == oauth2.AuthStyleInParams}
			in := lcIntrospect(t, def, self, tok.AccessToken, "")
			if in["active"] != true || in["sub"] != tc.client || in["client_id"] != tc.client || in["scope"] != tc.want {
				t.Errorf("introspection %v", in)
			}
			if _, has := in["uid"]; has {
				t.Errorf("introspection has uid %v", in["uid"])
			}
			// It opens no /userinfo: there is no user.
			resp, body := userinfo(t, def, tok.AccessToken)
			assertBearerError(t, resp, body, http.StatusUnauthorized, "invalid_token")
		})
	}

	t.Run("the app's HTTP client carries a working token to its API", func(t *testing.T) {
		seen := make(chan string, 1)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen <- r.Header.Get("Authorization")
		}))
		defer api.Close()
		cfg := svc(def+"/token", "orders.read")
		resp, err := cfg.Client(ctx).Get(api.URL)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		header := <-seen
		bearer, ok := strings.CutPrefix(header, "Bearer ")
		if !ok {
			t.Fatalf("the API saw Authorization %q", header)
		}
		// The API introspects what it was sent.
		in := lcIntrospect(t, def, lcClient{id: service.App.ClientID, secret: service.ClientSecret}, bearer, "access_token")
		if in["active"] != true || in["scope"] != "orders.read" {
			t.Errorf("introspection %v", in)
		}
	})

	fail := []struct {
		name   string
		cfg    *clientcredentials.Config
		status int
		code   string
	}{
		{"an undefined scope", svc(def+"/token", "orders.delete"), http.StatusBadRequest, "invalid_scope"},
		{"a standard scope", svc(def+"/token", "openid"), http.StatusBadRequest, "invalid_scope"},
		{"a custom scope plus openid", svc(def+"/token", "orders.read", "openid"), http.StatusBadRequest, "invalid_scope"},
		{"at the org server", svc(orgEndpoints(s)+"/token", "orders.read"), http.StatusBadRequest, "invalid_scope"},
		{"at the org server without scope", svc(orgEndpoints(s) + "/token"), http.StatusBadRequest, "invalid_scope"},
		{"a web app without the grant", cc(s.WebApp.ClientID, s.WebSecret, def+"/token", oauth2.AuthStyleInHeader, "orders.read"),
			http.StatusBadRequest, "unauthorized_client"},
		{"a browser (public) app", cc(s.PublicApp.ClientID, "", def+"/token", oauth2.AuthStyleInParams, "orders.read"),
			http.StatusBadRequest, "unauthorized_client"},
		{"a wrong secret", cc(service.App.ClientID, "wrong", def+"/token", oauth2.AuthStyleInHeader, "orders.read"),
			http.StatusUnauthorized, "invalid_client"},
	}
	for _, tc := range fail {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.cfg.Token(ctx)
			if err == nil {
				t.Fatalf("got a token (scope %v), want %s", tok.Extra("scope"), tc.code)
			}
			re := lcRetrieveError(t, err)
			if re.ErrorCode != tc.code || re.Response.StatusCode != tc.status {
				t.Errorf("error %q (%s) status %d, want %s %d", re.ErrorCode, re.ErrorDescription, re.Response.StatusCode, tc.code, tc.status)
			}
		})
	}

	t.Run("a service app cannot use the user grants", func(t *testing.T) {
		c := lcClient{id: service.App.ClientID, secret: service.ClientSecret}
		lcRefreshFails(t, def, c, "anything", nil, http.StatusBadRequest, "unauthorized_client")
		resp, body := c.call(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {testkit.RedirectURI}}).do(t, def+"/token")
		assertOAuthError(t, resp, body, http.StatusBadRequest, "unauthorized_client")
	})
}

// ---------------------------------------------------------------------------
// 3. Introspection (RFC 7662)
// ---------------------------------------------------------------------------

func TestIntrospection(t *testing.T) {
	t.Parallel()
	clk := lcRealClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	b := lcSessionBrowser(t, s, s.User.ID, clk.Now())
	def, org := defaultEndpoints(s), orgEndpoints(s)
	web, post, spa := lcWeb(s), lcPost(s), lcSPA(s)

	g := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	orgG := lcGrant(t, s, b, org, s.URL, web, lcFullScope)
	spaG := lcGrant(t, s, b, def, s.Issuer(), spa, lcFullScope)
	revoked := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	lcRevokeOK(t, def, web, revoked.AccessToken)
	lcRevokeOK(t, def, web, revoked.RefreshToken)
	rotated := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	lcRefreshOK(t, def, web, rotated.RefreshToken, nil)

	t.Run("an active access token has Okta's members", func(t *testing.T) {
		claims := jwtPayload(t, g.AccessToken)
		got := lcIntrospect(t, def, web, g.AccessToken, "access_token")
		want := map[string]any{
			"active": true, "token_type": "Bearer", "scope": lcFullScope, "client_id": web.id,
			"username": testkit.UserLogin, "exp": claims["exp"], "iat": claims["iat"], "sub": testkit.UserLogin,
			"aud": "api://default", "iss": s.Issuer(), "jti": claims["jti"], "uid": s.User.ID,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %#v, want %#v", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected member %s = %v", k, got[k])
			}
		}
		if exp, _ := got["exp"].(float64); exp != float64(clk.Now().Add(time.Hour).Unix()) {
			t.Errorf("exp %v, want an hour from issue", exp)
		}
	})

	t.Run("a wrong token_type_hint does not hide a token (RFC 7662 §2.1)", func(t *testing.T) {
		for _, tc := range []struct{ token, hint, wantType string }{
			{g.AccessToken, "refresh_token", "Bearer"},
			{g.RefreshToken, "access_token", "refresh_token"},
		} {
			got := lcIntrospect(t, def, web, tc.token, tc.hint)
			if got["active"] != true || got["token_type"] != tc.wantType {
				t.Errorf("hint %s: %v", tc.hint, got)
			}
		}
	})

	t.Run("an ID token is active for its own client only", func(t *testing.T) {
		got := lcIntrospect(t, def, web, g.IDToken, "id_token")
		if got["active"] != true || got["token_type"] != "id_token" || got["aud"] != web.id || got["sub"] != s.User.ID {
			t.Errorf("own ID token: %v", got)
		}
		if other := lcIntrospect(t, def, post, g.IDToken, "id_token"); other["active"] != false {
			t.Errorf("another client's ID token: %v", other)
		}
	})

	t.Run("an active refresh token", func(t *testing.T) {
		for _, hint := range []string{"refresh_token", "", "access_token"} {
			got := lcIntrospect(t, def, web, g.RefreshToken, hint)
			want := map[string]any{
				"active": true, "token_type": "refresh_token", "scope": lcFullScope, "client_id": web.id,
				"username": testkit.UserLogin, "sub": testkit.UserLogin, "iss": s.Issuer(), "uid": s.User.ID,
				"iat": float64(clk.Now().Unix()), "exp": float64(clk.Now().Add(7 * 24 * time.Hour).Unix()),
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("hint %q: %s = %#v, want %#v", hint, k, got[k], v)
				}
			}
		}
	})

	t.Run("active at the org server and for a public client", func(t *testing.T) {
		if in := lcIntrospect(t, org, web, orgG.AccessToken, ""); in["active"] != true || in["aud"] != s.URL || in["iss"] != s.URL {
			t.Errorf("org access token: %v", in)
		}
		if !lcActive(t, org, web, orgG.RefreshToken) {
			t.Error("org refresh token inactive")
		}
		if !lcActive(t, def, spa, spaG.AccessToken) || !lcActive(t, def, spa, spaG.RefreshToken) {
			t.Error("the SPA cannot introspect its own tokens with its client_id")
		}
	})

	inactive := []struct {
		name      string
		endpoints string
		client    lcClient
		token     string
		hint      string
	}{
		{"unknown opaque token", def, web, "bm90LWEtdG9rZW4", ""},
		{"unknown token with a refresh hint", def, web, "bm90LWEtdG9rZW4", "refresh_token"},
		{"malformed JWT", def, web, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", ""},
		{"tampered access token", def, web, g.AccessToken[:len(g.AccessToken)-4] + "AAAA", ""},
		{"revoked access token", def, web, revoked.AccessToken, ""},
		{"revoked refresh token", def, web, revoked.RefreshToken, ""},
		{"rotated-out refresh token", def, web, rotated.RefreshToken, ""},
		{"another client's access token", def, post, g.AccessToken, ""},
		{"another client's refresh token", def, post, g.RefreshToken, ""},
		{"another client's token, public client", def, spa, g.AccessToken, ""},
		{"org access token at default", def, web, orgG.AccessToken, ""},
		{"org refresh token at default", def, web, orgG.RefreshToken, ""},
		{"default access token at the org server", org, web, g.AccessToken, ""},
		{"default refresh token at the org server", org, web, g.RefreshToken, ""},
	}
	for _, tc := range inactive {
		t.Run("inactive: "+tc.name, func(t *testing.T) {
			if got := lcIntrospect(t, tc.endpoints, tc.client, tc.token, tc.hint); got["active"] != false {
				t.Errorf("introspection %v, want {\"active\":false}", got)
			}
		})
	}

	errs := []struct {
		name   string
		call   tokenCall
		status int
		code   string
	}{
		{"missing token", web.call(url.Values{}), http.StatusBadRequest, "invalid_request"},
		{"empty token", web.call(url.Values{"token": {""}}), http.StatusBadRequest, "invalid_request"},
		{"no client authentication", tokenCall{form: url.Values{"token": {g.AccessToken}}}, http.StatusUnauthorized, "invalid_client"},
		{"wrong secret", lcClient{id: web.id, secret: "wrong"}.call(url.Values{"token": {g.AccessToken}}), http.StatusUnauthorized, "invalid_client"},
		{"unknown client", lcClient{id: "0oaunknown", secret: "x"}.call(url.Values{"token": {g.AccessToken}}), http.StatusUnauthorized, "invalid_client"},
	}
	for _, tc := range errs {
		t.Run("error: "+tc.name, func(t *testing.T) {
			resp, body := tc.call.do(t, def+"/introspect")
			assertOAuthError(t, resp, body, tc.status, tc.code)
		})
	}

	t.Run("inactive once expired", func(t *testing.T) {
		clk.Advance(time.Hour)
		if lcActive(t, def, web, g.AccessToken) {
			t.Error("an access token at its exp still introspects active")
		}
		if !lcActive(t, def, web, g.RefreshToken) {
			t.Error("the refresh token died with the access token")
		}
	})
}

// ---------------------------------------------------------------------------
// 4. Revocation (RFC 7009)
// ---------------------------------------------------------------------------

func TestRevocation(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	def, org := defaultEndpoints(s), orgEndpoints(s)
	web := lcWeb(s)
	grant := func(t *testing.T) lcTokens { return lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope) }

	t.Run("revoking an access token", func(t *testing.T) {
		g := grant(t)
		lcAccessLive(t, def, web, g.AccessToken, true)
		resp, body := lcRevoke(t, def, web, g.AccessToken)
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Fatalf("status %d body %q, want 200 and no body", resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q", cc)
		}
		lcAccessLive(t, def, web, g.AccessToken, false)
		// The grant itself lives: the app gets a new access token.
		next := lcRefreshOK(t, def, web, g.RefreshToken, nil)
		lcAccessLive(t, def, web, next.AccessToken, true)
		lcRevokeOK(t, def, web, g.AccessToken) // again: still 200
	})

	t.Run("revoking a refresh token ends the grant", func(t *testing.T) {
		g := grant(t)
		r2 := lcRefreshOK(t, def, web, g.RefreshToken, nil)
		lcRevokeOK(t, def, web, r2.RefreshToken)
		lcRefreshFails(t, def, web, r2.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
		lcAccessLive(t, def, web, g.AccessToken, false)
		lcAccessLive(t, def, web, r2.AccessToken, false)
		lcRevokeOK(t, def, web, r2.RefreshToken) // again: still 200
	})

	t.Run("revoking a rotated-out refresh token ends the grant too", func(t *testing.T) {
		g := grant(t)
		r2 := lcRefreshOK(t, def, web, g.RefreshToken, nil)
		lcRevokeOK(t, def, web, g.RefreshToken)
		lcRefreshFails(t, def, web, r2.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("a public client revokes its own refresh token", func(t *testing.T) {
		spa := lcSPA(s)
		g := lcGrant(t, s, b, def, s.Issuer(), spa, lcFullScope)
		lcRevokeOK(t, def, spa, g.RefreshToken)
		lcRefreshFails(t, def, spa, g.RefreshToken, nil, http.StatusBadRequest, "invalid_grant")
		lcAccessLive(t, def, spa, g.AccessToken, false)
	})

	t.Run("unknown tokens get 200", func(t *testing.T) {
		for _, tok := range []string{"bm90LWEtdG9rZW4", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"} {
			lcRevokeOK(t, def, web, tok)
		}
	})

	t.Run("another client's or server's tokens: 200, and nothing is revoked", func(t *testing.T) {
		g := grant(t)
		orgG := lcGrant(t, s, b, org, s.URL, web, lcFullScope)
		for _, c := range []struct {
			endpoints string
			client    lcClient
			token     string
		}{
			{def, lcPost(s), g.AccessToken},
			{def, lcPost(s), g.RefreshToken},
			{def, lcSPA(s), g.RefreshToken},
			{org, web, g.AccessToken},
			{org, web, g.RefreshToken},
			{def, web, orgG.RefreshToken},
		} {
			lcRevokeOK(t, c.endpoints, c.client, c.token)
		}
		lcAccessLive(t, def, web, g.AccessToken, true)
		lcAccessLive(t, org, web, orgG.AccessToken, true)
		lcRefreshOK(t, def, web, g.RefreshToken, nil)
		lcRefreshOK(t, org, web, orgG.RefreshToken, nil)
	})

	errs := []struct {
		name   string
		call   tokenCall
		status int
		code   string
	}{
		{"missing token", web.call(url.Values{}), http.StatusBadRequest, "invalid_request"},
		{"no client authentication", tokenCall{form: url.Values{"token": {"x"}}}, http.StatusUnauthorized, "invalid_client"},
		{"wrong secret", lcClient{id: web.id, secret: "wrong"}.call(url.Values{"token": {"x"}}), http.StatusUnauthorized, "invalid_client"},
		{"secret sent the wrong way", lcClient{id: web.id, secret: web.secret, form: true}.call(url.Values{"token": {"x"}}),
			http.StatusUnauthorized, "invalid_client"},
	}
	for _, tc := range errs {
		t.Run("error: "+tc.name, func(t *testing.T) {
			resp, body := tc.call.do(t, def+"/revoke")
			assertOAuthError(t, resp, body, tc.status, tc.code)
		})
	}

	t.Run("a bad client cannot revoke", func(t *testing.T) {
		g := grant(t)
		lcClient{id: web.id, secret: "wrong"}.call(url.Values{"token": {g.RefreshToken}}).do(t, def+"/revoke")
		lcRefreshOK(t, def, web, g.RefreshToken, nil)
	})
}

// TestBrowserAppsRevokeAndIntrospectCrossOrigin: a single-page app calls
// /revoke (on sign-out) and /introspect with fetch from its own origin, as
// okta-auth-js does; the answers must be readable there.
func TestBrowserAppsRevokeAndIntrospectCrossOrigin(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	b := lcSessionBrowser(t, s, s.User.ID, time.Now())
	def := defaultEndpoints(s)
	spa := lcSPA(s)
	g := lcGrant(t, s, b, def, s.Issuer(), spa, lcFullScope)
	const origin = "https://spa.example.com"

	fetch := func(t *testing.T, path string, form url.Values) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, def+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Sec-Fetch-Mode", "cors")
		resp, err := plainClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, readAll(t, resp)
	}
	for _, path := range []string{"/introspect", "/revoke"} {
		t.Run(path, func(t *testing.T) {
			resp, body := fetch(t, path, url.Values{"client_id": {spa.id}, "token": {g.AccessToken}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d body %s, want 200", resp.StatusCode, body)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") == "" {
				t.Error("no Access-Control-Allow-Origin: the app cannot read the answer")
			}
		})
	}
	lcAccessLive(t, def, spa, g.AccessToken, false)
}

// ---------------------------------------------------------------------------
// 5. RP-initiated logout
// ---------------------------------------------------------------------------

func TestLogout(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	def := defaultEndpoints(s)
	const signedOut = "https://app.example.com/signed-out"
	app := lcApp(t, s, domain.NewAppParams{Name: "Logout App", Type: domain.AppTypeWeb,
		RedirectURIs: []string{testkit.RedirectURI}, PostLogoutRedirectURIs: []string{signedOut, "https://app.example.com/bye?from=gh"}})
	client := lcClient{id: app.App.ClientID, secret: app.ClientSecret}
	bob, err := domain.CreateUser(context.Background(), s.Store, domain.NewUserParams{
		Login: "bob@example.com", FirstName: "Bob", Password: testkit.Password}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}

	// idToken runs the code flow for the logout app in browser br (signing
	// in as login if needed) and returns the ID token.
	idToken := func(t *testing.T, br *http.Client, login string) string {
		t.Helper()
		loc, err := s.Authorize(br, authorizeURL(def, client.id, url.Values{"scope": {"openid"}}), login, testkit.Password)
		if err != nil {
			t.Fatal(err)
		}
		code := codeFrom(t, loc, s.Issuer(), "state-123")
		resp, body := client.call(url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {testkit.RedirectURI}}).do(t, def+"/token")
		return lcDecode(t, resp, body).IDToken
	}
	// session returns a browser signed in as user, with an ID token.
	session := func(t *testing.T, user store.User) (*http.Client, string) {
		t.Helper()
		br := lcSessionBrowser(t, s, user.ID, clk.Now())
		return br, idToken(t, br, user.Login)
	}
	logout := func(t *testing.T, br *http.Client, q url.Values) (*http.Response, []byte) {
		t.Helper()
		return get(t, br, def+"/logout?"+q.Encode())
	}
	// errorPage checks an HTML error page that redirects nowhere.
	errorPage := func(t *testing.T, resp *http.Response, body []byte) {
		t.Helper()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("status %d Location %q, want a 400 page and no redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q, want an HTML page", ct)
		}
		if !strings.Contains(string(body), "invalid_request") {
			t.Errorf("page does not name the error: %.300s", body)
		}
	}

	t.Run("registered post_logout_redirect_uri: redirect with state, session ended", func(t *testing.T) {
		br := testkit.Browser() // a real sign-in, once
		idt := idToken(t, br, testkit.UserLogin)
		base, _ := url.Parse(s.URL)
		before := br.Jar.Cookies(base)
		resp, _ := logout(t, br, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {signedOut}, "state": {"s t&x"}})
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("status %d, want 302", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != signedOut+"?state=s+t%26x" {
			t.Errorf("Location %q, want %s with the state", loc, signedOut)
		}
		if ck := setCookie(resp, "gh_session"); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("the session cookie is not cleared: %v", ck)
		}
		if lcHasSession(t, s, br) {
			t.Error("still signed in after logout")
		}
		// The server ended the session too: the old cookie is worthless.
		replay := testkit.Browser()
		replay.Jar.SetCookies(base, before)
		if lcHasSession(t, s, replay) {
			t.Error("the pre-logout session cookie still signs in")
		}
	})

	t.Run("a registered URI with a query keeps it", func(t *testing.T) {
		br, idt := session(t, s.User)
		resp, _ := logout(t, br, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"https://app.example.com/bye?from=gh"}, "state": {"x"}})
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Path != "/bye" || loc.Query().Get("from") != "gh" || loc.Query().Get("state") != "x" {
			t.Errorf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("POST works like GET", func(t *testing.T) {
		br, idt := session(t, s.User)
		resp, err := br.PostForm(def+"/logout", url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {signedOut}})
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != signedOut {
			t.Errorf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if lcHasSession(t, s, br) {
			t.Error("still signed in after logout")
		}
	})

	t.Run("no post_logout_redirect_uri: the signed-out page", func(t *testing.T) {
		br, idt := session(t, s.User)
		resp, body := logout(t, br, url.Values{"id_token_hint": {idt}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "signed out") {
			t.Errorf("status %d, want the signed-out page: %.300s", resp.StatusCode, body)
		}
		if lcHasSession(t, s, br) {
			t.Error("still signed in after logout")
		}
	})

	t.Run("no session: still redirected", func(t *testing.T) {
		_, idt := session(t, s.User)
		resp, _ := logout(t, testkit.Browser(), url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {signedOut}})
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != signedOut {
			t.Errorf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	refused := []struct {
		name  string
		query func(idt string) url.Values
	}{
		{"unregistered post_logout_redirect_uri", func(idt string) url.Values {
			return url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"https://evil.example.com/"}}
		}},
		{"the sign-in redirect URI is not a logout URI", func(idt string) url.Values {
			return url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {testkit.RedirectURI}}
		}},
		{"missing id_token_hint", func(string) url.Values { return url.Values{"post_logout_redirect_uri": {signedOut}} }},
		{"garbage id_token_hint", func(string) url.Values {
			return url.Values{"id_token_hint": {"not.a.jwt"}, "post_logout_redirect_uri": {signedOut}}
		}},
		{"tampered id_token_hint", func(idt string) url.Values {
			return url.Values{"id_token_hint": {idt[:len(idt)-4] + "AAAA"}, "post_logout_redirect_uri": {signedOut}}
		}},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			br, idt := session(t, s.User)
			resp, body := logout(t, br, tc.query(idt))
			errorPage(t, resp, body)
			if !lcHasSession(t, s, br) {
				t.Error("the session ended although the logout was refused")
			}
		})
	}

	t.Run("refused: foreign id_token_hint", func(t *testing.T) {
		br, _ := session(t, s.User)
		// An ID token of the org server, and an access token of this one.
		org := lcGrant(t, s, br, orgEndpoints(s), s.URL, client, "openid")
		own := lcGrant(t, s, br, def, s.Issuer(), client, "openid")
		for name, hint := range map[string]string{"org server ID token": org.IDToken, "access token": own.AccessToken} {
			t.Run(name, func(t *testing.T) {
				resp, body := logout(t, br, url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {signedOut}})
				errorPage(t, resp, body)
			})
		}
		if !lcHasSession(t, s, br) {
			t.Error("the session ended")
		}
	})

	t.Run("an expired id_token_hint is accepted", func(t *testing.T) {
		_, idt := session(t, s.User)
		clk.Advance(2 * time.Hour) // the ID token (and the first session) expired
		br, _ := session(t, s.User)
		if exp := jwtPayload(t, idt)["exp"].(float64); exp >= float64(clk.Now().Unix()) {
			t.Fatalf("the hint has not expired: exp %v now %d", exp, clk.Now().Unix())
		}
		resp, _ := logout(t, br, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {signedOut}})
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != signedOut {
			t.Errorf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if lcHasSession(t, s, br) {
			t.Error("still signed in after logout with an expired hint")
		}
	})

	t.Run("a hint for another user keeps the session", func(t *testing.T) {
		br, _ := session(t, s.User)
		_, bobHint := session(t, bob)
		resp, _ := logout(t, br, url.Values{"id_token_hint": {bobHint}, "post_logout_redirect_uri": {signedOut}})
		if resp.StatusCode != http.StatusFound {
			t.Errorf("status %d, want the redirect", resp.StatusCode)
		}
		if !lcHasSession(t, s, br) {
			t.Error("alice's session ended on a logout for bob")
		}
	})
}

// ---------------------------------------------------------------------------
// 6. Key rotation while tokens are live
// ---------------------------------------------------------------------------

func TestKeyRotationWithLiveTokens(t *testing.T) {
	t.Parallel()
	clk := lcRealClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	ctx := plainCtx()
	b := lcSessionBrowser(t, s, s.User.ID, clk.Now())
	def := defaultEndpoints(s)
	web := lcWeb(s)
	sealer, err := keys.NewSealer(testkit.MasterKey)
	if err != nil {
		t.Fatal(err)
	}
	km := keys.NewManager(s.Store, sealer, clk.Now) // an admin's `gatehouse keys rotate`
	provider, err := oidc.NewProvider(ctx, s.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	idVerifier := provider.Verifier(&oidc.Config{ClientID: web.id, Now: clk.Now})
	atVerifier := provider.Verifier(&oidc.Config{ClientID: "api://default", Now: clk.Now})

	var before, orgBefore jwks
	getJSON(t, def+"/keys", &before)
	getJSON(t, orgEndpoints(s)+"/keys", &orgBefore)
	if len(before.Keys) != 2 {
		t.Fatalf("JWKS before rotation has %d keys, want current and next", len(before.Keys))
	}
	original, published := lcKIDs(before)[0], lcKIDs(before)[1]
	old := lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope)
	if kid := lcKID(t, old.AccessToken); kid != original {
		t.Fatalf("token signed with %s, want the current key %s", kid, original)
	}

	// rotate force-rotates (the test rotates within minutes of the keys' birth) and waits until the server has reloaded.
	rotate := func(t *testing.T, until func(kids []string) bool) []string {
		t.Helper()
		if err := km.RotateForce(context.Background(), domain.DefaultServerID); err != nil {
			t.Fatal(err)
		}
		clk.Advance(keys.ReloadEvery + time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for {
			var set jwks
			getJSON(t, def+"/keys", &set)
			if kids := lcKIDs(set); until(kids) {
				return kids
			} else if time.Now().After(deadline) {
				t.Fatalf("the server did not pick up the rotation: JWKS %v", kids)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	kids := rotate(t, func(k []string) bool { return len(k) == 3 })
	t.Run("JWKS holds current, next and previous", func(t *testing.T) {
		if kids[0] != published || kids[2] != original {
			t.Errorf("JWKS %v, want [%s (promoted next), new next, %s (previous)]", kids, published, original)
		}
		if kids[1] == original || kids[1] == published {
			t.Errorf("no new next key: %v", kids)
		}
		var org jwks
		getJSON(t, orgEndpoints(s)+"/keys", &org)
		if !slices.Equal(lcKIDs(org), lcKIDs(orgBefore)) {
			t.Errorf("rotating default changed the org server's keys: %v → %v", lcKIDs(orgBefore), lcKIDs(org))
		}
	})
	t.Run("tokens signed with the old key still verify and work", func(t *testing.T) {
		oktaVerifierChecks(t, old.AccessToken, s.Issuer(), "api://default")
		if _, err := idVerifier.Verify(ctx, old.IDToken); err != nil {
			t.Errorf("go-oidc rejects the old ID token: %v", err)
		}
		if _, err := atVerifier.Verify(ctx, old.AccessToken); err != nil {
			t.Errorf("go-oidc rejects the old access token: %v", err)
		}
		lcAccessLive(t, def, web, old.AccessToken, true)
	})
	fresh := lcRefreshOK(t, def, web, old.RefreshToken, nil)
	t.Run("new tokens are signed with the new current key", func(t *testing.T) {
		code := lcGrant(t, s, b, def, s.Issuer(), web, "openid")
		for name, raw := range map[string]string{"refreshed access token": fresh.AccessToken, "refreshed ID token": fresh.IDToken,
			"new access token": code.AccessToken, "new ID token": code.IDToken} {
			if kid := lcKID(t, raw); kid != published {
				t.Errorf("%s signed with %s, want %s", name, kid, published)
			}
		}
		oktaVerifierChecks(t, fresh.AccessToken, s.Issuer(), "api://default")
		if _, err := idVerifier.Verify(ctx, fresh.IDToken); err != nil {
			t.Errorf("go-oidc rejects the new ID token: %v", err)
		}
	})

	kids = rotate(t, func(k []string) bool { return !slices.Contains(k, original) })
	t.Run("after a second rotation the original key is gone", func(t *testing.T) {
		if len(kids) != 3 || kids[2] != published {
			t.Errorf("JWKS %v, want [new current, new next, %s]", kids, published)
		}
		// go-oidc's key set refetches only for an unknown kid, so a verifier
		// that already holds the dropped key keeps trusting it; one that
		// (re)starts now, as a resource server does, does not.
		p, err := oidc.NewProvider(ctx, s.Issuer())
		if err != nil {
			t.Fatal(err)
		}
		newID := p.Verifier(&oidc.Config{ClientID: web.id, Now: clk.Now})
		newAT := p.Verifier(&oidc.Config{ClientID: "api://default", Now: clk.Now})
		if _, err := newID.Verify(ctx, old.IDToken); err == nil {
			t.Error("go-oidc accepts an ID token signed with the dropped key")
		}
		if _, err := newAT.Verify(ctx, old.AccessToken); err == nil {
			t.Error("go-oidc accepts an access token signed with the dropped key")
		}
		lcAccessLive(t, def, web, old.AccessToken, false)
		// Tokens of the previous key still work.
		if _, err := newAT.Verify(ctx, fresh.AccessToken); err != nil {
			t.Errorf("go-oidc rejects a token of the previous key: %v", err)
		}
		lcAccessLive(t, def, web, fresh.AccessToken, true)
	})
}

// ---------------------------------------------------------------------------
// 7. Discovery
// ---------------------------------------------------------------------------

func TestLifecycleDiscovery(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	type doc struct {
		Introspection      string   `json:"introspection_endpoint"`
		Revocation         string   `json:"revocation_endpoint"`
		EndSession         string   `json:"end_session_endpoint"`
		GrantTypes         []string `json:"grant_types_supported"`
		ScopesSupported    []string `json:"scopes_supported"`
		IntrospectionAuth  []string `json:"introspection_endpoint_auth_methods_supported"`
		RevocationAuth     []string `json:"revocation_endpoint_auth_methods_supported"`
		TokenEndpointAuths []string `json:"token_endpoint_auth_methods_supported"`
	}
	cases := []struct {
		path, endpoints string
		custom          bool
	}{
		{"/.well-known/openid-configuration", orgEndpoints(s), false},
		{"/.well-known/oauth-authorization-server", orgEndpoints(s), false},
		{"/oauth2/default/.well-known/openid-configuration", defaultEndpoints(s), true},
		{"/oauth2/default/.well-known/oauth-authorization-server", defaultEndpoints(s), true},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			var d doc
			getJSON(t, s.URL+tc.path, &d)
			if d.Introspection != tc.endpoints+"/introspect" || d.Revocation != tc.endpoints+"/revoke" || d.EndSession != tc.endpoints+"/logout" {
				t.Errorf("introspection %q revocation %q end_session %q under %s", d.Introspection, d.Revocation, d.EndSession, tc.endpoints)
			}
			if !slices.Contains(d.GrantTypes, "refresh_token") || !slices.Contains(d.ScopesSupported, "offline_access") {
				t.Errorf("grant_types %v scopes %v, want refresh_token and offline_access", d.GrantTypes, d.ScopesSupported)
			}
			if slices.Contains(d.GrantTypes, "client_credentials") != tc.custom {
				t.Errorf("grant_types %v: client_credentials listed = %v, want %v", d.GrantTypes, !tc.custom, tc.custom)
			}
			if !slices.Equal(d.IntrospectionAuth, d.TokenEndpointAuths) || !slices.Equal(d.RevocationAuth, d.TokenEndpointAuths) {
				t.Errorf("introspection/revocation auth methods %v %v, want the token endpoint's %v", d.IntrospectionAuth, d.RevocationAuth, d.TokenEndpointAuths)
			}
			// Each advertised endpoint is served (no 404): without a client
			// or a hint they answer with their own errors.
			for _, u := range []string{d.Introspection, d.Revocation} {
				resp, body := tokenCall{form: url.Values{"token": {"x"}}}.do(t, u)
				assertOAuthError(t, resp, body, http.StatusUnauthorized, "invalid_client")
			}
			if resp, _ := get(t, plainClient, d.EndSession); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %s: status %d, want the 400 page", d.EndSession, resp.StatusCode)
			}
		})
	}
	t.Run("go-oidc reads the end_session_endpoint", func(t *testing.T) {
		p, err := oidc.NewProvider(plainCtx(), s.Issuer())
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			EndSession string `json:"end_session_endpoint"`
		}
		if err := p.Claims(&c); err != nil || c.EndSession != defaultEndpoints(s)+"/logout" {
			t.Errorf("end_session_endpoint %q (%v)", c.EndSession, err)
		}
	})
}
