// Package server assembles Gatehouse's HTTP service: it mounts each feature
// package's routes on one ServeMux, wraps them once in the shared middleware
// (request id, access log, panic recovery, security headers, load shedding,
// cross-origin form protection), serves /healthz, /readyz and static assets, and runs the
// background cleanup of expired rows.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/admin"
	"github.com/gatehouse-auth/gatehouse/internal/admin/console"
	"github.com/gatehouse-auth/gatehouse/internal/branding"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Options is what New needs.
type Options struct {
	Store           store.Store
	Sealer          *keys.Sealer
	BaseURL         string
	SessionLifetime time.Duration
	RefreshGrace    time.Duration
	Logger          *slog.Logger
	Now             func() time.Time
	// Keys may be shared with RunMaintenance; New makes one when nil.
	Keys *keys.Manager
	// MaxInflight bounds the requests served at once; those over it get an
	// immediate 503 with Retry-After. 0 means DefaultMaxInflight.
	MaxInflight int
	// APIRateLimit is Management API requests per minute per API token; 0
	// means admin.DefaultRateLimit.
	APIRateLimit int
	// Events is the System Log writer (eventlog.Start); the caller closes
	// it once the server has stopped. When nil, New writes each event
	// synchronously.
	Events *eventlog.Log
}

// New returns the complete HTTP handler.
func New(o Options) (http.Handler, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	pages, err := web.NewPages()
	if err != nil {
		return nil, err
	}
	sessions := login.NewSessions(o.Store, o.SessionLifetime, httpx.BaseURLIsHTTPS(o.BaseURL), o.Now)
	km := o.Keys
	if km == nil {
		km = keys.NewManager(o.Store, o.Sealer, o.Now)
	}
	if err := warmKeys(o.Store, km); err != nil {
		return nil, err
	}

	events := o.Events
	if events == nil {
		events = eventlog.New(o.Store, o.Now)
	}
	// Administrative changes are recorded before they are answered; the
	// protocol's many events go through the batched writer.
	svc := &domain.Service{Store: o.Store, Events: events.Direct(), Now: o.Now}
	if o.Sealer != nil {
		svc.Sealer = o.Sealer
	}

	consolePages, err := web.NewConsole()
	if err != nil {
		return nil, err
	}
	// One sign-in check, and one throttle, for apps' sign-in and the console's.
	signIn := login.NewAuthenticator(o.Store, events, o.Now)
	// One copy of the sign-in page's branding per replica, refreshed at once
	// when the console saves it here.
	brand := branding.NewCache(o.Store, branding.Lifetime)

	mux := http.NewServeMux()
	protocol := oauth.New(oauth.Config{Store: o.Store, Keys: km, Sessions: sessions, Pages: pages, BaseURL: o.BaseURL,
		RefreshGrace: o.RefreshGrace, Sealer: o.Sealer, Now: o.Now, Events: events, SignIn: signIn, Branding: brand})
	// The API shares the key manager and tells the protocol layer of its
	// changes, so that they apply on this replica at once.
	admin.New(admin.Config{Service: svc, BaseURL: o.BaseURL, RateLimit: o.APIRateLimit,
		Keys: km, AuthServerChanged: protocol.InvalidateAuthServer,
		AppChanged: protocol.InvalidateApp}).Mount(mux)
	console.New(console.Config{Service: svc, Sessions: sessions, SignIn: signIn, Pages: pages, Console: consolePages,
		BaseURL: o.BaseURL, Keys: km, AuthServerChanged: protocol.InvalidateAuthServer,
		AppChanged: protocol.InvalidateApp, Events: events, Branding: brand}).Mount(mux)
	protocol.Mount(mux)
	(&login.Handler{Sessions: sessions, Pages: pages, Events: events}).Mount(mux)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", readyz(o.Store))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login/signout", http.StatusFound) // the session page
	})

	// Cross-origin form posts are refused on top of the per-form CSRF token.
	// Protocol endpoints are meant for cross-origin callers: apps POST to
	// /authorize and call /token, /userinfo, /introspect and /revoke (on
	// sign-out) without cookies; /logout is proven by its id_token_hint.
	cop := http.NewCrossOriginProtection()
	for _, prefix := range []string{"/oauth2/v1/", "/oauth2/{as}/v1/"} {
		for _, ep := range []string{"authorize", "token", "userinfo", "introspect", "revoke", "logout"} {
			cop.AddInsecureBypassPattern("POST " + prefix + ep)
		}
	}
	var h http.Handler = oktaNotFound(mux)
	h = withDeadline(requestTimeout, h)
	h = cop.Handler(h)
	maxInflight := o.MaxInflight
	if maxInflight <= 0 {
		maxInflight = DefaultMaxInflight()
	}
	h = shedLoad(maxInflight, h)
	h = securityHeaders(h, httpx.BaseURLIsHTTPS(o.BaseURL))
	h = recoverPanics(h)
	h = accessLog(o.Logger, h)
	h = requestID(h)
	return h, nil
}

// warmKeys loads (or on first start creates) every server's signing keys
// before serving, so that no request pays for key generation or parsing and
// a wrong master key stops the start with a clear message.
func warmKeys(st store.Store, km *keys.Manager) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers, err := st.ListAuthServers(ctx)
	if err != nil {
		return err
	}
	for _, as := range servers {
		if _, err := km.Get(ctx, as.ID); err != nil {
			return fmt.Errorf("signing keys of authorization server %s: %w", as.ID, err)
		}
	}
	return nil
}

func readyz(st store.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			slog.WarnContext(r.Context(), "not ready", "error", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	}
}

// RunMaintenance runs each replica's background work until ctx ends: every
// minute it deletes expired codes, sessions, refresh tokens and revocation
// records in bounded batches, and rotates the signing keys of every server
// whose current key is older than rotateAfter (0 turns that off). Both are
// safe on many replicas at once: deletes are idempotent and the store
// rotates a server once however many replicas ask.
func RunMaintenance(ctx context.Context, st store.Store, km *keys.Manager, rotateAfter time.Duration, now func() time.Time) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A bound on each round, so a database that stops answering
			// cannot hold a pool connection until it returns.
			round, cancel := context.WithTimeout(ctx, 30*time.Second)
			deleteExpired(round, st, now)
			if rotateAfter > 0 {
				rotateDueKeys(round, st, km, rotateAfter)
			}
			cancel()
		}
	}
}

func deleteExpired(ctx context.Context, st store.Store, now func() time.Time) {
	const batch = 500
	for {
		n, err := st.DeleteExpired(ctx, now(), batch)
		if err != nil {
			slog.Warn("cleanup of expired rows failed", "error", err)
			return
		}
		if n < batch {
			return
		}
	}
}

func rotateDueKeys(ctx context.Context, st store.Store, km *keys.Manager, rotateAfter time.Duration) {
	servers, err := st.ListAuthServers(ctx)
	if err != nil {
		slog.Warn("key rotation check failed", "error", err)
		return
	}
	for _, as := range servers {
		rotated, err := km.RotateIfOlder(ctx, as.ID, rotateAfter)
		switch {
		case err != nil:
			slog.Warn("key rotation failed", "auth_server", as.ID, "error", err)
		case rotated:
			slog.Info("signing keys rotated", "auth_server", as.ID)
		}
	}
}
