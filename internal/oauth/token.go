package oauth

import (
	"net/http"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// tokenRequest is an authenticated token request.
type tokenRequest struct {
	params map[string]string
	app    store.App
	as     *authServer
}

// grantHandler serves one grant type; it returns the response or an error.
type grantHandler func(r *http.Request, req *tokenRequest) (wire.TokenResponse, *apierr.Error)

// token serves POST /token (RFC 6749 §3.2): parse once, authenticate the
// client, then dispatch on grant_type.
func (h *Handler) token(w http.ResponseWriter, r *http.Request, as *authServer) {
	// An empty body may carry its parameters in the query, as Okta's
	// management SDK sends them; a secret never may (RFC 6749 §2.3.1).
	params, err := httpx.Params(r, true)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.New(apierr.InvalidRequest, err.Error()))
		return
	}
	if q := r.URL.Query(); q.Has("client_secret") {
		apierr.WriteJSON(w, r, apierr.New(apierr.InvalidRequest, "The client secret must not be sent in the URL query."))
		return
	}
	app, aerr := h.authenticateClient(r, params)
	if aerr != nil {
		apierr.WriteJSON(w, r, aerr)
		return
	}
	grantType := params["grant_type"]
	grant, ok := h.grants[grantType]
	switch {
	case grantType == "":
		apierr.WriteJSON(w, r, apierr.New(apierr.InvalidRequest, "The 'grant_type' parameter is required."))
		return
	case !ok:
		apierr.WriteJSON(w, r, apierr.New(apierr.UnsupportedGrantType, ""))
		return
	case !slices.Contains(app.GrantTypes, grantType):
		apierr.WriteJSON(w, r, apierr.Newf(apierr.UnauthorizedClient,
			"The client is not authorized to use the provided grant type. Configured grant types: %v.", app.GrantTypes))
		return
	}
	resp, aerr := grant(r, &tokenRequest{params: params, app: app, as: as})
	if aerr != nil {
		apierr.WriteJSON(w, r, aerr)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}
