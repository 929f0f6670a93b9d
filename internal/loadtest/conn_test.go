package loadtest

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// discardLog keeps expected TLS handshake failures out of the test log.
var discardLog = log.New(io.Discard, "", 0)

// netHTTPTransport is the net/http transport the load tool used before
// ConnTransport, kept to compare the two: keep-alive HTTP/1.1, idle
// connections for every worker, no compression.
func netHTTPTransport(n int) *http.Transport {
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: tcpKeepAlive}).DialContext,
		MaxIdleConns:          2*n + 16,
		MaxIdleConnsPerHost:   2*n + 16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   handshakeTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		Protocols:             protos,
	}
}

// connServer is a test server that counts the connections it accepted and
// reports each one's end.
type connServer struct {
	*httptest.Server
	conns  atomic.Int64
	closed chan struct{} // one value per closed connection
}

func startConnServer(t *testing.T, tlsServer bool, h http.HandlerFunc) (*connServer, *ConnTransport) {
	t.Helper()
	s := &connServer{Server: httptest.NewUnstartedServer(h), closed: make(chan struct{}, 100)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.closed <- struct{}{}
		}
	}
	rt := new(ConnTransport)
	if tlsServer {
		s.StartTLS()
		rt.TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig
	} else {
		s.Start()
	}
	t.Cleanup(func() {
		rt.CloseIdleConnections()
		s.Close()
	})
	return s, rt
}

var bothSchemes = []struct {
	name string
	tls  bool
}{{"http", false}, {"https", true}}

// body is a JSON answer of about n bytes.
func body(n int) string {
	return `{"keys":["` + strings.Repeat("k", max(n-12, 0)) + `"]}`
}

// Requests one after the other share one connection, whatever the body's
// framing, and a body given up before its end costs a new connection.
func TestConnTransportKeepAlive(t *testing.T) {
	for _, sc := range bothSchemes {
		t.Run(sc.name, func(t *testing.T) {
			s, rt := startConnServer(t, sc.tls, func(w http.ResponseWriter, r *http.Request) {
				b := body(1000)
				switch r.URL.Path {
				case "/chunked":
					io.WriteString(w, b[:500])
					w.(http.Flusher).Flush()
					io.WriteString(w, b[500:])
				case "/form":
					r.ParseForm()
					io.WriteString(w, r.PostForm.Get("a"))
				case "/empty":
					w.WriteHeader(http.StatusNoContent)
				default:
					w.Header().Set("Content-Length", strconv.Itoa(len(b)))
					io.WriteString(w, b)
				}
			})
			hc := NewClient(rt)
			ctx := context.Background()
			steps := []struct {
				method, path string
				form         url.Values
				status       int
				want         string
			}{
				{"GET", "/length", nil, 200, body(1000)},
				{"GET", "/chunked", nil, 200, body(1000)},
				{"POST", "/form", url.Values{"a": {"posted"}}, 200, "posted"},
				{"GET", "/empty", nil, 204, ""},
				{"HEAD", "/length", nil, 200, ""},
				{"GET", "/length", nil, 200, body(1000)},
				{"GET", "/chunked", nil, 200, body(1000)},
			}
			for i, st := range steps {
				status, _, b, err := do(ctx, hc, "jwks", st.method, s.URL+st.path, st.form, nil)
				if err != nil || status != st.status || string(b) != st.want {
					t.Fatalf("step %d: %d %.40q %v", i, status, b, err)
				}
			}
			if n := s.conns.Load(); n != 1 {
				t.Errorf("%d requests took %d connections, want 1", len(steps), n)
			}

			// A body closed before its end leaves the rest of the answer on
			// the connection: the next request takes a new one.
			resp, err := hc.Get(s.URL + "/length")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Read(make([]byte, 10))
			resp.Body.Close()
			if _, _, b, err := do(ctx, hc, "jwks", "GET", s.URL+"/chunked", nil, nil); err != nil || string(b) != body(1000) {
				t.Fatalf("after an early close: %.40q %v", b, err)
			}
			if n := s.conns.Load(); n != 2 {
				t.Errorf("%d connections after an early close, want 2", n)
			}
		})
	}
}

// A second request while the first one's body is unread is refused rather
// than mixed into the same connection.
func TestConnTransportOneRequestAtATime(t *testing.T) {
	s, rt := startConnServer(t, false, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	hc := NewClient(rt)
	resp, err := hc.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Get(s.URL); !errors.Is(err, errBusy) {
		t.Errorf("second request in flight: %v", err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, _, b, err := do(context.Background(), hc, "jwks", "GET", s.URL, nil, nil); err != nil || string(b) != "ok" {
		t.Errorf("after the body was read: %q %v", b, err)
	}
}

// Either side saying Connection: close, or the server closing an idle
// connection, costs a new connection and no failed request.
func TestConnTransportServerCloses(t *testing.T) {
	cases := []struct {
		name        string
		serverClose bool // the server answers Connection: close
		clientClose bool // the request says Connection: close
		idleClose   bool // the server closes the connection after each answer, while it is idle
		wantConns   int64
	}{
		{"keep-alive", false, false, false, 1},
		{"server says close", true, false, false, 4},
		{"client says close", false, true, false, 4},
		{"server closes idle connections", false, false, true, 4},
	}
	for _, sc := range bothSchemes {
		for _, tc := range cases {
			t.Run(sc.name+"/"+tc.name, func(t *testing.T) {
				s, rt := startConnServer(t, sc.tls, func(w http.ResponseWriter, r *http.Request) {
					if tc.serverClose {
						w.Header().Set("Connection", "close")
					}
					io.WriteString(w, body(1000))
				})
				hc := NewClient(rt)
				for i := range 4 {
					method, form := "GET", url.Values(nil)
					if i%2 == 1 {
						method, form = "POST", url.Values{"a": {"b"}} // not replayable: must not meet a closed connection
					}
					status, _, b, err := do(context.Background(), hc, "token", method, s.URL, form, func(r *http.Request) {
						r.Close = tc.clientClose
					})
					if err != nil || status != 200 || string(b) != body(1000) {
						t.Fatalf("request %d: %d %.40q %v", i, status, b, err)
					}
					if tc.idleClose {
						s.CloseClientConnections()
						<-s.closed                     // the server side is gone before the next request,
						time.Sleep(2 * probeAfterIdle) // which finds the connection idle long enough to check it
					}
				}
				if n := s.conns.Load(); n != tc.wantConns {
					t.Errorf("%d connections, want %d", n, tc.wantConns)
				}
			})
		}
	}
}

// A reused connection the server closes after reading a request, without
// answering, is a closed idle connection seen too late: a GET is sent again
// on a new connection, a POST (which the server may have acted on) fails.
func TestConnTransportRetriesIdempotentRequests(t *testing.T) {
	cases := []struct {
		method   string
		form     url.Values
		wantErr  string // Classify of the second request's error
		wantSeen int64  // requests the server read
	}{
		{"GET", nil, "", 3},
		{"POST", url.Values{"a": {"b"}}, "token connection closed", 2},
	}
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			var seen atomic.Int64
			s, rt := startConnServer(t, false, func(w http.ResponseWriter, r *http.Request) {
				if seen.Add(1) == 2 {
					if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
						conn.Close()
					}
					return
				}
				io.WriteString(w, "ok")
			})
			hc := NewClient(rt)
			for i := range 2 {
				_, _, b, err := do(context.Background(), hc, "token", tc.method, s.URL, tc.form, nil)
				want := ""
				if i == 1 {
					want = tc.wantErr
				}
				if Classify(err) != want || (err == nil && string(b) != "ok") {
					t.Fatalf("request %d: %q %v, want error kind %q", i, b, err, want)
				}
			}
			if n := seen.Load(); n != tc.wantSeen {
				t.Errorf("the server read %d requests, want %d", n, tc.wantSeen)
			}
		})
	}
}

// Cancelling an operation unblocks it at once, as a cancellation; the
// next request gets a fresh connection.
func TestConnTransportCancel(t *testing.T) {
	for _, sc := range bothSchemes {
		t.Run(sc.name, func(t *testing.T) {
			arrived, release := make(chan struct{}, 1), make(chan struct{})
			var once sync.Once
			s, rt := startConnServer(t, sc.tls, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					arrived <- struct{}{}
					select {
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				io.WriteString(w, "ok")
			})
			defer once.Do(func() { close(release) })
			hc := NewClient(rt)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-arrived
				cancel()
			}()
			_, _, _, err := do(ctx, hc, "token", "POST", s.URL+"/slow", url.Values{"a": {"b"}}, nil)
			if got := Classify(err); got != "token canceled" {
				t.Errorf("cancelled: %q (%v)", got, err)
			}
			once.Do(func() { close(release) })
			if _, _, b, err := do(context.Background(), hc, "token", "GET", s.URL, nil, nil); err != nil || string(b) != "ok" {
				t.Errorf("after a cancellation: %q %v", b, err)
			}
			if n := s.conns.Load(); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
		})
	}
}

// Each request goes to its URL's host, over a connection of its own.
func TestConnTransportSwitchesHosts(t *testing.T) {
	a, rt := startConnServer(t, false, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a") })
	b, _ := startConnServer(t, false, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "b") })
	hc := NewClient(rt)
	for i, u := range []string{a.URL, b.URL, b.URL, a.URL} {
		_, _, got, err := do(context.Background(), hc, "jwks", "GET", u, nil, nil)
		if want := map[string]string{a.URL: "a", b.URL: "b"}[u]; err != nil || string(got) != want {
			t.Errorf("request %d: %q %v, want %q", i, got, err, want)
		}
	}
	if a.conns.Load() != 2 || b.conns.Load() != 1 {
		t.Errorf("connections: a %d, b %d; want 2 and 1", a.conns.Load(), b.conns.Load())
	}
}
