package oauth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// introspection is the RFC 7662 §2.2 answer with Okta's members.
type introspection struct {
	Active    bool     `json:"active"`
	TokenType string   `json:"token_type,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Username  string   `json:"username,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       string   `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	Jti       string   `json:"jti,omitempty"`
	UID       string   `json:"uid,omitempty"`
	scopes    []string // for building Scope
}

// authenticatedForm parses a client-authenticated form request (introspect,
// revoke) and returns its parameters and client.
func (h *Handler) authenticatedForm(w http.ResponseWriter, r *http.Request) (map[string]string, store.App, bool) {
	params, err := httpx.Params(r, false)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.New(apierr.InvalidRequest, err.Error()))
		return nil, store.App{}, false
	}
	app, aerr := h.authenticateClient(r, params)
	if aerr != nil {
		apierr.WriteJSON(w, r, aerr)
		return nil, store.App{}, false
	}
	if params["token"] == "" {
		apierr.WriteJSON(w, r, apierr.New(apierr.InvalidRequest, "The 'token' parameter is required."))
		return nil, store.App{}, false
	}
	return params, app, true
}

// introspect serves POST /introspect (RFC 7662). A client learns only about
// tokens issued to it by this server; anything else is {"active": false}.
func (h *Handler) introspect(w http.ResponseWriter, r *http.Request, as *authServer) {
	params, app, ok := h.authenticatedForm(w, r)
	if !ok {
		return
	}
	// The token's form tells its type (JWTs have two dots, refresh tokens
	// none), so token_type_hint needs no trust: every type is tried, as
	// RFC 7662 §2.1 asks when a hint is wrong.
	raw := params["token"]
	var out introspection
	var err error
	if strings.Count(raw, ".") == 2 {
		out, err = h.introspectJWT(r, as, app, raw)
	} else {
		out, err = h.introspectRefresh(r, as, app, raw)
	}
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return
	}
	out.Scope = strings.Join(out.scopes, " ")
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) introspectJWT(r *http.Request, as *authServer, app store.App, raw string) (introspection, error) {
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		return introspection{}, err
	}
	parsed, err := h.parseJWT(as, set, raw)
	if err != nil {
		return introspection{}, nil
	}
	if id := parsed.ID; id != nil {
		// An ID token is active for the client it was issued to until it expires.
		if id.Aud != app.ClientID || id.Exp <= h.now().Unix() {
			return introspection{}, nil
		}
		return introspection{
			Active: true, TokenType: "id_token", ClientID: id.Aud, Username: id.PreferredUsername, Exp: id.Exp,
			Iat: id.Iat, Sub: id.Sub, Aud: id.Aud, Iss: id.Iss, Jti: id.Jti,
		}, nil
	}
	c := parsed.Access
	if c.Cid != app.ClientID {
		return introspection{}, nil
	}
	revoked, err := h.revocations.revoked(r.Context(), c.Jti)
	if err != nil || revoked {
		return introspection{}, err
	}
	return introspection{
		Active: true, TokenType: "Bearer", scopes: c.Scp, ClientID: c.Cid, Username: c.Sub, Exp: c.Exp, Iat: c.Iat,
		Sub: c.Sub, Aud: c.Aud, Iss: c.Iss, Jti: c.Jti, UID: c.UID,
	}, nil
}

func (h *Handler) introspectRefresh(r *http.Request, as *authServer, app store.App, raw string) (introspection, error) {
	rt, err := h.store.GetRefreshToken(r.Context(), domain.HashSecret(raw))
	if errors.Is(err, store.ErrNotFound) {
		return introspection{}, nil
	}
	if err != nil {
		return introspection{}, err
	}
	now := h.now()
	live := rt.AuthServerID == as.ID && rt.ClientID == app.ClientID && rt.RevokedAt.IsZero() &&
		now.Before(rt.IdleExpiresAt) && (rt.ExpiresAt.IsZero() || now.Before(rt.ExpiresAt)) &&
		(rt.RotatedAt.IsZero() || now.Sub(rt.RotatedAt) < h.refreshGrace)
	if !live {
		return introspection{}, nil
	}
	user, err := h.store.GetUser(r.Context(), rt.UserID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return introspection{}, err
	}
	if user.Status != store.StatusActive {
		return introspection{}, nil
	}
	exp := rt.IdleExpiresAt
	if !rt.ExpiresAt.IsZero() && rt.ExpiresAt.Before(exp) {
		exp = rt.ExpiresAt
	}
	return introspection{
		Active: true, TokenType: "refresh_token", scopes: rt.Scopes, ClientID: rt.ClientID, Username: user.Login,
		Exp: exp.Unix(), Iat: rt.Created.Unix(), Sub: user.Login, Iss: as.Issuer, UID: user.ID,
	}, nil
}
