package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

func TestAppsCreateWithJWTClientAuth(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, key any) string {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1", Use: "sig"}}})
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	publicFile, privateFile := write("public.json", &ec.PublicKey), write("private.json", ec)
	const masterKey = "cli-test-master-key-0123456789abcdef"
	env := map[string]string{"GATEHOUSE_MASTER_KEY": masterKey}
	create := func(args ...string) (result, appOut) {
		t.Helper()
		r := gatehouse(t, env, "", append([]string{"apps", "create", "--database", db, "--json", "--name", "J",
			"--redirect-uri", "https://app.example.com/cb"}, args...)...)
		var a appOut
		if r.code == 0 {
			if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
			}
		}
		return r, a
	}

	r, inline := create("--auth-method", "private_key_jwt", "--jwks-file", publicFile)
	if r.code != 0 || inline.TokenEndpointAuthMethod != "private_key_jwt" || inline.ClientSecret != "" {
		t.Fatalf("private_key_jwt with --jwks-file: exit %d %+v %s", r.code, inline, r.stderr)
	}
	r, byURI := create("--auth-method", "private_key_jwt", "--jwks-uri", "https://keys.example.com/jwks.json")
	if r.code != 0 || !strings.Contains(r.stdout, `"jwks_uri": "https://keys.example.com/jwks.json"`) {
		t.Fatalf("private_key_jwt with --jwks-uri: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r, hmacApp := create("--auth-method", "client_secret_jwt")
	if r.code != 0 || hmacApp.TokenEndpointAuthMethod != "client_secret_jwt" || len(hmacApp.ClientSecret) < 64 {
		t.Fatalf("client_secret_jwt: exit %d %+v %s", r.code, hmacApp, r.stderr)
	}

	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, err := st.GetApp(context.Background(), inline.ClientID)
	if err != nil || !strings.Contains(stored.JWKS, `"k1"`) {
		t.Errorf("inline JWKS stored as %q, %v", stored.JWKS, err)
	}
	if stored, _ := st.GetApp(context.Background(), byURI.ClientID); stored.JWKSURI != "https://keys.example.com/jwks.json" {
		t.Errorf("jwks_uri stored as %q", stored.JWKSURI)
	}
	stored, err = st.GetApp(context.Background(), hmacApp.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := keys.NewSealer(masterKey)
	plain, err := sealer.Open(stored.SecretSealed, stored.ClientID)
	if err != nil || string(plain) != hmacApp.ClientSecret || !domain.SecretMatches(hmacApp.ClientSecret, stored.SecretHash) {
		t.Errorf("client_secret_jwt secret: sealed opens to %q (%v); want the printed secret, also hashed", plain, err)
	}

	t.Run("text output", func(t *testing.T) {
		r := gatehouse(t, env, "", "apps", "create", "--database", db, "--name", "T", "--redirect-uri", "https://a.example.com/cb",
			"--auth-method", "private_key_jwt", "--jwks-file", publicFile)
		if r.code != 0 || !strings.Contains(r.stdout, "private_key_jwt") || strings.Contains(r.stdout, "client secret") {
			t.Errorf("exit %d stdout:\n%s", r.code, r.stdout)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"private key in the file", []string{"--auth-method", "private_key_jwt", "--jwks-file", privateFile}, `private member "d"`},
		{"missing file", []string{"--auth-method", "private_key_jwt", "--jwks-file", filepath.Join(dir, "nope.json")}, "--jwks-file"},
		{"no keys", []string{"--auth-method", "private_key_jwt"}, "a jwks or a jwks_uri"},
		{"both", []string{"--auth-method", "private_key_jwt", "--jwks-file", publicFile, "--jwks-uri", "https://k.example.com/"}, "not both"},
		{"plain http", []string{"--auth-method", "private_key_jwt", "--jwks-uri", "http://keys.example.com/"}, "https"},
		{"keys for another method", []string{"--jwks-uri", "https://k.example.com/"}, "only for private_key_jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := create(tc.args...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d stderr %q; want 1 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
