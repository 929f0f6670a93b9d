package loadtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRoundTrip compares one worker's request cost with net/http's
// transport and with ConnTransport, against a local server answering a
// 1 KB JSON body. The server's own work (same process) is in the figures.
// The raw case skips http.Client (cookie jar, redirect policy), to show
// what keeping it costs. cpu-ns/op is the process's CPU time per request
// (client and server), steadier than ns/op on a busy machine.
func BenchmarkRoundTrip(b *testing.B) {
	payload := body(1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		io.WriteString(w, payload)
	}))
	defer srv.Close()
	u := srv.URL + "/oauth2/default/v1/keys"

	client := func(b *testing.B, hc *http.Client) {
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			status, _, got, err := do(ctx, hc, "jwks", http.MethodGet, u, nil, nil)
			cancel()
			if err != nil || status != 200 || len(got) != len(payload) {
				b.Fatalf("%d %d %v", status, len(got), err)
			}
		}
	}
	b.Run("transport=net-http", func(b *testing.B) {
		defer reportCPU(b)()
		tr := netHTTPTransport(1)
		defer tr.CloseIdleConnections()
		client(b, NewClient(tr))
	})
	b.Run("transport=conn", func(b *testing.B) {
		defer reportCPU(b)()
		tr := new(ConnTransport)
		defer tr.CloseIdleConnections()
		client(b, NewClient(tr))
	})
	b.Run("transport=conn-no-client", func(b *testing.B) {
		defer reportCPU(b)()
		tr := new(ConnTransport)
		defer tr.CloseIdleConnections()
		buf := make([]byte, 4096)
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			req.Header.Set("Accept", "application/json")
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for err == nil {
				var k int
				k, err = resp.Body.Read(buf[n:])
				n += k
			}
			resp.Body.Close()
			cancel()
			if err != io.EOF || n != len(payload) {
				b.Fatalf("%d %v", n, err)
			}
		}
	})
}

// reportCPU reports allocations, and the process's CPU time per operation
// from now until the returned function runs.
func reportCPU(b *testing.B) func() {
	b.ReportAllocs()
	start, ok := processCPU()
	return func() {
		if end, _ := processCPU(); ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
