package oauth

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// tokenRequest is an authenticated token request.
type tokenRequest struct {
	params map[string]string
	app    store.App
	as     *authServer
	// issued and user are what the grant minted and for whom (zero for
	// client credentials), for the System Log.
	issued token.Issued
	user   store.User
}

// grantHandler serves one grant type; it returns the response or an error.
type grantHandler func(r *http.Request, req *tokenRequest) (wire.TokenResponse, *apierr.Error)

// token serves POST /token (RFC 6749 §3.2): parse once, authenticate the
// client, then dispatch on grant_type. Every outcome is recorded in the
// System Log here, in one place for every grant.
func (h *Handler) token(w http.ResponseWriter, r *http.Request, as *authServer) {
	req, resp, aerr := h.grantToken(r, as)
	h.recordGrant(r, as, req, resp, aerr)
	if aerr != nil {
		apierr.WriteJSON(w, r, aerr)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// grantToken serves a token request. The request it returns is nil when
// the parameters could not be read, and lacks the app when the client did
// not authenticate.
func (h *Handler) grantToken(r *http.Request, as *authServer) (*tokenRequest, wire.TokenResponse, *apierr.Error) {
	var resp wire.TokenResponse
	// An empty body may carry its parameters in the query, as Okta's
	// management SDK sends them; a secret never may (RFC 6749 §2.3.1).
	params, err := httpx.Params(r, true)
	if err != nil {
		return nil, resp, apierr.New(apierr.InvalidRequest, err.Error())
	}
	req := &tokenRequest{params: params, as: as}
	if q := r.URL.Query(); q.Has("client_secret") {
		return req, resp, apierr.New(apierr.InvalidRequest, "The client secret must not be sent in the URL query.")
	}
	app, aerr := h.authenticateClient(r, params)
	if aerr != nil {
		return req, resp, aerr
	}
	req.app = app
	grantType := params["grant_type"]
	grant, ok := h.grants[grantType]
	switch {
	case grantType == "":
		return req, resp, apierr.New(apierr.InvalidRequest, "The 'grant_type' parameter is required.")
	case !ok:
		return req, resp, apierr.New(apierr.UnsupportedGrantType, "")
	}
	if err := domain.CheckClientGrant(app, grantType); err != nil {
		return req, resp, refusal(err)
	}
	resp, aerr = grant(r, req)
	return req, resp, aerr
}

// refusal is the OAuth error of a token request rule of the domain's
// (domain.ScopeError, domain.ClientGrantError); anything else is a fault.
func refusal(err error) *apierr.Error {
	var scope *domain.ScopeError
	var grant *domain.ClientGrantError
	switch {
	case errors.As(err, &scope):
		return apierr.New(apierr.InvalidScope, scope.Description)
	case errors.As(err, &grant):
		return apierr.New(apierr.UnauthorizedClient, grant.Description)
	}
	return apierr.Internal(err)
}
