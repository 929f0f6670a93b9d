package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

const invalidCode = "The authorization code is invalid or has expired."

// authorizationCodeGrant exchanges a code (RFC 6749 §4.1.3, RFC 7636 §4.6).
// The code is consumed before any other check, so a code presented with a
// wrong verifier or by the wrong client cannot be tried again; a second
// redemption revokes the access and refresh tokens the first one issued
// (RFC 6749 §10.5).
func (h *Handler) authorizationCodeGrant(r *http.Request, req *tokenRequest) (wire.TokenResponse, *apierr.Error) {
	var resp wire.TokenResponse
	p := req.params
	if p["code"] == "" {
		return resp, apierr.New(apierr.InvalidRequest, "The 'code' parameter is required.")
	}
	if p["redirect_uri"] == "" {
		return resp, apierr.New(apierr.InvalidRequest, "The 'redirect_uri' parameter is required.")
	}
	verifier, hasVerifier := p["code_verifier"]
	if hasVerifier && !isPKCEValue(verifier, 43, 128) {
		return resp, apierr.New(apierr.InvalidRequest, "The 'code_verifier' parameter must be 43 to 128 unreserved characters.")
	}
	now := h.now()
	code, user, err := h.store.RedeemCode(r.Context(), domain.HashSecret(p["code"]), now)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		h.recordReuse(r, req, "authorization code")
		// Replay: whoever holds this code may be an attacker; the token the
		// first exchange issued can no longer be trusted.
		// Kept as long as the longest access token a policy rule allows.
		exp := code.Created.Add(token.CodeLifetime + domain.MaxAccessTokenMinutes*time.Minute)
		if rerr := h.store.RevokeToken(r.Context(), store.AccessTokenPrefix+code.AccessTokenJTI, exp); rerr != nil {
			return resp, apierr.Internal(rerr)
		}
		if rerr := h.store.RevokeRefreshFamily(r.Context(), code.Hash, now); rerr != nil {
			return resp, apierr.Internal(rerr)
		}
		return resp, apierr.New(apierr.InvalidGrant, invalidCode)
	case errors.Is(err, store.ErrNotFound):
		return resp, apierr.New(apierr.InvalidGrant, invalidCode)
	case err != nil:
		return resp, apierr.Internal(err)
	}
	switch {
	case code.AuthServerID != req.as.ID:
		return resp, apierr.New(apierr.InvalidGrant, invalidCode)
	case code.ClientID != req.app.ClientID:
		return resp, apierr.New(apierr.InvalidGrant,
			"The grant was issued to another client. Ensure that the 'client_id' matches the one used at the authorize request.")
	case code.RedirectURI != p["redirect_uri"]:
		return resp, apierr.New(apierr.InvalidGrant,
			"The 'redirect_uri' does not match the redirection URI used in the authorization request.")
	case code.CodeChallenge == "" && hasVerifier:
		// RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
		return resp, apierr.New(apierr.InvalidGrant, "The authorization request had no 'code_challenge'; 'code_verifier' must not be sent.")
	case code.CodeChallenge != "" && !hasVerifier:
		return resp, apierr.New(apierr.InvalidGrant, "PKCE verification failed: 'code_verifier' is required.")
	case code.CodeChallenge != "" && !s256Matches(verifier, code.CodeChallenge):
		return resp, apierr.New(apierr.InvalidGrant, "PKCE verification failed.")
	case user.Status != store.StatusActive:
		return resp, apierr.New(apierr.InvalidGrant, "The user is not active.")
	}
	if aerr := h.stillAssigned(r, req.app.ClientID, user.ID); aerr != nil {
		return resp, aerr
	}
	rule, aerr := h.policyRule(r.Context(), req.as, domain.PolicyRequest{ClientID: req.app.ClientID,
		GrantType: domain.GrantAuthorizationCode, UserID: user.ID, Scopes: code.Scopes})
	if aerr != nil {
		return resp, aerr
	}
	set, err := h.keys.Get(r.Context(), req.as.ID)
	if err != nil {
		return resp, apierr.Internal(err)
	}
	accessClaims, idClaims, aerr := h.tokenClaims(r, req, &user, code.Scopes, code.AMR)
	if aerr != nil {
		return resp, aerr
	}
	issued, err := token.Mint(set, token.Grant{
		Issuer: req.as.Issuer, Audience: req.as.Audience, IDP: h.orgID, ClientID: req.app.ClientID, User: user,
		Scopes: code.Scopes, AuthTime: code.AuthTime, AMR: code.AMR, Nonce: code.Nonce,
		AccessTokenJTI: code.AccessTokenJTI, AccessTokenLifetime: domain.RuleAccessLifetime(rule),
		AccessClaims: accessClaims, IDClaims: idClaims,
	}, now)
	if err != nil {
		return resp, apierr.Internal(err)
	}
	req.issued, req.user = issued, user
	refresh, aerr := h.issueRefreshToken(r, req, rule, code.Hash, user, code.Scopes, code.AMR, code.AuthTime, code.AccessTokenJTI, issued.ExpiresAt, now)
	if aerr != nil {
		return resp, aerr
	}
	return wire.TokenResponse{
		TokenType: "Bearer", ExpiresIn: issued.ExpiresIn, AccessToken: issued.AccessToken,
		Scope: strings.Join(code.Scopes, " "), RefreshToken: refresh, IDToken: issued.IDToken,
	}, nil
}

// s256Matches checks BASE64URL(SHA256(verifier)) == challenge in constant time.
func s256Matches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
