package admin_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

type secretOut struct {
	ID           string
	Status       string
	ClientSecret string `json:"client_secret"`
	SecretHash   string `json:"secret_hash"`
	Created      string
	Links        map[string]any `json:"_links"`
}

// Rotation without downtime: a second secret works beside the first, the
// first is retired, and the app keeps authenticating throughout.
func TestAppSecretRotation(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		r := s.API(t, "POST", "/api/v1/apps", webAppBody("Rotating"))
		var app appOut
		r.JSON(t, &app)
		id, first := app.ID, app.Credentials.OAuthClient.ClientSecret
		base := "/api/v1/apps/" + id + "/credentials/secrets"

		var list []secretOut
		r = s.API(t, "GET", base, nil)
		r.JSON(t, &list)
		if r.Status != http.StatusOK || len(list) != 1 || list[0].Status != "ACTIVE" || !strings.HasPrefix(list[0].ID, "ocs") ||
			len(list[0].SecretHash) != 16 || list[0].ClientSecret != "" || strings.Contains(string(r.Body), first) {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		firstID := list[0].ID

		r = s.API(t, "POST", base, nil)
		var second secretOut
		r.JSON(t, &second)
		if r.Status != http.StatusCreated || len(second.ClientSecret) < 40 || second.Status != "ACTIVE" || second.SecretHash == list[0].SecretHash {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		// The hint names the secret without being a hash of it: nobody who
		// reads it can test guesses of the secret offline.
		sum := sha256.Sum256([]byte(second.ClientSecret))
		if len(second.SecretHash) != 16 || second.SecretHash == base64.RawURLEncoding.EncodeToString(sum[:12]) {
			t.Fatalf("secret_hash %q is a plain hash of the secret", second.SecretHash)
		}
		var again secretOut
		s.API(t, "GET", base+"/"+second.ID, nil).JSON(t, &again)
		if again.SecretHash != second.SecretHash {
			t.Fatalf("secret_hash changed between reads: %q then %q", second.SecretHash, again.SecretHash)
		}
		for _, secret := range []string{first, second.ClientSecret} {
			if got := clientAuthStatus(t, s, id, secret); got != http.StatusOK {
				t.Fatalf("an active secret is refused: %d", got)
			}
		}
		// Two is the most an app holds.
		wantOktaError(t, s.API(t, "POST", base, map[string]string{}), http.StatusBadRequest, "E0000001")
		// An active secret cannot be deleted.
		wantOktaError(t, s.API(t, "DELETE", base+"/"+firstID, nil), http.StatusForbidden, "E0000038")

		r = s.API(t, "POST", base+"/"+firstID+"/lifecycle/deactivate", nil)
		var retired secretOut
		r.JSON(t, &retired)
		if r.Status != http.StatusOK || retired.Status != "INACTIVE" || retired.Links["delete"] == nil {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		// The last active secret stays.
		wantOktaError(t, s.API(t, "POST", base+"/"+second.ID+"/lifecycle/deactivate", nil), http.StatusForbidden, "E0000038")

		r = s.API(t, "GET", base+"/"+firstID, nil)
		var got secretOut
		r.JSON(t, &got)
		if r.Status != http.StatusOK || got.Status != "INACTIVE" {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		if r := s.API(t, "DELETE", base+"/"+firstID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		// A chosen value, created inactive, then activated.
		chosen := "a-chosen-secret-of-enough-length-1234567890"
		r = s.API(t, "POST", base, map[string]string{"client_secret": chosen, "status": "INACTIVE"})
		var third secretOut
		r.JSON(t, &third)
		if r.Status != http.StatusCreated || third.ClientSecret != chosen || third.Status != "INACTIVE" {
			t.Fatalf("create chosen: %d %s", r.Status, r.Body)
		}
		if r := s.API(t, "POST", base+"/"+third.ID+"/lifecycle/activate", nil); r.Status != http.StatusOK {
			t.Fatalf("activate: %d %s", r.Status, r.Body)
		}
		if got := clientAuthStatus(t, s, id, chosen); got != http.StatusOK {
			t.Fatalf("the chosen secret is refused: %d", got)
		}

		for _, c := range []struct {
			method, path string
			status       int
			code         string
			body         any
		}{
			{"GET", base + "/ocsnothere", http.StatusNotFound, "E0000007", nil},
			{"DELETE", base + "/ocsnothere", http.StatusNotFound, "E0000007", nil},
			{"POST", base + "/ocsnothere/lifecycle/activate", http.StatusNotFound, "E0000007", nil},
			{"GET", "/api/v1/apps/0oanothere/credentials/secrets", http.StatusNotFound, "E0000007", nil},
			{"POST", "/api/v1/apps/0oanothere/credentials/secrets", http.StatusNotFound, "E0000007", nil},
			{"POST", base, http.StatusBadRequest, "E0000003", "{"},
			// Public apps have no secret to rotate.
			{"POST", "/api/v1/apps/" + s.PublicApp.ClientID + "/credentials/secrets", http.StatusForbidden, "E0000038", nil},
		} {
			wantOktaError(t, s.API(t, c.method, c.path, c.body), c.status, c.code)
		}
	})
}

// A deactivated secret stops working once the app cache moves on.
func TestDeactivatedSecretRefused(t *testing.T) {
	clk := &clock{t: time.Now()}
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	base := "/api/v1/apps/" + s.WebApp.ClientID + "/credentials/secrets"
	var list []secretOut
	s.API(t, "GET", base, nil).JSON(t, &list)
	var second secretOut
	s.API(t, "POST", base, nil).JSON(t, &second)
	if r := s.API(t, "POST", base+"/"+list[0].ID+"/lifecycle/deactivate", nil); r.Status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	clk.Add(6 * time.Second)
	if got := clientAuthStatus(t, s, s.WebApp.ClientID, s.WebSecret); got != http.StatusUnauthorized {
		t.Fatalf("a deactivated secret still authenticates: %d", got)
	}
	if got := clientAuthStatus(t, s, s.WebApp.ClientID, second.ClientSecret); got != http.StatusOK {
		t.Fatalf("the new secret is refused: %d", got)
	}
}
