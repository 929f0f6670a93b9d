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
	// Okta Management API kinds (errorCode bodies).
	APIValidation
	APIIllegalArgument
	APIMalformedBody
	APIForbidden
	APIInternal
	APIUnavailable
	APIInvalidToken
	APIMissingParameter
	APIInvalidDate
	APIInvalidSearch
	APIStatusNotAllowed
	APIRateLimited
	APIDeleteActive
	APICredentialsFailed
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
	APIValidation:           {"E0000001", http.StatusBadRequest, true, "Api validation failed"},
	APIIllegalArgument:      {"E0000002", http.StatusBadRequest, true, "The request was not valid"},
	APIMalformedBody:        {"E0000003", http.StatusBadRequest, true, "The request body was not well-formed."},
	APIForbidden:            {"E0000006", http.StatusForbidden, true, "You do not have permission to perform the requested action"},
	APIInternal:             {"E0000009", http.StatusInternalServerError, true, "Internal Server Error"},
	APIUnavailable:          {"E0000010", http.StatusServiceUnavailable, true, "Service is temporarily unavailable. Try again later."},
	APIInvalidToken:         {"E0000011", http.StatusUnauthorized, true, "Invalid token provided"},
	APIMissingParameter:     {"E0000028", http.StatusBadRequest, true, "The request is missing a required parameter."},
	APIInvalidDate:          {"E0000030", http.StatusBadRequest, true, "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00."},
	APIInvalidSearch:        {"E0000031", http.StatusBadRequest, true, "Invalid search criteria."},
	APIStatusNotAllowed:     {"E0000038", http.StatusForbidden, true, "This operation is not allowed in the current status."},
	APIRateLimited:          {"E0000047", http.StatusTooManyRequests, true, "API call exceeded rate limit due to too many requests."},
	APIDeleteActive:         {"E0000056", http.StatusForbidden, true, "Delete application forbidden."},
	APICredentialsFailed:    {"E0000014", http.StatusForbidden, true, "Update of credentials failed"},
}

// Error is a client-visible error.
type Error struct {
	Kind        Kind
	Description string
	// NoRedirect marks errors about the client or its redirect URI: they are
	// shown to the user, never sent to the redirect URI (RFC 6749 §4.1.2.1).
	NoRedirect bool
	// Causes are Okta's errorCauses: one "field: message" per problem.
	Causes []string
	cause  error
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

// ManagementFrom turns any error into an Okta-shaped *Error for the
// Management API: validation problems are E0000001 with one cause per
// field, unknown objects E0000007, a refused state change E0000038, and
// unexpected failures E0000009 (or E0000010 while the database is away).
func ManagementFrom(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		switch e.Kind {
		case ServerError:
			return &Error{Kind: APIInternal, Description: table[APIInternal].summary, cause: e}
		case TemporarilyUnavailable:
			return &Error{Kind: APIUnavailable, Description: table[APIUnavailable].summary, cause: e.cause}
		}
		return e
	}
	var v *domain.ValidationError
	if errors.As(err, &v) {
		out := &Error{Kind: APIValidation, Description: "Api validation failed: " + v.Fields()}
		for _, p := range v.Problems {
			out.Causes = append(out.Causes, p.Field+": "+p.Message)
		}
		return out
	}
	var ce *domain.CredentialsError
	if errors.As(err, &ce) {
		return New(APICredentialsFailed, "").WithCauses(ce.Cause)
	}
	var se *domain.SearchError
	if errors.As(err, &se) {
		return New(APIInvalidSearch, "").WithCauses(se.Message)
	}
	if errors.Is(err, domain.ErrBuiltInGroup) {
		return New(APIForbidden, "")
	}
	var st *domain.StateError
	if errors.As(err, &st) {
		return &Error{Kind: APIStatusNotAllowed, Description: st.Message}
	}
	if errors.Is(err, store.ErrNotFound) {
		return New(NotFound, "Not found: Resource not found")
	}
	if errors.Is(err, store.ErrUnavailable) {
		return &Error{Kind: APIUnavailable, Description: table[APIUnavailable].summary, cause: err}
	}
	return &Error{Kind: APIInternal, Description: table[APIInternal].summary, cause: err}
}

// WithCauses adds Okta errorCauses to e.
func (e *Error) WithCauses(causes ...string) *Error { e.Causes = append(e.Causes, causes...); return e }

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
	if err.Kind == ServerError || err.Kind == APIInternal || ((err.Kind == TemporarilyUnavailable || err.Kind == APIUnavailable) && err.cause != nil) {
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
	if e.Kind == TemporarilyUnavailable || e.Kind == APIUnavailable {
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
	causes := make([]wire.ErrorCause, len(e.Causes))
	for i, c := range e.Causes {
		causes[i] = wire.ErrorCause{ErrorSummary: c}
	}
	return wire.OktaError{
		ErrorCode: e.Code(), ErrorSummary: e.Description, ErrorLink: e.Code(),
		ErrorID: "oae" + domain.NewID("")[:19], ErrorCauses: causes,
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
