// Package httpx holds small HTTP helpers every handler package shares:
// reading a request's parameters once with limits, and writing JSON that
// must not be cached. It imports nothing of Gatehouse's.
package httpx

import (
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// MaxBodyBytes bounds every form body Gatehouse reads.
const MaxBodyBytes = 64 << 10

// MaxParamBytes bounds a single parameter value.
const MaxParamBytes = 8 << 10

// ParamError explains why a request's parameters could not be read.
type ParamError struct {
	Message string
	// TooLarge marks a body over MaxBodyBytes.
	TooLarge bool
}

func (e *ParamError) Error() string { return e.Message }

// Params reads a request's parameters once: the query for GET, the
// form-encoded body for POST. With allowQuery, a POST whose body is empty
// takes its parameters from the query instead (Okta's management SDK sends
// its token request that way); a body and a query are never mixed.
// It refuses a wrong content type, an oversized body or value, and any
// parameter that appears more than once (RFC 6749 §3.1, §3.2).
func Params(r *http.Request, allowQuery bool) (map[string]string, error) {
	var values url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return Query(r)
	case http.MethodPost:
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct != "application/x-www-form-urlencoded" {
			return nil, &ParamError{Message: "The request must use Content-Type application/x-www-form-urlencoded."}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			return nil, &ParamError{Message: "The request body could not be read."}
		}
		if len(body) > MaxBodyBytes {
			return nil, &ParamError{Message: "The request body is too large.", TooLarge: true}
		}
		if allowQuery && len(body) == 0 {
			return Query(r)
		}
		if values, err = url.ParseQuery(string(body)); err != nil {
			return nil, &ParamError{Message: "The request body is malformed."}
		}
	default:
		return nil, &ParamError{Message: "The request method is not allowed."}
	}
	return single(values)
}

// Query reads only the URL query parameters, with the same checks as Params.
func Query(r *http.Request) (map[string]string, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &ParamError{Message: "The request query is malformed."}
	}
	return single(q)
}

// single flattens values, refusing repeated and oversized parameters.
func single(values url.Values) (map[string]string, error) {
	out := make(map[string]string, len(values))
	for k, v := range values {
		if len(v) > 1 {
			return nil, &ParamError{Message: "The '" + printable(k) + "' parameter was supplied more than once."}
		}
		if len(v[0]) > MaxParamBytes {
			return nil, &ParamError{Message: "The '" + printable(k) + "' parameter is too long."}
		}
		out[k] = v[0]
	}
	return out, nil
}

// printable keeps a parameter name safe to echo in a message.
func printable(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\'' || r == '<' || r == '>' {
			return '?'
		}
		return r
	}, s)
}

// WriteJSON writes v as JSON with the no-store headers RFC 6749 §5.1 requires
// of token responses, which suit every OAuth JSON answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// BaseURLIsHTTPS reports whether the public base URL is https, which decides
// the Secure flag on cookies.
func BaseURLIsHTTPS(base string) bool { return strings.HasPrefix(strings.ToLower(base), "https://") }

// ClientIP is the address the request came from. Forwarded headers are not
// trusted: anyone can send them.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
