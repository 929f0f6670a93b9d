package admin

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Authorization servers (/api/v1/authorizationServers): custom servers
// only; the org server is neither listed nor managed here.

// authServerJSON is Okta's AuthorizationServer.
type authServerJSON struct {
	ID          string                    `json:"id"`
	Name        string                    `json:"name"`
	Description string                    `json:"description"`
	Audiences   []string                  `json:"audiences"`
	Issuer      string                    `json:"issuer"`
	IssuerMode  string                    `json:"issuerMode"`
	Status      string                    `json:"status"`
	Created     Time                      `json:"created"`
	LastUpdated Time                      `json:"lastUpdated"`
	Credentials authServerCredentialsJSON `json:"credentials"`
	Links       map[string]any            `json:"_links"`
}

type authServerCredentialsJSON struct {
	Signing authServerSigningJSON `json:"signing"`
}

type authServerSigningJSON struct {
	RotationMode string `json:"rotationMode"`
	Kid          string `json:"kid"`
	LastRotated  Time   `json:"lastRotated"`
	NextRotation Time   `json:"nextRotation"`
	Use          string `json:"use"`
}

// authServerInput is the body of a create or replace.
type authServerInput struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Audiences   []string `json:"audiences"`
	IssuerMode  string   `json:"issuerMode"`
	Status      string   `json:"status"`
}

// keyRotationInterval is when credentials.signing.nextRotation falls after
// lastRotated: Gatehouse's default key_rotation_interval, as Okta's.
const keyRotationInterval = 90 * 24 * time.Hour

func (a *API) routeAuthServers(mux *http.ServeMux) {
	const base = "/api/v1/authorizationServers"
	a.route(mux, "GET "+base, a.listAuthServers)
	a.route(mux, "POST "+base, a.createAuthServer)
	a.route(mux, "GET "+base+"/{as}", a.getAuthServer)
	a.route(mux, "PUT "+base+"/{as}", a.replaceAuthServer)
	a.route(mux, "DELETE "+base+"/{as}", a.deleteAuthServer)
	a.route(mux, "POST "+base+"/{as}/lifecycle/activate", a.authServerLifecycle(true))
	a.route(mux, "POST "+base+"/{as}/lifecycle/deactivate", a.authServerLifecycle(false))
	a.routeScopes(mux)
	a.routePolicies(mux)
	a.routeKeys(mux)
}

// changed tells the protocol layer of this replica that a server's
// settings, scopes or policies changed, so that it stops serving them from
// its cache.
func (a *API) changed(asID string) {
	if a.authServerChanged != nil {
		a.authServerChanged(asID)
	}
}

func (a *API) authServerJSON(ctx context.Context, as store.AuthServer) (authServerJSON, error) {
	base := "/api/v1/authorizationServers/" + as.ID
	out := authServerJSON{
		ID: as.ID, Name: as.Name, Description: as.Description, Audiences: []string{as.Audience},
		Issuer: a.baseURL + "/oauth2/" + as.ID, IssuerMode: as.IssuerMode, Status: as.Status,
		Created: Time(as.Created), LastUpdated: Time(as.LastUpdated),
		Links: map[string]any{
			"scopes":   a.link(base+"/scopes", "GET"),
			"claims":   a.link(base+"/claims", "GET"),
			"policies": a.link(base+"/policies", "GET"),
			"self":     a.link(base, "GET", "DELETE", "PUT"),
			"metadata": []Link{
				withName(a.link("/oauth2/"+as.ID+"/.well-known/oauth-authorization-server", "GET"), "oauth-authorization-server"),
				withName(a.link("/oauth2/"+as.ID+"/.well-known/openid-configuration", "GET"), "openid-configuration"),
			},
			"rotateKey": a.link(base+"/credentials/lifecycle/keyRotate", "POST"),
		},
	}
	if out.IssuerMode == "" {
		out.IssuerMode = domain.IssuerModeOrgURL
	}
	if as.Status == store.StatusActive {
		out.Links["deactivate"] = a.link(base+"/lifecycle/deactivate", "POST")
	} else {
		out.Links["activate"] = a.link(base+"/lifecycle/activate", "POST")
	}
	current, err := a.currentKey(ctx, as.ID)
	if err != nil {
		return out, err
	}
	out.Credentials.Signing = authServerSigningJSON{RotationMode: "AUTO", Kid: current.KID, LastRotated: Time(current.Created),
		NextRotation: Time(current.Created.Add(keyRotationInterval)), Use: "sig"}
	return out, nil
}

func withName(l Link, name string) Link { l.Name = name; return l }

// currentKey returns the row of the server's signing key, creating the
// server's keys when it has none yet.
func (a *API) currentKey(ctx context.Context, asID string) (store.SigningKey, error) {
	if _, err := a.keys.Get(ctx, asID); err != nil {
		return store.SigningKey{}, err
	}
	rows, err := a.st.ListSigningKeys(ctx, asID)
	if err != nil {
		return store.SigningKey{}, err
	}
	for _, k := range rows {
		if k.Status == store.KeyCurrent {
			return k, nil
		}
	}
	return store.SigningKey{}, store.ErrNotFound
}

func (in authServerInput) params() domain.AuthServerParams {
	return domain.AuthServerParams{Name: in.Name, Description: in.Description, Audiences: in.Audiences, IssuerMode: in.IssuerMode,
		Status: in.Status}
}

// checkStatus refuses a status other than ACTIVE or INACTIVE (or none).
func checkStatus(status string) error {
	if status != "" && status != store.StatusActive && status != store.StatusInactive {
		return domain.Invalid("status", "must be ACTIVE or INACTIVE")
	}
	return nil
}

func (a *API) listAuthServers(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, 200, 200)
	if err != nil {
		return err
	}
	servers, err := a.svc.ListAuthServers(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	servers, next := pageAfter(servers, page, func(as store.AuthServer) string { return as.ID })
	out := make([]authServerJSON, 0, len(servers))
	for _, as := range servers {
		j, err := a.authServerJSON(r.Context(), as)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return a.writePage(w, r, out, next)
}

// pageAfter cuts a list ordered by the server to one page: the items after
// the one whose id is page.After (none when no item has it).
func pageAfter[T any](items []T, page store.Page, id func(T) string) ([]T, string) {
	if page.After != "" {
		i := slices.IndexFunc(items, func(v T) bool { return id(v) == page.After })
		if i < 0 {
			return []T{}, ""
		}
		items = items[i+1:]
	}
	if len(items) > page.Limit+1 {
		items = items[:page.Limit+1]
	}
	return trimPage(items, page, id)
}

func (a *API) createAuthServer(w http.ResponseWriter, r *http.Request) error {
	var in authServerInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := checkStatus(in.Status); err != nil {
		return err
	}
	as, err := a.svc.CreateAuthServer(r.Context(), in.params())
	if err != nil {
		return err
	}
	a.changed(as.ID)
	out, err := a.authServerJSON(r.Context(), as) // makes its signing keys now
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (a *API) getAuthServer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("as")
	as, err := a.svc.GetAuthServer(r.Context(), id)
	if err != nil {
		return found(err, id, "AuthorizationServer")
	}
	out, err := a.authServerJSON(r.Context(), as)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) replaceAuthServer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("as")
	var in authServerInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := checkStatus(in.Status); err != nil {
		return err
	}
	if _, err := a.svc.GetAuthServer(r.Context(), id); err != nil {
		return found(err, id, "AuthorizationServer")
	}
	as, err := a.svc.ReplaceAuthServer(r.Context(), id, in.params())
	if err != nil {
		return found(err, id, "AuthorizationServer")
	}
	a.changed(id)
	out, err := a.authServerJSON(r.Context(), as)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) deleteAuthServer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("as")
	if err := a.svc.DeleteAuthServer(r.Context(), id); err != nil {
		return found(err, id, "AuthorizationServer")
	}
	a.changed(id)
	a.keys.Forget(id)
	return noContent(w)
}

func (a *API) authServerLifecycle(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("as")
		if err := a.svc.SetAuthServerActive(r.Context(), id, active); err != nil {
			return found(err, id, "AuthorizationServer")
		}
		a.changed(id)
		return noContent(w)
	}
}
