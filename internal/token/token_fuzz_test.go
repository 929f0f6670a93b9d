package token_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

const issuer = "https://id.example.com/oauth2/default"

func keySet(t testing.TB) *keys.Set {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := keys.NewSealer("token-fuzz-master-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	set, err := keys.NewManager(st, sealer, time.Now).Get(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// FuzzParseAccessToken feeds arbitrary strings to the access-token and
// ID-token parsers: they must never panic, and must accept only what this
// key set signed for this issuer.
func FuzzParseAccessToken(f *testing.F) {
	set := keySet(f)
	now := time.Now()
	good, err := token.Mint(set, token.Grant{
		Issuer: issuer, Audience: "api://default", ClientID: "0oaclient", AccessTokenJTI: "jti",
		User: store.User{ID: "00uuser", Login: "a@example.com"}, Scopes: []string{"openid"}, AuthTime: now,
	}, now)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(good.AccessToken, ".")
	for _, seed := range []string{
		good.AccessToken, good.IDToken, "", ".", "..", "a.b.c", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.",
		parts[0] + "." + parts[1] + ".AAAA", parts[0] + ".eyJpc3MiOiJ4In0." + parts[2],
		good.AccessToken + "." + parts[2], strings.Repeat("A", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if c, err := token.ParseAccessToken(set, raw, issuer, "api://default", now); err == nil {
			if raw != good.AccessToken || c.Iss != issuer {
				t.Fatalf("accepted an access token that was not issued: %q", raw)
			}
		}
		if c, err := token.ParseIDTokenHint(set, raw, issuer); err == nil {
			if raw != good.IDToken || c.Iss != issuer {
				t.Fatalf("accepted an ID token that was not issued: %q", raw)
			}
		}
		if p, err := token.ParseJWT(set, raw, issuer, "api://default", now); err == nil {
			if (p.Access != nil) == (p.ID != nil) || (p.Access != nil && raw != good.AccessToken) || (p.ID != nil && raw != good.IDToken) {
				t.Fatalf("ParseJWT accepted %q as %+v", raw, p)
			}
		}
	})
}

// TestParseJWT: one parse tells an access token from an ID token, with
// each kind's own checks.
func TestParseJWT(t *testing.T) {
	set := keySet(t)
	now := time.Now()
	good, err := token.Mint(set, token.Grant{
		Issuer: issuer, Audience: "api://default", ClientID: "0oaclient", AccessTokenJTI: "jti",
		User: store.User{ID: "00uuser", Login: "a@example.com"}, Scopes: []string{"openid"}, AuthTime: now,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, raw, audience string
		at                  time.Time
		want                string // access, id, or "" for refused
	}{
		{"access token", good.AccessToken, "api://default", now, "access"},
		{"id token", good.IDToken, "api://default", now, "id"},
		{"access token for another audience", good.AccessToken, "api://other", now, ""},
		{"expired access token", good.AccessToken, "api://default", now.Add(2 * time.Hour), ""},
		{"expired id token is still read", good.IDToken, "api://default", now.Add(2 * time.Hour), "id"},
		{"tampered", good.AccessToken + "x", "api://default", now, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := token.ParseJWT(set, tc.raw, issuer, tc.audience, tc.at)
			got := ""
			switch {
			case err != nil:
			case p.Access != nil:
				got = "access"
			case p.ID != nil:
				got = "id"
			}
			if got != tc.want {
				t.Fatalf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}
