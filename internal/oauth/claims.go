package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/expr"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Custom claims of custom authorization servers (Okta's OAuth2Claim):
// RESOURCE claims go into access tokens, IDENTITY claims into ID tokens
// (alwaysIncludeInToken) and /userinfo (all of them). The org server has
// none. A claim that fails is left out, logged and recorded as
// app.oauth2.as.evaluate.claim; it never fails the request.

// claimCacheTTL bounds how long a replica serves a server's claims from
// memory: a change made on another replica applies within it; one made on
// this replica applies at once, as InvalidateAuthServer drops the server
// entry that holds the cache.
const claimCacheTTL = 10 * time.Second

// claimCache holds a server's parsed claims on its cached authServer.
type claimCache struct {
	mu     sync.Mutex
	set    *domain.ClaimSet
	loaded time.Time
}

// claimSet returns the server's active custom claims, parsed once per
// load; nil for the org server.
func (h *Handler) claimSet(ctx context.Context, as *authServer) (*domain.ClaimSet, error) {
	if as.ID == store.OrgServerID {
		return nil, nil
	}
	now := h.now()
	as.claims.mu.Lock()
	set, loaded := as.claims.set, as.claims.loaded
	as.claims.mu.Unlock()
	if set != nil && now.Sub(loaded) < claimCacheTTL && now.Sub(loaded) >= 0 {
		return set, nil
	}
	claims, err := h.store.ListClaims(ctx, as.ID)
	if err != nil {
		return nil, err
	}
	set = domain.NewClaimSet(claims)
	as.claims.mu.Lock()
	as.claims.set, as.claims.loaded = set, now
	as.claims.mu.Unlock()
	return set, nil
}

// claimEnv is what claim expressions read for a grant; user nil is a grant
// without a user (client credentials). The user's groups are read only if
// a claim needs them, at most once.
func (h *Handler) claimEnv(ctx context.Context, user *store.User, clientID string, amr []string) *expr.Env {
	var groups func() ([]expr.Group, error)
	if user != nil {
		groups = domain.UserGroups(ctx, h.store, user.ID)
	}
	return domain.ClaimEnv(user, clientID, amr, groups)
}

// tokenClaims evaluates the custom claims of a token request: those of the
// access token, and those of the ID token when one is issued (openid and a
// user). Only reading the claims from the store can fail the request.
func (h *Handler) tokenClaims(r *http.Request, req *tokenRequest, user *store.User, scopes, amr []string) (access, id map[string]any, aerr *apierr.Error) {
	set, err := h.claimSet(r.Context(), req.as)
	if err != nil {
		return nil, nil, apierr.Internal(err)
	}
	if set.Empty() {
		return nil, nil, nil
	}
	env := h.claimEnv(r.Context(), user, req.app.ClientID, amr)
	access, id, errs := set.TokenClaims(scopes, env, user != nil)
	h.recordClaimFailures(r, req.as, req.app.ClientID, errs)
	return access, id, nil
}

// recordClaimFailures logs each claim left out because it failed, and
// records it in the System Log.
func (h *Handler) recordClaimFailures(r *http.Request, as *authServer, clientID string, errs []error) {
	for _, err := range errs {
		slog.WarnContext(r.Context(), "custom claim left out: evaluation failed",
			"auth_server", as.ID, "client_id", clientID, "error", err)
		e := store.Event{
			EventType: eventType(as, "evaluate.claim"), DisplayMessage: "Evaluate custom claim",
			Severity: "WARN", Outcome: "FAILURE", Reason: err.Error(),
			Actor: store.EventObject{ID: clientID, Type: "PublicClientApp"},
			Debug: map[string]string{"authorizationServerId": as.ID, "authorizationServerName": as.Name},
		}
		var ce *domain.ClaimError
		if errors.As(err, &ce) {
			e.Targets = []store.EventObject{{ID: ce.ClaimID, Type: "OAuth2Claim", AlternateID: ce.ClaimName, DisplayName: ce.ClaimName}}
		}
		h.record(r, e)
	}
}
