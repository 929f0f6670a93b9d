package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// Benchmarks of the token lifecycle endpoints, in bench_test.go's style:
// the server's handler (with all its middleware) is called directly.

// BenchmarkClientCredentials measures POST /token for client_credentials:
// authenticating a service app, checking its custom scope and signing an
// access token (no store write).
func BenchmarkClientCredentials(b *testing.B) {
	s := testkit.Start(b)
	h := s.HTTP.Config.Handler
	ctx := context.Background()
	app, err := domain.CreateApp(ctx, s.Store, domain.NewAppParams{Name: "Service", Type: domain.AppTypeService}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := domain.CreateScope(ctx, s.Store, domain.NewScopeParams{AuthServerID: domain.DefaultServerID,
		Name: "orders.read", Default: true}, time.Now()); err != nil {
		b.Fatal(err)
	}
	auth := basic(app.App.ClientID, app.ClientSecret)
	const body = "grant_type=client_credentials&scope=orders.read"
	b.ReportAllocs()
	for b.Loop() {
		rec := serve(h, tokenRequest(body, auth))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"scope":"orders.read"`) {
			b.Fatalf("client credentials: %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkRefresh measures POST /token for refresh_token: client
// authentication, the atomic rotation (retire the token, store its
// successor) and signing an access token and an ID token. Each iteration
// presents the refresh token the previous one returned, so every request
// rotates a fresh token. BenchmarkRefresh runs on each storage backend; the
// PostgreSQL one skips unless GATEHOUSE_TEST_POSTGRES is set.
func BenchmarkRefresh(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkRefresh(b, testkit.Options{}) })
	b.Run("postgres", func(b *testing.B) { benchmarkRefresh(b, testkit.Options{Postgres: true}) })
}

func benchmarkRefresh(b *testing.B, opts testkit.Options) {
	s := testkit.Start(b, opts)
	h := s.HTTP.Config.Handler
	auth := basic(s.WebApp.ClientID, s.WebSecret)
	rt := firstRefreshToken(b, s, h, auth)
	b.ReportAllocs()
	for b.Loop() {
		rec := serve(h, tokenRequest("grant_type=refresh_token&refresh_token="+url.QueryEscape(rt), auth))
		if rec.Code != http.StatusOK {
			b.Fatalf("refresh: %d %s", rec.Code, rec.Body)
		}
		var tr struct {
			RefreshToken string `json:"refresh_token"`
			IDToken      string `json:"id_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil || tr.RefreshToken == "" || tr.RefreshToken == rt || tr.IDToken == "" {
			b.Fatalf("refresh: no rotated refresh token or no ID token in %s", rec.Body)
		}
		rt = tr.RefreshToken
	}
}

// firstRefreshToken runs a signed-in /authorize for openid, profile and
// offline_access, redeems the code and returns the refresh token.
func firstRefreshToken(b *testing.B, s *testkit.Server, h http.Handler, auth string) string {
	b.Helper()
	rec := serve(h, authorizeRequest(b, s))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		b.Fatalf("authorize: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	form := "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testkit.RedirectURI) + "&code=" + url.QueryEscape(loc.Query().Get("code"))
	rec = serve(h, tokenRequest(form, auth))
	var tr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tr) != nil || tr.RefreshToken == "" {
		b.Fatalf("exchange: %d %s", rec.Code, rec.Body)
	}
	return tr.RefreshToken
}

// authorizeRequest is a signed-in /authorize asking for offline_access.
func authorizeRequest(b *testing.B, s *testkit.Server) *http.Request {
	target := strings.TrimPrefix(s.AuthorizeURL(s.WebApp.ClientID, url.Values{"scope": {"openid profile offline_access"}}), s.URL)
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.AddCookie(liveSession(b, s))
	return req
}

// BenchmarkIntrospectJWT measures POST /introspect for an active JWT access
// token: client authentication, the signature and claims check, and the
// revocation lookup.
func BenchmarkIntrospectJWT(b *testing.B) {
	s := testkit.Start(b)
	h := s.HTTP.Config.Handler
	auth := basic(s.WebApp.ClientID, s.WebSecret)
	form := "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testkit.RedirectURI) + "&code=" + freshCode(b, s, false)
	rec := serve(h, tokenRequest(form, auth))
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tr) != nil {
		b.Fatalf("exchange: %d %s", rec.Code, rec.Body)
	}
	body := "token_type_hint=access_token&token=" + url.QueryEscape(tr.AccessToken)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/oauth2/default/v1/introspect", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		rec := serve(h, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"active":true`) {
			b.Fatalf("introspect: %d %s", rec.Code, rec.Body)
		}
	}
}
