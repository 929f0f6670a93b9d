package keys_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// currentKey returns the private key of the "default" server's current key
// as stored, unsealed the way the Manager does it.
func currentKey(t *testing.T, st store.SigningKeys, kid string) crypto.Signer {
	t.Helper()
	rows, err := st.ListSigningKeys(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.KID != kid {
			continue
		}
		der, err := sealer(t, masterKey).Open(row.PrivateKey, row.KID)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		return priv.(crypto.Signer)
	}
	t.Fatalf("no key %s", kid)
	return nil
}

// TestSignIsStandardJWS: Sign's tokens have go-jose's header, byte for
// byte, signatures of the algorithm's fixed size, and verify both with the
// Set and with plain go-jose.
func TestSignIsStandardJWS(t *testing.T) {
	sigLen := map[string]int{keys.RS256: 256, keys.ES256: 64, keys.EdDSA: 64}
	payloads := map[string]string{
		"claims": `{"sub":"00u1","scp":["openid","profile"],"iss":"https://example.com/oauth2/default"}`,
		"empty":  ``,
		"binary": "\x00\xff\xfe>?~",
	}
	for _, alg := range keys.Algs {
		t.Run(alg, func(t *testing.T) {
			m, st := algServer(t, alg)
			set, err := m.Get(context.Background(), "default")
			if err != nil {
				t.Fatal(err)
			}
			priv := currentKey(t, st, set.CurrentKID())
			joseSigner, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg),
				Key: jose.JSONWebKey{Key: priv, KeyID: set.CurrentKID(), Algorithm: alg}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for name, payload := range payloads {
				tok, err := set.Sign([]byte(payload))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				parts := strings.Split(tok, ".")
				if len(parts) != 3 {
					t.Fatalf("%s: token %q has %d segments", name, tok, len(parts))
				}

				jws, err := joseSigner.Sign([]byte(payload))
				if err != nil {
					t.Fatal(err)
				}
				joseTok, err := jws.CompactSerialize()
				if err != nil {
					t.Fatal(err)
				}
				joseParts := strings.Split(joseTok, ".")
				if parts[0] != joseParts[0] {
					t.Errorf("%s: header %s, go-jose writes %s", name, parts[0], joseParts[0])
				}
				if h, joseH := decodeSegment(t, parts[0]), decodeSegment(t, joseParts[0]); !reflect.DeepEqual(h, joseH) {
					t.Errorf("%s: header %v, go-jose writes %v", name, h, joseH)
				}
				if parts[1] != joseParts[1] {
					t.Errorf("%s: payload segment %s, go-jose writes %s", name, parts[1], joseParts[1])
				}
				if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || len(sig) != sigLen[alg] {
					t.Errorf("%s: signature of %d bytes (%v), want %d", name, len(sig), err, sigLen[alg])
				}

				if got, err := set.Verify(tok); err != nil || string(got) != payload {
					t.Errorf("%s: Set.Verify = %q, %v", name, got, err)
				}
				parsed, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
				if err != nil {
					t.Fatalf("%s: go-jose parse: %v", name, err)
				}
				if got, err := parsed.Verify(priv.Public()); err != nil || string(got) != payload {
					t.Errorf("%s: go-jose Verify = %q, %v", name, got, err)
				}
			}
		})
	}
}

// TestSignManyVerify signs repeatedly: about one ES256 signature in 128 has
// an r or s with a leading zero byte, which must still be padded to 32.
func TestSignManyVerify(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	for _, alg := range []string{keys.ES256, keys.EdDSA} {
		t.Run(alg, func(t *testing.T) {
			m, st := algServer(t, alg)
			set, err := m.Get(context.Background(), "default")
			if err != nil {
				t.Fatal(err)
			}
			pub := currentKey(t, st, set.CurrentKID()).Public()
			for i := range n {
				payload := []byte(strings.Repeat("x", i))
				tok, err := set.Sign(payload)
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := parsed.Verify(pub); err != nil {
					t.Fatalf("token %d (%s) does not verify: %v", i, tok, err)
				}
			}
		})
	}
}

// TestSignConcurrently: many requests signing at once all get their own
// valid token, however few signing slots there are.
func TestSignConcurrently(t *testing.T) {
	set := algSet(t, keys.EdDSA)
	const n = 64
	toks := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { toks[i], errs[i] = set.Sign([]byte(fmt.Sprintf(`{"n":%d}`, i))) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("signer %d: %v", i, errs[i])
		}
		payload, err := set.Verify(toks[i])
		if err != nil || string(payload) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("signer %d: payload %q, %v", i, payload, err)
		}
	}
}

// TestSignTampered: changing any signed byte breaks verification, for
// every algorithm.
func TestSignTampered(t *testing.T) {
	for _, alg := range keys.Algs {
		t.Run(alg, func(t *testing.T) {
			set := algSet(t, alg)
			tok, err := set.Sign([]byte(`{"sub":"00u1"}`))
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(tok, ".")
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sig[len(sig)/2] ^= 1
			cases := map[string]string{
				"tampered payload":   parts[0] + "." + b64(`{"sub":"00uADMIN"}`) + "." + parts[2],
				"tampered signature": parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig),
				"empty payload":      parts[0] + ".." + parts[2],
				"truncated":          tok[:len(tok)-2],
			}
			for name, bad := range cases {
				if got, err := set.Verify(bad); err == nil {
					t.Errorf("%s: verified, payload %q", name, got)
				}
			}
		})
	}
}
