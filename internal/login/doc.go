// Package login owns the hosted sign-in machinery: the browser session
// cookie and its server-side record, the double-submit CSRF token every form
// carries, and the sign-out pages. The protocol package decides when a user
// must sign in; this package remembers that they did.
package login
