package oauth

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// Access policies of custom authorization servers: every token request to
// a custom server must be allowed by a rule of its first policy that
// covers the client (domain.EvaluatePolicy); the rule sets the token
// lifetimes. The org server has no policies and keeps fixed lifetimes.

// policyDenied is Okta's description of a request no rule allows, at
// /authorize (redirected as access_denied) and at /token (403
// access_denied).
const policyDenied = "Policy evaluation failed for this request, please check the policy configurations."

// policyCacheTTL bounds how long a replica serves a server's policies from
// memory: a change made on another replica applies within it; one made on
// this replica applies at once (InvalidateAuthServer).
const policyCacheTTL = 10 * time.Second

type cachedPolicies struct {
	set    *domain.PolicySet
	loaded time.Time
}

// policySet returns the server's active policies and rules, from the
// cache when fresh (two store reads when not).
func (h *Handler) policySet(ctx context.Context, asID string) (*domain.PolicySet, error) {
	now := h.now()
	h.mu.RLock()
	c, ok := h.policies[asID]
	h.mu.RUnlock()
	if ok && now.Sub(c.loaded) < policyCacheTTL && now.Sub(c.loaded) >= 0 {
		return c.set, nil
	}
	pols, err := h.store.ListAccessPolicies(ctx, asID)
	if err != nil {
		return nil, err
	}
	rules, err := h.store.ListPolicyRules(ctx, asID, "")
	if err != nil {
		return nil, err
	}
	set := domain.NewPolicySet(pols, rules)
	h.mu.Lock()
	h.policies[asID] = cachedPolicies{set: set, loaded: now}
	h.mu.Unlock()
	return set, nil
}

// InvalidateAuthServer drops what this replica caches about a server (its
// settings, custom scopes and policies), so that a change made through the
// Management API applies to the next request.
func (h *Handler) InvalidateAuthServer(asID string) {
	h.mu.Lock()
	delete(h.servers, asID)
	delete(h.scopes, asID)
	delete(h.policies, asID)
	h.mu.Unlock()
}

// stillAssigned refuses a grant (invalid_grant) to a user who is no longer
// assigned to the app: a code or a refresh token outlives the assignment
// it was issued under. One query.
func (h *Handler) stillAssigned(r *http.Request, clientID, userID string) *apierr.Error {
	assigned, err := h.store.UserAssigned(r.Context(), clientID, userID)
	if err != nil {
		return apierr.Internal(err)
	}
	if !assigned {
		return apierr.New(apierr.InvalidGrant, "The user is not assigned to the client application.")
	}
	return nil
}

// policyRule finds the rule that allows a request to a custom server, or
// the zero rule for the org server. The user's groups are read only when a
// rule that may decide the request names groups.
func (h *Handler) policyRule(ctx context.Context, as *authServer, req domain.PolicyRequest) (store.PolicyRule, *apierr.Error) {
	if as.ID == store.OrgServerID {
		return store.PolicyRule{}, nil
	}
	set, err := h.policySet(ctx, as.ID)
	if err != nil {
		return store.PolicyRule{}, apierr.Internal(err)
	}
	return h.evaluatePolicy(ctx, set, req)
}

// evaluatePolicy judges req against set; a nil set (the org server's)
// allows it with the zero rule.
func (h *Handler) evaluatePolicy(ctx context.Context, set *domain.PolicySet, req domain.PolicyRequest) (store.PolicyRule, *apierr.Error) {
	if set == nil {
		return store.PolicyRule{}, nil
	}
	if req.UserID != "" && req.GroupIDs == nil && set.Needs(req.ClientID, req.GrantType).Groups {
		groups, err := h.store.ListUserGroups(ctx, req.UserID)
		if err != nil {
			return store.PolicyRule{}, apierr.Internal(err)
		}
		for _, g := range groups {
			req.GroupIDs = append(req.GroupIDs, g.ID)
		}
	}
	rule, ok := domain.EvaluatePolicy(set, req)
	if !ok {
		return rule, apierr.New(apierr.AccessDenied, policyDenied)
	}
	return rule, nil
}

// refreshWindow is how long a refresh token lives unused under the rule.
func refreshWindow(rule store.PolicyRule) time.Duration {
	if rule.RefreshWindowMinutes == 0 {
		return token.RefreshIdleWindow
	}
	return time.Duration(rule.RefreshWindowMinutes) * time.Minute
}

// refreshEnd is the absolute end of a new refresh token family: the org
// server's fixed lifetime, the rule's refresh lifetime, or none (zero).
func refreshEnd(as *authServer, rule store.PolicyRule, now time.Time) time.Time {
	switch {
	case as.ID == store.OrgServerID:
		return now.Add(token.OrgRefreshLifetime)
	case rule.RefreshTokenMinutes > 0:
		return now.Add(time.Duration(rule.RefreshTokenMinutes) * time.Minute)
	}
	return time.Time{}
}

// effectiveAccessLifetime is the lifetime of the access token a rule
// makes Mint sign.
func effectiveAccessLifetime(rule store.PolicyRule) time.Duration {
	if rule.AccessTokenMinutes == 0 {
		return token.AccessTokenLifetime
	}
	return domain.RuleAccessLifetime(rule)
}

// policyNeeds returns a custom server's policies and what judging a
// client's requests against them may depend on; the org server has none
// (nil set, no needs). The caller evaluates against this same set.
func (h *Handler) policyNeeds(ctx context.Context, as *authServer, clientID, grantType string) (*domain.PolicySet, domain.PolicyNeeds, *apierr.Error) {
	if as.ID == store.OrgServerID {
		return nil, domain.PolicyNeeds{}, nil
	}
	set, err := h.policySet(ctx, as.ID)
	if err != nil {
		return nil, domain.PolicyNeeds{}, apierr.Internal(err)
	}
	return set, set.Needs(clientID, grantType), nil
}
