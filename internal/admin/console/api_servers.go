package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Security → API: the authorization servers, "Add Authorization Server"
// and a server's Settings tab. The org server is built in and never shown
// here (domain.Service.GetAuthServer does not find it).

// mountServers registers authorization servers, scopes, claims and the token preview.
func (c *Console) mountServers(mux *http.ServeMux) {
	c.get(mux, "GET /admin/api", c.serverList)
	c.get(mux, "GET /admin/api/servers/new", c.serverNew)
	c.post(mux, "POST /admin/api/servers", c.serverCreate)
	c.get(mux, "GET /admin/api/servers/{as}", c.serverSettings)
	c.postServer(mux, "POST /admin/api/servers/{as}", c.serverUpdate)
	c.mountStatus(mux, c.postServer, "/admin/api/servers/{as}", statusActions{
		set: func(r *http.Request, active bool) error {
			return c.Service.SetAuthServerActive(r.Context(), r.PathValue("as"), active)
		},
		back:        func(r *http.Request) string { return serverPath(r.PathValue("as"), "") },
		activated:   "Authorization server activated.",
		deactivated: "Authorization server deactivated: its endpoints now answer 404 and it issues no token.",
	})
	c.postServer(mux, "POST /admin/api/servers/{as}/delete", c.serverDelete)
	c.mountScopes(mux)
	c.mountClaims(mux)
	c.mountPreview(mux)
}

// serverPath is a server's Settings tab; tab, when given, another tab.
func serverPath(asID, tab string) string {
	p := "/admin/api/servers/" + url.PathEscape(asID)
	if tab != "" {
		p += "/" + tab
	}
	return p
}

// issuerOf is the issuer URI of a custom server (the protocol endpoints
// serve it at BaseURL/oauth2/{id}).
func (c *Console) issuerOf(as store.AuthServer) string { return c.BaseURL + "/oauth2/" + as.ID }

// serverRow is a server as the list shows it.
type serverRow struct {
	store.AuthServer
	Issuer string
}

type serverListData struct {
	Q       string
	Servers []serverRow
	// OrgIssuer is the built-in org server's issuer, which is not listed.
	OrgIssuer string
}

func (c *Console) serverList(w http.ResponseWriter, r *http.Request, p *Page) {
	q := r.URL.Query().Get("q")
	servers, err := c.Service.ListAuthServers(r.Context(), q)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := serverListData{Q: q, OrgIssuer: c.BaseURL}
	for _, as := range servers {
		d.Servers = append(d.Servers, serverRow{AuthServer: as, Issuer: c.issuerOf(as)})
	}
	p.Title, p.Section, p.Data = "API", "api", d
	c.render(w, p, http.StatusOK, "api.html")
}

// serverFields maps the domain's field names to the server forms' fields.
var serverFields = map[string]string{"name": "name", "audiences": "audience", "description": "description"}

// serverParams reads the settings a server form edits; issuerMode is kept
// as it is (Gatehouse always issues with its base URL).
func serverParams(f *Form, issuerMode string) domain.AuthServerParams {
	return domain.AuthServerParams{Name: f.Get("name"), Description: f.Get("description"),
		Audiences: []string{f.Get("audience")}, IssuerMode: issuerMode}
}

func (c *Console) serverNew(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderServerNew(w, p, http.StatusOK, formOf(url.Values{}))
}

func (c *Console) renderServerNew(w http.ResponseWriter, p *Page, status int, f *Form) {
	p.Title, p.Section, p.Data = "Add Authorization Server", "api", f
	c.render(w, p, status, "api_server_new.html")
}

func (c *Console) serverCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	as, err := c.Service.CreateAuthServer(r.Context(), serverParams(f, ""))
	if f.Absorb(err, serverFields) {
		c.renderServerNew(w, p, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	// Its signing keys are made now, as the Management API does, so that
	// no token request pays for generating them.
	if _, err := c.Keys.Get(r.Context(), as.ID); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.AuthServerChanged(as.ID)
	c.done(w, r, serverPath(as.ID, ""), "Authorization server "+as.Name+" added. It issues no token until it has an access policy.")
}

// serverSettingsData is the Settings tab.
type serverSettingsData struct {
	AS          store.AuthServer
	Issuer      string
	MetadataURI string
	// Default is the "default" server every org starts with.
	Default bool
	Form    *Form
	// Alert is why a lifecycle action was refused.
	Alert string
}

func (c *Console) serverSettings(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderSettings(w, r, p, http.StatusOK, nil, "")
}

// renderSettings shows the Settings tab of the server in the path, with
// an edit form that failed and an alert, when given.
func (c *Console) renderSettings(w http.ResponseWriter, r *http.Request, p *Page, status int, f *Form, alert string) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if f == nil {
		f = formOf(url.Values{"name": {as.Name}, "audience": {as.Audience}, "description": {as.Description}})
	}
	issuer := c.issuerOf(as)
	p.Title, p.Section = as.Name+" · Settings", "api"
	p.Data = serverSettingsData{AS: as, Issuer: issuer, MetadataURI: issuer + "/.well-known/oauth-authorization-server",
		Default: as.ID == domain.DefaultServerID, Form: f, Alert: alert}
	c.render(w, p, status, "api_server.html")
}

func (c *Console) serverUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("as")
	as, err := c.Service.GetAuthServer(r.Context(), id)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	_, err = c.Service.ReplaceAuthServer(r.Context(), id, serverParams(f, as.IssuerMode))
	if f.Absorb(err, serverFields) {
		c.renderSettings(w, r, p, http.StatusBadRequest, f, "")
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, serverPath(id, ""), "Settings saved.")
}

func (c *Console) serverDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("as")
	err := c.Service.DeleteAuthServer(r.Context(), id)
	var state *domain.StateError
	if errors.As(err, &state) {
		// An active server: the Settings tab says so, next to the buttons.
		c.renderSettings(w, r, p, http.StatusConflict, nil, state.Message)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if c.Keys != nil {
		c.Keys.Forget(id)
	}
	c.done(w, r, "/admin/api", "Authorization server deleted, with its scopes, claims, policies and keys.")
}
