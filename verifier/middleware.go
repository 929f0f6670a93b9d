package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

type contextKey struct{}

// verified is what the middleware stores: the claims, and which Verifier
// vouched for them (RequireScopes reuses only its own Verifier's work).
type verified struct {
	v      *Verifier
	claims *Claims
}

// FromContext returns the claims the middleware put in a request's context.
func FromContext(ctx context.Context) (*Claims, bool) {
	vd, ok := ctx.Value(contextKey{}).(verified)
	if !ok {
		return nil, false
	}
	return vd.claims, true
}

// NewContext returns a copy of ctx carrying claims, for tests of handlers
// that call FromContext.
func NewContext(ctx context.Context, claims *Claims) context.Context {
	return context.WithValue(ctx, contextKey{}, verified{claims: claims})
}

// Middleware authenticates each request with the Bearer access token of its
// Authorization header (RFC 6750 §2.1; the scheme is matched without regard
// to case) and passes it on with the claims in its context (FromContext).
// It answers, with a small JSON body and Cache-Control: no-store:
//
//   - 401 with WWW-Authenticate: Bearer realm="…" and no error attribute
//     when the request carries no Bearer token (RFC 6750 §3.1);
//   - 400 with error="invalid_request" when the Authorization header is
//     repeated or the token is empty or not token68 syntax;
//   - 401 with error="invalid_token" and an error_description naming the
//     reason (expired, bad signature, wrong audience…) when Verify fails;
//   - 403 with error="insufficient_scope" and scope="…" listing the scopes
//     the resource needs, when the token lacks one;
//   - 503 with Retry-After when the issuer's keys cannot be fetched.
//
// Error details meant for logs (kids, claim values, fetch errors) never
// reach the response.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return v.RequireScopes()(next)
}

// RequireScopes returns middleware like Middleware that also requires
// scopes, beyond WithRequiredScopes, for the routes it wraps:
//
//	mux.Handle("POST /api/messages", v.RequireScopes("messages:write")(createMessage))
//
// When an outer Middleware of the same Verifier already verified the
// request's token, the claims are reused and only the scopes are checked.
func (v *Verifier) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	required := slices.Concat(v.scopes, scopes)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			vd, ok := ctx.Value(contextKey{}).(verified)
			if !ok || vd.v != v {
				raw, problem := bearerToken(r)
				switch problem {
				case noToken:
					v.challenge(w, http.StatusUnauthorized, "", "This resource needs a Bearer access token.", nil)
					return
				case badRequest:
					v.challenge(w, http.StatusBadRequest, "invalid_request", "The Authorization header is malformed.", nil)
					return
				}
				claims, err := v.verifyToken(ctx, raw)
				if err != nil {
					v.fail(w, err)
					return
				}
				vd = verified{v: v, claims: claims}
				ctx = context.WithValue(ctx, contextKey{}, vd)
				r = r.WithContext(ctx)
			}
			if err := vd.claims.requireScopes(required); err != nil {
				v.challenge(w, http.StatusForbidden, "insufficient_scope", "The access token lacks a scope this resource needs.", required)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

type tokenProblem int

const (
	tokenOK tokenProblem = iota
	noToken
	badRequest
)

// bearerToken reads the token of an Authorization: Bearer header. Another
// scheme counts as no token: the challenge then tells the client to use
// Bearer.
func bearerToken(r *http.Request) (string, tokenProblem) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", noToken
	}
	if len(values) > 1 {
		return "", badRequest
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", noToken
	}
	token = strings.TrimLeft(token, " ")
	if !isToken68(token) {
		return "", badRequest
	}
	return token, tokenOK
}

// isToken68 checks RFC 6750 §2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// descriptions are the error_description sent for each failure: fixed
// text, so that nothing of the token, the keys or the issuer's network
// leaks into responses.
var descriptions = []struct {
	err  error
	text string
}{
	{ErrExpired, "The access token expired."},
	{ErrNotYetValid, "The access token is not valid yet."},
	{ErrInvalidSignature, "The access token signature is invalid."},
	{ErrInvalidIssuer, "The access token comes from another issuer."},
	{ErrInvalidAudience, "The access token is not meant for this resource."},
	{ErrInvalidClientID, "The access token was issued to a client this resource does not accept."},
	{ErrMalformed, "The access token is malformed."},
}

func (v *Verifier) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrKeySetUnavailable) {
		secs := max(int64(v.keys.interval.Seconds()), 1)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeJSON(w, http.StatusServiceUnavailable, "temporarily_unavailable", "The issuer's signing keys are unavailable; try again later.")
		return
	}
	text := "The access token is invalid."
	for _, d := range descriptions {
		if errors.Is(err, d.err) {
			text = d.text
			break
		}
	}
	v.challenge(w, http.StatusUnauthorized, "invalid_token", text, nil)
}

// challenge answers with a Bearer challenge (RFC 6750 §3). An empty code
// leaves out error and error_description (§3.1: no token, no error).
func (v *Verifier) challenge(w http.ResponseWriter, status int, code, description string, scopes []string) {
	var b strings.Builder
	b.WriteString(`Bearer realm=`)
	b.WriteString(quote(v.realm))
	if code != "" {
		b.WriteString(`, error=`)
		b.WriteString(quote(code))
		b.WriteString(`, error_description=`)
		b.WriteString(quote(description))
	}
	if len(scopes) > 0 {
		b.WriteString(`, scope=`)
		b.WriteString(quote(strings.Join(scopes, " ")))
	}
	w.Header().Set("WWW-Authenticate", b.String())
	writeJSON(w, status, code, description)
}

// quote makes a quoted-string (RFC 9110 §5.6.4), dropping control
// characters.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, code, description string) {
	body, _ := json.Marshal(struct {
		Error       string `json:"error,omitempty"`
		Description string `json:"error_description"`
	}{code, description})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
