package server

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/web"
)

type ctxKey struct{}

// RequestID returns the id the request was logged under.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := domain.RandomToken(12)
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Okta-Request-Id", id) // Okta's SDKs echo it when they retry
		ctx := context.WithValue(r.Context(), ctxKey{}, id)
		ctx = eventlog.WithRequest(ctx, eventlog.Request{ID: id, IP: httpx.ClientIP(r), UserAgent: r.UserAgent()})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// accessLog logs one line per request: never the query or body, which can
// carry codes, secrets and tokens.
func accessLog(l *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		l.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", RequestID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)))
	})
}

// requestTimeout bounds how long a request may wait on the database (and on
// anything else that honours its context). A PostgreSQL server that stops
// answering without closing its connections (a host gone from the network,
// a stuck proxy) would otherwise hold each request, and a pool connection,
// until the client gave up: instead the store reports the deadline as
// store.ErrUnavailable and the client gets a prompt 503
// temporarily_unavailable with Retry-After.
const requestTimeout = 5 * time.Second

func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()), "panic", v, "stack", string(debug.Stack()))
				apierr.WriteJSON(w, r, apierr.New(apierr.ServerError, ""))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders applies a strict Content-Security-Policy (no inline script
// or style) and the usual hardening headers to every response, and HSTS
// when the server is published over https.
func securityHeaders(next http.Handler, https bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("Content-Security-Policy", web.ContentSecurityPolicy("'none'"))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func staticFiles() http.Handler {
	fsys := web.Static()
	server := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := fs.Stat(fsys, r.URL.Path); err != nil || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		server.ServeHTTP(w, r)
	})
}

// oktaNotFound answers requests that match no route as Okta does, with its
// JSON error body: 404 E0000007 for an unknown path, 405 E0000022 (with
// the mux's Allow header) for a known path and a wrong method.
func oktaNotFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusProbe{header: http.Header{}}
		mux.ServeHTTP(probe, r) // the mux's own 404 or 405; only its status and Allow are kept
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			apierr.WriteJSON(w, r, apierr.New(apierr.MethodNotAllowed, ""))
			return
		}
		apierr.WriteJSON(w, r, apierr.Newf(apierr.NotFound, "Not found: Resource not found: %s", r.URL.Path))
	})
}

// statusProbe records a status and headers and discards the body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }
