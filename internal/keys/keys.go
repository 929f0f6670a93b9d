package keys

import (
	"context"
	"crypto"
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
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Alg is the signing algorithm of every key (Okta signs with RS256 only).
const Alg = jose.RS256

// Set is the parsed, immutable key set of one authorization server: the
// current key signs; the next key (published ahead of its use) and the
// previous key (kept until tokens it signed expire) only verify.
type Set struct {
	current      jose.JSONWebKey // private
	currentSince time.Time
	signer       jose.Signer
	public       map[string]jose.JSONWebKey
	loaded       time.Time
	// JWKS is the public key set document, ready to write.
	JWKS []byte
	// ETag identifies JWKS for conditional requests.
	ETag string
}

// ReloadEvery is how often a replica rereads a server's keys, so that a
// rotation made elsewhere reaches it. Rotation promotes the published next
// key, so verifiers already know the key a replica switches to.
const ReloadEvery = 30 * time.Second

// Manager hands out key sets, parsed once and reread every ReloadEvery.
type Manager struct {
	st     store.SigningKeys
	sealer *Sealer
	now    func() time.Time

	mu        sync.RWMutex
	sets      map[string]*Set
	reloading map[string]bool
}

// NewManager returns a Manager over st that seals private keys with sealer.
func NewManager(st store.SigningKeys, sealer *Sealer, now func() time.Time) *Manager {
	return &Manager{st: st, sealer: sealer, now: now, sets: map[string]*Set{}, reloading: map[string]bool{}}
}

// Get returns the key set of the authorization server, creating its current
// and next keys when it has none. Replicas that race to create them agree:
// the store accepts one current and one next key per server. A set older
// than ReloadEvery is served while one background reload refreshes it.
func (m *Manager) Get(ctx context.Context, authServerID string) (*Set, error) {
	m.mu.RLock()
	s, ok := m.sets[authServerID]
	m.mu.RUnlock()
	if ok {
		if m.now().Sub(s.loaded) > ReloadEvery {
			m.reloadInBackground(authServerID)
		}
		return s, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sets[authServerID]; ok {
		return s, nil
	}
	s, err := m.load(ctx, authServerID)
	if err != nil {
		return nil, err
	}
	m.sets[authServerID] = s
	return s, nil
}

func (m *Manager) reloadInBackground(authServerID string) {
	m.mu.Lock()
	if m.reloading[authServerID] {
		m.mu.Unlock()
		return
	}
	m.reloading[authServerID] = true
	m.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := m.load(ctx, authServerID)
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.reloading, authServerID)
		if err != nil {
			slog.Warn("reload signing keys failed; serving the cached set", "auth_server", authServerID, "error", err)
			return
		}
		m.sets[authServerID] = s
	}()
}

// Forget drops a cached set so that the next Get reads the store.
func (m *Manager) Forget(authServerID string) {
	m.mu.Lock()
	delete(m.sets, authServerID)
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
		row, err := m.generate(authServerID, missing)
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
// previous, and publishes a new next key.
func (m *Manager) Rotate(ctx context.Context, authServerID string) error {
	if _, err := m.rotate(ctx, authServerID, time.Time{}); err != nil {
		return err
	}
	return nil
}

// RotateIfOlder rotates when the current key has signed for longer than
// maxAge; several replicas calling it rotate once. It reports whether it did.
func (m *Manager) RotateIfOlder(ctx context.Context, authServerID string, maxAge time.Duration) (bool, error) {
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

func (m *Manager) rotate(ctx context.Context, authServerID string, notAfter time.Time) (bool, error) {
	// Make sure a complete set exists first, so there is a next key to promote.
	if _, err := m.Get(ctx, authServerID); err != nil {
		return false, err
	}
	next, err := m.generate(authServerID, store.KeyNext)
	if err != nil {
		return false, err
	}
	rotated, err := m.st.RotateSigningKeys(ctx, authServerID, next, notAfter)
	if err != nil {
		return false, err
	}
	m.Forget(authServerID)
	_, err = m.Get(ctx, authServerID)
	return rotated, err
}

func (m *Manager) generate(authServerID, status string) (store.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return store.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, err
	}
	kid, err := keyID(priv)
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{
		KID: kid, AuthServerID: authServerID, Alg: string(Alg), Status: status,
		PrivateKey: m.sealer.Seal(der, kid), Created: m.now(),
	}, nil
}

// keyID is the base64url SHA-256 thumbprint of the public key (RFC 7638),
// 43 characters like Okta's key ids. Okta's Go verifier decodes the JWT
// header with standard base64 and fails on '-' or '_'. In ASCII text only
// '>', '?', '~' and DEL can encode to those; the header
// {"alg":"RS256","kid":…} with a base64url kid holds none of them.
// keys_test checks the encoded header of generated keys.
func keyID(priv *rsa.PrivateKey) (string, error) {
	pub := jose.JSONWebKey{Key: &priv.PublicKey}
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
	for _, row := range rows {
		der, err := m.sealer.Open(row.PrivateKey, row.KID)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", row.KID, err)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", row.KID, err)
		}
		priv, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key %s: not an RSA key", row.KID)
		}
		pub := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: row.KID, Algorithm: row.Alg, Use: "sig"}
		s.public[row.KID] = pub
		pubs.Keys = append(pubs.Keys, pub)
		if row.Status == store.KeyCurrent {
			s.current = jose.JSONWebKey{Key: priv, KeyID: row.KID, Algorithm: row.Alg}
			s.currentSince = row.Created
		}
	}
	if s.current.Key == nil {
		return nil, errors.New("keys: no current key")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: Alg, Key: s.current}, nil)
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

// CurrentKID is the id of the key that signs new tokens.
func (s *Set) CurrentKID() string { return s.current.KeyID }

// Sign signs payload (JSON claims) as a compact JWS.
func (s *Set) Sign(payload []byte) (string, error) {
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// ErrInvalidSignature reports a token that is malformed, signed with an
// unknown key or whose signature does not verify.
var ErrInvalidSignature = errors.New("keys: invalid token signature")

// Verify checks a compact JWS against this set and returns its payload.
func (s *Set) Verify(token string) ([]byte, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{Alg})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, ErrInvalidSignature
	}
	key, ok := s.public[jws.Signatures[0].Header.KeyID]
	if !ok {
		return nil, ErrInvalidSignature
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, ErrInvalidSignature
	}
	return payload, nil
}
