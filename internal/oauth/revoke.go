package oauth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// revoke serves POST /revoke (RFC 7009). A client may revoke only its own
// tokens; an unknown, expired or foreign token still gets 200 (§2.2), so
// the answer reveals nothing. Revoking a refresh token ends its grant,
// including the access tokens issued with it.
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request, as *authServer) {
	params, app, ok := h.authenticatedForm(w, r)
	if !ok {
		return
	}
	raw := params["token"]
	var revoked store.EventObject
	var err error
	if strings.Count(raw, ".") == 2 {
		revoked, err = h.revokeAccessToken(r, as, app, raw)
	} else {
		revoked, err = h.revokeRefreshToken(r, as, app, raw)
	}
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	if revoked.ID != "" {
		h.recordRevoke(r, as, app, revoked)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// revokeAccessToken revokes a live access token of app and returns it as a
// System Log target (none when there was nothing to revoke).
func (h *Handler) revokeAccessToken(r *http.Request, as *authServer, app store.App, raw string) (store.EventObject, error) {
	var none store.EventObject
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		return none, err
	}
	// An expired token needs no revoking; ParseAccessToken refuses it too.
	c, err := token.ParseAccessToken(set, raw, as.Issuer, as.Audience, h.now())
	if err != nil || c.Cid != app.ClientID {
		return none, nil
	}
	if err := h.store.RevokeToken(r.Context(), c.Jti, time.Unix(c.Exp, 0)); err != nil {
		return none, err
	}
	return store.EventObject{ID: c.Jti, Type: "access_token", AlternateID: "Access Token", DisplayName: "Access Token"}, nil
}

// revokeRefreshToken ends the grant of a refresh token of app and returns
// the token as a System Log target (none when there was nothing to revoke).
func (h *Handler) revokeRefreshToken(r *http.Request, as *authServer, app store.App, raw string) (store.EventObject, error) {
	var none store.EventObject
	rt, err := h.store.GetRefreshToken(r.Context(), domain.HashSecret(raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (rt.ClientID != app.ClientID || rt.AuthServerID != as.ID)) {
		return none, nil
	}
	if err != nil {
		return none, err
	}
	if err := h.store.RevokeRefreshFamily(r.Context(), rt.FamilyID, h.now()); err != nil {
		return none, err
	}
	return store.EventObject{ID: refreshTokenID(raw), Type: "refresh_token", AlternateID: "Refresh Token", DisplayName: "Refresh Token"}, nil
}
