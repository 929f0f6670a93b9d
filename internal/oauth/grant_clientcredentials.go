package oauth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// clientCredentialsGrant serves grant_type=client_credentials (RFC 6749
// §4.4): an access token for the client itself, with custom scopes of a
// custom authorization server; no ID token, no refresh token.
func (h *Handler) clientCredentialsGrant(r *http.Request, req *tokenRequest) (wire.TokenResponse, *apierr.Error) {
	var resp wire.TokenResponse
	if req.as.ID == store.OrgServerID {
		return resp, apierr.New(apierr.InvalidScope, "Custom scopes are not allowed for this request.")
	}
	defined, err := h.customScopes(r.Context(), req.as.ID)
	if err != nil {
		return resp, apierr.Internal(err)
	}
	scopes, err := domain.ClientCredentialsScopes(domain.UniqueFields(req.params["scope"]), defined)
	if err != nil {
		return resp, refusal(err)
	}
	rule, aerr := h.policyRule(r.Context(), req.as, domain.PolicyRequest{ClientID: req.app.ClientID,
		GrantType: domain.GrantClientCredentials, Scopes: scopes})
	if aerr != nil {
		return resp, aerr
	}
	set, err := h.keys.Get(r.Context(), req.as.ID)
	if err != nil {
		return resp, apierr.Internal(err)
	}
	// No user: user.* is null in the claims' expressions.
	accessClaims, _, aerr := h.tokenClaims(r, req, nil, scopes, nil)
	if aerr != nil {
		return resp, aerr
	}
	issued, err := token.Mint(set, token.Grant{
		Issuer: req.as.Issuer, Audience: req.as.Audience, ClientID: req.app.ClientID, Scopes: scopes,
		AccessTokenJTI: domain.RandomToken(24), AccessTokenLifetime: domain.RuleAccessLifetime(rule),
		AccessClaims: accessClaims,
	}, h.now())
	if err != nil {
		return resp, apierr.Internal(err)
	}
	req.issued = issued
	return wire.TokenResponse{TokenType: "Bearer", ExpiresIn: issued.ExpiresIn, AccessToken: issued.AccessToken,
		Scope: strings.Join(scopes, " ")}, nil
}

// scopeCacheTTL bounds how long a replica serves a server's custom scopes
// from memory; a scope added elsewhere is usable within it.
const scopeCacheTTL = 10 * time.Second

type cachedScopes struct {
	scopes []store.Scope
	loaded time.Time
}

// customScopes returns the custom scopes of a server, cached briefly so the
// token and authorize paths do not read them on every request.
func (h *Handler) customScopes(ctx context.Context, asID string) ([]store.Scope, error) {
	if asID == store.OrgServerID {
		return nil, nil
	}
	h.mu.RLock()
	c, ok := h.scopes[asID]
	h.mu.RUnlock()
	if ok && h.now().Sub(c.loaded) < scopeCacheTTL {
		return c.scopes, nil
	}
	scopes, err := h.store.ListScopes(ctx, asID)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.scopes[asID] = cachedScopes{scopes: scopes, loaded: h.now()}
	h.mu.Unlock()
	return scopes, nil
}
