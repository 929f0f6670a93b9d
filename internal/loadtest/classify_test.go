package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

type fakeTimeout struct{}

func (fakeTimeout) Error() string   { return "i/o timeout" }
func (fakeTimeout) Timeout() bool   { return true }
func (fakeTimeout) Temporary() bool { return true }

// urlErr wraps err as http.Client.Do does.
func urlErr(err error) error { return &url.Error{Op: "Post", URL: "http://x/token", Err: err} }

func opErr(errno syscall.Errno) error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: errno}}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"success", nil, ""},
		{"OAuth error body", httpFailure("token", 400, []byte(`{"error":"invalid_grant","error_description":"The code is invalid."}`)), "token 400 invalid_grant"},
		{"client authentication", httpFailure("token", 401, []byte(`{"error":"invalid_client"}`)), "token 401 invalid_client"},
		{"unavailable", httpFailure("token", 503, []byte(`{"error":"temporarily_unavailable"}`)), "token 503 temporarily_unavailable"},
		{"Okta error body", httpFailure("jwks", 404, []byte(`{"errorCode":"E0000007","errorSummary":"Not found"}`)), "jwks 404 E0000007"},
		{"HTML error page", httpFailure("introspect", 502, []byte("<html>Bad Gateway</html>")), "introspect 502"},
		{"empty body", httpFailure("discovery", 500, nil), "discovery 500"},
		{"throttled sign-in page", httpFailure("signin", 429, []byte(`<p class="alert" role="alert" id="signin-error">Too many</p>`)), "signin 429"},
		{"hostile error code", httpFailure("token", 400, []byte(`{"error":"<script>alert(1)</script>"}`)), "token 400 invalid error code"},
		{"authorize redirect with an error", &Failure{Step: "authorize", Status: 302, Code: "login_required"}, "authorize 302 login_required"},
		{"flow check", &Failure{Step: "introspect", Status: 200, Code: "inactive"}, "introspect 200 inactive"},
		{"check without status", &Failure{Step: "signin", Code: "not sent"}, "signin not sent"},
		{"operation timeout", &Failure{Step: "token", Err: urlErr(context.DeadlineExceeded)}, "token timeout"},
		{"net timeout", &Failure{Step: "jwks", Err: urlErr(&net.OpError{Op: "read", Err: fakeTimeout{}})}, "jwks timeout"},
		{"canceled", &Failure{Step: "token", Err: urlErr(context.Canceled)}, "token canceled"},
		{"refused", &Failure{Step: "token", Err: urlErr(opErr(syscall.ECONNREFUSED))}, "token connection refused"},
		{"reset", &Failure{Step: "signin", Err: urlErr(opErr(syscall.ECONNRESET))}, "signin connection reset"},
		{"closed by the server", &Failure{Step: "token", Err: urlErr(io.EOF)}, "token connection closed"},
		{"truncated body", &Failure{Step: "jwks", Err: io.ErrUnexpectedEOF}, "jwks connection closed"},
		{"dns", &Failure{Step: "discovery", Err: urlErr(&net.DNSError{Err: "no such host", Name: "nope.invalid"})}, "discovery dns error"},
		{"out of ports", &Failure{Step: "token", Err: urlErr(opErr(syscall.EADDRNOTAVAIL))}, "token client out of sockets"},
		{"other transport error", &Failure{Step: "token", Err: urlErr(errors.New("malformed HTTP response"))}, "token transport error"},
		{"bare timeout", fmt.Errorf("setup: %w", context.DeadlineExceeded), "timeout"},
		{"bare error", errors.New("boom"), "transport error"},
		{"wrapped failure", fmt.Errorf("first request failed: %w", &Failure{Step: "token", Status: 400, Code: "invalid_scope"}), "token 400 invalid_scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

// The same kinds come out of real transport failures, with net/http's
// transport and with the workers' single connection.
func TestClassifyRealTransportErrors(t *testing.T) {
	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()

	// A server slower than the operation's deadline.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)

	// A server that hangs up without answering.
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer hangup.Close()

	// A TLS server whose certificate no system root signed.
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	untrusted.Config.ErrorLog = discardLog
	defer untrusted.Close()

	for name, rt := range map[string]func() http.RoundTripper{
		"net/http":    func() http.RoundTripper { return netHTTPTransport(1) },
		"single conn": func() http.RoundTripper { return new(ConnTransport) },
	} {
		t.Run(name, func(t *testing.T) {
			hc := NewClient(rt())
			_, _, _, err := do(context.Background(), hc, "jwks", http.MethodGet, closed, nil, nil)
			if got := Classify(err); got != "jwks connection refused" {
				t.Errorf("closed port: %q (%v)", got, err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, _, _, err = do(ctx, hc, "token", http.MethodPost, slow.URL, url.Values{"a": {"b"}}, nil)
			if got := Classify(err); got != "token timeout" {
				t.Errorf("slow server: %q (%v)", got, err)
			}

			_, _, _, err = do(context.Background(), hc, "introspect", http.MethodPost, hangup.URL, url.Values{"a": {"b"}}, nil)
			if got := Classify(err); got != "introspect connection closed" {
				t.Errorf("hang-up: %q (%v)", got, err)
			}

			_, _, _, err = do(context.Background(), hc, "jwks", http.MethodGet, untrusted.URL, nil, nil)
			if got := Classify(err); got != "jwks tls error" {
				t.Errorf("untrusted certificate: %q (%v)", got, err)
			}
		})
	}
}

func TestSignInForm(t *testing.T) {
	page := `<form method="post" action="/oauth2/default/v1/signin?client_id=0oa1&amp;redirect_uri=https%3A%2F%2Fapp%2Fcb&amp;scope=openid&#43;profile" novalidate>
  <input type="hidden" name="csrf_token" value="tok&amp;en">`
	action, csrf, ok := signInForm("http://127.0.0.1:8080/oauth2/default/v1/authorize?x=1", []byte(page))
	want := "http://127.0.0.1:8080/oauth2/default/v1/signin?client_id=0oa1&redirect_uri=https%3A%2F%2Fapp%2Fcb&scope=openid+profile"
	if !ok || action != want || csrf != "tok&en" {
		t.Fatalf("signInForm = %q %q %v, want %q", action, csrf, ok, want)
	}
	// Attribute order does not matter for the token.
	if _, csrf, ok := signInForm("http://h/", []byte(`<form action="x"><input value="v" type="hidden" name="csrf_token">`)); !ok || csrf != "v" {
		t.Fatalf("value before name: %q %v", csrf, ok)
	}
	if _, _, ok := signInForm("http://h/", []byte(`<html>Welcome to another IdP</html>`)); ok {
		t.Fatal("a page without the form was taken for one")
	}
}

func TestPageMessage(t *testing.T) {
	cases := map[string]string{
		`<html><head><title>Sign in</title></head><p class="alert" role="alert" id="e">Too many failed sign-in attempts. Wait &amp; retry.</p>`: "Too many failed sign-in attempts. Wait & retry.",
		`<html><head><title>502 Bad <b>Gateway</b></title></head><body>…</body>`:                                                                "502 Bad Gateway",
		"plain\n  text": "plain text",
	}
	for body, want := range cases {
		if got := pageMessage([]byte(body)); got != want {
			t.Errorf("pageMessage(%.40q) = %q, want %q", body, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("bad\x1b[2Jthing\r\n"); got != "bad [2Jthing  " {
		t.Errorf("printable = %q", got)
	}
	long := printable(strings.Repeat("é", 400))
	if !utf8.ValidString(long) || len(long) > 304 {
		t.Errorf("long message: %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
