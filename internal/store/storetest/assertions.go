package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// caT0 is the reference instant of the client-assertion suite.
var caT0 = time.Unix(1_750_000_000, 0).UTC()

// RunClientAssertions checks what JWT client authentication (RFC 7523:
// private_key_jwt and client_secret_jwt) needs of a backend: the apps'
// key material round-trips, and each assertion id is used once.
func RunClientAssertions(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("AppKeyMaterial", func(t *testing.T) { testAppKeyMaterial(t, newStore(t)) })
	t.Run("UseClientAssertion", func(t *testing.T) { testUseClientAssertion(t, newStore(t)) })
	t.Run("UseClientAssertionRace", func(t *testing.T) { testUseClientAssertionRace(t, newStore(t)) })
	t.Run("DeleteExpiredClientAssertions", func(t *testing.T) { testDeleteExpiredAssertions(t, newStore(t)) })
}

func caApp(id, method string) store.App {
	return store.App{
		ClientID: id, Name: id, Type: "web", TokenEndpointAuthMethod: method,
		RedirectURIs: []string{"https://app.example.com/cb"}, PostLogoutRedirectURIs: []string{},
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"},
		Status: store.StatusActive, Created: caT0,
	}
}

func testAppKeyMaterial(t *testing.T, st store.Store) {
	ctx := context.Background()
	const jwks = `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	// Sealed bytes may hold any value, zero bytes included.
	sealed := append([]byte{1, 0, 0, 255}, bytes.Repeat([]byte{0xab}, 60)...)
	cases := []store.App{
		func() store.App { a := caApp("0oainline", "private_key_jwt"); a.JWKS = jwks; return a }(),
		func() store.App {
			a := caApp("0oauri", "private_key_jwt")
			a.JWKSURI = "https://keys.example.com/jwks.json?tenant=a&x=1"
			return a
		}(),
		func() store.App {
			a := caApp("0oahmac", "client_secret_jwt")
			a.SecretHash, a.SecretSealed = strings.Repeat("a", 64), sealed
			return a
		}(),
		func() store.App {
			a := caApp("0oaplain", "client_secret_basic")
			a.SecretHash = strings.Repeat("b", 64)
			return a
		}(),
	}
	for _, a := range cases {
		if err := st.CreateApp(ctx, a); err != nil {
			t.Fatalf("CreateApp %s: %v", a.ClientID, err)
		}
	}
	check := func(what string, got, want store.App) {
		t.Helper()
		if got.JWKS != want.JWKS || got.JWKSURI != want.JWKSURI || !bytes.Equal(got.SecretSealed, want.SecretSealed) ||
			got.TokenEndpointAuthMethod != want.TokenEndpointAuthMethod || got.SecretHash != want.SecretHash {
			t.Errorf("%s %s:\n got jwks %q uri %q sealed %x method %s hash %s\nwant jwks %q uri %q sealed %x method %s hash %s",
				what, want.ClientID, got.JWKS, got.JWKSURI, got.SecretSealed, got.TokenEndpointAuthMethod, got.SecretHash,
				want.JWKS, want.JWKSURI, want.SecretSealed, want.TokenEndpointAuthMethod, want.SecretHash)
		}
		if len(want.SecretSealed) == 0 && got.SecretSealed != nil {
			t.Errorf("%s %s: SecretSealed = %x, want nil for an app without a sealed secret", what, want.ClientID, got.SecretSealed)
		}
	}
	for _, want := range cases {
		got, err := st.GetApp(ctx, want.ClientID)
		if err != nil {
			t.Fatalf("GetApp %s: %v", want.ClientID, err)
		}
		check("GetApp", got, want)
	}
	all, err := st.ListApps(ctx)
	if err != nil {
		t.Fatalf("ListApps: %v", err)
	}
	if len(all) != len(cases) {
		t.Fatalf("ListApps: %d apps, want %d", len(all), len(cases))
	}
	for _, got := range all {
		for _, want := range cases {
			if got.ClientID == want.ClientID {
				check("ListApps", got, want)
			}
		}
	}
}

func testUseClientAssertion(t *testing.T, st store.Store) {
	ctx := context.Background()
	exp := caT0.Add(time.Hour)
	use := func(what, client, jti string, want error) {
		t.Helper()
		if err := st.UseClientAssertion(ctx, client, jti, exp); !errors.Is(err, want) {
			t.Errorf("%s: UseClientAssertion(%q, %q) = %v, want %v", what, client, jti, err, want)
		}
	}
	use("first use", "0oaA", "jti-1", nil)
	use("replay", "0oaA", "jti-1", store.ErrAlreadyUsed)
	use("replay again", "0oaA", "jti-1", store.ErrAlreadyUsed)
	use("same jti, another client", "0oaB", "jti-1", nil)
	use("another jti", "0oaA", "jti-2", nil)
	// The key must not be a plain concatenation: ("0oaA", "Bjti") and
	// ("0oaAB", "jti") are different assertions.
	use("shifted boundary 1", "0oaA", "Bjti", nil)
	use("shifted boundary 2", "0oaAB", "jti", nil)
	// Any jti a client may choose is storable.
	odd := []string{strings.Repeat("x", 4000), "ünï\u2603code", "with\x00nul", "'; DROP TABLE apps; --", " "}
	for _, jti := range odd {
		use("odd jti", "0oaA", jti, nil)
		use("odd jti replay", "0oaA", jti, store.ErrAlreadyUsed)
	}
}

func testUseClientAssertionRace(t *testing.T, st store.Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = st.UseClientAssertion(ctx, "0oaRace", "race-jti", caT0.Add(time.Hour))
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrAlreadyUsed):
			t.Errorf("racing UseClientAssertion: %v, want nil or ErrAlreadyUsed", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d racing callers used the assertion, want exactly 1", won, n)
	}
}

func testDeleteExpiredAssertions(t *testing.T, st store.Store) {
	ctx := context.Background()
	if err := st.UseClientAssertion(ctx, "0oaA", "short", caT0); err != nil {
		t.Fatal(err)
	}
	if err := st.UseClientAssertion(ctx, "0oaA", "long", caT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Not yet expired: nothing goes, and the replay is still caught.
	n, err := st.DeleteExpired(ctx, caT0.Add(-time.Second), 500)
	if err != nil || n != 0 {
		t.Fatalf("DeleteExpired before expiry: %d rows, %v; want 0", n, err)
	}
	if err := st.UseClientAssertion(ctx, "0oaA", "short", caT0); !errors.Is(err, store.ErrAlreadyUsed) {
		t.Fatalf("replay before cleanup: %v, want ErrAlreadyUsed", err)
	}
	n, err = st.DeleteExpired(ctx, caT0.Add(time.Second), 500)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired after the first expiry: %d rows, %v; want 1", n, err)
	}
	// The expired record is gone; the live one stays.
	if err := st.UseClientAssertion(ctx, "0oaA", "short", caT0.Add(2*time.Hour)); err != nil {
		t.Errorf("after cleanup the expired jti is unknown again, but UseClientAssertion = %v", err)
	}
	if err := st.UseClientAssertion(ctx, "0oaA", "long", caT0.Add(time.Hour)); !errors.Is(err, store.ErrAlreadyUsed) {
		t.Errorf("an unexpired record was deleted: %v", err)
	}
	// Batches are bounded by limit.
	for i := range 5 {
		if err := st.UseClientAssertion(ctx, "0oaBatch", string(rune('a'+i)), caT0); err != nil {
			t.Fatal(err)
		}
	}
	n, err = st.DeleteExpired(ctx, caT0.Add(time.Second), 2)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpired with limit 2: %d rows, %v; want 2", n, err)
	}
}
