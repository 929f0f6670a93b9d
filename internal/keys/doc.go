// Package keys owns the signing keys of every authorization server: it
// generates RSA-2048 keys on first use and persists them (encrypted at rest
// with the master key), parses them once into a cached key set, signs JWTs
// with the current key, verifies Gatehouse-issued JWTs, and serves the JWKS
// document as bytes precomputed when the set changes.
package keys
