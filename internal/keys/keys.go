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
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Alg is the signing algorithm of every key (Okta signs with RS256 only).
const Alg = jose.RS256

// Set is the parsed, immutable key set of one authorization server.
type Set struct {
	current jose.JSONWebKey // private
	signer  jose.Signer
	public  map[string]jose.JSONWebKey
	// JWKS is the public key set document, ready to write.
	JWKS []byte
	// ETag identifies JWKS for conditional requests.
	ETag string
}

// Manager hands out key sets, loading each server's keys once.
type Manager struct {
	st     store.SigningKeys
	sealer *Sealer
	now    func() time.Time

	mu   sync.RWMutex
	sets map[string]*Set
}

// NewManager returns a Manager over st that seals private keys with sealer.
func NewManager(st store.SigningKeys, sealer *Sealer, now func() time.Time) *Manager {
	return &Manager{st: st, sealer: sealer, now: now, sets: map[string]*Set{}}
}

// Get returns the key set of the authorization server, creating and storing
// its first key when it has none. Replicas that race to create it agree on
// one key: the store accepts a single current key per server.
func (m *Manager) Get(ctx context.Context, authServerID string) (*Set, error) {
	m.mu.RLock()
	s, ok := m.sets[authServerID]
	m.mu.RUnlock()
	if ok {
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

func (m *Manager) load(ctx context.Context, authServerID string) (*Set, error) {
	for attempt := 0; attempt < 2; attempt++ {
		rows, err := m.st.ListSigningKeys(ctx, authServerID)
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			return m.build(rows)
		}
		row, err := m.generate(authServerID)
		if err != nil {
			return nil, err
		}
		if err := m.st.CreateSigningKey(ctx, row); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		// Reload: another replica may have won the race.
	}
	return nil, fmt.Errorf("keys: no signing key for %s after creating one", authServerID)
}

func (m *Manager) generate(authServerID string) (store.SigningKey, error) {
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
		KID: kid, AuthServerID: authServerID, Alg: string(Alg), Status: store.KeyCurrent,
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
	s := &Set{public: map[string]jose.JSONWebKey{}}
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
