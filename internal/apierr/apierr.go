// Package apierr is Gatehouse's one error model. Every error a client can
// cause has a Kind; a table maps each Kind to its OAuth error code (RFC 6749
// §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core §3.1.2.6), its Okta errorCode and
// its HTTP status. Handlers return *Error values; writers render them.
package apierr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Kind names a class of error.
type Kind int

// The kinds Gatehouse reports.
const (
	ServerError Kind = iota
	InvalidRequest
	InvalidClient
	InvalidGrant
	UnauthorizedClient
	UnsupportedGrantType
	InvalidScope
	AccessDenied
	UnsupportedResponseType
	UnsupportedResponseMode
	LoginRequired
	TemporarilyUnavailable
	InvalidToken
	InsufficientScope
	RequestNotSupported
	RequestURINotSupported
	NotFound
	MethodNotAllowed
)

type row struct {
	code    string // OAuth error, or Okta errorCode for Okta-shaped kinds
	status  int
	okta    bool   // rendered as an Okta error body
	summary string // default description
}

var table = map[Kind]row{
	ServerError:             {"server_error", http.StatusInternalServerError, false, "The server encountered an internal error."},
	InvalidRequest:          {"invalid_request", http.StatusBadRequest, false, "The request is invalid."},
	InvalidClient:           {"invalid_client", http.StatusUnauthorized, false, "Client authentication failed."},
	InvalidGrant:            {"invalid_grant", http.StatusBadRequest, false, "The authorization code is invalid or has expired."},
	UnauthorizedClient:      {"unauthorized_client", http.StatusBadRequest, false, "The client is not authorized to use the provided grant type."},
	UnsupportedGrantType:    {"unsupported_grant_type", http.StatusBadRequest, false, "The grant type in the request isn't supported."},
	InvalidScope:            {"invalid_scope", http.StatusBadRequest, false, "The requested scope is invalid, unknown, or malformed."},
	AccessDenied:            {"access_denied", http.StatusForbidden, false, "The resource owner or authorization server denied the request."},
	UnsupportedResponseType: {"unsupported_response_type", http.StatusBadRequest, false, "The response type is not supported by the authorization server."},
	UnsupportedResponseMode: {"unsupported_response_mode", http.StatusBadRequest, false, "The response mode isn't supported by the authorization server."},
	LoginRequired:           {"login_required", http.StatusBadRequest, false, "The user is not logged in."},
	TemporarilyUnavailable:  {"temporarily_unavailable", http.StatusServiceUnavailable, false, "The service is temporarily unavailable. Try again later."},
	InvalidToken:            {"invalid_token", http.StatusUnauthorized, false, "The access token is invalid."},
	InsufficientScope:       {"insufficient_scope", http.StatusForbidden, false, "The access token does not carry the required scope."},
	RequestNotSupported:     {"request_not_supported", http.StatusBadRequest, false, "Request objects (the 'request' parameter) are not supported."},
	RequestURINotSupported:  {"request_uri_not_supported", http.StatusBadRequest, false, "The 'request_uri' parameter is not supported."},
	NotFound:                {"E0000007", http.StatusNotFound, true, "Not found: Resource not found"},
	MethodNotAllowed:        {"E0000022", http.StatusMethodNotAllowed, true, "The endpoint does not support the provided HTTP method"},
}

// Error is a client-visible error.
type Error struct {
	Kind        Kind
	Description string
	// NoRedirect marks errors about the client or its redirect URI: they are
	// shown to the user, never sent to the redirect URI (RFC 6749 §4.1.2.1).
	NoRedirect bool
	cause      error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code(), e.Description, e.cause)
	}
	return e.Code() + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.cause }

// Code is the OAuth error code (or Okta errorCode).
func (e *Error) Code() string { return table[e.Kind].code }

// Status is the HTTP status the error is answered with.
func (e *Error) Status() int { return table[e.Kind].status }

// New returns an error of kind k; an empty description takes the default.
func New(k Kind, description string) *Error {
	if description == "" {
		description = table[k].summary
	}
	return &Error{Kind: k, Description: description}
}

// Newf is New with a formatted description.
func Newf(k Kind, format string, args ...any) *Error { return New(k, fmt.Sprintf(format, args...)) }

// Internal wraps an unexpected failure; the cause is logged, never shown.
// A database that cannot be reached is temporarily_unavailable (503), so
// clients know to retry.
func Internal(cause error) *Error {
	k := ServerError
	if errors.Is(cause, store.ErrUnavailable) {
		k = TemporarilyUnavailable
	}
	return &Error{Kind: k, Description: table[k].summary, cause: cause}
}

// WithNoRedirect marks the error as one that must not be redirected.
func (e *Error) WithNoRedirect() *Error { e.NoRedirect = true; return e }

// From turns any error into an *Error: *Error values pass through, domain
// validation errors become invalid_request, everything else server_error.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var v *domain.ValidationError
	if errors.As(err, &v) {
		return New(InvalidRequest, v.Error())
	}
	return Internal(err)
}

// Log records err at a level fitting its cause: server faults as errors,
// client mistakes as debug (they are routine and the access log has them).
func Log(r *http.Request, err *Error) {
	// A fault has a cause to log; a refusal without one (load shedding)
	// is routine under overload, and the access log counts its 503s.
	if err.Kind == ServerError || (err.Kind == TemporarilyUnavailable && err.cause != nil) {
		slog.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "error", err.Error())
		return
	}
	slog.DebugContext(r.Context(), "request refused", "path", r.URL.Path, "error", err.Code(), "description", err.Description)
}

// WriteJSON answers with the error as JSON: an OAuth body, or an Okta body
// for Okta-shaped kinds. invalid_client answers carry a Basic challenge when
// the client tried Basic (RFC 6749 §5.2).
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	e := From(err)
	Log(r, e)
	rw := table[e.Kind]
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Kind == InvalidClient && r.Header.Get("Authorization") != "" {
		h.Set("WWW-Authenticate", `Basic realm="gatehouse"`)
	}
	if e.Kind == TemporarilyUnavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(rw.status)
	if rw.okta {
		json.NewEncoder(w).Encode(OktaBody(e))
		return
	}
	json.NewEncoder(w).Encode(wire.OAuthError{Error: rw.code, ErrorDescription: e.Description})
}

// OktaBody renders e as Okta's error body.
func OktaBody(e *Error) wire.OktaError {
	return wire.OktaError{
		ErrorCode: e.Code(), ErrorSummary: e.Description, ErrorLink: e.Code(),
		ErrorID: "oae" + domain.NewID("")[:19], ErrorCauses: []wire.ErrorCause{},
	}
}

// WriteBearer answers a protected-resource error with only the RFC 6750 §3
// WWW-Authenticate header, as Okta's /userinfo does.
func WriteBearer(w http.ResponseWriter, r *http.Request, err *Error) {
	Log(r, err)
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error=%q, error_description=%q`,
		err.Code(), err.Description))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(err.Status())
}
