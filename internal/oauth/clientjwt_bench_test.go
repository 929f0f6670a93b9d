package oauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// BenchmarkJWTClientAuthentication measures a token request that stops
// right after JWT client authentication (an unsupported grant): parsing the
// assertion, loading the app, verifying the signature, checking the claims
// and recording the jti (one INSERT). Each assertion is signed outside the
// timer, since each may be used once. It runs on each storage backend; the
// PostgreSQL one skips unless GATEHOUSE_TEST_POSTGRES is set.
func BenchmarkJWTClientAuthentication(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkJWTClientAuthentication(b, testkit.Options{}) })
	b.Run("postgres", func(b *testing.B) { benchmarkJWTClientAuthentication(b, testkit.Options{Postgres: true}) })
}

func benchmarkJWTClientAuthentication(b *testing.B, opts testkit.Options) {
	c := newJWTClients(b, opts)
	cases := []struct {
		name string
		sign func() string
	}{
		{"private_key_jwt-RS256", func() string { return c.sign(b, c.rsa, "RS256", "rsa", c.pkj.App.ClientID, c.tokenAud) }},
		{"private_key_jwt-ES256", func() string { return c.sign(b, c.ec, "ES256", "ec", c.pkj.App.ClientID, c.tokenAud) }},
		{"client_secret_jwt-HS256", func() string {
			return c.sign(b, []byte(c.csj.ClientSecret), "HS256", "", c.csj.App.ClientID, c.tokenAud)
		}},
	}
	body := func(assertion string) string {
		return "grant_type=password&client_assertion_type=" + url.QueryEscape(jwtBearerType) + "&client_assertion=" + assertion
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			// Warm the caches (the app, its parsed key set) outside the loop.
			serve(c.s.HTTP.Config.Handler, tokenRequest(body(tc.sign()), ""))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				req := tokenRequest(body(tc.sign()), "")
				b.StartTimer()
				rec := serve(c.s.HTTP.Config.Handler, req)
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "unsupported_grant_type") {
					b.Fatalf("want unsupported_grant_type after client authentication, got %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
