// Package domain holds Gatehouse's business rules: creating apps, users and
// authorization servers with their invariants, hashing and checking
// passwords and client secrets, and the scopes Gatehouse knows. It calls the
// store through its interfaces and knows nothing about HTTP; the CLI, the
// protocol endpoints and (later) the Management API all go through it.
package domain
