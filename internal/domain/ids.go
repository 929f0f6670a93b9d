package domain

import (
	"crypto/rand"
	"encoding/base64"
)

// Okta-style id prefixes: every id is the prefix plus random base62 up to 20
// characters, so ids look like Okta's (0oa… apps, 00u… users, aus… servers).
const (
	PrefixApp        = "0oa"
	PrefixUser       = "00u"
	PrefixAuthServer = "aus"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewID returns prefix followed by random base62 characters, 20 in all.
func NewID(prefix string) string {
	n := 20 - len(prefix)
	b := make([]byte, n)
	out := make([]byte, 0, 20)
	out = append(out, prefix...)
	for len(out) < 20 {
		rand.Read(b)
		for _, c := range b {
			if c < 248 && len(out) < 20 { // 248 = 4*62: keeps the draw uniform
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// RandomToken returns nBytes of randomness, base64url without padding.
func RandomToken(nBytes int) string {
	b := make([]byte, nBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
