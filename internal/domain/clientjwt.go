package domain

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// JWT client authentication (RFC 7523 §2.2, OIDC Core §9): the client
// proves itself with a JWT signed by its private key (private_key_jwt, the
// public keys registered as a JWKS or a jwks_uri) or by an HMAC with its
// client secret (client_secret_jwt).
const (
	AuthMethodSecretJWT     = "client_secret_jwt"
	AuthMethodPrivateKeyJWT = "private_key_jwt"
)

// Signature algorithms accepted in client assertions, per method. "none" is
// never among them, and no HMAC algorithm is accepted for private_key_jwt:
// otherwise an attacker could "sign" with the client's public key bytes.
var (
	PrivateKeyJWTAlgs   = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"}
	ClientSecretJWTAlgs = []string{"HS256", "HS384", "HS512"}
)

// SecretSealer encrypts a value at rest (internal/keys' Sealer satisfies
// it). additional binds the ciphertext to its row: the client id.
type SecretSealer interface {
	Seal(plain []byte, additional string) []byte
}

// Limits on a client's key set.
const (
	// MaxJWKSBytes bounds a registered JWKS and a fetched jwks_uri document.
	MaxJWKSBytes = 64 << 10
	maxJWKSKeys  = 50
	minRSABits   = 2048
)

// privateMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseClientJWKS validates a JWKS registered for a private_key_jwt app
// and returns its keys: it must parse, hold 1 to 50 RSA (≥ 2048 bits) or
// EC (P-256, P-384, P-521) signature keys, only public ones, and give each
// a distinct kid when there are several.
func ParseClientJWKS(raw []byte) ([]jose.JSONWebKey, error) {
	return parseJWKS(raw, true)
}

// ClientSigningKeys reads a JWKS a client publishes at its jwks_uri. It is
// lenient where a published set may hold more than the client's signing
// keys: keys for encryption, of other types, or not usable for client
// assertions are skipped (only their public parts are ever used); the
// document must still be a JWKS with at least one usable key.
func ClientSigningKeys(raw []byte) ([]jose.JSONWebKey, error) {
	return parseJWKS(raw, false)
}

func parseJWKS(raw []byte, strict bool) ([]jose.JSONWebKey, error) {
	if len(raw) > MaxJWKSBytes {
		return nil, fmt.Errorf("the key set is larger than %d KiB", MaxJWKSBytes>>10)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, errors.New("not a JSON Web Key Set: " + err.Error())
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New(`the key set holds no keys (want {"keys":[…]})`)
	}
	if len(doc.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("the key set holds %d keys; at most %d are allowed", len(doc.Keys), maxJWKSKeys)
	}
	var out []jose.JSONWebKey
	for i, rawKey := range doc.Keys {
		k, err := parseClientKey(rawKey)
		if err != nil {
			if strict {
				return nil, fmt.Errorf("key %d: %w", i+1, err)
			}
			continue
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New("the key set holds no usable signature key (RSA of 2048 bits or more, or EC P-256/384/521)")
	}
	if len(out) > 1 {
		seen := map[string]bool{}
		for i, k := range out {
			switch {
			case k.KeyID == "":
				return nil, fmt.Errorf("key %d: every key needs a kid when the set holds several", i+1)
			case seen[k.KeyID]:
				return nil, fmt.Errorf("key %d: kid %q appears twice", i+1, k.KeyID)
			}
			seen[k.KeyID] = true
		}
	}
	return out, nil
}

func parseClientKey(raw json.RawMessage) (jose.JSONWebKey, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return jose.JSONWebKey{}, errors.New("not a JSON object")
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return jose.JSONWebKey{}, fmt.Errorf("holds the private member %q: register only public keys", m)
		}
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return k, errors.New(strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
	}
	if !k.IsPublic() || !k.Valid() {
		return k, errors.New("not a valid public key")
	}
	if k.Use != "" && k.Use != "sig" {
		return k, fmt.Errorf("use is %q; client assertion keys must be for signatures (sig)", k.Use)
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return k, fmt.Errorf("the RSA key has %d bits; at least %d are required", pub.N.BitLen(), minRSABits)
		}
		if k.Algorithm != "" && !strings.HasPrefix(k.Algorithm, "RS") && !strings.HasPrefix(k.Algorithm, "PS") {
			return k, fmt.Errorf("alg %q does not fit an RSA key", k.Algorithm)
		}
	case *ecdsa.PublicKey:
		want := map[elliptic.Curve]string{elliptic.P256(): "ES256", elliptic.P384(): "ES384", elliptic.P521(): "ES512"}[pub.Curve]
		if want == "" {
			return k, errors.New("the EC key must be on P-256, P-384 or P-521")
		}
		if k.Algorithm != "" && k.Algorithm != want {
			return k, fmt.Errorf("alg %q does not fit a key on %s (use %s)", k.Algorithm, pub.Curve.Params().Name, want)
		}
	default:
		return k, errors.New("only RSA and EC keys can sign client assertions")
	}
	if k.Algorithm != "" && !slices.Contains(PrivateKeyJWTAlgs, k.Algorithm) {
		return k, fmt.Errorf("alg %q is not accepted (use one of %s)", k.Algorithm, strings.Join(PrivateKeyJWTAlgs, ", "))
	}
	return k, nil
}

// checkJWKSURI returns why raw cannot be a jwks_uri, or "": an absolute
// https URL, or http to a loopback host (for development).
func checkJWKSURI(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "must be an absolute URL: " + raw
	case len(raw) > 1024:
		return "must be at most 1024 characters"
	case u.User != nil:
		return "must not carry credentials"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return ""
	}
	return "must use https (http is allowed only to a loopback host): " + raw
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
