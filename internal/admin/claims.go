package admin

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// claimJSON is Okta's OAuth2Claim.
type claimJSON struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	Status               string          `json:"status"`
	ClaimType            string          `json:"claimType"`
	ValueType            string          `json:"valueType"`
	Value                string          `json:"value"`
	AlwaysIncludeInToken bool            `json:"alwaysIncludeInToken"`
	Conditions           claimConditions `json:"conditions"`
	GroupFilterType      string          `json:"group_filter_type,omitempty"`
	System               bool            `json:"system"`
	Links                map[string]Link `json:"_links"`
}

type claimConditions struct {
	Scopes []string `json:"scopes"`
}

// claimInput is the body of a create or replace; read-only fields (id,
// system, _links) are ignored.
type claimInput struct {
	Name                 string           `json:"name"`
	Status               string           `json:"status"`
	ClaimType            string           `json:"claimType"`
	ValueType            string           `json:"valueType"`
	Value                string           `json:"value"`
	GroupFilterType      string           `json:"group_filter_type"`
	AlwaysIncludeInToken *bool            `json:"alwaysIncludeInToken"`
	Conditions           *claimConditions `json:"conditions"`
}

func (in claimInput) params() domain.ClaimParams {
	p := domain.ClaimParams{Name: in.Name, Status: in.Status, ClaimType: in.ClaimType, ValueType: in.ValueType,
		Value: in.Value, GroupFilterType: in.GroupFilterType, AlwaysIncludeInToken: in.AlwaysIncludeInToken}
	if in.Conditions != nil {
		p.Scopes = in.Conditions.Scopes
	}
	return p
}

func (a *API) routeClaims(mux *http.ServeMux) {
	const base = "/api/v1/authorizationServers/{as}/claims"
	a.route(mux, "GET "+base, a.listClaims)
	a.route(mux, "POST "+base, a.createClaim)
	a.route(mux, "GET "+base+"/{claim}", a.getClaim)
	a.route(mux, "PUT "+base+"/{claim}", a.replaceClaim)
	a.route(mux, "DELETE "+base+"/{claim}", a.deleteClaim)
}

func (a *API) claimJSON(c store.Claim) claimJSON {
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return claimJSON{
		ID: c.ID, Name: c.Name, Status: c.Status, ClaimType: c.ClaimType, ValueType: c.ValueType, Value: c.Value,
		AlwaysIncludeInToken: c.AlwaysIncludeInToken, Conditions: claimConditions{Scopes: scopes},
		GroupFilterType: c.GroupFilterType, System: c.System,
		Links: map[string]Link{"self": a.link("/api/v1/authorizationServers/"+c.AuthServerID+"/claims/"+c.ID, "GET", "PUT", "DELETE")},
	}
}

// claimServer checks that the server in the path is a custom server, so
// that an unknown server and an unknown claim get their own 404s.
func (a *API) claimServer(r *http.Request) (string, error) {
	asID := r.PathValue("as")
	if _, err := a.svc.GetAuthServer(r.Context(), asID); err != nil {
		return asID, found(err, asID, "AuthorizationServer")
	}
	return asID, nil
}

func (a *API) listClaims(w http.ResponseWriter, r *http.Request) error {
	asID, err := a.claimServer(r)
	if err != nil {
		return err
	}
	claims, err := a.svc.ListClaims(r.Context(), asID)
	if err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	out := make([]claimJSON, len(claims))
	for i, c := range claims {
		out[i] = a.claimJSON(c)
	}
	return a.writePage(w, r, out, "")
}

func (a *API) createClaim(w http.ResponseWriter, r *http.Request) error {
	asID, err := a.claimServer(r)
	if err != nil {
		return err
	}
	var in claimInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := a.svc.CreateClaim(r.Context(), asID, in.params())
	if err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusCreated, a.claimJSON(c))
}

func (a *API) getClaim(w http.ResponseWriter, r *http.Request) error {
	asID, err := a.claimServer(r)
	if err != nil {
		return err
	}
	id := r.PathValue("claim")
	c, err := a.st.GetClaim(r.Context(), asID, id)
	if err != nil {
		return found(err, id, "OAuth2Claim")
	}
	return writeJSON(w, http.StatusOK, a.claimJSON(c))
}

func (a *API) replaceClaim(w http.ResponseWriter, r *http.Request) error {
	asID, err := a.claimServer(r)
	if err != nil {
		return err
	}
	id := r.PathValue("claim")
	var in claimInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := a.svc.ReplaceClaim(r.Context(), asID, id, in.params())
	if err != nil {
		return found(err, id, "OAuth2Claim")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusOK, a.claimJSON(c))
}

func (a *API) deleteClaim(w http.ResponseWriter, r *http.Request) error {
	asID, err := a.claimServer(r)
	if err != nil {
		return err
	}
	id := r.PathValue("claim")
	if err := a.svc.DeleteClaim(r.Context(), asID, id); err != nil {
		return found(err, id, "OAuth2Claim")
	}
	a.changed(asID)
	return noContent(w)
}
