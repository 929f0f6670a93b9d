package domain_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
)

// jwtKeyJSON renders one JWK; private keys keep their private members.
func jwtKeyJSON(t *testing.T, key any, kid, alg, use string) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: use})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jwtSet(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

func TestParseClientJWKS(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ec224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	rsaPub := jwtKeyJSON(t, &rsaKey.PublicKey, "r1", "", "")
	ecPub := jwtKeyJSON(t, &ec256.PublicKey, "e1", "ES256", "sig")

	good := []struct{ name, raw string }{
		{"one RSA key without kid", jwtSet(jwtKeyJSON(t, &rsaKey.PublicKey, "", "", ""))},
		{"RSA and EC keys", jwtSet(rsaPub, ecPub)},
		{"RSA key for PS256", jwtSet(jwtKeyJSON(t, &rsaKey.PublicKey, "p", "PS256", "sig"))},
		{"P-384 key for ES384", jwtSet(jwtKeyJSON(t, &ec384.PublicKey, "e", "ES384", ""))},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			if _, err := domain.ParseClientJWKS([]byte(c.raw)); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}

	bad := []struct{ name, raw, want string }{
		{"not JSON", `{"keys":`, "not a JSON Web Key Set"},
		{"no keys", `{"keys":[]}`, "no keys"},
		{"a bare key", rsaPub, "no keys"},
		{"RSA private key", jwtSet(jwtKeyJSON(t, rsaKey, "r", "", "")), `private member "d"`},
		{"EC private key", jwtSet(jwtKeyJSON(t, ec256, "e", "", "")), `private member "d"`},
		{"symmetric key", jwtSet(`{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0","kid":"h"}`), `private member "k"`},
		{"short RSA key", jwtSet(jwtKeyJSON(t, &smallRSA.PublicKey, "s", "", "")), "1024 bits"},
		{"P-224 key", jwtSet(`{"kty":"EC","crv":"P-224","x":"` + b64(ec224.X.Bytes()) + `","y":"` + b64(ec224.Y.Bytes()) + `"}`), ""},
		{"encryption key", jwtSet(jwtKeyJSON(t, &rsaKey.PublicKey, "r", "", "enc")), "use"},
		{"HS256 alg on an RSA key", jwtSet(strings.Replace(rsaPub, `"kty"`, `"alg":"HS256","kty"`, 1)), "alg"},
		{"ES384 alg on a P-256 key", jwtSet(strings.Replace(ecPub, `"ES256"`, `"ES384"`, 1)), "ES384"},
		{"two keys, one without kid", jwtSet(rsaPub, jwtKeyJSON(t, &ec256.PublicKey, "", "", "")), "kid"},
		{"duplicate kid", jwtSet(rsaPub, jwtKeyJSON(t, &ec256.PublicKey, "r1", "", "")), "twice"},
		{"OKP key", jwtSet(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"o"}`), "RSA and EC"},
		{"EC point off the curve", jwtSet(`{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}`), ""},
		{"too large", jwtSet(strings.Repeat(rsaPub+",", 60) + rsaPub), ""},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := domain.ParseClientJWKS([]byte(c.raw))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}

	t.Run("a published set may hold keys that are not for us", func(t *testing.T) {
		raw := jwtSet(jwtKeyJSON(t, &rsaKey.PublicKey, "enc", "", "enc"), `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"o"}`, ecPub)
		got, err := domain.ClientSigningKeys([]byte(raw))
		if err != nil || len(got) != 1 || got[0].KeyID != "e1" {
			t.Fatalf("ClientSigningKeys = %v, %v; want the one EC key", got, err)
		}
		if _, err := domain.ClientSigningKeys([]byte(jwtSet(jwtKeyJSON(t, &rsaKey.PublicKey, "enc", "", "enc")))); err == nil {
			t.Error("a set with no signature key was accepted")
		}
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestCreateJWTApps(t *testing.T) {
	ctx := context.Background()
	sealer, err := keys.NewSealer("domain-test-master-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set := jwtSet(jwtKeyJSON(t, &ec.PublicKey, "k", "", ""))
	cb := []string{"https://app.example.com/cb"}

	t.Run("private_key_jwt with a JWKS", func(t *testing.T) {
		got, err := domain.CreateApp(ctx, newMem(), domain.NewAppParams{Name: "K", Type: domain.AppTypeWeb, RedirectURIs: cb,
			AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKS: set}, now)
		if err != nil {
			t.Fatal(err)
		}
		a := got.App
		if got.ClientSecret != "" || a.SecretHash != "" || a.SecretSealed != nil || a.JWKS != set || a.JWKSURI != "" {
			t.Errorf("app %+v secret %q: want the JWKS and no secret", a, got.ClientSecret)
		}
	})
	t.Run("private_key_jwt with a jwks_uri", func(t *testing.T) {
		for _, uri := range []string{"https://keys.example.com/jwks.json", "http://127.0.0.1:8080/jwks", "http://localhost/jwks", "http://[::1]:9/k"} {
			got, err := domain.CreateApp(ctx, newMem(), domain.NewAppParams{Name: "K", Type: domain.AppTypeService,
				AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: uri}, now)
			if err != nil {
				t.Fatalf("%s: %v", uri, err)
			}
			if got.App.JWKSURI != uri {
				t.Errorf("JWKSURI %q, want %q", got.App.JWKSURI, uri)
			}
		}
	})
	t.Run("client_secret_jwt", func(t *testing.T) {
		got, err := domain.CreateApp(ctx, newMem(), domain.NewAppParams{Name: "H", Type: domain.AppTypeWeb, RedirectURIs: cb,
			AuthMethod: domain.AuthMethodSecretJWT, Sealer: sealer}, now)
		if err != nil {
			t.Fatal(err)
		}
		a := got.App
		if len(got.ClientSecret) < 64 || !domain.SecretMatches(got.ClientSecret, a.SecretHash) {
			t.Errorf("secret %q (hash %s): want 64+ characters, hashed", got.ClientSecret, a.SecretHash)
		}
		plain, err := sealer.Open(a.SecretSealed, a.ClientID)
		if err != nil || string(plain) != got.ClientSecret {
			t.Fatalf("sealed secret opens to %q, %v", plain, err)
		}
		if _, err := sealer.Open(a.SecretSealed, "0oaOtherClient"); err == nil {
			t.Error("the sealed secret is not bound to its client id")
		}
	})

	bad := []struct {
		name   string
		p      domain.NewAppParams
		fields []string
	}{
		{"private_key_jwt without keys", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT}, []string{"token_endpoint_auth_method"}},
		{"private_key_jwt with both", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKS: set, JWKSURI: "https://k.example.com/"}, []string{"jwks"}},
		{"private key in the JWKS", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKS: jwtSet(jwtKeyJSON(t, ec, "k", "", ""))}, []string{"jwks"}},
		{"http jwks_uri", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: "http://keys.example.com/jwks"}, []string{"jwks_uri"}},
		{"relative jwks_uri", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: "/jwks"}, []string{"jwks_uri"}},
		{"jwks_uri with credentials", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: "https://u:p@k.example.com/"}, []string{"jwks_uri"}},
		{"file jwks_uri", domain.NewAppParams{AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: "file:///etc/passwd"}, []string{"jwks_uri"}},
		{"JWKS for a secret app", domain.NewAppParams{AuthMethod: domain.AuthMethodBasic, JWKS: set}, []string{"jwks"}},
		{"jwks_uri for a secret app", domain.NewAppParams{AuthMethod: domain.AuthMethodSecretJWT, Sealer: sealer, JWKSURI: "https://k.example.com/"}, []string{"jwks_uri"}},
		{"client_secret_jwt without a sealer", domain.NewAppParams{AuthMethod: domain.AuthMethodSecretJWT}, []string{"token_endpoint_auth_method"}},
		{"browser app with private_key_jwt", domain.NewAppParams{Type: domain.AppTypeBrowser, AuthMethod: domain.AuthMethodPrivateKeyJWT, JWKS: set}, []string{"token_endpoint_auth_method"}},
		{"unknown method", domain.NewAppParams{AuthMethod: "tls_client_auth"}, []string{"token_endpoint_auth_method"}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.Name, p.RedirectURIs = "X", cb
			if p.Type == "" {
				p.Type = domain.AppTypeWeb
			}
			st := newMem()
			got, err := domain.CreateApp(ctx, st, p, now)
			if err == nil {
				t.Fatalf("accepted: %+v", got.App)
			}
			fields := problemFields(t, err)
			if !slices.Equal(fields, c.fields) {
				t.Errorf("problems %v, want fields %v", err, c.fields)
			}
			if len(st.apps) != 0 {
				t.Error("a refused app was stored")
			}
		})
	}
}
