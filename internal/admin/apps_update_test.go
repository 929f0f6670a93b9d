package admin_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// withCreds sets credentials.oauthClient fields of an app body.
func withCreds(b map[string]any, kv ...any) map[string]any {
	oc := b["credentials"].(map[string]any)["oauthClient"].(map[string]any)
	for i := 0; i < len(kv); i += 2 {
		oc[kv[i].(string)] = kv[i+1]
	}
	return b
}

func TestAppUpdateSecrets(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		var app appOut
		s.API(t, "POST", "/api/v1/apps", webAppBody("Secrets")).JSON(t, &app)
		id, old := app.ID, app.Credentials.OAuthClient.ClientSecret

		// A secret given in a replace becomes the app's only one.
		chosen := "replacement-secret-0123456789-abcdefghij"
		r := s.API(t, "PUT", "/api/v1/apps/"+id, withCreds(webAppBody("Secrets"), "client_secret", chosen))
		var upd appOut
		r.JSON(t, &upd)
		if r.Status != http.StatusOK || upd.Credentials.OAuthClient.ClientSecret != chosen {
			t.Fatalf("replace with a secret: %d %s", r.Status, r.Body)
		}
		if clientAuthStatus(t, s, id, chosen) != http.StatusOK || clientAuthStatus(t, s, id, old) != http.StatusUnauthorized {
			t.Fatal("the given secret did not replace the old one")
		}
		// Giving the current secret again changes nothing and shows nothing.
		r = s.API(t, "PUT", "/api/v1/apps/"+id, withCreds(webAppBody("Secrets"), "client_secret", chosen))
		var same appOut
		r.JSON(t, &same)
		if r.Status != http.StatusOK || same.Credentials.OAuthClient.ClientSecret != "" {
			t.Fatalf("replace with the same secret: %d %s", r.Status, r.Body)
		}

		// private_key_jwt to client_secret_basic: a secret is generated.
		key, _ := rsa.GenerateKey(rand.Reader, 2048)
		jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
		body := withCreds(webAppBody("Keys"), "token_endpoint_auth_method", "private_key_jwt")
		body["settings"].(map[string]any)["oauthClient"].(map[string]any)["jwks"] = json.RawMessage(jwks)
		r = s.API(t, "POST", "/api/v1/apps", body)
		var pkj appOut
		r.JSON(t, &pkj)
		if r.Status != http.StatusOK || pkj.Credentials.OAuthClient.ClientSecret != "" {
			t.Fatalf("create private_key_jwt app: %d %s", r.Status, r.Body)
		}
		var shown struct {
			Settings struct {
				OAuthClient struct{ JWKS jose.JSONWebKeySet } `json:"oauthClient"`
			}
		}
		r.JSON(t, &shown)
		if len(shown.Settings.OAuthClient.JWKS.Keys) != 1 || shown.Settings.OAuthClient.JWKS.Keys[0].KeyID != "k1" {
			t.Fatalf("jwks not shown: %s", r.Body)
		}
		wantOktaError(t, s.API(t, "POST", "/api/v1/apps/"+pkj.ID+"/credentials/secrets", nil), http.StatusForbidden, "E0000038")
		r = s.API(t, "PUT", "/api/v1/apps/"+pkj.ID, webAppBody("Keys"))
		upd = appOut{}
		r.JSON(t, &upd)
		if r.Status != http.StatusOK || upd.Credentials.OAuthClient.TokenEndpointAuthMethod != "client_secret_basic" ||
			clientAuthStatus(t, s, pkj.ID, upd.Credentials.OAuthClient.ClientSecret) != http.StatusOK {
			t.Fatalf("private_key_jwt to client_secret_basic: %d %s", r.Status, r.Body)
		}

		// client_secret_jwt keeps its one sealed secret.
		r = s.API(t, "POST", "/api/v1/apps", withCreds(webAppBody("HMAC"), "token_endpoint_auth_method", "client_secret_jwt"))
		var hmac appOut
		r.JSON(t, &hmac)
		if r.Status != http.StatusOK || len(hmac.Credentials.OAuthClient.ClientSecret) < 64 {
			t.Fatalf("create client_secret_jwt app: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "PUT", "/api/v1/apps/"+hmac.ID, webAppBody("HMAC")), http.StatusBadRequest, "E0000001")
		wantOktaError(t, s.API(t, "POST", "/api/v1/apps/"+hmac.ID+"/credentials/secrets", nil), http.StatusForbidden, "E0000038")
		var secrets []secretOut
		s.API(t, "GET", "/api/v1/apps/"+hmac.ID+"/credentials/secrets", nil).JSON(t, &secrets)
		if len(secrets) != 1 || secrets[0].Status != "ACTIVE" {
			t.Fatalf("secrets of a client_secret_jwt app: %+v", secrets)
		}
	})
}
