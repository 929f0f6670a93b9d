package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// userinfo serves the OIDC Core §5.3 UserInfo endpoint: the claims the
// access token's scopes release. Errors carry only the RFC 6750 header.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request, as *authServer) {
	invalid := apierr.New(apierr.InvalidToken, "The access token is invalid.")
	header := r.Header.Get("Authorization")
	if header == "" {
		// RFC 6750 §3.1: a request without credentials gets a challenge
		// with no error code.
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+as.Issuer+`"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	scheme, raw, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		apierr.WriteBearer(w, r, invalid)
		return
	}
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	claims, err := token.ParseAccessToken(set, strings.TrimSpace(raw), as.Issuer, as.Audience, h.now())
	if err != nil || claims.UID == "" {
		apierr.WriteBearer(w, r, invalid)
		return
	}
	if !slices.Contains(claims.Scp, domain.ScopeOpenID) {
		apierr.WriteBearer(w, r, apierr.New(apierr.InsufficientScope, "The access token must provide access to at least one of these scopes - openid."))
		return
	}
	revoked, err := h.revocations.revoked(r.Context(), claims.Jti)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	user, err := h.store.GetUser(r.Context(), claims.UID)
	if revoked || errors.Is(err, store.ErrNotFound) || (err == nil && user.Status != store.StatusActive) {
		apierr.WriteBearer(w, r, invalid)
		return
	}
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	info := userClaims(user, claims.Scp)
	custom, err := h.userinfoClaims(r, as, user, claims.Cid, claims.Scp)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	if len(custom) == 0 {
		httpx.WriteJSON(w, http.StatusOK, info)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, withCustomClaims(info, custom))
}

// userinfoClaims evaluates the server's IDENTITY claims for /userinfo:
// every one whose scope condition the token meets, including those kept
// out of the ID token (alwaysIncludeInToken false), as Okta does. The
// access token carries no amr, so session.amr is null here.
func (h *Handler) userinfoClaims(r *http.Request, as *authServer, user store.User, clientID string, scopes []string) (map[string]any, error) {
	set, err := h.claimSet(r.Context(), as)
	if err != nil || set.Empty() {
		return nil, err
	}
	custom, errs := set.Evaluate(domain.ClaimsForUserinfo, scopes, h.claimEnv(r.Context(), &user, clientID, nil))
	h.recordClaimFailures(r, as, clientID, errs)
	return custom, nil
}

// withCustomClaims adds custom claims to the standard ones; a standard or
// reserved claim is never replaced.
func withCustomClaims(info wire.UserInfo, custom map[string]any) map[string]any {
	out := map[string]any{}
	if b, err := json.Marshal(info); err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber() // numbers come back exactly as they went
		_ = dec.Decode(&out)
	}
	for k, v := range custom {
		if _, taken := out[k]; !taken && !token.ReservedClaim(k) {
			out[k] = v
		}
	}
	return out
}

// userClaims maps a user's profile onto the OIDC standard claims (OIDC Core
// §5.1) that the scopes release (§5.4).
func userClaims(u store.User, scopes []string) wire.UserInfo {
	info := wire.UserInfo{Sub: u.ID}
	if slices.Contains(scopes, domain.ScopeProfile) {
		info.Name = token.DisplayName(u)
		info.GivenName, info.FamilyName = u.FirstName, u.LastName
		info.PreferredUsername = u.Login
		info.Locale, info.Zoneinfo = u.Locale, u.TimeZone
		info.UpdatedAt = u.Updated.Unix()
	}
	if slices.Contains(scopes, domain.ScopeEmail) && u.Email != "" {
		info.Email = u.Email
		verified := true // Gatehouse users are created by an administrator
		info.EmailVerified = &verified
	}
	if slices.Contains(scopes, domain.ScopeAddress) {
		a := wire.Address{StreetAddress: u.StreetAddr, Locality: u.City, Region: u.State, PostalCode: u.ZipCode, Country: u.CountryCode}
		if a != (wire.Address{}) {
			info.Address = &a
		}
	}
	if slices.Contains(scopes, domain.ScopePhone) {
		info.PhoneNumber = u.MobilePhone
	}
	return info
}
