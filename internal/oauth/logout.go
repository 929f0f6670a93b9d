package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// logout serves GET and POST /logout (OIDC RP-Initiated Logout 1.0): with an
// ID token this server issued as id_token_hint, it ends the browser session
// of that user and returns to a registered post_logout_redirect_uri with
// state. A bad hint or an unregistered URI is shown, never redirected.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, as *authServer) {
	params, err := httpx.Params(r, false)
	if err != nil {
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	hint := params["id_token_hint"]
	if hint == "" {
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", "The 'id_token_hint' parameter is required.")
		return
	}
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		h.logoutFailed(w, r, err)
		return
	}
	claims, err := token.ParseIDTokenHint(set, hint, as.Issuer)
	if err != nil {
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", "The 'id_token_hint' is not an ID token issued by this authorization server.")
		return
	}
	redirect := params["post_logout_redirect_uri"]
	if redirect != "" {
		app, err := h.app(r.Context(), claims.Aud)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.logoutFailed(w, r, err)
			return
		}
		if err != nil || !slices.Contains(app.PostLogoutRedirectURIs, redirect) {
			h.pages.RenderError(w, http.StatusBadRequest, "invalid_request",
				"The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.")
			return
		}
	}
	_, user, ok, err := h.sessions.Current(r)
	if err != nil {
		h.logoutFailed(w, r, err)
		return
	}
	if ok && user.ID == claims.Sub {
		if err := h.sessions.End(r.Context(), w, r); err != nil {
			h.logoutFailed(w, r, err)
			return
		}
		h.recordSignOut(r, user)
	}
	if redirect == "" {
		h.pages.Render(w, http.StatusOK, "signedout.html", nil)
		return
	}
	u, _ := url.Parse(redirect) // registered URIs were validated
	if state := params["state"]; state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (h *Handler) logoutFailed(w http.ResponseWriter, r *http.Request, err error) {
	e := apierr.Internal(err)
	apierr.Log(r, e)
	h.pages.RenderError(w, e.Status(), e.Code(), e.Description)
}
