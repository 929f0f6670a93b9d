package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Signing algorithms. An authorization server signs with one of them (its
// store.AuthServer.SigningAlg); each key carries its own, so that a set may
// mix them while a server switches.
const (
	// RS256 (RSA 2048) is the default and the only algorithm Okta signs
	// with: Okta's SDKs and verifiers expect it.
	RS256 = string(jose.RS256)
	// ES256 (ECDSA P-256) signs about 30 times faster than RS256.
	ES256 = string(jose.ES256)
	// EdDSA (Ed25519) is as fast as ES256, with smaller keys.
	EdDSA = string(jose.EdDSA)
)

// Algs lists the supported signing algorithms, the default first.
var Algs = []string{RS256, ES256, EdDSA}

// ErrUnsupportedAlg is the refusal of an algorithm not in Algs.
var ErrUnsupportedAlg = errors.New("keys: unsupported signing algorithm (want RS256, ES256 or EdDSA)")

// CheckAlg returns alg in its canonical spelling, or ErrUnsupportedAlg.
func CheckAlg(alg string) (string, error) {
	for _, a := range Algs {
		if strings.EqualFold(a, alg) {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
}

// Set is the parsed, immutable key set of one authorization server: the
// current key signs; the next key (published ahead of its use) and the
// previous key only verify. The previous key is kept until the next
// rotation, which Rotate and RotateIfOlder allow only once the current key
// has been current for MinKeyAge (the access token lifetime), that is once
// every token the previous key signed has expired. (RotateForce skips that
// wait, and with it this guarantee.)
type Set struct {
	current      jose.JSONWebKey // private
	currentSince time.Time
	signer       *compactSigner // the current key's
	// public holds every key by kid; its Algorithm is the only one that key
	// verifies.
	public map[string]jose.JSONWebKey
	// algs lists the algorithms of the keys: the current key's first, then
	// those of next and previous, each once.
	algs   []jose.SignatureAlgorithm
	loaded time.Time
	// JWKS is the public key set document, ready to write.
	JWKS []byte
	// ETag identifies JWKS for conditional requests.
	ETag string
}

// ReloadEvery is how often a replica rereads a server's keys, so that a
// rotation made elsewhere reaches it. Rotation promotes the published next
// key, so verifiers already know the key a replica switches to.
const ReloadEvery = 30 * time.Second

// MinKeyAge is how long a key must have been current before Rotate and
// RotateIfOlder replace it. A rotation drops the previous key, which signed
// tokens until the current key took over; waiting MinKeyAge lets all of
// them expire first. It must be at least the lifetime of the longest-lived
// token the keys sign: token.AccessTokenLifetime, one hour (ID tokens live
// no longer). This package does not import internal/token; change both
// together.
const MinKeyAge = time.Hour

// ErrKeyTooYoung is Rotate's refusal to replace a key that has not yet
// been current for more than MinKeyAge.
var ErrKeyTooYoung = errors.New("keys: the current signing key is too recent to rotate")

// loadTimeout bounds a load shared by several callers (or run in the
// background), which no single caller's context may cancel.
const loadTimeout = 30 * time.Second

// Manager hands out key sets, parsed once and reread every ReloadEvery.
type Manager struct {
	st     store.SigningKeys
	sealer *Sealer
	now    func() time.Time

	// loads runs one load per server (and generation) at a time, shared by
	// whoever asks meanwhile. Loads run outside mu.
	loads singleflight.Group

	mu      sync.RWMutex
	entries map[string]*entry
}

// entry is the cache of one authorization server.
type entry struct {
	set *Set // nil until loaded, and after Forget
	// gen counts the changes that make a load begun earlier stale: each
	// rotation and each Forget. A load installs its set only if gen is still
	// the one it began with, so that a reload that read the store before a
	// rotation cannot replace the rotated set.
	gen       uint64
	reloading bool // a background reload is running
}

// NewManager returns a Manager over st that seals private keys with sealer.
func NewManager(st store.SigningKeys, sealer *Sealer, now func() time.Time) *Manager {
	return &Manager{st: st, sealer: sealer, now: now, entries: map[string]*entry{}}
}

// entryLocked returns the server's entry, creating it; m.mu must be held
// for writing.
func (m *Manager) entryLocked(authServerID string) *entry {
	e, ok := m.entries[authServerID]
	if !ok {
		e = &entry{}
		m.entries[authServerID] = e
	}
	return e
}

// Get returns the key set of the authorization server, creating its current
// and next keys when it has none. Replicas that race to create them agree:
// the store accepts one current and one next key per server. A set older
// than ReloadEvery is served while one background reload refreshes it.
// Loading reads the store (and may generate keys) without holding the
// Manager's lock, so a slow server does not hold up the others; concurrent
// callers for one server share one load.
func (m *Manager) Get(ctx context.Context, authServerID string) (*Set, error) {
	m.mu.RLock()
	var s *Set
	var gen uint64
	if e, ok := m.entries[authServerID]; ok {
		s, gen = e.set, e.gen
	}
	m.mu.RUnlock()
	if s != nil {
		if m.now().Sub(s.loaded) > ReloadEvery {
			m.reloadInBackground(authServerID)
		}
		return s, nil
	}
	ch := m.loads.DoChan(loadKey(authServerID, gen), func() (any, error) {
		// Shared by every caller: no single caller's context may end it.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		return m.loadAndInstall(lctx, authServerID, gen)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Set), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// loadKey names a load in m.loads: per server and generation, so that a
// Get after a rotation or Forget does not join a load begun before it.
func loadKey(authServerID string, gen uint64) string {
	return fmt.Sprintf("%d/%s", gen, authServerID)
}

// loadAndInstall loads the server's set and caches it if the server's
// generation is still gen. It returns the set its callers should use: the
// loaded one, or the one a rotation installed meanwhile.
func (m *Manager) loadAndInstall(ctx context.Context, authServerID string, gen uint64) (*Set, error) {
	s, err := m.load(ctx, authServerID)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entryLocked(authServerID)
	if e.gen != gen {
		if e.set != nil {
			return e.set, nil // installed by a rotation since: newer
		}
		return s, nil // forgotten since: not cached, but as fresh as any
	}
	e.set = s
	return s, nil
}

func (m *Manager) reloadInBackground(authServerID string) {
	m.mu.Lock()
	e := m.entryLocked(authServerID)
	if e.reloading {
		m.mu.Unlock()
		return
	}
	e.reloading = true
	gen := e.gen
	m.mu.Unlock()
	go func() {
		ch := m.loads.DoChan(loadKey(authServerID, gen), func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			return m.loadAndInstall(ctx, authServerID, gen)
		})
		res := <-ch
		m.mu.Lock()
		m.entryLocked(authServerID).reloading = false
		m.mu.Unlock()
		if res.Err != nil {
			slog.Warn("reload signing keys failed; serving the cached set", "auth_server", authServerID, "error", res.Err)
		}
	}()
}

// Forget drops a cached set so that the next Get reads the store; a load
// begun before does not cache its result.
func (m *Manager) Forget(authServerID string) {
	m.mu.Lock()
	e := m.entryLocked(authServerID)
	e.set = nil
	e.gen++
	m.mu.Unlock()
}

func (m *Manager) load(ctx context.Context, authServerID string) (*Set, error) {
	for attempt := 0; attempt < 3; attempt++ {
		rows, err := m.st.ListSigningKeys(ctx, authServerID)
		if err != nil {
			return nil, err
		}
		missing := ""
		switch {
		case !hasStatus(rows, store.KeyCurrent):
			missing = store.KeyCurrent
		case !hasStatus(rows, store.KeyNext):
			missing = store.KeyNext
		default:
			return m.build(rows)
		}
		row, err := m.generate(ctx, authServerID, missing)
		if err != nil {
			return nil, err
		}
		if err := m.st.CreateSigningKey(ctx, row); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		// Reload: another replica may have won the race.
	}
	return nil, fmt.Errorf("keys: no complete key set for %s after creating keys", authServerID)
}

func hasStatus(rows []store.SigningKey, status string) bool {
	for _, r := range rows {
		if r.Status == status {
			return true
		}
	}
	return false
}

// Rotate promotes the next key to current now, keeps the current one as
// previous, and publishes a new next key. The previous key is dropped, so
// Rotate refuses (ErrKeyTooYoung) until the current key has been current
// for more than MinKeyAge: before, tokens the previous key signed may still
// be live. The check is made again by the store, atomically, so that a
// rotation by another replica meanwhile is not doubled.
func (m *Manager) Rotate(ctx context.Context, authServerID string) error {
	s, err := m.Get(ctx, authServerID)
	if err != nil {
		return err
	}
	now := m.now()
	notAfter := now.Add(-MinKeyAge)
	// The store keeps whole seconds and rotates only a key created before
	// notAfter's second; judge the same way.
	if !s.currentSince.Before(notAfter.Truncate(time.Second)) {
		return fmt.Errorf("%w: key %s of %s has been current for %s, not more than %s (the access token lifetime); "+
			"rotating now would drop the previous key while tokens it signed may still be live",
			ErrKeyTooYoung, s.CurrentKID(), authServerID, now.Sub(s.currentSince).Truncate(time.Second), MinKeyAge)
	}
	rotated, err := m.rotate(ctx, authServerID, notAfter)
	if err != nil {
		return err
	}
	if !rotated {
		return fmt.Errorf("%w: the keys of %s were rotated meanwhile", ErrKeyTooYoung, authServerID)
	}
	return nil
}

// RotateForce rotates like Rotate but however recently the current key
// took over. Tokens signed by the previous key, which it drops, stop
// verifying at once: it is for a compromised key, not for routine use.
func (m *Manager) RotateForce(ctx context.Context, authServerID string) error {
	_, err := m.rotate(ctx, authServerID, time.Time{})
	return err
}

// RotateIfOlder rotates when the current key has signed for longer than
// maxAge; several replicas calling it rotate once. It reports whether it did.
// A maxAge below MinKeyAge counts as MinKeyAge.
func (m *Manager) RotateIfOlder(ctx context.Context, authServerID string, maxAge time.Duration) (bool, error) {
	maxAge = max(maxAge, MinKeyAge)
	s, err := m.Get(ctx, authServerID)
	if err != nil {
		return false, err
	}
	notAfter := m.now().Add(-maxAge)
	if s.currentSince.After(notAfter) {
		return false, nil // not due: skip generating a key
	}
	return m.rotate(ctx, authServerID, notAfter)
}

// rotate rotates in the store (unless the current key was created at or
// after a non-zero notAfter) and installs the server's set as read after
// the rotation, ahead of any load begun before it.
func (m *Manager) rotate(ctx context.Context, authServerID string, notAfter time.Time) (bool, error) {
	// Make sure a complete set exists first, so there is a next key to promote.
	if _, err := m.Get(ctx, authServerID); err != nil {
		return false, err
	}
	next, err := m.generate(ctx, authServerID, store.KeyNext)
	if err != nil {
		return false, err
	}
	rotated, err := m.st.RotateSigningKeys(ctx, authServerID, next, notAfter)
	if err != nil {
		return false, err
	}
	// A new generation: loads begun before now, which may have read the
	// keys before the rotation, no longer install their sets.
	m.mu.Lock()
	e := m.entryLocked(authServerID)
	e.gen++
	gen := e.gen
	m.mu.Unlock()
	s, err := m.readSet(ctx, authServerID)
	if err != nil {
		m.Forget(authServerID) // do not keep serving the set from before
		return rotated, err
	}
	m.mu.Lock()
	if e := m.entryLocked(authServerID); e.gen == gen {
		e.set = s
	} // else a later rotation (or Forget) has installed its own
	m.mu.Unlock()
	return rotated, nil
}

// readSet reads and parses the server's keys as they are, creating none.
func (m *Manager) readSet(ctx context.Context, authServerID string) (*Set, error) {
	rows, err := m.st.ListSigningKeys(ctx, authServerID)
	if err != nil {
		return nil, err
	}
	return m.build(rows)
}

// serverStore is what a Manager needs to know a server's algorithm. The
// SQL store provides it; a store.SigningKeys without it (as in tests) has
// RS256 servers only.
type serverStore interface {
	GetAuthServer(ctx context.Context, id string) (store.AuthServer, error)
	SetAuthServerSigningAlg(ctx context.Context, id, alg string) error
}

// serverAlg is the algorithm of the keys to generate for the server: its
// recorded one, RS256 when the store keeps none (or has no such server).
func (m *Manager) serverAlg(ctx context.Context, authServerID string) (string, error) {
	ss, ok := m.st.(serverStore)
	if !ok {
		return RS256, nil
	}
	as, err := ss.GetAuthServer(ctx, authServerID)
	if errors.Is(err, store.ErrNotFound) {
		return RS256, nil
	}
	if err != nil {
		return "", err
	}
	return CheckAlg(as.Alg())
}

// SetAlg records alg as the server's signing algorithm. No key changes at
// once: every key generated from now on (the next key that each rotation
// publishes) is of alg, so the switch takes two rotations. The first
// publishes a key of alg as next while a key of the old algorithm keeps
// signing; the second promotes it, and the last key of the old algorithm
// stays published as previous, so tokens it signed keep verifying until
// they expire. Verifiers thus learn the new key before it signs.
func (m *Manager) SetAlg(ctx context.Context, authServerID, alg string) error {
	alg, err := CheckAlg(alg)
	if err != nil {
		return err
	}
	ss, ok := m.st.(serverStore)
	if !ok {
		return errors.New("keys: this store keeps no signing algorithm per server")
	}
	return ss.SetAuthServerSigningAlg(ctx, authServerID, alg)
}

func (m *Manager) generate(ctx context.Context, authServerID, status string) (store.SigningKey, error) {
	alg, err := m.serverAlg(ctx, authServerID)
	if err != nil {
		return store.SigningKey{}, err
	}
	return m.generateAlg(authServerID, status, alg)
}

// newPrivateKey makes a private key for alg.
func newPrivateKey(alg string) (crypto.Signer, error) {
	switch alg {
	case RS256:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
}

func (m *Manager) generateAlg(authServerID, status, alg string) (store.SigningKey, error) {
	priv, err := newPrivateKey(alg)
	if err != nil {
		return store.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, err
	}
	kid, err := keyID(priv.Public())
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{
		KID: kid, AuthServerID: authServerID, Alg: alg, Status: status,
		PrivateKey: m.sealer.Seal(der, kid), Created: m.now(),
	}, nil
}

// keyID is the base64url SHA-256 thumbprint of the public key (RFC 7638),
// 43 characters like Okta's key ids. Okta's Go verifier decodes the JWT
// header with standard base64 and fails on '-' or '_'. In ASCII text only
// '>', '?', '~' and DEL can encode to those; the header
// {"alg":"RS256","kid":…} with a base64url kid holds none of them.
// keys_test checks the encoded header of generated keys.
func keyID(public crypto.PublicKey) (string, error) {
	pub := jose.JSONWebKey{Key: public}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(thumb), nil
}

func (m *Manager) build(rows []store.SigningKey) (*Set, error) {
	s := &Set{public: map[string]jose.JSONWebKey{}, loaded: m.now()}
	// JWKS lists the current key first, then next, then previous.
	order := map[string]int{store.KeyCurrent: 0, store.KeyNext: 1, store.KeyPrevious: 2}
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b store.SigningKey) int { return order[a.Status] - order[b.Status] })
	var pubs jose.JSONWebKeySet
	var currentKey crypto.Signer
	for _, row := range rows {
		der, err := m.sealer.Open(row.PrivateKey, row.KID)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", row.KID, err)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", row.KID, err)
		}
		priv, err := keyForAlg(parsed, row.Alg)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", row.KID, err)
		}
		pub := jose.JSONWebKey{Key: priv.Public(), KeyID: row.KID, Algorithm: row.Alg, Use: "sig"}
		s.public[row.KID] = pub
		pubs.Keys = append(pubs.Keys, pub)
		if alg := jose.SignatureAlgorithm(row.Alg); !slices.Contains(s.algs, alg) {
			s.algs = append(s.algs, alg) // rows are sorted: the current key's first
		}
		if row.Status == store.KeyCurrent {
			s.current = jose.JSONWebKey{Key: priv, KeyID: row.KID, Algorithm: row.Alg}
			currentKey = priv
			s.currentSince = row.Created
		}
	}
	if s.current.Key == nil {
		return nil, errors.New("keys: no current key")
	}
	// The header is {"alg":…,"kid":…} and nothing else, for every algorithm:
	// Okta's Go verifier requires exactly that shape for RS256.
	signer, err := newCompactSigner(s.current.Algorithm, s.current.KeyID, currentKey)
	if err != nil {
		return nil, err
	}
	s.signer = signer
	if s.JWKS, err = json.Marshal(pubs); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(s.JWKS)
	s.ETag = `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	return s, nil
}

// keyForAlg checks that a parsed PKCS#8 key is of the type alg needs.
func keyForAlg(parsed any, alg string) (crypto.Signer, error) {
	switch k := parsed.(type) {
	case *rsa.PrivateKey:
		if alg == RS256 {
			return k, nil
		}
	case *ecdsa.PrivateKey:
		if alg == ES256 && k.Curve == elliptic.P256() {
			return k, nil
		}
	case ed25519.PrivateKey:
		if alg == EdDSA {
			return k, nil
		}
	}
	return nil, fmt.Errorf("a %T is not a key for alg %q", parsed, alg)
}

// CurrentKID is the id of the key that signs new tokens.
func (s *Set) CurrentKID() string { return s.current.KeyID }

// Alg is the algorithm of the key that signs new tokens.
func (s *Set) Alg() string { return s.current.Algorithm }

// Algs lists the algorithms of the published keys: the current key's
// first, then those of the next and previous keys not listed yet. These are
// the algorithms tokens of this server may carry (discovery's
// id_token_signing_alg_values_supported).
func (s *Set) Algs() []string {
	out := make([]string, len(s.algs))
	for i, a := range s.algs {
		out[i] = string(a)
	}
	return out
}

// Sign signs payload (JSON claims) as a compact JWS.
func (s *Set) Sign(payload []byte) (string, error) {
	return s.signer.sign(payload)
}

// ErrInvalidSignature reports a token that is malformed, signed with an
// unknown key or whose signature does not verify.
var ErrInvalidSignature = errors.New("keys: invalid token signature")

// Verify checks a compact JWS against this set and returns its payload.
// Each key verifies only tokens whose header names its own algorithm: the
// set accepts exactly the algorithms of its keys, each with its keys.
func (s *Set) Verify(token string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(token, s.algs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, ErrInvalidSignature
	}
	h := jws.Signatures[0].Header
	key, ok := s.public[h.KeyID]
	if !ok || h.Algorithm != key.Algorithm {
		return nil, ErrInvalidSignature
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, ErrInvalidSignature
	}
	return payload, nil
}
