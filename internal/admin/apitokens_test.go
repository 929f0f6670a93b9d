package admin_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

func TestAPITokenAuthentication(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		for _, tc := range []struct{ name, auth string }{
			{"missing", ""},
			{"bearer scheme", "Bearer " + s.APIToken},
			{"unknown token", "SSWS 00" + strings.Repeat("x", 40)},
			{"empty token", "SSWS "},
			{"not a token", "SSWS abc"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantOktaError(t, s.APIWith(t, tc.auth, "GET", "/api/v1/api-tokens", nil), http.StatusUnauthorized, "E0000011")
				if e.ErrorSummary != "Invalid token provided" {
					t.Errorf("summary %q", e.ErrorSummary)
				}
			})
		}
		// The scheme is case-insensitive, as HTTP auth schemes are.
		if r := s.APIWith(t, "ssws "+s.APIToken, "GET", "/api/v1/api-tokens", nil); r.Status != http.StatusOK {
			t.Errorf("lower-case scheme: %d", r.Status)
		}
	})
}

func TestAPITokens(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		r := s.API(t, "GET", "/api/v1/api-tokens", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), s.APIToken) || strings.Contains(string(r.Body), "hash") {
			t.Fatalf("token list leaks the secret: %s", r.Body)
		}
		var list []struct {
			ID, Name, TokenWindow, ExpiresAt string
			Links                            map[string]struct{ Href string } `json:"_links"`
		}
		r.JSON(t, &list)
		if len(list) != 1 || list[0].Name != "testkit" || list[0].TokenWindow != "P30D" || !strings.HasPrefix(list[0].ID, "00T") {
			t.Fatalf("list: %s", r.Body)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", list[0].ExpiresAt); err != nil {
			t.Errorf("expiresAt %q is not Okta's timestamp form: %v", list[0].ExpiresAt, err)
		}
		if got := r.Header.Values("Link"); len(got) != 1 || got[0] != "<"+s.URL+`/api/v1/api-tokens>; rel="self"` {
			t.Errorf("Link %q", got)
		}
		id := list[0].ID

		r = s.API(t, "GET", "/api/v1/api-tokens/current", nil)
		var one struct{ ID string }
		r.JSON(t, &one)
		if r.Status != http.StatusOK || one.ID != id {
			t.Fatalf("current: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/api-tokens/00Tnothere", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "DELETE", "/api/v1/api-tokens/00Tnothere", nil), http.StatusNotFound, "E0000007")

		// A second token revokes the first; the first stops working at once.
		second, err := s.Service.CreateAPIToken(t.Context(), "second", "")
		if err != nil {
			t.Fatal(err)
		}
		r = s.APIWith(t, "SSWS "+second.Value, "DELETE", "/api/v1/api-tokens/"+id, nil)
		if r.Status != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/api-tokens", nil), http.StatusUnauthorized, "E0000011")
		// Revoking the current token ends it too.
		if r := s.APIWith(t, "SSWS "+second.Value, "DELETE", "/api/v1/api-tokens/current", nil); r.Status != http.StatusNoContent {
			t.Fatalf("revoke current: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.APIWith(t, "SSWS "+second.Value, "GET", "/api/v1/api-tokens", nil), http.StatusUnauthorized, "E0000011")
	})
}

func TestAPIRateLimit(t *testing.T) {
	s := testkit.Start(t, testkit.Options{APIRateLimit: 3})
	for i := 3; i > 0; i-- {
		r := s.API(t, "GET", "/api/v1/api-tokens", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("request %d: %d", 4-i, r.Status)
		}
		if r.Header.Get("X-Rate-Limit-Limit") != "3" || r.Header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(i-1) {
			t.Fatalf("headers %v", r.Header)
		}
	}
	r := s.API(t, "GET", "/api/v1/api-tokens", nil)
	wantOktaError(t, r, http.StatusTooManyRequests, "E0000047")
	// Okta's SDKs wait X-Rate-Limit-Reset − Date: both must be present and sane.
	reset, err := strconv.ParseInt(r.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	date, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	if wait := reset - date.Unix(); wait < 0 || wait > 60 {
		t.Errorf("reset %d is %d s from Date", reset, wait)
	}
}

func TestAPIUnknownPath(t *testing.T) {
	s := testkit.Start(t)
	wantOktaError(t, s.API(t, "GET", "/api/v1/nothing-here", nil), http.StatusNotFound, "E0000007")
	wantOktaError(t, s.API(t, "PATCH", "/api/v1/api-tokens", nil), http.StatusMethodNotAllowed, "E0000022")
}

// A token acts for its administrator: it stops working when they are
// deactivated or suspended.
func TestAPITokenOfInactiveAdministrator(t *testing.T) {
	s := testkit.Start(t)
	if _, err := s.Service.AssignRole(t.Context(), s.User.ID, domain.RoleSuperAdmin); err != nil {
		t.Fatal(err)
	}
	// Another super administrator, so that alice, not the last one, may be suspended.
	s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	tok, err := s.Service.CreateAPIToken(t.Context(), "alice's token", s.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	auth := "SSWS " + tok.Value
	if r := s.APIWith(t, auth, "GET", "/api/v1/api-tokens", nil); r.Status != http.StatusOK {
		t.Fatalf("active administrator: %d %s", r.Status, r.Body)
	}
	if r := s.API(t, "POST", "/api/v1/users/"+s.User.ID+"/lifecycle/suspend", nil); r.Status != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	wantOktaError(t, s.APIWith(t, auth, "GET", "/api/v1/api-tokens", nil), http.StatusUnauthorized, "E0000011")
}
