package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Applications: the list, "Create App Integration" and the app's General
// tab. The app id is its client id.

func (c *Console) mountApps(mux *http.ServeMux) {
	c.get(mux, "GET /admin/apps", c.appList)
	c.get(mux, "GET /admin/apps/new", c.appNew)
	c.post(mux, "POST /admin/apps", c.appCreate)
	c.get(mux, "GET /admin/apps/{id}", c.appGeneral)
	c.mountAppChanges(mux)
}

type appListData struct {
	Q    string
	Apps []store.App
	Next string // the cursor of the next page, "" on the last
}

func (c *Console) appList(w http.ResponseWriter, r *http.Request, p *Page) {
	q := r.URL.Query().Get("q")
	apps, err := c.Service.ListApps(r.Context(), q, "", store.Page{Limit: listPageSize, After: r.URL.Query().Get("after")})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := appListData{Q: q}
	d.Apps, d.Next = pageOf(apps, listPageSize, func(a store.App) string { return a.ClientID })
	p.Title, p.Section, p.Data = "Applications", "apps", d
	c.render(w, p, http.StatusOK, "apps.html")
}

// The choices of the "Create App Integration" form.
var (
	appTypeOptions = []Option{
		{domain.AppTypeWeb, "Web Application — a server-side app that keeps a client secret"},
		{domain.AppTypeBrowser, "Single-Page Application — runs in the browser, uses PKCE, no secret"},
		{domain.AppTypeNative, "Native Application — desktop or mobile, uses PKCE, no secret"},
		{domain.AppTypeService, "API Services — machine to machine, client credentials"},
	}
	grantOptions      = grantChoices([]string{domain.GrantAuthorizationCode, domain.GrantRefreshToken, domain.GrantClientCredentials})
	assignmentOptions = []Option{
		{"everyone", "Allow everyone in your organization to access"},
		{"skip", "Skip group assignment for now"},
	}
)

type appFormData struct {
	Form        *Form
	Types       []Option
	Grants      []Option
	Assignments []Option
}

func newAppFormData(f *Form) appFormData {
	return appFormData{Form: f, Types: appTypeOptions, Grants: grantOptions, Assignments: assignmentOptions}
}

func (c *Console) appNew(w http.ResponseWriter, r *http.Request, p *Page) {
	typ := r.URL.Query().Get("type")
	if typ == "" {
		typ = domain.AppTypeWeb
	}
	f := formOf(url.Values{"type": {typ}, "assignment": {"everyone"},
		"post_logout_redirect_uris": {"http://localhost:8080"}, "redirect_uris": {"http://localhost:8080/authorization-code/callback"}})
	switch typ {
	case domain.AppTypeService:
		f.Values["grant_types"] = []string{domain.GrantClientCredentials}
		f.Values.Del("redirect_uris")
		f.Values.Del("post_logout_redirect_uris")
	default:
		f.Values["grant_types"] = []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}
	}
	c.renderAppNew(w, p, http.StatusOK, f)
}

func (c *Console) renderAppNew(w http.ResponseWriter, p *Page, status int, f *Form) {
	p.Title, p.Section, p.Data = "Create App Integration", "apps", newAppFormData(f)
	c.render(w, p, status, "app_new.html")
}

// appFields maps the domain's field names to the app forms' fields.
var appFields = map[string]string{
	"name": "name", "type": "type", "application_type": "type", "grant_types": "grant_types",
	"redirect_uris": "redirect_uris", "post_logout_redirect_uris": "post_logout_redirect_uris",
	"response_types": "grant_types",
}

// appParams reads the app settings a console form edits.
func appParams(f *Form) domain.NewAppParams {
	return domain.NewAppParams{
		Name: f.Get("name"), Type: f.Get("type"), RedirectURIs: f.List("redirect_uris"),
		PostLogoutRedirectURIs: f.List("post_logout_redirect_uris"), GrantTypes: f.Values["grant_types"],
	}
}

func (c *Console) appCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	if len(f.Values["grant_types"]) == 0 {
		f.Fail("grant_types", "choose at least one grant type")
	}
	everyone := f.Get("assignment") != "skip"
	if f.Failed() {
		c.renderAppNew(w, p, http.StatusBadRequest, f)
		return
	}
	// The app and its Everyone assignment are stored together: a failure
	// leaves no app whose secret was never shown.
	create := c.Service.CreateApp
	if everyone {
		create = c.Service.CreateAppForEveryone
	}
	created, err := create(r.Context(), appParams(f), true)
	if f.Absorb(err, appFields) {
		c.renderAppNew(w, p, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.AppChanged(created.App.ClientID)
	// The secret is shown on this one answer only: Gatehouse keeps its hash.
	p.Flash = "App integration created. Copy the client secret now: it is shown only once."
	c.renderGeneral(w, r, p, http.StatusCreated, created.App.ClientID, created.ClientSecret, nil)
}

// appGeneralData is the General tab.
type appGeneralData struct {
	App     store.App
	Secrets []store.AppSecret
	// NewSecret is a secret just generated, shown on this page only.
	NewSecret string
	// Form edits the app's settings.
	Form   *Form
	Grants []Option
	Issuer string
}

func (c *Console) appGeneral(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderGeneral(w, r, p, http.StatusOK, r.PathValue("id"), "", nil)
}

// renderGeneral shows the General tab of app clientID, with a new secret
// and with an edit form that failed, when given.
func (c *Console) renderGeneral(w http.ResponseWriter, r *http.Request, p *Page, status int, clientID, newSecret string, f *Form) {
	app, err := c.Service.Store.GetApp(r.Context(), clientID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	var secrets []store.AppSecret
	if app.TokenEndpointAuthMethod != domain.AuthMethodNone && app.TokenEndpointAuthMethod != domain.AuthMethodPrivateKeyJWT {
		if secrets, err = c.Service.ListAppSecrets(r.Context(), clientID); err != nil {
			c.fail(w, r, p, err)
			return
		}
	}
	if f == nil {
		f = formOf(appValues(app))
	}
	p.Title, p.Section = app.Name, "apps"
	p.Data = appGeneralData{App: app, Secrets: secrets, NewSecret: newSecret, Form: f, Grants: appGrantOptions(app.Type),
		Issuer: c.BaseURL + "/oauth2/default"}
	c.render(w, p, status, "app_general.html")
}

// appValues fills the edit form from the app.
func appValues(a store.App) url.Values {
	return url.Values{
		"name": {a.Name}, "type": {a.Type}, "grant_types": a.GrantTypes,
		"redirect_uris": {strings.Join(a.RedirectURIs, "\n")}, "post_logout_redirect_uris": {strings.Join(a.PostLogoutRedirectURIs, "\n")},
	}
}
