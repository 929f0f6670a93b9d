package console

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// A server's Scopes tab: the built-in OpenID Connect scopes (listed, never
// changed) and the custom scopes an administrator adds, edits and deletes.

func (c *Console) mountScopes(mux *http.ServeMux) {
	const base = "/admin/api/servers/{as}/scopes"
	c.get(mux, "GET "+base, c.scopeList)
	c.get(mux, "GET "+base+"/new", c.scopeNew)
	c.postServer(mux, "POST "+base, c.scopeCreate)
	c.get(mux, "GET "+base+"/{scope}", c.scopeEdit)
	c.postServer(mux, "POST "+base+"/{scope}", c.scopeUpdate)
	c.postServer(mux, "POST "+base+"/{scope}/delete", c.scopeDelete)
}

// scopeRow is a scope as the list shows it.
type scopeRow struct {
	store.Scope
	System bool
}

type scopeListData struct {
	AS     store.AuthServer
	Scopes []scopeRow
}

func (c *Console) scopeList(w http.ResponseWriter, r *http.Request, p *Page) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	scopes, err := c.Service.ListScopes(r.Context(), as.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := scopeListData{AS: as}
	for _, sc := range scopes {
		d.Scopes = append(d.Scopes, scopeRow{Scope: sc, System: domain.IsSystemScope(sc)})
	}
	p.Title, p.Section, p.Data = as.Name+" · Scopes", "api", d
	c.render(w, p, http.StatusOK, "api_scopes.html")
}

// The choices of the scope form.
var (
	consentOptions = []Option{
		{domain.ConsentImplicit, "Implicit — granted without asking the user"},
		{domain.ConsentRequired, "Required — the user is asked to consent"},
		{domain.ConsentFlexible, "Flexible — the client decides"},
	}
	scopeFlagOptions = []Option{
		{"default", "Default scope: granted to client credentials requests that name no scope"},
		{"optional", "Optional: the user may decline it when asked to consent"},
		{"publish", "Include in public metadata (the discovery documents' scopes_supported)"},
	}
)

// scopeFormData is the add and edit form of a scope.
type scopeFormData struct {
	AS    store.AuthServer
	Scope *store.Scope // nil when adding
	// System is a built-in scope, shown without a form.
	System  bool
	Form    *Form
	Consent []Option
	Flags   []Option
}

func (c *Console) renderScopeForm(w http.ResponseWriter, p *Page, status int, d scopeFormData) {
	d.Consent, d.Flags = consentOptions, scopeFlagOptions
	p.Section, p.Data = "api", d
	p.Title = d.AS.Name + " · Add Scope"
	if d.Scope != nil {
		p.Title = d.AS.Name + " · Scope " + d.Scope.Name
	}
	c.render(w, p, status, "api_scope_form.html")
}

// scopeFields maps the domain's field names to the scope form's fields.
var scopeFields = map[string]string{
	"name": "name", "displayName": "display_name", "description": "description", "consent": "consent",
	"metadataPublish": "flags",
}

func scopeParams(asID string, f *Form) domain.NewScopeParams {
	publish := domain.PublishNoClients
	if f.Has("flags", "publish") {
		publish = domain.PublishAllClients
	}
	return domain.NewScopeParams{AuthServerID: asID, Name: f.Get("name"), DisplayName: f.Get("display_name"),
		Description: f.Get("description"), Consent: f.Get("consent"), Default: f.Has("flags", "default"),
		Optional: f.Has("flags", "optional"), MetadataPublish: publish}
}

// scopeValues fills the edit form from a scope.
func scopeValues(sc store.Scope) url.Values {
	v := url.Values{"name": {sc.Name}, "display_name": {sc.DisplayName}, "description": {sc.Description}, "consent": {sc.Consent}}
	if sc.Default {
		v.Add("flags", "default")
	}
	if sc.Optional {
		v.Add("flags", "optional")
	}
	if sc.MetadataPublish == domain.PublishAllClients {
		v.Add("flags", "publish")
	}
	return v
}

func (c *Console) scopeNew(w http.ResponseWriter, r *http.Request, p *Page) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.renderScopeForm(w, p, http.StatusOK, scopeFormData{AS: as, Form: formOf(url.Values{"consent": {domain.ConsentImplicit}})})
}

func (c *Console) scopeCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	sc, err := c.Service.CreateScope(r.Context(), scopeParams(as.ID, f))
	if f.Absorb(err, scopeFields) {
		c.renderScopeForm(w, p, http.StatusBadRequest, scopeFormData{AS: as, Form: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, serverPath(as.ID, "scopes"), "Scope "+sc.Name+" added.")
}

// scopeOf finds the server and the scope named in the path.
func (c *Console) scopeOf(r *http.Request) (store.AuthServer, store.Scope, error) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		return as, store.Scope{}, err
	}
	sc, err := c.Service.GetScope(r.Context(), as.ID, r.PathValue("scope"))
	return as, sc, err
}

func (c *Console) scopeEdit(w http.ResponseWriter, r *http.Request, p *Page) {
	as, sc, err := c.scopeOf(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.renderScopeForm(w, p, http.StatusOK, scopeFormData{AS: as, Scope: &sc, System: domain.IsSystemScope(sc), Form: formOf(scopeValues(sc))})
}

func (c *Console) scopeUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	as, sc, err := c.scopeOf(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	_, err = c.Service.ReplaceScope(r.Context(), sc.ID, scopeParams(as.ID, f))
	if f.Absorb(err, scopeFields) {
		c.renderScopeForm(w, p, http.StatusBadRequest, scopeFormData{AS: as, Scope: &sc, System: domain.IsSystemScope(sc), Form: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, serverPath(as.ID, "scopes"), "Scope saved.")
}

func (c *Console) scopeDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	as, sc, err := c.scopeOf(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if err := c.Service.DeleteScope(r.Context(), as.ID, sc.ID); err != nil {
		c.fail(w, r, p, err) // a system scope: 400, "system scopes cannot be deleted"
		return
	}
	c.done(w, r, serverPath(as.ID, "scopes"), "Scope "+sc.Name+" deleted.")
}
