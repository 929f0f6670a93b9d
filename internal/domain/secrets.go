package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// HashSecret hashes a high-entropy value that Gatehouse generated (client
// secrets, codes, session ids, refresh tokens). These carry at least 256
// random bits, so one SHA-256 resists guessing without a slow KDF, and the
// token endpoint never burns milliseconds on a hash.
func HashSecret(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares value against a stored HashSecret in constant time.
func SecretMatches(value, storedHash string) bool {
	if storedHash == "" {
		return false
	}
	got := HashSecret(value)
	return subtle.ConstantTimeCompare([]byte(got), []byte(storedHash)) == 1
}
