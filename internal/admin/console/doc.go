// Package console serves the Admin Console under /admin: server-rendered
// pages for applications, the directory, authorization servers, API
// tokens, the System Log and the sign-in page's branding. Administrators
// sign in with the hosted sign-in page and its session; their role decides
// whether they may change anything. Every change goes through the same
// domain.Service methods as the Management API, so no rule lives here:
// this package only turns forms into calls and results into pages.
package console
