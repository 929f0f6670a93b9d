package oauth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func TestClientKeysFetch(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &ec.PublicKey, KeyID: "k"}}})
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(set) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(set) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[` + strings.Repeat(" ", 70<<10) + `]}`))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://keys.example.com/jwks", http.StatusFound)
	})
	mux.HandleFunc("/to-same", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	now := time.Unix(1_760_000_000, 0)
	c := newClientKeys(func() time.Time { return now })
	ctx := context.Background()
	app := store.App{ClientID: "0oa1", JWKSURI: srv.URL + "/a"}

	if keys, err := c.keysFor(ctx, app, "k"); err != nil || len(keys) != 1 {
		t.Fatalf("keysFor: %v, %v", keys, err)
	}
	// Another URL for the same client starts over (and fetches at once).
	app.JWKSURI = srv.URL + "/b"
	if _, err := c.keysFor(ctx, app, "k"); err != nil || hits.Load() != 2 {
		t.Fatalf("after a URL change: %v, %d fetches (want 2)", err, hits.Load())
	}

	// Failures carry the reason (for the log) behind a fixed message.
	for path, want := range map[string]string{
		"/big":     "larger than",
		"/missing": "status 404",
		"/to-http": "status 302: redirects are not followed",
		"/to-same": "status 302: redirects are not followed", // not even to the same origin
	} {
		c := newClientKeys(func() time.Time { return now })
		_, err := c.keysFor(ctx, store.App{ClientID: "0oa2", JWKSURI: srv.URL + path}, "")
		if err == nil {
			t.Errorf("%s: no error", path)
			continue
		}
		if err.Error() != jwksUnavailable {
			t.Errorf("%s: error message %q, want the fixed %q", path, err, jwksUnavailable)
		}
		if cause := errors.Unwrap(err); cause == nil || !strings.Contains(cause.Error(), want) {
			t.Errorf("%s: reason %v, want it to mention %q", path, cause, want)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("a redirect to /a was followed: %d fetches of /a and /b, want 2", hits.Load())
	}
}

// TestGuardDial checks the dial guard on its own, for addresses as the
// dialer hands them over (after resolution).
func TestGuardDial(t *testing.T) {
	for _, tc := range []struct {
		addr       string
		public     bool // allowed for a jwks_uri on a public host
		onLoopback bool // allowed for a jwks_uri registered on loopback
	}{
		{"93.184.215.14:443", true, true},
		{"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443", true, true},
		{"[64:ff9b::5db8:d70e]:443", true, true}, // NAT64 of 93.184.215.14
		{"127.0.0.1:443", false, true},
		{"127.9.9.9:443", false, true},
		{"[::1]:443", false, true},
		{"[::ffff:127.0.0.1]:443", false, true},
		{"10.0.0.1:443", false, false},
		{"172.16.5.4:443", false, false},
		{"192.168.1.1:443", false, false},
		{"169.254.169.254:80", false, false},
		{"100.64.0.1:443", false, false},
		{"0.0.0.0:443", false, false},
		{"0.1.2.3:443", false, false},
		{"224.0.0.1:443", false, false},
		{"255.255.255.255:443", false, false},
		{"198.18.0.1:443", false, false},
		{"[::]:443", false, false},
		{"[fc00::1]:443", false, false},
		{"[fd12:3456::1]:443", false, false},
		{"[fe80::1]:443", false, false},
		{"[fe80::1%eth0]:443", false, false},
		{"[ff02::1]:443", false, false},
		{"[::ffff:10.0.0.1]:443", false, false},
		{"[::ffff:169.254.169.254]:443", false, false},
		{"[64:ff9b::a00:1]:443", false, false},  // NAT64 of 10.0.0.1
		{"[64:ff9b::7f00:1]:443", false, false}, // NAT64 of 127.0.0.1: not loopback here
		{"[2002:a00:1::1]:443", false, false},   // 6to4 of 10.0.0.1
		{"not-an-address:443", false, false},
	} {
		network := "tcp4"
		if ap, err := netip.ParseAddrPort(tc.addr); err == nil && ap.Addr().Is6() && !ap.Addr().Is4In6() {
			network = "tcp6"
		}
		for _, g := range []struct {
			allowLoopback, want bool
		}{{false, tc.public}, {true, tc.onLoopback}} {
			err := guardDial(g.allowLoopback)(network, tc.addr, nil)
			if (err == nil) != g.want {
				t.Errorf("guardDial(allowLoopback=%v)(%s, %s) = %v, want allowed=%v", g.allowLoopback, network, tc.addr, err, g.want)
			}
			if err != nil && !errors.Is(err, errNonPublicAddress) {
				t.Errorf("%s: error %v is not errNonPublicAddress", tc.addr, err)
			}
		}
	}
	if err := guardDial(true)("udp4", "127.0.0.1:53", nil); err == nil {
		t.Error("guardDial allowed a udp connection")
	}
}

// TestJWKSURIAddresses fetches through the real clients, with the name of
// the registered host resolved by the test (as DNS, or a DNS rebinding,
// would), and checks that the guard sees the address actually dialled.
func TestJWKSURIAddresses(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &ec.PublicKey, KeyID: "k"}}})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(set)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	ctx := context.Background()
	now := time.Unix(1_760_000_000, 0)
	for _, tc := range []struct {
		name      string
		uri       string
		resolveTo string // the address the URI's host name resolves to; "" leaves it alone
		allowed   bool
	}{
		{"public host resolving to 10.0.0.1", "http://jwks.example.com:" + port + "/k", "10.0.0.1", false},
		{"public host resolving to 192.168.1.1", "http://jwks.example.com:" + port + "/k", "192.168.1.1", false},
		{"public host resolving to the metadata service", "http://jwks.example.com:" + port + "/k", "169.254.169.254", false},
		{"public host resolving to [::1]", "http://jwks.example.com:" + port + "/k", "::1", false},
		{"public host rebinding to 127.0.0.1", "https://jwks.example.com:" + port + "/k", "127.0.0.1", false},
		{"public host resolving to ::ffff:127.0.0.1", "http://jwks.example.com:" + port + "/k", "::ffff:127.0.0.1", false},
		{"registered 10.0.0.1", "http://10.0.0.1:" + port + "/k", "", false},
		{"registered 169.254.169.254", "http://169.254.169.254/latest/meta-data/", "", false},
		{"registered [fd00::1]", "http://[fd00::1]:" + port + "/k", "", false},
		{"registered localhost resolving to 10.0.0.1", "http://localhost:" + port + "/k", "10.0.0.1", false},
		{"registered 127.0.0.1", srv.URL + "/k", "", true},
		{"registered localhost", "http://localhost:" + port + "/k", "127.0.0.1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClientKeys(func() time.Time { return now })
			if tc.resolveTo != "" {
				for _, hc := range []*http.Client{c.public, c.local} {
					tr := hc.Transport.(*http.Transport)
					dial := tr.DialContext
					tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
						if _, p, err := net.SplitHostPort(addr); err == nil {
							addr = net.JoinHostPort(tc.resolveTo, p)
						}
						return dial(ctx, network, addr)
					}
				}
			}
			before := hits.Load()
			keys, err := c.keysFor(ctx, store.App{ClientID: "0oa3", JWKSURI: tc.uri}, "k")
			if tc.allowed {
				if err != nil || len(keys) != 1 {
					t.Fatalf("keysFor = %v, %v; want the key set", keys, errors.Unwrap(err))
				}
				return
			}
			if !errors.Is(err, errNonPublicAddress) {
				t.Fatalf("keysFor error %v (reason %v), want the guard's refusal", err, errors.Unwrap(err))
			}
			if hits.Load() != before {
				t.Error("the key server was reached")
			}
		})
	}
}

// TestJWKSURIFailureBody checks the 401 a client gets when its jwks_uri
// cannot be used: it names no address, dial error, status or redirect, and
// the reason goes to the log (without the URI's query).
func TestJWKSURIFailureBody(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>intranet</html>")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	closed := func() string { // a loopback port nothing listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}()

	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer slog.SetDefault(prev)

	now := time.Unix(1_760_000_000, 0)
	for _, tc := range []struct {
		name, uri string
		leaks     []string // must not be in the body
		logged    string   // must be in the log
	}{
		{"connection refused", "http://" + closed + "/jwks?token=s3cret", []string{"dial", "refused", "connect", closed, "127.0.0.1"}, "connection refused"},
		{"non-public address", "http://10.0.0.1/jwks?token=s3cret", []string{"dial", "non-public", "10.0.0.1"}, "non-public address"},
		{"status 404", srv.URL + "/missing?token=s3cret", []string{"404", "status"}, "status 404"},
		{"redirect", srv.URL + "/redirect?token=s3cret", []string{"302", "redirect", "169.254"}, "redirects are not followed"},
		{"not a key set", srv.URL + "/html?token=s3cret", []string{"<", "invalid character", "intranet"}, "jwks_uri"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			h := &Handler{clientKeys: newClientKeys(func() time.Time { return now })}
			app := store.App{ClientID: "0oa4", TokenEndpointAuthMethod: domain.AuthMethodPrivateKeyJWT, JWKSURI: tc.uri}
			r := httptest.NewRequest(http.MethodPost, "/oauth2/default/v1/token", nil)
			_, aerr := h.assertionKey(r, app, jose.Header{KeyID: "k", Algorithm: "ES256"})
			if aerr == nil {
				t.Fatal("assertionKey accepted a jwks_uri that cannot be fetched")
			}
			w := httptest.NewRecorder()
			apierr.WriteJSON(w, r, aerr)
			body := w.Body.String()
			if w.Code != http.StatusUnauthorized || !strings.Contains(body, `"invalid_client"`) || !strings.Contains(body, "jwks_uri") {
				t.Errorf("answer %d %s, want 401 invalid_client about the jwks_uri", w.Code, body)
			}
			for _, leak := range append(tc.leaks, "s3cret") {
				if strings.Contains(body, leak) {
					t.Errorf("the 401 body %s contains %q", body, leak)
				}
			}
			log := logs.String()
			if !strings.Contains(log, "level=WARN") || !strings.Contains(log, tc.logged) || !strings.Contains(log, "client_id=0oa4") {
				t.Errorf("log %q lacks a warning with the reason %q", log, tc.logged)
			}
			if strings.Contains(log, "s3cret") {
				t.Errorf("log %q contains the jwks_uri's query", log)
			}
		})
	}
}

func TestLoopbackHost(t *testing.T) {
	for uri, want := range map[string]bool{
		"http://127.0.0.1:8080/jwks":      true,
		"http://127.1.2.3/jwks":           true,
		"http://[::1]:8080/jwks":          true,
		"http://localhost:8080/jwks":      true,
		"http://LOCALHOST./jwks":          true,
		"https://keys.example.com/jwks":   false,
		"http://localhost.example.com/":   false,
		"http://10.0.0.1/jwks":            false,
		"http://127.0.0.1.nip.io/jwks":    false,
		"http://user@127.0.0.1@evil.com/": false,
		"::not a url":                     false,
	} {
		if got := loopbackHost(uri); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", uri, got, want)
		}
	}
}
