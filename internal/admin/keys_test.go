package admin_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

type keyBody struct {
	Status, Alg, Kid, Kty, Use, N, E, D string
}

func TestAuthServerKeys(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		base := asPath + "/default/credentials"
		var keys []keyBody
		r := s.API(t, "GET", base+"/keys", nil)
		r.JSON(t, &keys)
		if r.Status != http.StatusOK || len(keys) != 2 || keys[0].Status != "ACTIVE" || keys[1].Status != "NEXT" ||
			keys[0].Kty != "RSA" || keys[0].N == "" || keys[0].E == "" || keys[0].Use != "sig" || keys[0].Alg != "RS256" {
			t.Fatalf("keys: %d %s", r.Status, r.Body)
		}
		if keys[0].D != "" {
			t.Fatal("the key list leaks a private key")
		}
		active, next := keys[0].Kid, keys[1].Kid
		var one keyBody
		s.API(t, "GET", base+"/keys/"+next, nil).JSON(t, &one)
		if one.Kid != next || one.Status != "NEXT" {
			t.Fatalf("one key %+v", one)
		}
		wantOktaError(t, s.API(t, "GET", base+"/keys/nothere", nil), http.StatusNotFound, "E0000007")

		for _, body := range []any{map[string]any{"use": "enc"}, map[string]any{}} {
			wantOktaError(t, s.API(t, "POST", base+"/lifecycle/keyRotate", body), http.StatusBadRequest, "E0000001")
		}
		wantOktaError(t, s.API(t, "POST", asPath+"/ausnothere/credentials/lifecycle/keyRotate", map[string]any{"use": "sig"}),
			http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "GET", asPath+"/org/credentials/keys", nil), http.StatusNotFound, "E0000007")

		r = s.API(t, "POST", base+"/lifecycle/keyRotate", map[string]any{"use": "sig"})
		r.JSON(t, &keys)
		if r.Status != http.StatusOK || len(keys) != 3 || keys[0].Kid != next || keys[0].Status != "ACTIVE" ||
			keys[1].Status != "NEXT" || keys[2].Kid != active || keys[2].Status != "EXPIRED" {
			t.Fatalf("after rotation: %d %s", r.Status, r.Body)
		}
		// The server signs with the promoted key at once, and shows it.
		var as authServerBody
		s.API(t, "GET", asPath+"/default", nil).JSON(t, &as)
		if as.Credentials.Signing.Kid != next {
			t.Fatalf("signing kid %s, want %s", as.Credentials.Signing.Kid, next)
		}
		resp, err := http.Get(s.Issuer() + "/v1/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var jwks struct{ Keys []keyBody }
		json.NewDecoder(resp.Body).Decode(&jwks)
		if len(jwks.Keys) != 3 || jwks.Keys[0].Kid != next {
			t.Fatalf("published keys %+v", jwks.Keys)
		}
		wantEvents(t, s, "app.oauth2.as.key.rollover")
	})
}
