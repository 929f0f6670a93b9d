package verifier

import "errors"

// Errors Verify wraps; test for them with errors.Is. The message of the
// returned error adds detail for logs (which claim, which kid); do not show
// it to API clients — the middleware sends a fixed description instead.
var (
	// ErrMalformed: not a compact JWS, undecodable header or claims, a claim
	// of the wrong type, a required claim (exp) or header member (kid)
	// missing, or a crit header.
	ErrMalformed = errors.New("verifier: malformed token")
	// ErrInvalidSignature: an algorithm outside the allow list (none, HS256,
	// …), no key with the token's kid, or a signature that does not verify.
	ErrInvalidSignature = errors.New("verifier: invalid signature")
	// ErrExpired: exp is past, beyond the clock skew.
	ErrExpired = errors.New("verifier: token expired")
	// ErrNotYetValid: nbf or iat is in the future, beyond the clock skew.
	ErrNotYetValid = errors.New("verifier: token not valid yet")
	// ErrInvalidIssuer: iss is not the configured issuer.
	ErrInvalidIssuer = errors.New("verifier: invalid issuer")
	// ErrInvalidAudience: aud does not name the configured audience.
	ErrInvalidAudience = errors.New("verifier: invalid audience")
	// ErrInvalidClientID: cid is not one of WithClientIDs.
	ErrInvalidClientID = errors.New("verifier: client id not allowed")
	// ErrInsufficientScope: scp lacks a required scope. The token is
	// otherwise valid.
	ErrInsufficientScope = errors.New("verifier: insufficient scope")
	// ErrKeySetUnavailable: the issuer's discovery document or key set
	// could not be fetched (or the caller's context ended while waiting for
	// it). The token was not judged; try again later.
	ErrKeySetUnavailable = errors.New("verifier: key set unavailable")
)
