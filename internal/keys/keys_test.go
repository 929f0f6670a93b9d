package keys_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

const masterKey = "keys-test-master-key-0123456789"

var now = func() time.Time { return time.Unix(1_750_000_000, 0) }

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func sealer(t testing.TB, master string) *keys.Sealer {
	t.Helper()
	s, err := keys.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countingStore counts the key writes a Manager makes.
type countingStore struct {
	store.SigningKeys
	mu      sync.Mutex
	creates int
}

func (c *countingStore) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	c.mu.Lock()
	c.creates++
	c.mu.Unlock()
	return c.SigningKeys.CreateSigningKey(ctx, k)
}

func TestKeyCreatedOnceAndPersisted(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	cs := &countingStore{SigningKeys: st}
	m := keys.NewManager(cs, sealer(t, masterKey), now)

	set, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if again != set {
		t.Error("a second Get parsed the key set again instead of using the cached one")
	}
	if cs.creates != 2 {
		t.Errorf("Manager wrote %d keys, want 2 (current and next)", cs.creates)
	}

	rows, err := st.ListSigningKeys(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[string]store.SigningKey{}
	for _, r := range rows {
		byStatus[r.Status] = r
	}
	if len(rows) != 2 || len(byStatus) != 2 || byStatus[store.KeyNext].KID == "" {
		t.Fatalf("store holds %d keys with statuses %v, want one current and one next", len(rows), byStatus)
	}
	row := byStatus[store.KeyCurrent]
	if row.KID != set.CurrentKID() || row.Status != store.KeyCurrent || row.Alg != "RS256" || row.AuthServerID != "default" {
		t.Errorf("stored key %s/%s/%s/%s, want %s/current/RS256/default", row.KID, row.Status, row.Alg, row.AuthServerID, set.CurrentKID())
	}
	// Encrypted at rest: the stored bytes are not a parseable private key.
	if _, err := x509.ParsePKCS8PrivateKey(row.PrivateKey); err == nil {
		t.Error("the private key is stored in the clear")
	}

	// Another replica (a second Manager) loads the same key.
	other := keys.NewManager(cs, sealer(t, masterKey), now)
	set2, err := other.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if set2.CurrentKID() != set.CurrentKID() {
		t.Errorf("second Manager uses kid %s, want %s", set2.CurrentKID(), set.CurrentKID())
	}
	if cs.creates != 2 {
		t.Errorf("second Manager created a key (%d writes)", cs.creates)
	}
	if string(set2.JWKS) != string(set.JWKS) || set2.ETag != set.ETag {
		t.Error("two Managers over one store serve different key sets")
	}
	tok, err := set.Sign([]byte(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set2.Verify(tok); err != nil {
		t.Errorf("a token signed by one replica does not verify on another: %v", err)
	}

	// Each server has its own key.
	org, err := m.Get(ctx, store.OrgServerID)
	if err != nil {
		t.Fatal(err)
	}
	if org.CurrentKID() == set.CurrentKID() {
		t.Error("org and default servers share a key")
	}
}

func TestJWKSDocument(t *testing.T) {
	set, err := keys.NewManager(openStore(t), sealer(t, masterKey), now).Get(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(set.JWKS, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2 (current and next)", len(doc.Keys))
	}
	k := doc.Keys[0]
	for name, want := range map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": set.CurrentKID(), "e": "AQAB"} {
		if k[name] != want {
			t.Errorf("JWK %s = %v, want %s", name, k[name], want)
		}
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Errorf("JWKS publishes private member %q", private)
		}
	}
	if !strings.HasPrefix(set.ETag, `"`) || !strings.HasSuffix(set.ETag, `"`) || len(set.ETag) < 10 {
		t.Errorf("ETag %q is not a quoted strong validator", set.ETag)
	}
}

// Okta's Go verifier decodes the JWT header with padded standard base64, so
// a header whose base64url holds '-' or '_' breaks it. (With a base64url
// kid and nothing but ASCII in the header, only '>', '?', '~' or DEL could
// produce those characters; the test guards the header's shape.)
func TestHeaderIsStdBase64Safe(t *testing.T) {
	n := 20
	if testing.Short() {
		n = 6
	}
	m := keys.NewManager(openStore(t), sealer(t, masterKey), now)
	ctx := context.Background()
	var wg sync.WaitGroup
	sets := make([]*keys.Set, n)
	errs := make([]error, n)
	for i := range n {
		// One Manager serialises key creation; separate ones generate in parallel.
		mi := m
		if i%2 == 1 {
			mi = keys.NewManager(openStore(t), sealer(t, masterKey), now)
		}
		wg.Go(func() { sets[i], errs[i] = mi.Get(ctx, fmt.Sprintf("aus%d", i)) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, set := range sets {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		tok, err := set.Sign([]byte(`{"iss":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		header := strings.SplitN(tok, ".", 2)[0]
		if strings.ContainsAny(header, "-_") {
			t.Errorf("kid %s gives header %s with '-' or '_'", set.CurrentKID(), header)
		}
		padded := header + strings.Repeat("=", (4-len(header)%4)%4)
		raw, err := base64.StdEncoding.DecodeString(padded)
		if err != nil {
			t.Errorf("header %s does not decode as standard base64: %v", header, err)
			continue
		}
		var h struct{ Alg, Kid string }
		if err := json.Unmarshal(raw, &h); err != nil || h.Alg != "RS256" || h.Kid != set.CurrentKID() {
			t.Errorf("header %s = %+v (%v), want RS256 and kid %s", raw, h, err, set.CurrentKID())
		}
		if seen[set.CurrentKID()] {
			t.Errorf("kid %s repeats", set.CurrentKID())
		}
		seen[set.CurrentKID()] = true
	}
}

func b64(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }

func TestVerify(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	m := keys.NewManager(st, sealer(t, masterKey), now)
	set, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	otherSet, err := m.Get(ctx, "aus-other")
	if err != nil {
		t.Fatal(err)
	}
	payload := `{"sub":"00u1","scp":["openid"]}`
	good, err := set.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	got, err := set.Verify(good)
	if err != nil || string(got) != payload {
		t.Fatalf("Verify(good) = %q, %v", got, err)
	}

	parts := strings.Split(good, ".")
	kid := set.CurrentKID()
	fromOther, err := otherSet.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	otherParts := strings.Split(fromOther, ".")

	// HS256 with the public JWK as the HMAC secret: the classic alg confusion.
	hsHeader := b64(`{"alg":"HS256","kid":"` + kid + `"}`)
	mac := hmac.New(sha256.New, set.JWKS)
	mac.Write([]byte(hsHeader + "." + parts[1]))
	hs256 := hsHeader + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	tampered := b64(`{"sub":"00uADMIN","scp":["openid"]}`)
	cases := map[string]string{
		"tampered payload":              parts[0] + "." + tampered + "." + parts[2],
		"tampered signature":            parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"unknown kid":                   b64(`{"alg":"RS256","kid":"not-a-kid"}`) + "." + parts[1] + "." + parts[2],
		"signed by another server":      fromOther,
		"other server's kid swapped in": otherParts[0] + "." + parts[1] + "." + parts[2],
		"alg none":                      b64(`{"alg":"none","kid":"`+kid+`"}`) + "." + parts[1] + ".",
		"alg none, no kid":              b64(`{"alg":"none"}`) + "." + parts[1] + ".",
		"HS256 with the public key":     hs256,
		"no signature":                  parts[0] + "." + parts[1],
		"empty":                         "",
		"garbage":                       "not.a.jwt",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			payload, err := set.Verify(tok)
			if !errors.Is(err, keys.ErrInvalidSignature) {
				t.Fatalf("Verify = %q, %v; want ErrInvalidSignature", payload, err)
			}
		})
	}
}

// flip changes the first character of a base64url segment.
func flip(seg string) string {
	c := byte('A')
	if seg[0] == 'A' {
		c = 'B'
	}
	return string(c) + seg[1:]
}

func TestWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := keys.NewManager(st, sealer(t, masterKey), now).Get(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	_, err := keys.NewManager(st, sealer(t, "a-different-master-key-9876543210"), now).Get(ctx, "default")
	if err == nil {
		t.Fatal("a Manager with the wrong master key loaded the keys")
	}
	if !strings.Contains(err.Error(), "master key") {
		t.Errorf("error %q does not point at the master key", err)
	}
	// It must not paper over the failure by making a second current key.
	rows, err := st.ListSigningKeys(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Errorf("store holds %d keys after the failed load, want the 2 made before", len(rows))
	}
}

func TestSealer(t *testing.T) {
	for _, short := range []string{"", "short", "fifteen-chars!!"} {
		if _, err := keys.NewSealer(short); err == nil {
			t.Errorf("NewSealer(%q) accepted a short master key", short)
		}
	}
	s := sealer(t, masterKey)
	plain := []byte("private key bytes")
	sealed := s.Seal(plain, "kid-1")
	if strings.Contains(string(sealed), string(plain)) {
		t.Fatal("sealed output contains the plaintext")
	}
	if again := s.Seal(plain, "kid-1"); string(again) == string(sealed) {
		t.Error("two seals of one plaintext are identical (nonce reused)")
	}
	got, err := s.Open(sealed, "kid-1")
	if err != nil || string(got) != string(plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	bad := map[string]struct {
		sealed []byte
		kid    string
	}{
		"other kid (row swap)": {sealed, "kid-2"},
		"truncated":            {sealed[:5], "kid-1"},
		"empty":                {nil, "kid-1"},
		"unknown version":      {append([]byte{9}, sealed[1:]...), "kid-1"},
		"flipped byte":         {append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), "kid-1"},
	}
	for name, c := range bad {
		if _, err := s.Open(c.sealed, c.kid); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

// BenchmarkSign signs an access token's claims with each algorithm.
func BenchmarkSign(b *testing.B) {
	payload, _ := json.Marshal(map[string]any{"ver": 1, "jti": "AT.x", "iss": "https://example.com/oauth2/default",
		"aud": "api://default", "iat": 1, "exp": 2, "cid": "0oa1", "uid": "00u1", "scp": []string{"openid"}, "sub": "a@b.c"})
	for _, alg := range keys.Algs {
		b.Run(alg, func(b *testing.B) {
			set := algSet(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := set.Sign(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, alg := range keys.Algs {
		b.Run(alg, func(b *testing.B) {
			set := algSet(b, alg)
			tok, err := set.Sign([]byte(`{"sub":"x"}`))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := set.Verify(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRotation: rotating promotes the published next key, keeps the old
// current key for verification, and a second Manager (another replica)
// follows once its cached set is reloaded.
func TestRotation(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clock := time.Unix(1_800_000_000, 0)
	tick := func() time.Time { return clock }
	m := keys.NewManager(st, sealer(t, masterKey), tick)
	replica := keys.NewManager(st, sealer(t, masterKey), tick)
	before, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Get(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	oldToken, err := before.Sign([]byte(`{"sub":"before"}`))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := st.ListSigningKeys(ctx, "default")
	var nextKID string
	for _, r := range rows {
		if r.Status == store.KeyNext {
			nextKID = r.KID
		}
	}

	if rotated, err := m.RotateIfOlder(ctx, "default", time.Hour); err != nil || rotated {
		t.Fatalf("RotateIfOlder on a fresh key: rotated=%v err=%v", rotated, err)
	}
	clock = clock.Add(2 * time.Hour)
	if rotated, err := m.RotateIfOlder(ctx, "default", time.Hour); err != nil || !rotated {
		t.Fatalf("RotateIfOlder on an old key: rotated=%v err=%v", rotated, err)
	}
	after, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if after.CurrentKID() != nextKID {
		t.Errorf("current key after rotation is %s, want the published next key %s", after.CurrentKID(), nextKID)
	}
	if _, err := after.Verify(oldToken); err != nil {
		t.Errorf("a token signed before the rotation no longer verifies: %v", err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	json.Unmarshal(after.JWKS, &doc)
	if len(doc.Keys) != 3 {
		t.Errorf("JWKS after rotation has %d keys, want previous, current and next", len(doc.Keys))
	}

	// The other replica still signs with its cached set until it reloads.
	clock = clock.Add(keys.ReloadEvery + time.Second)
	stale, _ := replica.Get(ctx, "default") // starts the background reload
	if stale.CurrentKID() != before.CurrentKID() {
		t.Errorf("replica switched keys before reloading")
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s, _ := replica.Get(ctx, "default")
		if s.CurrentKID() == nextKID {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("replica never picked up the rotation")
}

// gatedStore wraps a store: ListSigningKeys calls are counted, those for
// the server named block (before reading) until release is closed, and
// once armed, the next ListSigningKeys call reads the keys, then reports
// on held and waits for resume before returning them.
type gatedStore struct {
	store.SigningKeys
	block   string
	release chan struct{}

	lists   atomic.Int32 // all calls
	blocked atomic.Int32 // calls for the blocked server
	armed   atomic.Bool
	held    chan struct{}
	resume  chan struct{}
}

func (g *gatedStore) ListSigningKeys(ctx context.Context, authServerID string) ([]store.SigningKey, error) {
	g.lists.Add(1)
	if authServerID == g.block && g.release != nil {
		g.blocked.Add(1)
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	rows, err := g.SigningKeys.ListSigningKeys(ctx, authServerID)
	if g.armed.CompareAndSwap(true, false) {
		g.held <- struct{}{}
		<-g.resume
	}
	return rows, err
}

// TestSlowServerDoesNotBlockOthers: while one server's keys load slowly,
// Get for another server (loaded or not) answers, and a caller of the slow
// one can give up without ending the load the others share.
func TestSlowServerDoesNotBlockOthers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	// Keys of "a" and "c" exist already; "b" has none yet.
	seed := keys.NewManager(st, sealer(t, masterKey), now)
	for _, id := range []string{"a", "c"} {
		if _, err := seed.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	g := &gatedStore{SigningKeys: st, block: "a", release: make(chan struct{})}
	m := keys.NewManager(g, sealer(t, masterKey), now)
	if _, err := m.Get(ctx, "c"); err != nil {
		t.Fatal(err)
	}

	slow := make(chan error, 1)
	go func() {
		_, err := m.Get(ctx, "a")
		slow <- err
	}()
	waitFor(t, func() bool { return g.blocked.Load() >= 1 }, "the load of a to start")

	for _, id := range []string{"b", "c"} {
		done := make(chan error, 1)
		go func() {
			_, err := m.Get(ctx, id)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Get(%s): %v", id, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Get(%s) is held up by the slow load of a", id)
		}
	}

	// A caller with a deadline gives up; the shared load goes on.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := m.Get(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get(a) with a deadline = %v, want DeadlineExceeded", err)
	}
	close(g.release)
	select {
	case err := <-slow:
		if err != nil {
			t.Fatalf("Get(a): %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get(a) never returned")
	}
	if n := g.blocked.Load(); n != 1 {
		t.Errorf("the keys of a were read %d times, want once", n)
	}
}

// TestConcurrentGetsShareOneLoad: Gets of a server not loaded yet, made
// while its load runs, wait for that load instead of each reading the store.
func TestConcurrentGetsShareOneLoad(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := keys.NewManager(st, sealer(t, masterKey), now).Get(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	g := &gatedStore{SigningKeys: st, block: "default", release: make(chan struct{})}
	m := keys.NewManager(g, sealer(t, masterKey), now)

	const n = 16
	sets := make([]*keys.Set, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { sets[i], errs[i] = m.Get(ctx, "default") })
	}
	waitFor(t, func() bool { return g.lists.Load() >= 1 }, "the load to start")
	time.Sleep(100 * time.Millisecond) // let the other Gets reach the load
	close(g.release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if sets[i] != sets[0] {
			t.Fatalf("Get %d returned another set", i)
		}
	}
	if got := g.lists.Load(); got != 1 {
		t.Errorf("%d concurrent Gets read the store %d times, want once", n, got)
	}
}

// TestStaleReloadAfterRotation: a background reload that read the keys
// before a rotation finishes after it; the rotated set must stay.
func TestStaleReloadAfterRotation(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var mu sync.Mutex
	clock := time.Unix(1_800_000_000, 0)
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	g := &gatedStore{SigningKeys: st, held: make(chan struct{}), resume: make(chan struct{})}
	m := keys.NewManager(g, sealer(t, masterKey), tick)
	before, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}

	advance(2 * time.Hour) // the set is stale, and the key old enough to rotate
	g.armed.Store(true)
	if s, _ := m.Get(ctx, "default"); s != before { // starts the background reload
		t.Fatal("Get did not serve the cached set while reloading")
	}
	select {
	case <-g.held: // the reload has read the keys from before the rotation
	case <-time.After(5 * time.Second):
		t.Fatal("no background reload")
	}
	if err := m.Rotate(ctx, "default"); err != nil {
		close(g.resume)
		t.Fatal(err)
	}
	rotated, _ := m.Get(ctx, "default")
	if rotated.CurrentKID() == before.CurrentKID() {
		close(g.resume)
		t.Fatal("Rotate did not install the rotated set")
	}

	listsBefore := g.lists.Load()
	close(g.resume) // the stale reload finishes
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		s, err := m.Get(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		if s.CurrentKID() != rotated.CurrentKID() {
			t.Fatalf("a reload begun before the rotation replaced the rotated set (kid %s, want %s)", s.CurrentKID(), rotated.CurrentKID())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if g.lists.Load() != listsBefore {
		t.Error("the rotated set was reloaded: Rotate installed a set that was already stale")
	}
}

// TestRotateMinKeyAge: a rotation drops the previous key, so a second
// rotation before the access tokens of that key expired is refused unless
// forced, and the timer never rotates sooner than MinKeyAge.
func TestRotateMinKeyAge(t *testing.T) {
	if keys.MinKeyAge < time.Hour {
		t.Fatalf("MinKeyAge %s is shorter than the one-hour access token lifetime", keys.MinKeyAge)
	}
	ctx := context.Background()
	st := openStore(t)
	var mu sync.Mutex
	clock := time.Unix(1_800_000_000, 0)
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	m := keys.NewManager(st, sealer(t, masterKey), tick)
	replica := keys.NewManager(st, sealer(t, masterKey), tick)
	first, err := m.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Get(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	kids := func() map[string]string {
		rows, err := st.ListSigningKeys(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.Status] = r.KID
		}
		return out
	}

	advance(keys.MinKeyAge + time.Minute)
	if err := m.Rotate(ctx, "default"); err != nil {
		t.Fatalf("Rotate of a key current for %s: %v", keys.MinKeyAge+time.Minute, err)
	}
	afterFirst := kids()
	if afterFirst[store.KeyPrevious] != first.CurrentKID() {
		t.Fatalf("keys after the first rotation %v, want %s as previous", afterFirst, first.CurrentKID())
	}

	advance(10 * time.Minute)
	err = m.Rotate(ctx, "default")
	if !errors.Is(err, keys.ErrKeyTooYoung) {
		t.Fatalf("a second Rotate 10 minutes later = %v, want ErrKeyTooYoung", err)
	}
	if !strings.Contains(err.Error(), "default") || !strings.Contains(err.Error(), "1h0m0s") {
		t.Errorf("error %q does not say which server and how long to wait", err)
	}
	if got := kids(); got[store.KeyPrevious] != first.CurrentKID() || got[store.KeyCurrent] != afterFirst[store.KeyCurrent] {
		t.Errorf("the refused Rotate changed the keys: %v, want %v", got, afterFirst)
	}
	// The timer does not rotate sooner than MinKeyAge, whatever it is given.
	for _, maxAge := range []time.Duration{0, time.Minute, 5 * time.Minute} {
		if rotated, err := m.RotateIfOlder(ctx, "default", maxAge); err != nil || rotated {
			t.Errorf("RotateIfOlder(%s) on a key current for 10 minutes: rotated=%v err=%v", maxAge, rotated, err)
		}
	}
	// Another replica's cached set still shows the first key, current for
	// long enough; the store's own check refuses the rotation all the same.
	if err := replica.Rotate(ctx, "default"); !errors.Is(err, keys.ErrKeyTooYoung) {
		t.Errorf("Rotate by a replica with an outdated set = %v, want ErrKeyTooYoung", err)
	}
	if got := kids(); got[store.KeyPrevious] != first.CurrentKID() {
		t.Errorf("the replica's Rotate rotated again: %v", got)
	}

	if err := m.RotateForce(ctx, "default"); err != nil {
		t.Fatalf("RotateForce: %v", err)
	}
	forced := kids()
	if forced[store.KeyPrevious] != afterFirst[store.KeyCurrent] || forced[store.KeyCurrent] != afterFirst[store.KeyNext] {
		t.Errorf("keys after RotateForce %v, want previous %s and current %s", forced, afterFirst[store.KeyCurrent], afterFirst[store.KeyNext])
	}
	if s, _ := m.Get(ctx, "default"); s.CurrentKID() != forced[store.KeyCurrent] {
		t.Errorf("Get after RotateForce serves kid %s, want %s", s.CurrentKID(), forced[store.KeyCurrent])
	}

	advance(keys.MinKeyAge + time.Second)
	if rotated, err := m.RotateIfOlder(ctx, "default", time.Minute); err != nil || !rotated {
		t.Errorf("RotateIfOlder after MinKeyAge: rotated=%v err=%v", rotated, err)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
