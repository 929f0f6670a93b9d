package oauth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// The benchmarks call the server's handler (with all its middleware)
// directly, so they measure Gatehouse, not the loopback network.

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func tokenRequest(body, authorization string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return req
}

// BenchmarkCodeExchange measures POST /token for an authorization code:
// client authentication, the atomic redemption, and signing an access token
// and an ID token. Each code is stored directly, outside the timer.
// BenchmarkCodeExchange runs on each storage backend; the PostgreSQL one
// skips unless GATEHOUSE_TEST_POSTGRES is set.
func BenchmarkCodeExchange(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkCodeExchange(b, testkit.Options{}) })
	b.Run("postgres", func(b *testing.B) { benchmarkCodeExchange(b, testkit.Options{Postgres: true}) })
}

func benchmarkCodeExchange(b *testing.B, opts testkit.Options) {
	s := testkit.Start(b, opts)
	h := s.HTTP.Config.Handler
	auth := basic(s.WebApp.ClientID, s.WebSecret)
	form := "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testkit.RedirectURI) + "&code="
	// The first exchange creates the signing key; keep it out of the loop.
	if rec := serve(h, tokenRequest(form+freshCode(b, s, false), auth)); rec.Code != http.StatusOK {
		b.Fatalf("warm-up exchange: %d %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		req := tokenRequest(form+freshCode(b, s, false), auth)
		b.StartTimer()
		if rec := serve(h, req); rec.Code != http.StatusOK {
			b.Fatalf("exchange: %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkClientAuthentication measures a token request that stops right
// after client authentication and grant dispatch (an unsupported grant).
func BenchmarkClientAuthentication(b *testing.B) {
	s := testkit.Start(b)
	h := s.HTTP.Config.Handler
	cases := []struct {
		name, body, auth string
	}{
		{"basic", "grant_type=password", basic(s.WebApp.ClientID, s.WebSecret)},
		{"post", "grant_type=password&client_id=" + url.QueryEscape(s.PostApp.ClientID) +
			"&client_secret=" + url.QueryEscape(s.PostSecret), ""},
		{"none", "grant_type=password&client_id=" + url.QueryEscape(s.PublicApp.ClientID), ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := serve(h, tokenRequest(c.body, c.auth))
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "unsupported_grant_type") {
					b.Fatalf("want unsupported_grant_type after client authentication, got %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkAuthorizeWithSession measures /authorize for a signed-in user:
// the session lookup, request validation, storing a code and the redirect.
func BenchmarkAuthorizeWithSession(b *testing.B) {
	s := testkit.Start(b)
	h := s.HTTP.Config.Handler
	cookie := liveSession(b, s)
	target := strings.TrimPrefix(s.AuthorizeURL(s.WebApp.ClientID, nil), s.URL)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.AddCookie(cookie)
		rec := serve(h, req)
		if rec.Code != http.StatusFound || !strings.Contains(rec.Header().Get("Location"), "code=") {
			b.Fatalf("want a redirect with a code, got %d %q", rec.Code, rec.Header().Get("Location"))
		}
	}
}

// BenchmarkJWKS measures GET /keys, unconditional and revalidated by ETag.
func BenchmarkJWKS(b *testing.B) {
	s := testkit.Start(b)
	h := s.HTTP.Config.Handler
	const path = "/oauth2/default/v1/keys"
	first := serve(h, httptest.NewRequest(http.MethodGet, path, nil))
	etag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || etag == "" {
		b.Fatalf("keys: %d, ETag %q", first.Code, etag)
	}
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := serve(h, httptest.NewRequest(http.MethodGet, path, nil)); rec.Code != http.StatusOK {
				b.Fatalf("keys: %d", rec.Code)
			}
		}
	})
	b.Run("if-none-match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("If-None-Match", etag)
			if rec := serve(h, req); rec.Code != http.StatusNotModified {
				b.Fatalf("keys revalidation: %d", rec.Code)
			}
		}
	})
}

// BenchmarkDiscovery measures the OpenID configuration documents.
func BenchmarkDiscovery(b *testing.B) {
	s := testkit.Start(b)
	h := s.HTTP.Config.Handler
	for _, path := range []string{"/oauth2/default/.well-known/openid-configuration", "/.well-known/openid-configuration"} {
		name := "default"
		if path[1] == '.' {
			name = "org"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := serve(h, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"issuer"`) {
					b.Fatalf("discovery: %d", rec.Code)
				}
			}
		})
	}
}
