package oauth

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// appCacheTTL bounds how long a replica trusts its copy of an app: a
// change made elsewhere (a deactivation, a new redirect URI, a secret
// deactivated) takes effect within it, and the token and authorize paths skip a
// database read per request.
const appCacheTTL = 5 * time.Second

type cachedApp struct {
	app    store.App
	loaded time.Time
}

// app returns the app with this client id, from the cache when fresh.
// Unknown ids are not cached, so a guessed id costs a read each time but
// cannot fill memory.
func (h *Handler) app(ctx context.Context, clientID string) (store.App, error) {
	now := h.now()
	h.mu.RLock()
	c, ok := h.apps[clientID]
	h.mu.RUnlock()
	if ok && now.Sub(c.loaded) < appCacheTTL && now.Sub(c.loaded) >= 0 {
		return c.app, nil
	}
	return h.reloadApp(ctx, clientID, now)
}

// reloadApp reads an app from the store and caches it. Client
// authentication calls it when a secret does not match the cached copy,
// which may predate a secret just created or activated: a rotated-in
// secret works at once, while a removed one lasts at most appCacheTTL.
func (h *Handler) reloadApp(ctx context.Context, clientID string, now time.Time) (store.App, error) {
	app, err := h.store.GetApp(ctx, clientID)
	if err != nil {
		return app, err
	}
	h.mu.Lock()
	if len(h.apps) > 10_000 {
		clear(h.apps) // bounded: a burst of distinct clients starts the cache over
	}
	h.apps[clientID] = cachedApp{app: app, loaded: now}
	h.mu.Unlock()
	return app, nil
}

// InvalidateApp drops this replica's cached copy of an app, so that a
// change made through the Management API takes effect here at once.
func (h *Handler) InvalidateApp(clientID string) {
	h.mu.Lock()
	delete(h.apps, clientID)
	h.mu.Unlock()
}
