package keys_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// algServer makes the store's "default" server with alg and returns a
// Manager over the store.
func algServer(t testing.TB, alg string) (*keys.Manager, *sqlite.Store) {
	t.Helper()
	st := openStore(t)
	if err := st.CreateAuthServer(context.Background(), store.AuthServer{ID: "default", Name: "default",
		Audience: "api://default", Status: store.StatusActive, Created: now(), SigningAlg: alg}); err != nil {
		t.Fatal(err)
	}
	return keys.NewManager(st, sealer(t, masterKey), now), st
}

func algSet(t testing.TB, alg string) *keys.Set {
	t.Helper()
	m, _ := algServer(t, alg)
	set, err := m.Get(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func decodeSegment(t testing.TB, seg string) map[string]any {
	t.Helper()
	var v map[string]any
	raw, err := jsonSegment(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonSegment(seg string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(seg)
}

func TestAlgSets(t *testing.T) {
	for alg, want := range map[string]struct{ kty, crv string }{
		"RS256": {"RSA", ""}, "ES256": {"EC", "P-256"}, "EdDSA": {"OKP", "Ed25519"},
	} {
		t.Run(alg, func(t *testing.T) {
			set := algSet(t, alg)
			if set.Alg() != alg || !slices.Equal(set.Algs(), []string{alg}) {
				t.Errorf("set signs with %s, lists %v; want %s", set.Alg(), set.Algs(), alg)
			}
			tok, err := set.Sign([]byte(`{"sub":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			// The header is exactly alg and kid, as for RS256.
			if h := decodeSegment(t, strings.Split(tok, ".")[0]); len(h) != 2 || h["alg"] != alg || h["kid"] != set.CurrentKID() {
				t.Errorf("header %v", h)
			}
			if payload, err := set.Verify(tok); err != nil || string(payload) != `{"sub":"x"}` {
				t.Errorf("Verify: %q, %v", payload, err)
			}
			var doc struct{ Keys []map[string]any }
			if err := json.Unmarshal(set.JWKS, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Keys) != 2 {
				t.Fatalf("JWKS has %d keys, want current and next", len(doc.Keys))
			}
			for _, k := range doc.Keys {
				if k["kty"] != want.kty || k["alg"] != alg || k["use"] != "sig" || k["kid"] == "" {
					t.Errorf("JWK %v, want kty %s alg %s use sig", k, want.kty, alg)
				}
				if want.crv != "" && k["crv"] != want.crv {
					t.Errorf("JWK crv %v, want %s", k["crv"], want.crv)
				}
				for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
					if _, ok := k[private]; ok {
						t.Errorf("JWKS publishes private member %q", private)
					}
				}
			}
		})
	}
}

// TestSwitchAlgByRotation: after SetAlg, the first rotation publishes a key
// of the new algorithm as next while the old algorithm keeps signing; the
// second makes it sign, and tokens of the last RS256 key still verify.
func TestSwitchAlgByRotation(t *testing.T) {
	ctx := context.Background()
	m, st := algServer(t, "")
	set, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if set.Alg() != "RS256" {
		t.Fatalf("a new server signs with %s, want RS256", set.Alg())
	}
	if err := m.SetAlg(ctx, "default", "es256"); err != nil {
		t.Fatal(err)
	}
	if as, _ := st.GetAuthServer(ctx, "default"); as.Alg() != "ES256" {
		t.Fatalf("server alg %q after SetAlg, want ES256", as.Alg())
	}
	if err := m.SetAlg(ctx, "default", "HS256"); err == nil {
		t.Error("SetAlg accepted HS256")
	}

	if err := m.RotateForce(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	set, _ = m.Get(ctx, "default")
	if set.Alg() != "RS256" || !slices.Equal(set.Algs(), []string{"RS256", "ES256"}) {
		t.Fatalf("after the first rotation: signs %s, algs %v; want RS256, [RS256 ES256]", set.Alg(), set.Algs())
	}
	rsaToken, err := set.Sign([]byte(`{"sub":"before"}`))
	if err != nil {
		t.Fatal(err)
	}

	if err := m.RotateForce(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	set, _ = m.Get(ctx, "default")
	if set.Alg() != "ES256" || !slices.Equal(set.Algs(), []string{"ES256", "RS256"}) {
		t.Fatalf("after the second rotation: signs %s, algs %v; want ES256, [ES256 RS256]", set.Alg(), set.Algs())
	}
	if _, err := set.Verify(rsaToken); err != nil {
		t.Errorf("a token of the RS256 key (now previous) no longer verifies: %v", err)
	}
	ecToken, err := set.Sign([]byte(`{"sub":"after"}`))
	if err != nil {
		t.Fatal(err)
	}
	if h := decodeSegment(t, strings.Split(ecToken, ".")[0]); h["alg"] != "ES256" {
		t.Errorf("new tokens carry alg %v", h["alg"])
	}
	if _, err := set.Verify(ecToken); err != nil {
		t.Errorf("ES256 token: %v", err)
	}
	var doc struct {
		Keys []struct{ Kty, Alg, Kid string }
	}
	json.Unmarshal(set.JWKS, &doc)
	var ktys []string
	for _, k := range doc.Keys {
		ktys = append(ktys, k.Kty+"/"+k.Alg)
	}
	if !slices.Equal(ktys, []string{"EC/ES256", "EC/ES256", "RSA/RS256"}) {
		t.Errorf("JWKS holds %v, want current and next EC keys and the previous RSA key", ktys)
	}
	rows, _ := st.ListSigningKeys(ctx, "default")
	for _, r := range rows {
		if want := map[string]string{store.KeyPrevious: "RS256"}[r.Status]; want == "" && r.Alg != "ES256" || want != "" && r.Alg != want {
			t.Errorf("%s key has alg %s", r.Status, r.Alg)
		}
	}

	// A replica that never saw the switch loads the mixed set.
	other := keys.NewManager(st, sealer(t, masterKey), func() time.Time { return now() })
	os, err := other.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{rsaToken, ecToken} {
		if _, err := os.Verify(tok); err != nil {
			t.Errorf("replica: %v", err)
		}
	}
}

// forge signs payload with key under alg, naming kid.
func forge(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(`{"sub":"forged"}`))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAlgConfusion: each key verifies only its own algorithm, and a set
// accepts only the algorithms of its keys.
func TestAlgConfusion(t *testing.T) {
	rsaSet, ecSet, edSet := algSet(t, "RS256"), algSet(t, "ES256"), algSet(t, "EdDSA")
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	var rsaJWK struct{ Keys []json.RawMessage }
	json.Unmarshal(rsaSet.JWKS, &rsaJWK)

	cases := map[string]struct {
		set *keys.Set
		tok string
	}{
		"ES256 token naming an RS256 key":   {rsaSet, forge(t, jose.ES256, ecKey, rsaSet.CurrentKID())},
		"EdDSA token naming an RS256 key":   {rsaSet, forge(t, jose.EdDSA, edKey, rsaSet.CurrentKID())},
		"EdDSA token naming an ES256 key":   {ecSet, forge(t, jose.EdDSA, edKey, ecSet.CurrentKID())},
		"ES256 token naming an EdDSA key":   {edSet, forge(t, jose.ES256, ecKey, edSet.CurrentKID())},
		"HS256 keyed with the RSA JWK":      {rsaSet, forge(t, jose.HS256, []byte(rsaJWK.Keys[0]), rsaSet.CurrentKID())},
		"HS256 keyed with the EC JWKS":      {ecSet, forge(t, jose.HS256, ecSet.JWKS, ecSet.CurrentKID())},
		"ES256 by a stranger, right kid":    {ecSet, forge(t, jose.ES256, ecKey, ecSet.CurrentKID())},
		"EdDSA by a stranger, right kid":    {edSet, forge(t, jose.EdDSA, edKey, edSet.CurrentKID())},
		"alg none":                          {edSet, b64(`{"alg":"none","kid":"`+edSet.CurrentKID()+`"}`) + "." + b64(`{"sub":"x"}`) + "."},
		"RS256 label on an ES256 signature": {ecSet, relabel(t, ecSet, "RS256")},
		"EdDSA label on an ES256 signature": {ecSet, relabel(t, ecSet, "EdDSA")},
	}
	for name, c := range cases {
		if _, err := c.set.Verify(c.tok); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// relabel signs with set and rewrites the header's alg.
func relabel(t *testing.T, set *keys.Set, alg string) string {
	t.Helper()
	tok, err := set.Sign([]byte(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	parts[0] = b64(`{"alg":"` + alg + `","kid":"` + set.CurrentKID() + `"}`)
	return strings.Join(parts, ".")
}
