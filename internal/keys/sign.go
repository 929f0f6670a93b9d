package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// es256Half is the width of r and of s in an ES256 signature (RFC 7518
// §3.4): the P-256 order's 32 bytes.
const es256Half = 32

// compactSigner makes compact JWS (RFC 7515 §7.1) with one key. go-jose's
// signer marshals and encodes the same protected header for every token and
// builds a JSONWebSignature only to serialise it again; the token endpoint
// signs on every request, so the header is encoded once here and the
// signature made with the standard library straight into the token.
type compactSigner struct {
	// header is the base64url protected header, {"alg":…,"kid":…}: exactly
	// go-jose's header for this key, the shape Okta's Go verifier requires.
	header string
	alg    string
	key    crypto.Signer
	sigLen int // bytes of a signature, before base64url
}

// newCompactSigner returns the signer of key, of algorithm alg (one of
// Algs) and id kid.
func newCompactSigner(alg, kid string, key crypto.Signer) (*compactSigner, error) {
	// Field order is alg then kid, as go-jose writes it (it sorts the keys).
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}{alg, kid})
	if err != nil {
		return nil, err
	}
	s := &compactSigner{header: base64.RawURLEncoding.EncodeToString(h), alg: alg, key: key}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg == RS256 {
			s.sigLen = k.Size()
		}
	case *ecdsa.PrivateKey:
		if alg == ES256 && k.Curve == elliptic.P256() {
			s.sigLen = 2 * es256Half
		}
	case ed25519.PrivateKey:
		if alg == EdDSA {
			s.sigLen = ed25519.SignatureSize
		}
	}
	if s.sigLen == 0 {
		return nil, fmt.Errorf("keys: a %T does not sign %q", key, alg)
	}
	return s, nil
}

// signSlots bounds the signatures computed at once to the CPUs the process
// had at start (before serve gives a one-CPU scheduler a second P), and
// makes the rest wait in arrival order, parked. Without it every request
// being signed stays runnable, and under load the scheduler shares the
// CPU among them all: newly arrived requests then waited behind dozens of
// half-made signatures before being read, out of sight of load shedding,
// and latencies at 256 clients passed a second. Parked, they leave the
// CPU to the requests being read, so those are answered or shed at once.
var signSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// sign returns the compact JWS of payload, built in one buffer:
// header '.' base64url(payload) '.' base64url(signature).
func (s *compactSigner) sign(payload []byte) (string, error) {
	signSlots <- struct{}{}
	defer func() { <-signSlots }()
	enc := base64.RawURLEncoding
	inputLen := len(s.header) + 1 + enc.EncodedLen(len(payload))
	buf := make([]byte, inputLen+1+enc.EncodedLen(s.sigLen))
	n := copy(buf, s.header)
	buf[n] = '.'
	enc.Encode(buf[n+1:inputLen], payload)
	input := buf[:inputLen]

	var fixed [2 * es256Half]byte // ES256 and EdDSA signatures, kept off the heap
	var sig []byte
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		digest := sha256.Sum256(input)
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:]); err != nil {
			return "", err
		}
	case *ecdsa.PrivateKey:
		digest := sha256.Sum256(input)
		der, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
		if err != nil {
			return "", err
		}
		if err := rawECDSA(fixed[:], der); err != nil {
			return "", err
		}
		sig = fixed[:]
	case ed25519.PrivateKey:
		sig = fixed[:ed25519.SignatureSize]
		copy(sig, ed25519.Sign(k, input))
	}
	if len(sig) != s.sigLen {
		return "", fmt.Errorf("keys: %s signature of %d bytes, want %d", s.alg, len(sig), s.sigLen)
	}
	buf[inputLen] = '.'
	enc.Encode(buf[inputLen+1:], sig)
	return string(buf), nil
}

// rawECDSA writes the ASN.1 ECDSA signature der into out as JWS wants it
// (RFC 7518 §3.4): r then s, each big-endian and left-padded with zeros to
// half of out.
func rawECDSA(out, der []byte) error {
	var r, s []byte
	var inner cryptobyte.String
	input := cryptobyte.String(der)
	half := len(out) / 2
	if !input.ReadASN1(&inner, asn1.SEQUENCE) || !input.Empty() ||
		!inner.ReadASN1Integer(&r) || !inner.ReadASN1Integer(&s) || !inner.Empty() ||
		len(r) > half || len(s) > half {
		return errors.New("keys: malformed ECDSA signature")
	}
	clear(out)
	copy(out[half-len(r):half], r)
	copy(out[len(out)-len(s):], s)
	return nil
}
