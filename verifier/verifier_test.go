package verifier_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name, issuer, audience string
		opts                   []verifier.Option
	}{
		{"empty issuer", "", "api://default", nil},
		{"relative issuer", "/oauth2/default", "api://default", nil},
		{"non-http issuer", "ftp://id.example.com", "api://default", nil},
		{"empty audience", "https://id.example.com/oauth2/default", "", nil},
		{"bad JWKS URL", "https://id.example.com/oauth2/default", "api://default", []verifier.Option{verifier.WithJWKSURL("keys")}},
		{"negative skew", "https://id.example.com/oauth2/default", "api://default", []verifier.Option{verifier.WithClockSkew(-time.Second)}},
		{"negative interval", "https://id.example.com/oauth2/default", "api://default", []verifier.Option{verifier.WithRefetchInterval(-time.Second)}},
		{"empty scope", "https://id.example.com/oauth2/default", "api://default", []verifier.Option{verifier.WithRequiredScopes("")}},
		{"nil clock", "https://id.example.com/oauth2/default", "api://default", []verifier.Option{verifier.WithClock(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := verifier.New(tt.issuer, tt.audience, tt.opts...); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
	if _, err := verifier.New("https://id.example.com/oauth2/default", "api://default"); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

// tamper rewrites the payload of a signed token, keeping its signature.
func tamper(t *testing.T, token string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	edit(claims)
	if b, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// flipSignature changes one byte in the middle of the signature.
func flipSignature(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)/2] ^= 0x01
	parts[2] = base64.RawURLEncoding.EncodeToString(sig)
	return strings.Join(parts, ".")
}

func TestVerify(t *testing.T) {
	clk := newClock()
	iss := verifiertest.NewIssuer(t, verifiertest.WithClock(clk.Now))
	now := clk.Now().Unix()
	mint := func(claims map[string]any, opts ...verifiertest.MintOption) func(*testing.T) string {
		return func(*testing.T) string { return iss.Mint(claims, opts...) }
	}
	tests := []struct {
		name    string
		token   func(t *testing.T) string
		opts    []verifier.Option
		wantErr error // nil: valid
		check   func(t *testing.T, c *verifier.Claims)
	}{
		{name: "valid", token: mint(map[string]any{"scp": []string{"openid", "email"}, "groups": []string{"Everyone"}}),
			check: func(t *testing.T, c *verifier.Claims) {
				if c.Ver != 1 || !strings.HasPrefix(c.JTI, "AT.") || c.Issuer != iss.Issuer() || c.Audience != iss.Audience() ||
					c.ClientID != verifiertest.ClientID || c.UserID != verifiertest.UserID || c.Subject != verifiertest.Subject {
					t.Errorf("claims %+v", c)
				}
				if !c.IssuedAt.Equal(clk.Now()) || !c.AuthTime.Equal(clk.Now()) || !c.ExpiresAt.Equal(clk.Now().Add(time.Hour)) || !c.NotBefore.IsZero() {
					t.Errorf("times iat %v auth_time %v exp %v nbf %v", c.IssuedAt, c.AuthTime, c.ExpiresAt, c.NotBefore)
				}
				if !c.HasScope("email") || c.HasScope("phone") || len(c.Scopes) != 2 {
					t.Errorf("scopes %q", c.Scopes)
				}
				var groups []string
				if err := c.Decode("groups", &groups); err != nil || len(groups) != 1 || groups[0] != "Everyone" {
					t.Errorf("groups %q, %v", groups, err)
				}
				if c.Raw["cid"] != verifiertest.ClientID {
					t.Errorf("Raw %v", c.Raw)
				}
			}},
		{name: "audience array containing ours", token: mint(map[string]any{"aud": []string{"api://other", "api://default"}}),
			check: func(t *testing.T, c *verifier.Claims) {
				if c.Audience != "api://default" {
					t.Errorf("Audience %q", c.Audience)
				}
			}},
		{name: "space-separated scope claim", token: mint(map[string]any{"scp": nil, "scope": "openid email"}),
			check: func(t *testing.T, c *verifier.Claims) {
				if !c.HasScope("email") {
					t.Errorf("scopes %q", c.Scopes)
				}
			}},
		{name: "tampered payload", token: func(t *testing.T) string {
			return tamper(t, iss.Mint(nil), func(c map[string]any) { c["scp"] = []string{"openid", "admin"} })
		}, wantErr: verifier.ErrInvalidSignature},
		{name: "tampered signature", token: func(t *testing.T) string { return flipSignature(t, iss.Mint(nil)) }, wantErr: verifier.ErrInvalidSignature},
		{name: "signed with an unpublished key under a published kid", token: mint(nil, verifiertest.WithUnpublishedKey()), wantErr: verifier.ErrInvalidSignature},
		{name: "alg none", token: mint(nil, verifiertest.WithAlg("none")), wantErr: verifier.ErrInvalidSignature},
		{name: "HS256 with the public key as secret", token: mint(nil, verifiertest.WithAlg("HS256")), wantErr: verifier.ErrInvalidSignature},
		{name: "RS512", token: mint(nil, verifiertest.WithAlg("RS512")), wantErr: verifier.ErrInvalidSignature},
		{name: "expired", token: mint(nil, verifiertest.WithExpiresIn(-3*time.Minute)), wantErr: verifier.ErrExpired},
		{name: "expired exactly at the skew", token: mint(map[string]any{"exp": now - 120}), wantErr: verifier.ErrExpired},
		{name: "expired within the skew", token: mint(map[string]any{"exp": now - 119})},
		{name: "shorter skew", token: mint(map[string]any{"exp": now - 119}), opts: []verifier.Option{verifier.WithClockSkew(time.Minute)}, wantErr: verifier.ErrExpired},
		{name: "fractional exp", token: mint(map[string]any{"exp": float64(now) + 0.5})},
		{name: "not yet valid", token: mint(map[string]any{"nbf": now + 180}), wantErr: verifier.ErrNotYetValid},
		{name: "nbf within the skew", token: mint(map[string]any{"nbf": now + 60})},
		{name: "issued in the future", token: mint(map[string]any{"iat": now + 180}), wantErr: verifier.ErrNotYetValid},
		{name: "wrong issuer", token: mint(map[string]any{"iss": "https://evil.example.com/oauth2/default"}), wantErr: verifier.ErrInvalidIssuer},
		{name: "issuer with a trailing slash", token: mint(map[string]any{"iss": iss.Issuer() + "/"}), wantErr: verifier.ErrInvalidIssuer},
		{name: "wrong audience", token: mint(map[string]any{"aud": "api://other"}), wantErr: verifier.ErrInvalidAudience},
		{name: "audience array without ours", token: mint(map[string]any{"aud": []string{"api://other", "0oaclient"}}), wantErr: verifier.ErrInvalidAudience},
		{name: "no audience", token: mint(map[string]any{"aud": nil}), wantErr: verifier.ErrInvalidAudience},
		{name: "allowed cid", token: mint(nil), opts: []verifier.Option{verifier.WithClientIDs("0oaother", verifiertest.ClientID)}},
		{name: "wrong cid", token: mint(map[string]any{"cid": "0oaother"}), opts: []verifier.Option{verifier.WithClientIDs(verifiertest.ClientID)}, wantErr: verifier.ErrInvalidClientID},
		{name: "no cid", token: mint(map[string]any{"cid": nil}), opts: []verifier.Option{verifier.WithClientIDs(verifiertest.ClientID)}, wantErr: verifier.ErrInvalidClientID},
		{name: "required scopes granted", token: mint(map[string]any{"scp": []string{"a", "b", "c"}}), opts: []verifier.Option{verifier.WithRequiredScopes("a", "c")}},
		{name: "missing scope", token: mint(map[string]any{"scp": []string{"a", "b"}}), opts: []verifier.Option{verifier.WithRequiredScopes("a", "c")}, wantErr: verifier.ErrInsufficientScope},
		{name: "no scp", token: mint(map[string]any{"scp": nil}), opts: []verifier.Option{verifier.WithRequiredScopes("a")}, wantErr: verifier.ErrInsufficientScope},
		{name: "no exp", token: mint(map[string]any{"exp": nil}), wantErr: verifier.ErrMalformed},
		{name: "exp as a string", token: mint(map[string]any{"exp": "9999999999"}), wantErr: verifier.ErrMalformed},
		{name: "aud as a number", token: mint(map[string]any{"aud": 7}), wantErr: verifier.ErrMalformed},
		{name: "no kid", token: mint(nil, verifiertest.WithKeyID("")), wantErr: verifier.ErrMalformed},
		{name: "not a JWT", token: func(*testing.T) string { return "not-a-jwt" }, wantErr: verifier.ErrMalformed},
		{name: "empty", token: func(*testing.T) string { return "" }, wantErr: verifier.ErrMalformed},
		{name: "header not base64url", token: func(t *testing.T) string { return "e30=." + strings.SplitN(iss.Mint(nil), ".", 2)[1] }, wantErr: verifier.ErrMalformed},
		{name: "JWS JSON serialization", token: func(*testing.T) string { return `{"payload":"e30","signatures":[]}` }, wantErr: verifier.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, iss, clk, tt.opts...)
			c, err := v.Verify(context.Background(), tt.token(t))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if tt.check != nil {
					tt.check(t, c)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify error %v, want %v", err, tt.wantErr)
			}
			if c != nil {
				t.Errorf("claims %+v returned with an error", c)
			}
		})
	}
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{verifier.ErrMalformed, verifier.ErrInvalidSignature, verifier.ErrExpired, verifier.ErrNotYetValid,
		verifier.ErrInvalidIssuer, verifier.ErrInvalidAudience, verifier.ErrInvalidClientID, verifier.ErrInsufficientScope,
		verifier.ErrKeySetUnavailable}
	for i, a := range all {
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v is %v", a, b)
			}
		}
	}
}
