package loadtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Failure is why one step of an operation failed: an HTTP answer that was
// not the expected one, an answer that did not say what it should, or a
// transport error.
type Failure struct {
	Step   string // authorize, signin, token, introspect, jwks, discovery…
	Status int    // HTTP status; 0 when no answer came
	Code   string // OAuth "error", Okta "errorCode", or a short reason ("no code", "inactive")
	Detail string // error_description or another explanation, for the report's samples
	Err    error  // the transport error, when no answer came
}

func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString(f.Step)
	if f.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", f.Status)
	}
	if f.Code != "" {
		b.WriteString(": " + f.Code)
	}
	if f.Detail != "" {
		b.WriteString(": " + f.Detail)
	}
	if f.Err != nil {
		b.WriteString(": " + f.Err.Error())
	}
	return b.String()
}

func (f *Failure) Unwrap() error { return f.Err }

// Classify names the kind of an operation's error, for counting: "step
// status code" for an unexpected answer (e.g. "token 400 invalid_grant",
// "authorize 302 login_required", "introspect 200 inactive"), "step kind"
// for a transport error (e.g. "token timeout", "jwks connection refused").
// A nil error has no kind ("").
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var f *Failure
	if !errors.As(err, &f) {
		return transportKind(err)
	}
	parts := []string{f.Step}
	if f.Err != nil && f.Status == 0 {
		parts = append(parts, transportKind(f.Err))
	} else {
		if f.Status != 0 {
			parts = append(parts, strconv.Itoa(f.Status))
		}
		if f.Code != "" {
			parts = append(parts, f.Code)
		}
	}
	return strings.Join(parts, " ")
}

// transportKind names an error that came instead of an HTTP answer.
func transportKind(err error) string {
	var netErr net.Error
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &dnsErr):
		return "dns error"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &recErr), errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return "tls error"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EMFILE):
		return "client out of sockets"
	default:
		return "transport error"
	}
}

// httpFailure builds the Failure for an unexpected HTTP answer, taking the
// error code from an OAuth error body ({"error": …}) or an Okta one
// ({"errorCode": …}) when the body is one.
func httpFailure(step string, status int, body []byte) *Failure {
	f := &Failure{Step: step, Status: status}
	var e struct {
		Error        string `json:"error"`
		Description  string `json:"error_description"`
		ErrorCode    string `json:"errorCode"`
		ErrorSummary string `json:"errorSummary"`
	}
	if json.Unmarshal(body, &e) == nil {
		switch {
		case e.Error != "":
			f.Code, f.Detail = e.Error, e.Description
		case e.ErrorCode != "":
			f.Code, f.Detail = e.ErrorCode, e.ErrorSummary
		}
		if f.Code != "" && !plainCode(f.Code) {
			f.Code = "invalid error code"
		}
		return f
	}
	f.Detail = pageMessage(body)
	return f
}

var (
	alertRe = regexp.MustCompile(`(?is)<[a-z]+\b[^>]*\brole="alert"[^>]*>(.*?)</`)
	titleRe = regexp.MustCompile(`(?is)<title>(.*?)</title>`)
	tagRe   = regexp.MustCompile(`<[^>]*>`)
)

// pageMessage is what an HTML error page says (its alert, else its
// title), or the start of any other body.
func pageMessage(body []byte) string {
	for _, re := range []*regexp.Regexp{alertRe, titleRe} {
		if m := re.FindSubmatch(body); m != nil {
			if s := snippet([]byte(html.UnescapeString(tagRe.ReplaceAllString(string(m[1]), " ")))); s != "" {
				return s
			}
		}
	}
	return snippet(body)
}

// plainCode keeps hostile or broken error codes out of the kind table.
func plainCode(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// snippet is the start of a body, on one line, for error samples.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
