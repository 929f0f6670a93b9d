package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// shedServer answers GET /keys with a JWKS, except requests 2 to 1+shed
// (the first one is the scenario's check), which get status, retryAfter
// and an OAuth error body.
func shedServer(t *testing.T, shed int64, status int, retryAfter string) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := n.Add(1); i >= 2 && i <= 1+shed {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"temporarily_unavailable"}`)
			return
		}
		io.WriteString(w, `{"keys":[{"kty":"EC"}]}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// sleeps records the waits of a run instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
}

// A worker answered 503 or 429 with Retry-After waits as asked before its
// next operation, unless told not to; the answers count as errors either
// way, and the waits as backoffs.
func TestRunHonoursRetryAfter(t *testing.T) {
	const shed = 4
	in30s := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name       string
		status     int
		retryAfter string
		ignore     bool
		wantMin    time.Duration // each wait
		wantMax    time.Duration
		wantWaits  int
	}{
		{"503 Retry-After: 1", 503, "1", false, time.Second, time.Second, shed},
		{"503 Retry-After: 1, ignored", 503, "1", true, 0, 0, 0},
		{"429 with an HTTP-date", 429, in30s, false, 28 * time.Second, 30 * time.Second, shed},
		{"absurd Retry-After", 503, "86400", false, maxBackoff, maxBackoff, shed},
		{"503 without Retry-After", 503, "", false, 0, 0, 0},
		{"Retry-After: 0", 503, "0", false, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := shedServer(t, shed, tc.status, tc.retryAfter)
			ctx := context.Background()
			sc, err := New(ctx, "jwks", Endpoints{JWKS: srv.URL + "/keys"}, Options{}, NewClient(new(ConnTransport)))
			if err != nil {
				t.Fatal(err)
			}
			var rec sleeps
			r, err := Run(ctx, "jwks", sc, Level{Concurrency: 1, Requests: shed + 3, IgnoreRetryAfter: tc.ignore, sleep: rec.sleep}, nil)
			if err != nil {
				t.Fatal(err)
			}
			kind := "jwks " + strconv.Itoa(tc.status) + " temporarily_unavailable"
			if r.OK != 3 || r.Errors[kind] != shed || len(r.Errors) != 1 || r.HTTPRequests != shed+3 {
				t.Errorf("ok %d, errors %v, %d HTTP requests; want 3 ok and %d × %s", r.OK, r.Errors, r.HTTPRequests, shed, kind)
			}
			if len(rec.d) != tc.wantWaits || r.Backoffs != int64(tc.wantWaits) {
				t.Fatalf("waits %v, %d backoffs; want %d", rec.d, r.Backoffs, tc.wantWaits)
			}
			for _, d := range rec.d {
				if d < tc.wantMin || d > tc.wantMax {
					t.Errorf("waited %v, want %v to %v", d, tc.wantMin, tc.wantMax)
				}
			}

			var table, line bytes.Buffer
			WriteTableRow(&table, r)
			WriteJSONLine(&line, "", r)
			var j JSONResult
			if err := json.Unmarshal(line.Bytes(), &j); err != nil || j.Backoffs != r.Backoffs {
				t.Errorf("JSON line %s: %v", line.Bytes(), err)
			}
			if strings.Contains(table.String(), "backoff") != (tc.wantWaits > 0) {
				t.Errorf("table:\n%s", table.String())
			}
		})
	}
}

// A wait never outlasts the level.
func TestRunBackoffEndsWithTheLevel(t *testing.T) {
	srv := shedServer(t, 1<<40, 503, "30")
	ctx := context.Background()
	sc, err := New(ctx, "jwks", Endpoints{JWKS: srv.URL + "/keys"}, Options{}, NewClient(new(ConnTransport)))
	if err != nil {
		t.Fatal(err)
	}
	var rec sleeps
	const level = 200 * time.Millisecond
	r, err := Run(ctx, "jwks", sc, Level{Concurrency: 2, Duration: level, sleep: func(ctx context.Context, d time.Duration) {
		rec.sleep(ctx, d)
		sleep(ctx, d)
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.d) == 0 || r.Backoffs != int64(len(rec.d)) || r.OK != 0 {
		t.Fatalf("waits %v, %d backoffs, %d ok", rec.d, r.Backoffs, r.OK)
	}
	for _, d := range rec.d {
		if d <= 0 || d > level {
			t.Errorf("waited %v in a level of %v", d, level)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"120", maxBackoff, true},
		{"99999999999999999999999", maxBackoff, true},
		{"Wed, 25 Nov 2026 12:00:07 GMT", 7 * time.Second, true},
		{"Wednesday, 25-Nov-26 12:00:07 GMT", 7 * time.Second, true},
		{"Wed, 25 Nov 2026 11:59:00 GMT", 0, true},
		{"Thu, 26 Nov 2026 12:00:00 GMT", maxBackoff, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
