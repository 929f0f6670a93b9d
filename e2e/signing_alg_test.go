package e2e_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
	"github.com/gatehouse-auth/gatehouse/verifier"
)

// TestSigningAlg switches the default server from RS256 to ES256 (and, on
// another server, to EdDSA) the way an admin does (`gatehouse keys rotate
// --alg ES256`, then a second rotation), and checks that tokens signed
// before the switch still verify, that discovery and the JWKS follow, and
// that relying parties (go-oidc, x/oauth2) and APIs (the verifier package)
// accept the new tokens of the code flow (at_hash included) and of client
// credentials.
func TestSigningAlg(t *testing.T) {
	t.Parallel()
	for alg, kty := range map[string]string{"ES256": "EC", "EdDSA": "OKP"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			algSwitch(t, alg, kty)
		})
	}
}

func algSwitch(t *testing.T, alg, kty string) {
	clk := lcRealClock()
	s := testkit.Start(t, testkit.Options{Now: clk.Now})
	ctx := plainCtx()
	def := defaultEndpoints(s)
	web := lcWeb(s)
	b := lcSessionBrowser(t, s, s.User.ID, clk.Now())
	lcScope(t, s, "orders.read", false)
	svc := lcApp(t, s, domain.NewAppParams{Name: "Service", Type: domain.AppTypeService})
	cc := &clientcredentials.Config{ClientID: svc.App.ClientID, ClientSecret: svc.ClientSecret,
		TokenURL: def + "/token", Scopes: []string{"orders.read"}}
	api, err := verifier.New(s.Issuer(), "api://default")
	if err != nil {
		t.Fatal(err)
	}

	before := lcGrant(t, s, b, def, s.Issuer(), web, "openid profile")
	if got := algHeader(t, before.AccessToken); got != "RS256" {
		t.Fatalf("a new server signs with %s, want RS256", got)
	}

	sealer, err := keys.NewSealer(testkit.MasterKey)
	if err != nil {
		t.Fatal(err)
	}
	km := keys.NewManager(s.Store, sealer, clk.Now)
	// rotate force-rotates (the keys are minutes old) and waits until the
	// server serves alg's key as current.
	rotate := func(wantAlgs []string) {
		t.Helper()
		if err := km.RotateForce(context.Background(), domain.DefaultServerID); err != nil {
			t.Fatal(err)
		}
		clk.Advance(keys.ReloadEvery + time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for {
			var d struct {
				Algs []string `json:"id_token_signing_alg_values_supported"`
			}
			getJSON(t, s.Issuer()+"/.well-known/openid-configuration", &d)
			if slices.Equal(d.Algs, wantAlgs) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("discovery lists %v, want %v", d.Algs, wantAlgs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := km.SetAlg(context.Background(), domain.DefaultServerID, alg); err != nil {
		t.Fatal(err)
	}
	rotate([]string{"RS256", alg}) // a key of alg is published as next; RS256 still signs
	if got := algHeader(t, lcGrant(t, s, b, def, s.Issuer(), web, "openid").AccessToken); got != "RS256" {
		t.Errorf("after the first rotation tokens carry %s, want RS256 until the %s key is promoted", got, alg)
	}
	lastRSA := lcGrant(t, s, b, def, s.Issuer(), web, "openid profile")
	rotate([]string{alg, "RS256"}) // the new key signs; the last RS256 key is previous

	t.Run("JWKS mixes key types", func(t *testing.T) {
		var set struct{ Keys []map[string]any }
		getJSON(t, def+"/keys", &set)
		var got []string
		for _, k := range set.Keys {
			got = append(got, k["kty"].(string)+"/"+k["alg"].(string))
			if crv := map[string]string{"EC": "P-256", "OKP": "Ed25519"}[k["kty"].(string)]; crv != "" && k["crv"] != crv {
				t.Errorf("%s key on curve %v", k["kty"], k["crv"])
			}
		}
		if want := []string{kty + "/" + alg, kty + "/" + alg, "RSA/RS256"}; !slices.Equal(got, want) {
			t.Errorf("JWKS %v, want %v: current and next %s keys and the previous RS256 key", got, want, alg)
		}
	})

	t.Run("code flow with x/oauth2 and go-oidc", func(t *testing.T) {
		provider, err := oidc.NewProvider(ctx, s.Issuer())
		if err != nil {
			t.Fatal(err)
		}
		conf := oauth2.Config{ClientID: web.id, ClientSecret: web.secret, Endpoint: provider.Endpoint(),
			RedirectURL: testkit.RedirectURI, Scopes: []string{oidc.ScopeOpenID, "profile"}}
		code := authorizeCode(t, s, b, def, s.Issuer(), web.id, url.Values{"scope": {"openid profile"}, "nonce": {"n-" + alg}})
		tok, err := conf.Exchange(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		if algHeader(t, rawID) != alg || algHeader(t, tok.AccessToken) != alg {
			t.Fatalf("tokens signed with %s / %s, want %s", algHeader(t, rawID), algHeader(t, tok.AccessToken), alg)
		}
		idv := provider.Verifier(&oidc.Config{ClientID: web.id, Now: clk.Now, SupportedSigningAlgs: []string{alg}})
		idt, err := idv.Verify(ctx, rawID)
		if err != nil {
			t.Fatalf("go-oidc rejects the %s ID token: %v", alg, err)
		}
		if idt.Nonce != "n-"+alg || idt.Subject != s.User.ID {
			t.Errorf("ID token nonce %q sub %q", idt.Nonce, idt.Subject)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}
		// With the algorithms from discovery, go-oidc accepts both the new
		// token and one the RS256 key signed before the switch.
		both := provider.Verifier(&oidc.Config{ClientID: web.id, Now: clk.Now})
		for name, raw := range map[string]string{alg: rawID, "RS256 from before": lastRSA.IDToken} {
			if _, err := both.Verify(ctx, raw); err != nil {
				t.Errorf("%s ID token: %v", name, err)
			}
		}
		// An RS256-only relying party (Okta's default) refuses the new algorithm.
		if _, err := provider.Verifier(&oidc.Config{ClientID: web.id, Now: clk.Now,
			SupportedSigningAlgs: []string{"RS256"}}).Verify(ctx, rawID); err == nil {
			t.Errorf("an RS256-only verifier accepted the %s ID token", alg)
		}
		if _, err := api.Verify(ctx, tok.AccessToken); err != nil {
			t.Errorf("verifier rejects the %s access token: %v", alg, err)
		}
	})

	t.Run("client credentials", func(t *testing.T) {
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := algHeader(t, tok.AccessToken); got != alg {
			t.Fatalf("access token signed with %s, want %s", got, alg)
		}
		claims, err := api.Verify(ctx, tok.AccessToken)
		if err != nil {
			t.Fatalf("verifier rejects the %s access token: %v", alg, err)
		}
		if claims.ClientID != svc.App.ClientID || !slices.Contains(claims.Scopes, "orders.read") {
			t.Errorf("claims %+v", claims)
		}
		if !lcActive(t, def, lcClient{id: svc.App.ClientID, secret: svc.ClientSecret}, tok.AccessToken) {
			t.Errorf("introspection says the %s access token is inactive", alg)
		}
	})

	t.Run("tokens signed before the switch still verify", func(t *testing.T) {
		if _, err := api.Verify(ctx, lastRSA.AccessToken); err != nil {
			t.Errorf("verifier: %v", err)
		}
		if !lcActive(t, def, web, lastRSA.AccessToken) {
			t.Error("introspection: the RS256 access token is inactive")
		}
		lcAccessLive(t, def, web, lastRSA.AccessToken, true)
	})
}

// algHeader is the alg of a compact JWS.
func algHeader(t testing.TB, raw string) string {
	t.Helper()
	seg, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	var h struct{ Alg string }
	if err := json.Unmarshal(seg, &h); err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	return h.Alg
}
