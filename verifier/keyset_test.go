package verifier_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

func mustVerify(t *testing.T, v *verifier.Verifier, token string) {
	t.Helper()
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func wantFetches(t *testing.T, iss *verifiertest.Issuer, want int) {
	t.Helper()
	if got := iss.KeyFetches(); got != want {
		t.Fatalf("key set fetched %d times, want %d", got, want)
	}
}

func TestDiscoveryOnFirstUseOnly(t *testing.T) {
	iss, v, _ := setup(t)
	if iss.DiscoveryFetches() != 0 || iss.KeyFetches() != 0 {
		t.Fatal("New fetched something")
	}
	for range 3 {
		mustVerify(t, v, iss.Mint(nil))
	}
	if iss.DiscoveryFetches() != 1 {
		t.Errorf("discovery fetched %d times, want 1", iss.DiscoveryFetches())
	}
	wantFetches(t, iss, 1)
}

func TestWithJWKSURLSkipsDiscovery(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	v, err := verifier.New(iss.Issuer(), iss.Audience(), verifier.WithJWKSURL(iss.JWKSURL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), iss.Mint(nil)); err != nil {
		t.Fatal(err)
	}
	if iss.DiscoveryFetches() != 0 {
		t.Errorf("discovery fetched %d times", iss.DiscoveryFetches())
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	// The document at {issuer}/.well-known/… names the issuer without the
	// slash; OIDC Discovery §4.3 says to refuse it.
	v, err := verifier.New(iss.Issuer()+"/", iss.Audience())
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), iss.Mint(map[string]any{"iss": iss.Issuer() + "/"}))
	if !errors.Is(err, verifier.ErrKeySetUnavailable) {
		t.Fatalf("Verify error %v, want ErrKeySetUnavailable", err)
	}
}

func TestUnknownKIDRefetchesAfterRotate(t *testing.T) {
	iss, v, clk := setup(t)
	old := iss.Mint(nil)
	mustVerify(t, v, old)
	wantFetches(t, iss, 1)

	iss.Rotate()
	fresh := iss.Mint(nil)
	clk.Advance(verifier.DefaultRefetchInterval)
	mustVerify(t, v, fresh)
	wantFetches(t, iss, 2)
	// The previous key is still published: old tokens keep verifying,
	// without another fetch.
	mustVerify(t, v, old)
	mustVerify(t, v, fresh)
	wantFetches(t, iss, 2)
}

func TestUnknownKIDRefetchIsRateLimited(t *testing.T) {
	iss, v, clk := setup(t)
	mustVerify(t, v, iss.Mint(nil))
	wantFetches(t, iss, 1)
	ctx := context.Background()

	// Right after a fetch, an unknown kid is refused without fetching.
	iss.Rotate()
	fresh := iss.Mint(nil)
	if _, err := v.Verify(ctx, fresh); !errors.Is(err, verifier.ErrInvalidSignature) {
		t.Fatalf("Verify error %v, want ErrInvalidSignature", err)
	}
	wantFetches(t, iss, 1)

	// Later, one unknown kid makes one fetch; more within the interval
	// make none, whatever their kid.
	clk.Advance(verifier.DefaultRefetchInterval)
	for i, kid := range []string{"bogus-1", "bogus-1", "bogus-2", "bogus-3"} {
		if _, err := v.Verify(ctx, iss.Mint(nil, verifiertest.WithKeyID(kid))); !errors.Is(err, verifier.ErrInvalidSignature) {
			t.Fatalf("bogus kid %d: error %v, want ErrInvalidSignature", i, err)
		}
		clk.Advance(verifier.DefaultRefetchInterval / 5)
	}
	wantFetches(t, iss, 2)
	// That fetch brought the rotated key.
	mustVerify(t, v, fresh)

	clk.Advance(verifier.DefaultRefetchInterval)
	v.Verify(ctx, iss.Mint(nil, verifiertest.WithKeyID("bogus-4")))
	wantFetches(t, iss, 3)
}

func TestRefetchIntervalOption(t *testing.T) {
	iss, v, clk := setup(t, verifier.WithRefetchInterval(time.Minute))
	mustVerify(t, v, iss.Mint(nil))
	iss.Rotate()
	clk.Advance(verifier.DefaultRefetchInterval)
	if _, err := v.Verify(context.Background(), iss.Mint(nil)); !errors.Is(err, verifier.ErrInvalidSignature) {
		t.Fatalf("Verify error %v, want ErrInvalidSignature (interval not over)", err)
	}
	wantFetches(t, iss, 1)
	clk.Advance(time.Minute)
	mustVerify(t, v, iss.Mint(nil))
	wantFetches(t, iss, 2)
}

// gatedKeys serves iss's key set through a gate, counting requests, so a
// test can hold a fetch in flight.
type gatedKeys struct {
	iss  *verifiertest.Issuer
	gate chan struct{}
	hits atomic.Int32
}

func (g *gatedKeys) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.hits.Add(1)
	<-g.gate
	resp, err := http.Get(g.iss.JWKSURL())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func TestConcurrentVerifiesShareOneFetch(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	g := &gatedKeys{iss: iss, gate: make(chan struct{})}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	// No rate limit: only the sharing of the fetch in flight keeps the
	// count at one.
	v, err := verifier.New(iss.Issuer(), iss.Audience(), verifier.WithJWKSURL(srv.URL), verifier.WithRefetchInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var waiting sync.WaitGroup
	waiting.Add(n)
	verifier.OnWait(v, waiting.Done)

	token := iss.Mint(nil)
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := v.Verify(context.Background(), token)
			errs <- err
		}()
	}
	waiting.Wait() // all n are waiting for a fetch
	close(g.gate)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if hits := g.hits.Load(); hits != 1 {
		t.Errorf("%d fetches for %d concurrent verifies, want 1", hits, n)
	}

	// The same after a rotation, with the keys already cached.
	iss.Rotate()
	g.gate = make(chan struct{})
	waiting.Add(n)
	token = iss.Mint(nil)
	for range n {
		go func() {
			_, err := v.Verify(context.Background(), token)
			errs <- err
		}()
	}
	waiting.Wait()
	close(g.gate)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Verify after rotation: %v", err)
		}
	}
	if hits := g.hits.Load(); hits != 2 {
		t.Errorf("%d fetches in all, want 2", hits)
	}
}

func TestCallerGivingUpDoesNotFailTheSharedFetch(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	g := &gatedKeys{iss: iss, gate: make(chan struct{})}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	v, err := verifier.New(iss.Issuer(), iss.Audience(), verifier.WithJWKSURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	verifier.OnWait(v, cancel)
	_, err = v.Verify(ctx, iss.Mint(nil))
	if !errors.Is(err, verifier.ErrKeySetUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify error %v, want ErrKeySetUnavailable and context.Canceled", err)
	}
	close(g.gate)
	verifier.WaitForFetch(v)
	// The fetch finished for everyone: no second one is needed (and the
	// refetch interval would forbid it).
	if _, err := v.Verify(context.Background(), iss.Mint(nil)); err != nil {
		t.Fatalf("Verify after the fetch completed: %v", err)
	}
	if hits := g.hits.Load(); hits != 1 {
		t.Errorf("%d fetches, want 1", hits)
	}
}

func TestKeySetUnavailableThenRecovers(t *testing.T) {
	iss, v, clk := setup(t)
	iss.SetAvailable(false)
	token := iss.Mint(map[string]any{"exp": clk.Now().Add(time.Hour).Unix()})
	ctx := context.Background()
	for range 3 {
		if _, err := v.Verify(ctx, token); !errors.Is(err, verifier.ErrKeySetUnavailable) {
			t.Fatalf("Verify error %v, want ErrKeySetUnavailable", err)
		}
	}
	// One attempt per refetch interval, not one per request.
	if iss.DiscoveryFetches() != 1 {
		t.Fatalf("discovery fetched %d times, want 1", iss.DiscoveryFetches())
	}
	iss.SetAvailable(true)
	clk.Advance(verifier.DefaultRefetchInterval - time.Second)
	if _, err := v.Verify(ctx, token); !errors.Is(err, verifier.ErrKeySetUnavailable) {
		t.Fatalf("Verify error %v within the interval, want ErrKeySetUnavailable", err)
	}
	clk.Advance(time.Second)
	mustVerify(t, v, token)
	wantFetches(t, iss, 1)
}

func TestStaleKeySetIsRefreshed(t *testing.T) {
	iss, v, clk := setup(t)
	first := iss.Mint(nil, verifiertest.WithExpiresIn(3*time.Hour))
	mustVerify(t, v, first)
	iss.Rotate()
	iss.Rotate() // the first key leaves the published set
	mustVerify(t, v, first)
	wantFetches(t, iss, 1)

	// After the key set's max-age (3600 s), the next use refreshes it in
	// the background and is answered from the stale set meanwhile.
	clk.Advance(time.Hour)
	mustVerify(t, v, first)
	verifier.WaitForFetch(v)
	wantFetches(t, iss, 2)
	if _, err := v.Verify(context.Background(), first); !errors.Is(err, verifier.ErrInvalidSignature) {
		t.Fatalf("token of a withdrawn key: error %v, want ErrInvalidSignature", err)
	}
}

func TestStaleKeysKeptWhenRefreshFails(t *testing.T) {
	iss, v, clk := setup(t)
	token := iss.Mint(nil, verifiertest.WithExpiresIn(3*time.Hour))
	mustVerify(t, v, token)
	iss.SetAvailable(false)
	clk.Advance(2 * time.Hour)
	for range 2 {
		mustVerify(t, v, token)
		verifier.WaitForFetch(v)
	}
	wantFetches(t, iss, 2)
	// A new kid now reports the outage rather than a bad signature.
	clk.Advance(verifier.DefaultRefetchInterval)
	if _, err := v.Verify(context.Background(), iss.Mint(nil, verifiertest.WithKeyID("new"))); !errors.Is(err, verifier.ErrKeySetUnavailable) {
		t.Fatalf("Verify error %v, want ErrKeySetUnavailable", err)
	}
}

func TestParseKeySetSkipsUnusableKeys(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	resp, err := http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	keys, err := verifier.ParseKeySet(good)
	if err != nil || len(keys) != 1 || keys[iss.KeyID()] == nil {
		t.Fatalf("keys %v, %v", keys, err)
	}

	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := json.Marshal(jose.JSONWebKey{Key: &short.PublicKey, KeyID: "short", Algorithm: "RS256", Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	odd := `{"keys":[
		{"kty":"EC","kid":"ec","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
		{"kty":"oct","kid":"hmac","k":"c2VjcmV0"},
		` + string(rsa1024) + `,
		{"kty":"weird","kid":"w"},
		` + keyWith(t, good, `"use":"enc"`) + `,
		` + keyWith(t, good, `"alg":"RS512"`) + `,
		` + keyWith(t, good, `"kid":""`) + `]}`
	if keys, err := verifier.ParseKeySet([]byte(odd)); err == nil {
		t.Errorf("a set of unusable keys gave %v", keys)
	}
	mixed := odd[:len(odd)-2] + `,` + keyWith(t, good, `"kid":"ok"`) + `]}`
	keys, err = verifier.ParseKeySet([]byte(mixed))
	if err != nil || len(keys) != 1 || keys["ok"] == nil {
		t.Errorf("keys %v, %v; want only kid ok", keys, err)
	}
}

// keyWith returns the first key of the JWKS good with one member replaced.
func keyWith(t *testing.T, good []byte, member string) string {
	t.Helper()
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(good, &set); err != nil {
		t.Fatal(err)
	}
	k := set.Keys[0]
	var m map[string]any
	if err := json.Unmarshal([]byte("{"+member+"}"), &m); err != nil {
		t.Fatal(err)
	}
	for name, v := range m {
		k[name] = v
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKeySetTTL(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", time.Hour},
		{"public, max-age=3600, must-revalidate", time.Hour},
		{"max-age=3832304", 24 * time.Hour},
		{"Max-Age=600", 10 * time.Minute},
		{"max-age=0", 5 * time.Minute},
		{"no-cache", time.Hour},
		{"max-age=-5", time.Hour},
		{"max-age=99999999999999999999", time.Hour},
	}
	for _, tt := range tests {
		if got := verifier.KeySetTTL(tt.header); got != tt.want {
			t.Errorf("KeySetTTL(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
