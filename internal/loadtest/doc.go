// Package loadtest drives load against an OpenID Connect server: it reads
// the issuer's discovery document, runs one scenario (client credentials,
// the authorization code flow with or without a signed-in session,
// refresh, introspection, JWKS, discovery) with a fixed number of workers
// or a sweep of them, bounded by time and/or count, and reports
// throughput, latency percentiles and errors by kind as a table, JSON
// lines and an SVG chart. It is what `gatehouse loadtest` runs.
//
// Only the sign-in scenarios (authcode, authcode-session, and refresh or
// introspect when they obtain their tokens by signing in) assume Gatehouse:
// they fill in its hosted sign-in form (a POST form with username,
// password and csrf_token). Everything else is plain OAuth 2.0 / OIDC.
//
// Each worker has its own HTTP client and cookie jar over its own
// keep-alive HTTP/1.1 connection (ConnTransport: written and read in the
// worker's goroutine, straight to the server, never through a proxy), so
// that the tool costs little per request next to the server. A worker
// answered 503 or 429 with Retry-After waits as asked before its next
// operation. Latencies go to a fixed-size log-linear histogram per worker,
// merged at the end, so memory does not grow with the run.
package loadtest
