// Package verifier validates JWT access tokens issued by Gatehouse — or by
// Okta, whose wire format Gatehouse follows — for resource servers (APIs).
//
// A Verifier is made once per issuer and audience and is safe for concurrent
// use:
//
//	v, err := verifier.New("https://id.example.com/oauth2/default", "api://default",
//		verifier.WithRequiredScopes("messages:read"))
//	...
//	claims, err := v.Verify(ctx, rawToken)
//
// or, as net/http middleware that answers RFC 6750 §3 challenges and puts the
// claims in the request context:
//
//	mux.Handle("GET /api/messages", v.Middleware(messages))
//	mux.Handle("DELETE /api/messages/{id}", v.RequireScopes("messages:write")(deleteMessage))
//	...
//	claims, _ := verifier.FromContext(r.Context())
//
// # What is checked
//
// Verify accepts a token only when all of these hold (Okta's own verifiers
// check the same, see okta-jwt-verifier-golang):
//
//   - it is a JWS in compact serialization whose header alg is RS256 (Okta's
//     and Gatehouse's default), ES256 or EdDSA (a Gatehouse server may be
//     switched to these) — a fixed allow list: "none", HS256 and every other
//     algorithm are refused before any key is looked at — with no crit
//     header, and a kid;
//   - the signature verifies with the issuer's key of that kid, taken from
//     the issuer's JSON Web Key Set, and the header's alg is that key's: each
//     key is pinned to one algorithm, its JWK alg (RSA keys of at least 2048
//     bits, alg RS256 or none; P-256 keys with alg ES256; Ed25519 keys with
//     alg EdDSA; only keys meant for signatures), so a token cannot make a key
//     verify under another algorithm;
//   - iss equals the configured issuer exactly;
//   - aud is the configured audience, or an array that contains it;
//   - exp is present and not past, nbf and iat (when present) are not in the
//     future, all with a clock skew (default 2 minutes, like Okta's 120 s
//     leeway);
//   - cid is one of WithClientIDs, when that option is given;
//   - scp holds every scope of WithRequiredScopes.
//
// Each failure wraps one of the Err… values, so callers can tell them apart
// with errors.Is; the wrapped message adds detail meant for logs.
//
// # Keys
//
// The key set's address is read from {issuer}/.well-known/openid-configuration
// (jwks_uri) on first use, unless WithJWKSURL gives it. Keys are cached; the
// cache is refreshed in the background once it is older than the key set's
// Cache-Control max-age (clamped to 5 minutes – 24 hours, 1 hour when
// absent), keeping the old keys when the refresh fails. A token with an
// unknown kid — the issuer rotated its key — makes one refetch: concurrent
// callers share the fetch in flight, and fetches start at most once per
// refetch interval (WithRefetchInterval, default 10 s), so a flood of tokens
// with invented kids cannot hammer the issuer. When no key set could be
// fetched Verify returns ErrKeySetUnavailable; the middleware then answers
// 503, not 401, because the token may well be valid.
//
// # Not checked
//
// A JWT access token is valid until it expires: a token the issuer revoked
// early (Gatehouse revokes the tokens of a replayed authorization code) still
// passes Verify. APIs that must see revocation at once should ask the
// issuer's introspection endpoint instead.
//
// The package imports only the standard library and go-jose; it imports
// nothing of Gatehouse's internal packages. Package verifiertest fakes an
// issuer for tests of code that uses a Verifier.
package verifier
