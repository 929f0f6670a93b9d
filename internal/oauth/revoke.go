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
	var err error
	if strings.Count(raw, ".") == 2 {
		err = h.revokeAccessToken(r, as, app, raw)
	} else {
		err = h.revokeRefreshToken(r, as, app, raw)
	}
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) revokeAccessToken(r *http.Request, as *authServer, app store.App, raw string) error {
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		return err
	}
	// An expired token needs no revoking; ParseAccessToken refuses it too.
	c, err := token.ParseAccessToken(set, raw, as.Issuer, as.Audience, h.now())
	if err != nil || c.Cid != app.ClientID {
		return nil
	}
	return h.store.RevokeToken(r.Context(), c.Jti, time.Unix(c.Exp, 0))
}

func (h *Handler) revokeRefreshToken(r *http.Request, as *authServer, app store.App, raw string) error {
	rt, err := h.store.GetRefreshToken(r.Context(), domain.HashSecret(raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (rt.ClientID != app.ClientID || rt.AuthServerID != as.ID)) {
		return nil
	}
	if err != nil {
		return err
	}
	return h.store.RevokeRefreshFamily(r.Context(), rt.FamilyID, h.now())
}
