package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// DefaultRateLimit is how many requests one API token may make per minute.
const DefaultRateLimit = 600

// Config is what the Management API needs.
type Config struct {
	Service *domain.Service
	BaseURL string
	// RateLimit is requests per minute per API token; 0 means
	// DefaultRateLimit.
	RateLimit int
	// Keys is the signing key manager the protocol endpoints use, so that
	// a rotation through the API takes effect on this replica at once.
	Keys *keys.Manager
	// AuthServerChanged, when set, is told the id of an authorization
	// server whose settings, scopes or policies the API changed (the
	// protocol layer drops its cached copy).
	AuthServerChanged func(authServerID string)
	// AppChanged, when set, is told the client id of an app whose status,
	// settings or secrets changed, so that this replica's protocol
	// endpoints stop serving their cached copy at once.
	AppChanged func(clientID string)
}

// API is the Management API.
type API struct {
	svc     *domain.Service
	st      store.Store
	baseURL string
	limiter *rateLimiter

	keys              *keys.Manager
	authServerChanged func(string)
	appChanged        func(string)
}

// New returns the Management API.
func New(c Config) *API {
	limit := c.RateLimit
	if limit <= 0 {
		limit = DefaultRateLimit
	}
	km := c.Keys
	if km == nil {
		sealer, _ := c.Service.Sealer.(*keys.Sealer)
		now := c.Service.Now
		if now == nil {
			now = time.Now
		}
		km = keys.NewManager(c.Service.Store, sealer, now)
	}
	return &API{svc: c.Service, st: c.Service.Store, baseURL: strings.TrimRight(c.BaseURL, "/"),
		limiter: newRateLimiter(limit, c.Service.Now), keys: km, authServerChanged: c.AuthServerChanged,
		appChanged: c.AppChanged}
}

// Mount registers every /api/v1 route on mux.
func (a *API) Mount(mux *http.ServeMux) {
	a.routeAPITokens(mux)
	a.routeLogs(mux)
	a.routeUsers(mux)
	a.routeUserRoles(mux)
	a.routeGroups(mux)
	a.routeAuthServers(mux)
	a.routeApps(mux)
	a.routeClaims(mux)
}

// handlerFunc is a Management API handler: it writes a success itself and
// returns any failure, which handle renders as Okta's error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route registers h for pattern behind API-token authentication and the
// per-token rate limit.
func (a *API) route(mux *http.ServeMux, pattern string, h handlerFunc) {
	mux.Handle(pattern, a.handle(h))
}

func (a *API) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := a.authenticate(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		tok := caller.Token
		if !a.limiter.allow(w.Header(), tok.ID) {
			writeError(w, r, apierr.New(apierr.APIRateLimited, ""))
			return
		}
		// Enforced here, once, so that no handler can forget it.
		if !permits(caller.Access, r.Method) {
			writeError(w, r, apierr.New(apierr.APIForbidden, ""))
			return
		}
		ctx := eventlog.WithActor(r.Context(), tokenActor(tok))
		ctx = withToken(ctx, tok)
		if err := h(w, r.WithContext(ctx)); err != nil {
			writeError(w, r, err)
		}
	})
}

// permits reports whether a token with this access may make a request
// with this method: a read-only administrator's token may only read.
func permits(access domain.AdminAccess, method string) bool {
	switch access {
	case domain.FullAccess:
		return true
	case domain.ReadOnlyAccess:
		return method == http.MethodGet || method == http.MethodHead
	}
	return false
}

// authenticate checks the SSWS token of the request.
func (a *API) authenticate(r *http.Request) (domain.APICaller, error) {
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "SSWS") || value == "" {
		return domain.APICaller{}, apierr.New(apierr.APIInvalidToken, "")
	}
	caller, err := a.svc.AuthenticateAPIToken(r.Context(), strings.TrimSpace(value))
	if errors.Is(err, store.ErrNotFound) {
		return caller, apierr.New(apierr.APIInvalidToken, "")
	}
	return caller, err
}

// tokenActor is who acts with an API token: its administrator, or the
// token itself when it was made from the command line for no one.
func tokenActor(t store.APIToken) store.EventObject {
	if t.UserID != "" {
		return store.EventObject{ID: t.UserID, Type: "User"}
	}
	return store.EventObject{ID: t.ID, Type: "Token", AlternateID: t.Name, DisplayName: t.Name}
}

// writeError renders err as Okta's error body.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	apierr.WriteJSON(w, r, apierr.ManagementFrom(err))
}

// rateLimiter allows each API token a number of requests per minute (a
// fixed window per replica) and reports it in Okta's X-Rate-Limit headers.
type rateLimiter struct {
	limit int
	now   func() time.Time
	mu    sync.Mutex
	win   map[string]*window
}

type window struct {
	start time.Time
	used  int
}

func newRateLimiter(limit int, now func() time.Time) *rateLimiter {
	if now == nil {
		now = time.Now
	}
	return &rateLimiter{limit: limit, now: now, win: map[string]*window{}}
}

func (l *rateLimiter) allow(h http.Header, key string) bool {
	now := l.now()
	l.mu.Lock()
	w := l.win[key]
	if w == nil || now.Sub(w.start) >= time.Minute {
		if len(l.win) > 10000 { // forget stale windows rather than grow without bound
			for k, old := range l.win {
				if now.Sub(old.start) >= time.Minute {
					delete(l.win, k)
				}
			}
		}
		w = &window{start: now.Truncate(time.Minute)}
		l.win[key] = w
	}
	ok := w.used < l.limit
	if ok {
		w.used++
	}
	remaining, reset := l.limit-w.used, w.start.Add(time.Minute).Unix()
	l.mu.Unlock()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(l.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
	return ok
}

// appChange wraps a handler that changes the app named by the appId path
// value so that the protocol layer drops its cached copy. The handler
// answers before it returns, so the copy is dropped before (a client that
// acts on the answer finds no stale copy) and again after (a request that
// reloaded it meanwhile may have read the old row).
func (a *API) appChange(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if a.appChanged == nil {
			return h(w, r)
		}
		defer a.appChanged(r.PathValue("appId"))
		a.appChanged(r.PathValue("appId"))
		return h(w, r)
	}
}
