package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// TestIntrospectionAfterTheTokenWasSeen: a replica remembers the JWTs it
// verified, and what a remembered token says still follows revocation,
// expiry, key changes and the server's audience.
func TestIntrospectionAfterTheTokenWasSeen(t *testing.T) {
	t.Parallel()
	clk := lcRealClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	b := lcSessionBrowser(t, s, s.User.ID, clk.Now())
	def, web := defaultEndpoints(s), lcWeb(s)
	grant := func() string { return lcGrant(t, s, b, def, s.Issuer(), web, lcFullScope).AccessToken }
	seen := func(token string) {
		t.Helper()
		for range 2 {
			if !lcActive(t, def, web, token) {
				t.Fatal("a fresh access token is inactive")
			}
		}
	}

	t.Run("revoked", func(t *testing.T) {
		at := grant()
		seen(at)
		lcRevokeOK(t, def, web, at)
		if lcActive(t, def, web, at) {
			t.Error("a revoked token that was introspected before is still active")
		}
	})
	t.Run("signing key withdrawn", func(t *testing.T) {
		at := grant()
		seen(at)
		for range 2 { // the signing key becomes previous, then is dropped
			if r := s.API(t, "POST", "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate", map[string]string{"use": "sig"}); r.Status != http.StatusOK {
				t.Fatalf("rotate: %d %s", r.Status, r.Body)
			}
		}
		if lcActive(t, def, web, at) {
			t.Error("a token whose key was withdrawn is still active")
		}
	})
	t.Run("audience changed", func(t *testing.T) {
		at := grant()
		seen(at)
		r := s.API(t, "GET", "/api/v1/authorizationServers/default", nil)
		var as map[string]any
		r.JSON(t, &as)
		as["audiences"] = []string{"api://elsewhere"}
		if r := s.API(t, "PUT", "/api/v1/authorizationServers/default", as); r.Status != http.StatusOK {
			t.Fatalf("change audience: %d %s", r.Status, r.Body)
		}
		if lcActive(t, def, web, at) {
			t.Error("a token for the old audience is still active")
		}
	})
	t.Run("expired", func(t *testing.T) {
		at := grant()
		seen(at)
		clk.Advance(time.Hour + time.Second)
		if lcActive(t, def, web, at) {
			t.Error("an expired token that was introspected before is still active")
		}
	})
}
