package verifier_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/verifier"
)

// algIssuer serves discovery and a JWKS mixing an RS256, an ES256 and an
// EdDSA key, as a Gatehouse server does while it switches algorithm.
type algIssuer struct {
	url  string
	keys map[string]jose.JSONWebKey // private, by kid = alg
}

func newAlgIssuer(t *testing.T) *algIssuer {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss := &algIssuer{keys: map[string]jose.JSONWebKey{
		"RS256": {Key: rsaKey, KeyID: "RS256", Algorithm: "RS256", Use: "sig"},
		"ES256": {Key: ecKey, KeyID: "ES256", Algorithm: "ES256", Use: "sig"},
		"EdDSA": {Key: edKey, KeyID: "EdDSA", Algorithm: "EdDSA", Use: "sig"},
	}}
	var set jose.JSONWebKeySet
	for _, k := range iss.keys {
		set.Keys = append(set.Keys, k.Public())
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.url = srv.URL + "/oauth2/default"
	mux.HandleFunc("GET /oauth2/default/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": iss.url, "jwks_uri": iss.url + "/v1/keys",
			"id_token_signing_alg_values_supported": []string{"ES256", "EdDSA", "RS256"}})
	})
	mux.HandleFunc("GET /oauth2/default/v1/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(set)
	})
	return iss
}

// mint signs access token claims with the key kid under alg (normally the
// key's own).
func (iss *algIssuer) mint(t *testing.T, alg jose.SignatureAlgorithm, kid string, key any) string {
	t.Helper()
	if key == nil {
		key = iss.keys[kid].Key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"ver": 1, "jti": "AT.1", "iss": iss.url, "aud": "api://default",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "cid": "0oa1", "scp": []string{"orders.read"}, "sub": "0oa1"})
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestVerifyES256AndEdDSA(t *testing.T) {
	iss := newAlgIssuer(t)
	v, err := verifier.New(iss.url, "api://default")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA} {
		c, err := v.Verify(ctx, iss.mint(t, alg, string(alg), nil))
		if err != nil {
			t.Errorf("%s: %v", alg, err)
			continue
		}
		if c.ClientID != "0oa1" {
			t.Errorf("%s: cid %q", alg, c.ClientID)
		}
	}

	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	refused := map[string]string{
		// A key verifies only the algorithm it is published with.
		"ES256 header, RS256 key":  iss.mint(t, jose.ES256, "RS256", ecKey),
		"EdDSA header, ES256 key":  iss.mint(t, jose.EdDSA, "ES256", edKey),
		"ES256 header, EdDSA key":  iss.mint(t, jose.ES256, "EdDSA", ecKey),
		"RS256 header, ES256 key":  relabelAlg(t, iss.mint(t, jose.ES256, "ES256", nil), "RS256"),
		"EdDSA header, ES256 sig":  relabelAlg(t, iss.mint(t, jose.ES256, "ES256", nil), "EdDSA"),
		"ES256 by another key":     iss.mint(t, jose.ES256, "ES256", ecKey),
		"EdDSA by another key":     iss.mint(t, jose.EdDSA, "EdDSA", edKey),
		"ES384 is not allowed":     iss.mint(t, jose.ES384, "ES256", p384),
		"HS256 keyed with the kid": iss.mint(t, jose.HS256, "ES256", []byte("ES256-and-more-bytes-for-hmac-key")),
	}
	for name, raw := range refused {
		if _, err := v.Verify(ctx, raw); !errors.Is(err, verifier.ErrInvalidSignature) && !errors.Is(err, verifier.ErrMalformed) {
			t.Errorf("%s: err %v, want an invalid signature", name, err)
		}
	}
}

// relabelAlg rewrites the header's alg, keeping kid and signature.
func relabelAlg(t *testing.T, raw, alg string) string {
	t.Helper()
	parts := splitJWT(t, raw)
	var h map[string]any
	json.Unmarshal(b64dec(t, parts[0]), &h)
	h["alg"] = alg
	hb, _ := json.Marshal(h)
	return b64enc(hb) + "." + parts[1] + "." + parts[2]
}

func TestParseKeySetAlgs(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	jwk := func(key any, kid, alg string) json.RawMessage {
		b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: "sig"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	set, _ := json.Marshal(map[string]any{"keys": []json.RawMessage{
		jwk(&ec.PublicKey, "es256", "ES256"),
		jwk(ed, "eddsa", "EdDSA"),
		jwk(&ec.PublicKey, "ec-no-alg", ""),    // EC keys must name their algorithm
		jwk(&p384.PublicKey, "p384", "ES256"),  // wrong curve for ES256
		jwk(&p384.PublicKey, "es384", "ES384"), // not allowed
		jwk(ed, "ed-as-es256", "ES256"),        // wrong key type for the alg
		jwk(&ec.PublicKey, "ec-as-eddsa", "EdDSA"),
	}})
	keys, err := verifier.ParseKeySet(set)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys["es256"] == nil || keys["eddsa"] == nil {
		t.Errorf("kept %v, want es256 and eddsa only", keys)
	}
}

func splitJWT(t *testing.T, raw string) []string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", raw)
	}
	return parts
}

func b64dec(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
