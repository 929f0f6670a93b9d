package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The changes made from an app's General tab: its settings, its client
// secrets and its lifecycle. Every one goes through postApp, so that this
// replica's protocol endpoints drop their copy of the app.

// mountAppChanges registers the app's edit, secret, lifecycle and
// assignment actions.
func (c *Console) mountAppChanges(mux *http.ServeMux) {
	c.postApp(mux, "POST /admin/apps/{id}", c.appUpdate)
	c.mountStatus(mux, c.postApp, "/admin/apps/{id}", statusActions{
		set: func(r *http.Request, active bool) error {
			if active {
				return c.Service.ActivateApp(r.Context(), r.PathValue("id"))
			}
			return c.Service.DeactivateApp(r.Context(), r.PathValue("id"))
		},
		back:      backToApp,
		activated: "App activated.", deactivated: "App deactivated: it can no longer sign anyone in or get tokens.",
		refused: c.refuseOnGeneral("lifecycle"),
	})
	c.postApp(mux, "POST /admin/apps/{id}/delete", c.appDelete)
	c.postApp(mux, "POST /admin/apps/{id}/secrets", c.appSecretCreate)
	c.mountStatus(mux, c.postApp, "/admin/apps/{id}/secrets/{secret}", statusActions{
		set: func(r *http.Request, active bool) error {
			change := c.Service.DeactivateAppSecret
			if active {
				change = c.Service.ActivateAppSecret
			}
			_, err := change(r.Context(), r.PathValue("id"), r.PathValue("secret"))
			return err
		},
		back:      backToApp,
		activated: "Client secret activated.", deactivated: "Client secret deactivated: the token endpoint no longer accepts it.",
		refused: c.refuseOnGeneral("secrets"),
	})
	c.postApp(mux, "POST /admin/apps/{id}/secrets/{secret}/delete", c.appSecretDelete)
	c.mountAppAssignments(mux)
}

// appURL is the General tab of app clientID.
func appURL(clientID string) string { return "/admin/apps/" + url.PathEscape(clientID) }

// backToApp is the General tab of the app the path names.
func backToApp(r *http.Request) string { return appURL(r.PathValue("id")) }

// appGrantOptions are the grant types an app of appType may have, so that
// the edit form offers no grant the domain would refuse.
func appGrantOptions(appType string) []Option {
	allowed := domain.AllowedGrantTypes(appType)
	var out []Option
	for _, o := range grantOptions {
		if slices.Contains(allowed, o.Value) {
			out = append(out, o)
		}
	}
	return out
}

// appEditFields maps the domain's field names to the General tab's edit
// form; a problem with anything else (keys, settings) shows above the form.
var appEditFields = map[string]string{
	"name": "name", "grant_types": "grant_types", "response_types": "grant_types",
	"redirect_uris": "redirect_uris", "post_logout_redirect_uris": "post_logout_redirect_uris",
}

// editedApp is the stored app with the edit form's changes. UpdateApp
// replaces the whole app (Okta's PUT), so every setting the form does not
// show — the client authentication, PKCE, keys, refresh token and other
// Okta settings — is passed on as stored.
func editedApp(app store.App, f *Form) domain.NewAppParams {
	pkce := app.PKCERequired
	p := domain.NewAppParams{
		Name: f.Get("name"), Type: app.Type, AuthMethod: app.TokenEndpointAuthMethod,
		RedirectURIs: app.RedirectURIs, PostLogoutRedirectURIs: app.PostLogoutRedirectURIs,
		GrantTypes: f.Values["grant_types"], ResponseTypes: app.ResponseTypes, PKCERequired: &pkce,
		JWKS: app.JWKS, JWKSURI: app.JWKSURI, Settings: app.Settings,
	}
	// An API service signs no one in: its form has no redirect URIs.
	if app.Type != domain.AppTypeService {
		p.RedirectURIs, p.PostLogoutRedirectURIs = f.List("redirect_uris"), f.List("post_logout_redirect_uris")
	}
	// The response types go with the authorization code grant: kept while
	// the app keeps that grant, defaulted when it gains or loses it.
	code := domain.GrantAuthorizationCode
	if slices.Contains(app.GrantTypes, code) != slices.Contains(p.GrantTypes, code) {
		p.ResponseTypes = nil
	}
	return p
}

func (c *Console) appUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	app, err := c.Service.Store.GetApp(r.Context(), id)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	if len(f.Values["grant_types"]) == 0 {
		f.Fail("grant_types", "choose at least one grant type")
	}
	if f.Failed() {
		c.renderGeneral(w, r, p, http.StatusBadRequest, id, "", f)
		return
	}
	updated, err := c.Service.UpdateApp(r.Context(), id, editedApp(app, f))
	if f.Absorb(err, appEditFields) {
		c.renderGeneral(w, r, p, http.StatusBadRequest, id, "", f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if updated.ClientSecret != "" {
		// UpdateApp gives an app that uses a secret and had none a new one.
		p.Flash = "Settings saved. The app had no client secret, so Gatehouse generated one: copy it now, it is shown only once."
		c.renderGeneral(w, r, p, http.StatusOK, id, updated.ClientSecret, nil)
		return
	}
	c.done(w, r, appURL(id), "Settings saved.")
}

func (c *Console) appDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	app, err := c.Service.Store.GetApp(r.Context(), id)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if err := c.Service.DeleteApp(r.Context(), id); err != nil {
		c.refuseOnGeneral("lifecycle")(w, r, p, err)
		return
	}
	c.done(w, r, "/admin/apps", "App “"+app.Name+"” deleted.")
}

func (c *Console) appSecretCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	created, err := c.Service.CreateAppSecret(r.Context(), id, "", "")
	if err != nil {
		c.refuseOnGeneral("secrets")(w, r, p, err)
		return
	}
	// Shown on this answer only: Gatehouse keeps the secret's hash.
	p.Flash = "New client secret generated. Copy it now: it is shown only once."
	c.renderGeneral(w, r, p, http.StatusCreated, id, created.Value, nil)
}

func (c *Console) appSecretDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	if err := c.Service.DeleteAppSecret(r.Context(), id, r.PathValue("secret")); err != nil {
		c.refuseOnGeneral("secrets")(w, r, p, err)
		return
	}
	c.done(w, r, appURL(id), "Client secret deleted.")
}

// refuseOnGeneral shows the General tab of the app the path names again,
// with why the domain refused a change next to the controls that asked
// for it (area "secrets" or "lifecycle"); an unknown app or secret, or a
// failure, goes to c.fail.
func (c *Console) refuseOnGeneral(area string) refusal {
	return func(w http.ResponseWriter, r *http.Request, p *Page, err error) {
		msg, status := appRefusal(err)
		if msg == "" {
			c.fail(w, r, p, err)
			return
		}
		clientID := r.PathValue("id")
		app, getErr := c.Service.Store.GetApp(r.Context(), clientID)
		if getErr != nil {
			c.fail(w, r, p, getErr)
			return
		}
		f := formOf(appValues(app))
		f.Fail(area, msg)
		c.renderGeneral(w, r, p, status, clientID, "", f)
	}
}

// appRefusal is a readable reason for a change the domain refused, with its
// status: 409 for the object's state, 400 for a rule on the input; "" for
// any other error.
func appRefusal(err error) (string, int) {
	var state *domain.StateError
	var invalid *domain.ValidationError
	switch {
	case errors.Is(err, domain.ErrDeleteActiveApp):
		return "An active app cannot be deleted: deactivate it first.", http.StatusConflict
	case errors.As(err, &state):
		return state.Message, http.StatusConflict
	case errors.As(err, &invalid):
		msgs := make([]string, len(invalid.Problems))
		for i, pr := range invalid.Problems {
			msgs[i] = sentenceCase(pr.Message)
		}
		return strings.Join(msgs, " "), http.StatusBadRequest
	}
	return "", 0
}

// sentenceCase starts a domain message, written to follow a field name, as a
// sentence.
func sentenceCase(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
