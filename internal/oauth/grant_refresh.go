package oauth

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

const invalidRefresh = "The refresh token is invalid or expired."

// refreshTokenGrant serves grant_type=refresh_token (RFC 6749 §6). The
// presented token is rotated on every use (RFC 9700 §4.14.2): the answer
// carries its successor, and presenting a retired token again after the
// grace period ends the whole grant.
func (h *Handler) refreshTokenGrant(r *http.Request, req *tokenRequest) (wire.TokenResponse, *apierr.Error) {
	var resp wire.TokenResponse
	value := req.params["refresh_token"]
	if value == "" {
		return resp, apierr.New(apierr.InvalidRequest, "The 'refresh_token' parameter is required.")
	}
	hash := domain.HashSecret(value)
	// A blank scope asks for no narrowing: it means the granted scope, as an
	// omitted one does (RFC 6749 §6), not a token without scopes.
	requested := req.params["scope"]
	hasScope := strings.TrimSpace(requested) != ""
	policies, needs, aerr := h.policyNeeds(r.Context(), req.as, req.app.ClientID, domain.GrantRefreshToken)
	if aerr != nil {
		return resp, aerr
	}
	var cur store.RefreshToken // read only when the scope or the policy needs it
	if hasScope || needs.User || needs.Groups || needs.Scopes {
		// Check a narrowed scope before rotating, so that a bad request does
		// not spend the token.
		var err error
		cur, err = h.store.GetRefreshToken(r.Context(), hash)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return resp, apierr.Internal(err)
		}
		if err != nil || cur.ClientID != req.app.ClientID || cur.AuthServerID != req.as.ID {
			return resp, apierr.New(apierr.InvalidGrant, invalidRefresh)
		}
		for _, s := range strings.Fields(requested) {
			if !slices.Contains(cur.Scopes, s) {
				return resp, apierr.New(apierr.InvalidScope, "The requested scope exceeds the scope granted by the resource owner.")
			}
		}
	}
	policyScopes := cur.Scopes
	if hasScope {
		policyScopes = domain.UniqueFields(requested)
	}
	rule, aerr := h.evaluatePolicy(r.Context(), policies, domain.PolicyRequest{ClientID: req.app.ClientID,
		GrantType: domain.GrantRefreshToken, UserID: cur.UserID, Scopes: policyScopes})
	if aerr != nil {
		return resp, aerr
	}
	now := h.now()
	nextValue := domain.RandomToken(32)
	next := store.RefreshToken{
		Hash: domain.HashSecret(nextValue), AccessTokenJTI: domain.RandomToken(24),
		AccessTokenExpiresAt: now.Add(effectiveAccessLifetime(rule)), Created: now, IdleExpiresAt: now.Add(refreshWindow(rule)),
	}
	old, user, err := h.store.RotateRefreshToken(r.Context(), hash, req.app.ClientID, req.as.ID, next, now, h.refreshGrace)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		h.recordReuse(r, req, "refresh token")
		// The store returns no token with ErrAlreadyUsed: log no family id.
		slog.WarnContext(r.Context(), "refresh token reuse detected: grant revoked",
			"client_id", req.app.ClientID, "auth_server", req.as.ID)
		return resp, apierr.New(apierr.InvalidGrant, invalidRefresh)
	case errors.Is(err, store.ErrNotFound):
		return resp, apierr.New(apierr.InvalidGrant, invalidRefresh)
	case err != nil:
		return resp, apierr.Internal(err)
	case user.Status != store.StatusActive:
		return resp, apierr.New(apierr.InvalidGrant, invalidRefresh)
	}
	if aerr := h.stillAssigned(r, req.app.ClientID, user.ID); aerr != nil {
		return resp, aerr
	}
	scopes := old.Scopes
	if hasScope {
		scopes = domain.UniqueFields(requested)
	}
	set, err := h.keys.Get(r.Context(), req.as.ID)
	if err != nil {
		return resp, apierr.Internal(err)
	}
	accessClaims, idClaims, aerr := h.tokenClaims(r, req, &user, scopes, old.AMR)
	if aerr != nil {
		return resp, aerr
	}
	issued, err := token.Mint(set, token.Grant{
		Issuer: req.as.Issuer, Audience: req.as.Audience, IDP: h.orgID, ClientID: req.app.ClientID, User: user,
		Scopes: scopes, AuthTime: old.AuthTime, AMR: old.AMR, AccessTokenJTI: next.AccessTokenJTI,
		AccessTokenLifetime: domain.RuleAccessLifetime(rule),
		AccessClaims:        accessClaims, IDClaims: idClaims,
	}, now)
	if err != nil {
		return resp, apierr.Internal(err)
	}
	req.issued, req.user = issued, user
	return wire.TokenResponse{
		TokenType: "Bearer", ExpiresIn: issued.ExpiresIn, AccessToken: issued.AccessToken,
		Scope: strings.Join(scopes, " "), RefreshToken: nextValue, IDToken: issued.IDToken,
	}, nil
}

// issueRefreshToken starts a refresh token family for a new grant when the
// client asked for offline_access and may use the refresh_token grant.
func (h *Handler) issueRefreshToken(r *http.Request, req *tokenRequest, rule store.PolicyRule, familyID string, user store.User,
	scopes, amr []string, authTime time.Time, accessJTI string, accessExp, now time.Time) (string, *apierr.Error) {
	if !slices.Contains(scopes, domain.ScopeOfflineAccess) || !slices.Contains(req.app.GrantTypes, domain.GrantRefreshToken) {
		return "", nil
	}
	value := domain.RandomToken(32)
	rt := store.RefreshToken{
		Hash: domain.HashSecret(value), FamilyID: familyID, AuthServerID: req.as.ID, ClientID: req.app.ClientID,
		UserID: user.ID, Scopes: scopes, AMR: amr, AuthTime: authTime, AccessTokenJTI: accessJTI,
		AccessTokenExpiresAt: accessExp, Created: now, IdleExpiresAt: now.Add(refreshWindow(rule)),
		ExpiresAt: refreshEnd(req.as, rule, now),
	}
	if err := h.store.CreateRefreshToken(r.Context(), rt); errors.Is(err, store.ErrAlreadyUsed) {
		// The code was replayed while this exchange ran: the grant is void.
		return "", apierr.New(apierr.InvalidGrant, invalidCode)
	} else if err != nil {
		return "", apierr.Internal(err)
	}
	return value, nil
}
