package server

import (
	"net/http"
	"runtime"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
)

// DefaultMaxInflight is the bound on requests in flight when none is
// configured: 64 per usable CPU. Each request holds at most a few
// milliseconds of CPU (a signature, a database round trip), so a full
// server clears its backlog well within a second; beyond that a client is
// better served by a prompt 503 and Retry-After than by a queue that grows
// until its own timeout fires.
func DefaultMaxInflight() int { return 64 * runtime.GOMAXPROCS(0) }

// shedLoad bounds the requests in flight to max and answers each request
// over the bound at once with 503 and Retry-After: 1 (for the protocol
// endpoints an OAuth temporarily_unavailable body), without queueing it.
// Liveness and readiness probes are never shed: a busy server is alive and
// ready, and an orchestrator must not restart it for being busy.
func shedLoad(max int, next http.Handler) http.Handler {
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			writeShed(w, r)
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

func writeShed(w http.ResponseWriter, r *http.Request) {
	// Clients on a keep-alive connection retry on it after Retry-After; the
	// connection is not closed, which would cost them a new handshake.
	if strings.HasPrefix(r.URL.Path, "/oauth2/") || strings.HasPrefix(r.URL.Path, "/.well-known/") {
		apierr.WriteJSON(w, r, apierr.New(apierr.TemporarilyUnavailable, "The server is at capacity. Try again later."))
		return
	}
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "The server is at capacity. Try again later.", http.StatusServiceUnavailable)
}
