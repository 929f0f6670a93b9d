package verifiertest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

func decode(t *testing.T, part string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func keySet(t *testing.T, iss *verifiertest.Issuer) (kids []string, status int) {
	t.Helper()
	resp, err := http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, Alg, Use, Kty string }
	}
	json.NewDecoder(resp.Body).Decode(&set)
	for _, k := range set.Keys {
		if k.Alg != "RS256" || k.Use != "sig" || k.Kty != "RSA" {
			t.Errorf("key %+v", k)
		}
		kids = append(kids, k.Kid)
	}
	return kids, resp.StatusCode
}

func TestMintShapesTokensLikeGatehouse(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	iss := verifiertest.NewIssuer(t, verifiertest.WithAudience("api://orders"), verifiertest.WithClock(func() time.Time { return now }))
	parts := strings.Split(iss.Mint(map[string]any{"uid": nil, "team": "blue"}, verifiertest.WithExpiresIn(5*time.Minute)), ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	// Okta's Go verifier wants exactly alg and kid in the header.
	if h := decode(t, parts[0]); len(h) != 2 || h["alg"] != "RS256" || h["kid"] != iss.KeyID() {
		t.Errorf("header %v", h)
	}
	c := decode(t, parts[1])
	want := map[string]any{
		"ver": 1.0, "iss": iss.Issuer(), "aud": "api://orders", "iat": 1_750_000_000.0, "exp": 1_750_000_300.0,
		"auth_time": 1_750_000_000.0, "cid": verifiertest.ClientID, "sub": verifiertest.Subject, "team": "blue",
	}
	for name, v := range want {
		if c[name] != v {
			t.Errorf("%s = %v, want %v", name, c[name], v)
		}
	}
	if _, ok := c["uid"]; ok {
		t.Error("uid not removed")
	}
	if jti, _ := c["jti"].(string); !strings.HasPrefix(jti, "AT.") {
		t.Errorf("jti %q", jti)
	}
	if !strings.HasSuffix(iss.Issuer(), verifiertest.Path) {
		t.Errorf("issuer %s", iss.Issuer())
	}
}

func TestRotateKeepsCurrentAndPrevious(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	k1 := iss.KeyID()
	k2 := iss.Rotate()
	if k2 == k1 || iss.KeyID() != k2 {
		t.Fatalf("kids %s %s, current %s", k1, k2, iss.KeyID())
	}
	if kids, _ := keySet(t, iss); len(kids) != 2 || kids[0] != k2 || kids[1] != k1 {
		t.Errorf("after one rotation: %v", kids)
	}
	k3 := iss.Rotate()
	if kids, _ := keySet(t, iss); len(kids) != 2 || kids[0] != k3 || kids[1] != k2 {
		t.Errorf("after two rotations: %v", kids)
	}
	if iss.KeyFetches() != 2 {
		t.Errorf("KeyFetches %d", iss.KeyFetches())
	}
}

func TestSetAvailable(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	iss.SetAvailable(false)
	if _, status := keySet(t, iss); status != http.StatusServiceUnavailable {
		t.Errorf("status %d while down", status)
	}
	resp, err := http.Get(iss.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || iss.DiscoveryFetches() != 1 {
		t.Errorf("discovery status %d, fetches %d", resp.StatusCode, iss.DiscoveryFetches())
	}
	iss.SetAvailable(true)
	if _, status := keySet(t, iss); status != http.StatusOK {
		t.Errorf("status %d when up", status)
	}
}

func TestWithAlg(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	for alg, sigLen := range map[string]int{"RS256": 256, "RS384": 256, "RS512": 256, "HS256": 32, "none": 0} {
		parts := strings.Split(iss.Mint(nil, verifiertest.WithAlg(alg)), ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		if h := decode(t, parts[0]); h["alg"] != alg || len(sig) != sigLen {
			t.Errorf("alg %s: header %v, signature of %d bytes", alg, h, len(sig))
		}
	}
}
