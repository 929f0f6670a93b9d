package admin

import (
	"context"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

// Signing keys of a custom server (…/credentials/keys): public JWK fields
// only, with Okta's status (see domain.ListAuthServerKeys).

func (a *API) routeKeys(mux *http.ServeMux) {
	const base = "/api/v1/authorizationServers/{as}/credentials"
	a.route(mux, "GET "+base+"/keys", a.listKeys)
	a.route(mux, "GET "+base+"/keys/{kid}", a.getKey)
	a.route(mux, "POST "+base+"/lifecycle/keyRotate", a.rotateKeys)
}

// serverKeys renders the server's keys, ACTIVE first, then NEXT, then
// EXPIRED.
func (a *API) serverKeys(r *http.Request, asID string) ([]map[string]any, error) {
	keys, err := a.svc.ListAuthServerKeys(r.Context(), asID, a.publishedKeys)
	if err != nil {
		return nil, found(err, asID, "AuthorizationServer")
	}
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		jwk := k.JWK
		jwk["status"] = k.Status
		jwk["_links"] = map[string]Link{"self": a.link("/api/v1/authorizationServers/"+asID+"/credentials/keys/"+k.KID, "GET")}
		out = append(out, jwk)
	}
	return out, nil
}

// publishedKeys is the JWKS document the server publishes.
func (a *API) publishedKeys(ctx context.Context, asID string) ([]byte, error) {
	set, err := a.keys.Get(ctx, asID)
	if err != nil {
		return nil, err
	}
	return set.JWKS, nil
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := a.serverKeys(r, r.PathValue("as"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, keys)
}

func (a *API) getKey(w http.ResponseWriter, r *http.Request) error {
	kid := r.PathValue("kid")
	keys, err := a.serverKeys(r, r.PathValue("as"))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k["kid"] == kid {
			return writeJSON(w, http.StatusOK, k)
		}
	}
	return notFound(kid, "AuthorizationServerJsonWebKey")
}

// rotateKeys rotates at once, as Okta's keyRotate does: the NEXT key
// signs from now on, the ACTIVE one becomes EXPIRED (still published, so
// the tokens it signed verify until the next rotation), and a new NEXT key
// is published.
func (a *API) rotateKeys(w http.ResponseWriter, r *http.Request) error {
	asID := r.PathValue("as")
	var in struct {
		Use string `json:"use"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Use != "sig" {
		return domain.Invalid("rotateKeys", "Invalid value specified for key 'use' parameter")
	}
	if err := a.svc.RotateAuthServerKeys(r.Context(), asID, a.keys.RotateForce); err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	a.changed(asID)
	keys, err := a.serverKeys(r, asID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, keys)
}
