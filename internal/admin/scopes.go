package admin

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// scopeJSON is Okta's OAuth2Scope.
type scopeJSON struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	DisplayName     string          `json:"displayName"`
	Description     string          `json:"description"`
	Consent         string          `json:"consent"`
	Default         bool            `json:"default"`
	Optional        bool            `json:"optional"`
	MetadataPublish string          `json:"metadataPublish"`
	System          bool            `json:"system"`
	Links           map[string]Link `json:"_links"`
}

type scopeInput struct {
	Name            string `json:"name"`
	DisplayName     string `json:"displayName"`
	Description     string `json:"description"`
	Consent         string `json:"consent"`
	Default         bool   `json:"default"`
	Optional        bool   `json:"optional"`
	MetadataPublish string `json:"metadataPublish"`
}

func (a *API) routeScopes(mux *http.ServeMux) {
	const base = "/api/v1/authorizationServers/{as}/scopes"
	a.route(mux, "GET "+base, a.listScopes)
	a.route(mux, "POST "+base, a.createScope)
	a.route(mux, "GET "+base+"/{scope}", a.getScope)
	a.route(mux, "PUT "+base+"/{scope}", a.replaceScope)
	a.route(mux, "DELETE "+base+"/{scope}", a.deleteScope)
}

func (a *API) scopeJSON(sc store.Scope) scopeJSON {
	methods := []string{"GET", "PUT", "DELETE"}
	if domain.IsSystemScope(sc) {
		methods = []string{"GET"}
	}
	return scopeJSON{
		ID: sc.ID, Name: sc.Name, DisplayName: sc.DisplayName, Description: sc.Description, Consent: sc.Consent,
		Default: sc.Default, Optional: sc.Optional, MetadataPublish: sc.MetadataPublish, System: domain.IsSystemScope(sc),
		Links: map[string]Link{"self": a.link("/api/v1/authorizationServers/"+sc.AuthServerID+"/scopes/"+sc.ID, methods...)},
	}
}

func (in scopeInput) params(asID string) domain.NewScopeParams {
	return domain.NewScopeParams{AuthServerID: asID, Name: in.Name, DisplayName: in.DisplayName, Description: in.Description,
		Consent: in.Consent, Default: in.Default, Optional: in.Optional, MetadataPublish: in.MetadataPublish}
}

// scopeFilter is the filter expression the scopes list takes:
// name eq "…" or name sw "…".
var scopeFilter = regexp.MustCompile(`^\s*name\s+(eq|sw)\s+"([^"\\]*)"\s*$`)

func (a *API) listScopes(w http.ResponseWriter, r *http.Request) error {
	asID := r.PathValue("as")
	page, err := parsePage(r, 200, 200)
	if err != nil {
		return err
	}
	query := r.URL.Query()
	match := func(store.Scope) bool { return true }
	if f := query.Get("filter"); f != "" {
		m := scopeFilter.FindStringSubmatch(f)
		if m == nil {
			return apierr.New(apierr.APIInvalidSearch, "").WithCauses(`filter: supported forms are name eq "…" and name sw "…"`)
		}
		op, value := m[1], m[2]
		match = func(sc store.Scope) bool {
			if op == "eq" {
				return sc.Name == value
			}
			return strings.HasPrefix(sc.Name, value)
		}
	}
	q := strings.ToLower(query.Get("q"))
	scopes, err := a.svc.ListScopes(r.Context(), asID)
	if err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	var kept []store.Scope
	for _, sc := range scopes {
		if match(sc) && strings.Contains(strings.ToLower(sc.Name), q) {
			kept = append(kept, sc)
		}
	}
	kept, next := pageAfter(kept, page, func(sc store.Scope) string { return sc.ID })
	out := make([]scopeJSON, len(kept))
	for i, sc := range kept {
		out[i] = a.scopeJSON(sc)
	}
	return a.writePage(w, r, out, next)
}

func (a *API) createScope(w http.ResponseWriter, r *http.Request) error {
	asID := r.PathValue("as")
	var in scopeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sc, err := a.svc.CreateScope(r.Context(), in.params(asID))
	if err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusCreated, a.scopeJSON(sc))
}

func (a *API) getScope(w http.ResponseWriter, r *http.Request) error {
	asID, id := r.PathValue("as"), r.PathValue("scope")
	sc, err := a.svc.GetScope(r.Context(), asID, id)
	if err != nil {
		return found(err, id, "OAuth2Scope")
	}
	return writeJSON(w, http.StatusOK, a.scopeJSON(sc))
}

func (a *API) replaceScope(w http.ResponseWriter, r *http.Request) error {
	asID, id := r.PathValue("as"), r.PathValue("scope")
	var in scopeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sc, err := a.svc.ReplaceScope(r.Context(), id, in.params(asID))
	if err != nil {
		return found(err, id, "OAuth2Scope")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusOK, a.scopeJSON(sc))
}

func (a *API) deleteScope(w http.ResponseWriter, r *http.Request) error {
	asID, id := r.PathValue("as"), r.PathValue("scope")
	if err := a.svc.DeleteScope(r.Context(), asID, id); err != nil {
		return found(err, id, "OAuth2Scope")
	}
	a.changed(asID)
	return noContent(w)
}
