package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/branding"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Handler serves the protocol endpoints.
type Handler struct {
	store store.Store
	// revocations answers concurrent revocation checks with one query.
	revocations *revocationLookups
	keys        *keys.Manager
	sessions    *login.Sessions
	passwords   *login.Authenticator
	branding    *branding.Cache
	pages       *web.Pages
	baseURL     string
	orgID       string
	now         func() time.Time
	grants      map[string]grantHandler

	refreshGrace time.Duration

	// sealer opens the sealed secrets of client_secret_jwt apps;
	// clientKeys finds the public keys of private_key_jwt apps.
	sealer     *keys.Sealer
	clientKeys *clientKeys
	// events records sign-ins, grants and revocations in the System Log.
	events eventlog.Recorder

	mu       sync.RWMutex
	servers  map[string]*authServer
	scopes   map[string]cachedScopes
	apps     map[string]cachedApp
	jwts     verifiedJWTs
	policies map[string]cachedPolicies
}

// Config is what New needs.
type Config struct {
	Store    store.Store
	Keys     *keys.Manager
	Sessions *login.Sessions
	Pages    *web.Pages
	// BaseURL is the public base URL without a trailing slash.
	BaseURL string
	// RefreshGrace is how long a rotated-out refresh token still works, so
	// that a client retrying a lost answer is not taken for a thief.
	RefreshGrace time.Duration
	// Sealer opens the client secrets that client_secret_jwt apps keep
	// sealed with the master key.
	Sealer *keys.Sealer
	Now    func() time.Time
	// Events records the System Log; nil records nothing.
	Events eventlog.Recorder
	// SignIn checks the hosted sign-in form; New makes one when nil. The
	// server shares one with the Admin Console, so both count failures
	// against the same throttle.
	SignIn *login.Authenticator
	// Branding gives the hosted sign-in page its look; New makes one when nil.
	Branding *branding.Cache
}

// New returns the protocol handler.
func New(c Config) *Handler {
	h := &Handler{
		store: c.Store, keys: c.Keys, sessions: c.Sessions, pages: c.Pages, baseURL: c.BaseURL,
		orgID: domain.OrgID(c.BaseURL), now: c.Now, servers: map[string]*authServer{}, scopes: map[string]cachedScopes{}, apps: map[string]cachedApp{},
		policies:     map[string]cachedPolicies{},
		refreshGrace: c.RefreshGrace,
		passwords:    c.SignIn,
		branding:     c.Branding,
		sealer:       c.Sealer,
		clientKeys:   newClientKeys(c.Now),
		events:       c.Events,
	}
	h.revocations = newRevocationLookups(revocationQueriesAtOnce, c.Store.RevokedAmong)
	if h.branding == nil {
		h.branding = branding.NewCache(c.Store, branding.Lifetime)
	}
	if h.passwords == nil {
		h.passwords = login.NewAuthenticator(c.Store, c.Events, c.Now)
	}
	h.grants = map[string]grantHandler{
		domain.GrantAuthorizationCode: h.authorizationCodeGrant,
		domain.GrantRefreshToken:      h.refreshTokenGrant,
		domain.GrantClientCredentials: h.clientCredentialsGrant,
	}
	return h
}

// Mount registers every endpoint of the org server and of custom servers.
func (h *Handler) Mount(mux *http.ServeMux) {
	for _, prefix := range []string{"/oauth2", "/oauth2/{as}"} {
		mux.HandleFunc("GET "+prefix+"/v1/authorize", h.withServer(h.authorize))
		mux.HandleFunc("POST "+prefix+"/v1/authorize", h.withServer(h.authorize))
		mux.HandleFunc("POST "+prefix+"/v1/signin", h.withServer(h.signIn))
		mux.HandleFunc("GET "+prefix+"/v1/logout", h.withServer(h.logout))
		mux.HandleFunc("POST "+prefix+"/v1/logout", h.withServer(h.logout))
		// Endpoints that browser apps call with fetch: no cookies are involved,
		// so any origin may read the answers (CORS without credentials).
		for _, ep := range []struct {
			path    string
			methods []string
			handle  serverHandler
		}{
			{"/v1/token", []string{"POST"}, h.token},
			{"/v1/introspect", []string{"POST"}, h.introspect},
			{"/v1/revoke", []string{"POST"}, h.revoke},
			{"/v1/userinfo", []string{"GET", "POST"}, h.userinfo},
			{"/v1/keys", []string{"GET"}, h.jwks},
		} {
			for _, m := range ep.methods {
				mux.HandleFunc(m+" "+prefix+ep.path, cors(h.withServer(ep.handle)))
			}
			mux.HandleFunc("OPTIONS "+prefix+ep.path, preflight(ep.methods))
		}
	}
	// Discovery: the org server's documents sit at the root, a custom
	// server's under its issuer (OIDC Discovery §4, RFC 8414 §3).
	mux.HandleFunc("GET /.well-known/openid-configuration", cors(h.withServer(h.openIDConfiguration)))
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", cors(h.withServer(h.oauthMetadata)))
	mux.HandleFunc("GET /oauth2/{as}/.well-known/openid-configuration", cors(h.withServer(h.openIDConfiguration)))
	mux.HandleFunc("GET /oauth2/{as}/.well-known/oauth-authorization-server", cors(h.withServer(h.oauthMetadata)))
}

// authServer is a resolved authorization server with its derived URLs.
type authServer struct {
	store.AuthServer
	Issuer   string
	Audience string
	// Endpoints is the URL prefix of the /v1/… endpoints; EndpointsPath
	// is its path alone.
	Endpoints     string
	EndpointsPath string

	loaded time.Time
	// The discovery documents, rendered for the signing algorithms docAlgs
	// (those of the server's published keys).
	docMu    sync.Mutex
	docAlgs  string
	oidcDoc  []byte
	oauthDoc []byte
	// claims caches the server's custom claims (claims.go); it goes when
	// the entry does.
	claims claimCache
}

type serverHandler func(w http.ResponseWriter, r *http.Request, as *authServer)

// withServer resolves the authorization server named in the path, answering
// Okta's 404 body for an unknown or inactive one.
func (h *Handler) withServer(next serverHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("as")
		as, err := h.server(r.Context(), id)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				apierr.WriteJSON(w, r, apierr.Newf(apierr.NotFound, "Not found: Resource not found: %s (AuthorizationServer)", printableID(id)))
				return
			}
			apierr.WriteJSON(w, r, apierr.Internal(err))
			return
		}
		next(w, r, as)
	}
}

// serverCacheTTL bounds how long a replica serves an authorization server
// from memory: a server deactivated or changed elsewhere is seen within it.
const serverCacheTTL = 30 * time.Second

// server returns the authorization server for a path id ("" is the org
// server), cached for serverCacheTTL.
func (h *Handler) server(ctx context.Context, pathID string) (*authServer, error) {
	id := pathID
	switch {
	case pathID == "":
		id = store.OrgServerID
	case pathID == store.OrgServerID || len(pathID) > 64:
		return nil, store.ErrNotFound // the org server is only served without an id
	}
	now := h.now()
	h.mu.RLock()
	as, ok := h.servers[id]
	h.mu.RUnlock()
	if ok && now.Sub(as.loaded) < serverCacheTTL && now.Sub(as.loaded) >= 0 {
		return as, nil
	}
	rec, err := h.store.GetAuthServer(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.Status != store.StatusActive {
		return nil, store.ErrNotFound
	}
	as = &authServer{AuthServer: rec, loaded: now}
	if id == store.OrgServerID {
		as.Issuer, as.Audience, as.EndpointsPath = h.baseURL, h.baseURL, "/oauth2/v1"
	} else {
		as.Issuer, as.Audience, as.EndpointsPath = h.baseURL+"/oauth2/"+id, rec.Audience, "/oauth2/"+id+"/v1"
	}
	as.Endpoints = h.baseURL + as.EndpointsPath
	h.mu.Lock()
	h.servers[id] = as
	h.mu.Unlock()
	return as, nil
}

// cors lets any origin read the answer; requests carry no cookies.
func cors(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		next(w, r)
	}
}

// preflight answers a CORS pre-flight request for an endpoint.
func preflight(methods []string) http.HandlerFunc {
	allow := strings.Join(append(methods, "OPTIONS"), ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", allow)
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
		h.Set("Access-Control-Max-Age", "3600")
		w.WriteHeader(http.StatusNoContent)
	}
}

func printableID(id string) string {
	out := make([]rune, 0, len(id))
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
