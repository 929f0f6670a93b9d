package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Sealer encrypts private keys at rest with AES-256-GCM under the master key.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the AES key as SHA-256 of the master key, so any
// high-entropy string (such as 32 random bytes in base64) serves.
func NewSealer(masterKey string) (*Sealer, error) {
	if len(masterKey) < 16 {
		return nil, errors.New("master key must be at least 16 characters (use 32 random bytes, base64)")
	}
	sum := sha256.Sum256([]byte(masterKey))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

const sealVersion = 1

// Seal encrypts plaintext; additional binds the ciphertext to its key id so
// rows cannot be swapped.
func (s *Sealer) Seal(plaintext []byte, additional string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, plaintext, []byte(additional))
}

// Open decrypts what Seal produced.
func (s *Sealer) Open(sealed []byte, additional string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return nil, errors.New("sealed key: unknown format")
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(additional))
	if err != nil {
		return nil, fmt.Errorf("sealed key: cannot decrypt (wrong master key?): %w", err)
	}
	return plain, nil
}
