// Package admin serves Gatehouse's Management API under /api/v1, in the
// shapes of Okta's: SSWS API tokens, Okta's error body, Link pagination and
// X-Rate-Limit headers. Handlers only translate between JSON and the
// domain: every rule lives in domain.Service, which the admin console
// calls too.
package admin
