package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Applications (/api/v1/apps): OpenID Connect apps (signOnMode
// OPENID_CONNECT, name oidc_client), their client secrets and their user
// and group assignments. The app id is the client id.

const signOnModeOIDC = "OPENID_CONNECT"

// appJSON is Okta's OpenIdConnectApplication, as sent and as shown.
type appJSON struct {
	ID            string             `json:"id"`
	Name          string             `json:"name"`
	Label         string             `json:"label"`
	Status        string             `json:"status"`
	Created       Time               `json:"created"`
	LastUpdated   Time               `json:"lastUpdated"`
	SignOnMode    string             `json:"signOnMode"`
	Features      []string           `json:"features"`
	Accessibility appAccessibility   `json:"accessibility"`
	Visibility    appVisibility      `json:"visibility"`
	Credentials   appCredentialsJSON `json:"credentials"`
	Settings      appSettingsJSON    `json:"settings"`
	Profile       json.RawMessage    `json:"profile,omitempty"`
	Links         map[string]any     `json:"_links"`
}

type appAccessibility struct {
	SelfService      bool    `json:"selfService"`
	ErrorRedirectURL *string `json:"errorRedirectUrl"`
	LoginRedirectURL *string `json:"loginRedirectUrl"`
}

type appVisibility struct {
	AutoLaunch        bool            `json:"autoLaunch"`
	AutoSubmitToolbar bool            `json:"autoSubmitToolbar"`
	Hide              map[string]bool `json:"hide"`
	AppLinks          map[string]bool `json:"appLinks"`
}

type appCredentialsJSON struct {
	UserNameTemplate userNameTemplate     `json:"userNameTemplate"`
	OAuthClient      oauthClientCredsJSON `json:"oauthClient"`
}

type userNameTemplate struct {
	Template string `json:"template"`
	Type     string `json:"type"`
}

type oauthClientCredsJSON struct {
	AutoKeyRotation         *bool  `json:"autoKeyRotation,omitempty"`
	ClientID                string `json:"client_id,omitempty"`
	ClientSecret            string `json:"client_secret,omitempty"`
	TokenEndpointAuthMethod string `json:"token_endpoint_auth_method,omitempty"`
	PKCERequired            *bool  `json:"pkce_required,omitempty"`
}

type appSettingsJSON struct {
	App                map[string]any          `json:"app"`
	ImplicitAssignment bool                    `json:"implicitAssignment"`
	Notes              map[string]*string      `json:"notes"`
	OAuthClient        oauthClientSettingsJSON `json:"oauthClient"`
}

type oauthClientSettingsJSON struct {
	ClientURI              string            `json:"client_uri,omitempty"`
	LogoURI                string            `json:"logo_uri,omitempty"`
	PolicyURI              string            `json:"policy_uri,omitempty"`
	TosURI                 string            `json:"tos_uri,omitempty"`
	InitiateLoginURI       string            `json:"initiate_login_uri,omitempty"`
	RedirectURIs           []string          `json:"redirect_uris"`
	PostLogoutRedirectURIs []string          `json:"post_logout_redirect_uris"`
	ResponseTypes          []string          `json:"response_types"`
	GrantTypes             []string          `json:"grant_types"`
	ApplicationType        string            `json:"application_type"`
	ConsentMethod          string            `json:"consent_method,omitempty"`
	IssuerMode             string            `json:"issuer_mode,omitempty"`
	IDPInitiatedLogin      *idpInitiated     `json:"idp_initiated_login,omitempty"`
	WildcardRedirect       string            `json:"wildcard_redirect,omitempty"`
	JWKS                   json.RawMessage   `json:"jwks,omitempty"`
	JWKSURI                string            `json:"jwks_uri,omitempty"`
	RefreshToken           *refreshTokenJSON `json:"refresh_token,omitempty"`
}

type idpInitiated struct {
	Mode         string   `json:"mode"`
	DefaultScope []string `json:"default_scope"`
}

type refreshTokenJSON struct {
	RotationType string `json:"rotation_type"`
	Leeway       *int   `json:"leeway,omitempty"`
}

func (a *API) routeApps(mux *http.ServeMux) {
	const base = "/api/v1/apps"
	a.route(mux, "GET "+base, a.listApps)
	a.route(mux, "POST "+base, a.createApp)
	a.route(mux, "GET "+base+"/{appId}", a.getApp)
	a.route(mux, "PUT "+base+"/{appId}", a.appChange(a.replaceApp))
	a.route(mux, "DELETE "+base+"/{appId}", a.appChange(a.deleteApp))
	a.route(mux, "POST "+base+"/{appId}/lifecycle/activate", a.appChange(a.appLifecycle(true)))
	a.route(mux, "POST "+base+"/{appId}/lifecycle/deactivate", a.appChange(a.appLifecycle(false)))
	a.routeAppSecrets(mux)
	a.routeAppAssignments(mux)
}

// appJSON shows an app; secret is shown only right after it was made.
func (a *API) appJSON(app store.App, secret string) appJSON {
	base := "/api/v1/apps/" + app.ClientID
	set := domain.EffectiveSettings(app)
	pkce := app.PKCERequired
	out := appJSON{
		ID: app.ClientID, Name: domain.OIDCAppName, Label: app.Name, Status: app.Status,
		Created: Time(app.Created), LastUpdated: Time(app.LastUpdated), SignOnMode: signOnModeOIDC, Features: []string{},
		Accessibility: appAccessibility{},
		Visibility: appVisibility{Hide: map[string]bool{"iOS": false, "web": false},
			AppLinks: map[string]bool{"oidc_client_link": set.InitiateLoginURI != ""}},
		Credentials: appCredentialsJSON{
			UserNameTemplate: userNameTemplate{Template: "${source.login}", Type: "BUILT_IN"},
			OAuthClient: oauthClientCredsJSON{AutoKeyRotation: set.AutoKeyRotation, ClientID: app.ClientID, ClientSecret: secret,
				TokenEndpointAuthMethod: app.TokenEndpointAuthMethod, PKCERequired: &pkce},
		},
		Settings: appSettingsJSON{App: map[string]any{}, Notes: map[string]*string{"admin": nil, "enduser": nil},
			OAuthClient: oauthClientSettingsJSON{
				ClientURI: set.ClientURI, LogoURI: set.LogoURI, PolicyURI: set.PolicyURI, TosURI: set.TosURI,
				InitiateLoginURI: set.InitiateLoginURI, RedirectURIs: app.RedirectURIs, PostLogoutRedirectURIs: app.PostLogoutRedirectURIs,
				ResponseTypes: app.ResponseTypes, GrantTypes: app.GrantTypes, ApplicationType: app.Type,
				ConsentMethod: set.ConsentMethod, IssuerMode: set.IssuerMode,
				IDPInitiatedLogin: &idpInitiated{Mode: "DISABLED", DefaultScope: []string{}}, WildcardRedirect: "DISABLED",
				JWKSURI: app.JWKSURI,
			}},
		Profile: set.Profile,
	}
	if app.JWKS != "" {
		out.Settings.OAuthClient.JWKS = json.RawMessage(app.JWKS)
	}
	if slices.Contains(app.GrantTypes, domain.GrantRefreshToken) {
		out.Settings.OAuthClient.RefreshToken = &refreshTokenJSON{RotationType: set.RefreshRotation, Leeway: set.RefreshLeeway}
	}
	links := map[string]any{
		"self":     a.link(base, "GET", "PUT", "DELETE"),
		"users":    a.link(base + "/users"),
		"groups":   a.link(base + "/groups"),
		"secrets":  a.link(base + "/credentials/secrets"),
		"appLinks": []Link{},
	}
	if set.InitiateLoginURI != "" {
		links["appLinks"] = []Link{{Href: set.InitiateLoginURI, Name: "oidc_client_link"}}
	}
	if app.Status == store.StatusActive {
		links["deactivate"] = a.link(base+"/lifecycle/deactivate", "POST")
	} else {
		links["activate"] = a.link(base+"/lifecycle/activate", "POST")
	}
	out.Links = links
	return out
}

// appParams reads an app body into the domain's parameters.
func appParams(in appJSON) (domain.NewAppParams, error) {
	var v domain.ValidationError
	switch in.SignOnMode {
	case "", signOnModeOIDC:
	default:
		v.Problems = append(v.Problems, domain.FieldProblem{Field: "signOnMode",
			Message: "Gatehouse has OpenID Connect apps only: use OPENID_CONNECT"})
	}
	if in.Name != "" && in.Name != domain.OIDCAppName {
		v.Problems = append(v.Problems, domain.FieldProblem{Field: "name", Message: "must be oidc_client"})
	}
	if len(v.Problems) > 0 {
		return domain.NewAppParams{}, &v
	}
	oc, creds := in.Settings.OAuthClient, in.Credentials.OAuthClient
	p := domain.NewAppParams{
		Name: in.Label, Type: oc.ApplicationType, RedirectURIs: oc.RedirectURIs, PostLogoutRedirectURIs: oc.PostLogoutRedirectURIs,
		AuthMethod: creds.TokenEndpointAuthMethod, GrantTypes: oc.GrantTypes, ResponseTypes: oc.ResponseTypes,
		PKCERequired: creds.PKCERequired, JWKSURI: oc.JWKSURI, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Settings: store.AppSettings{
			ConsentMethod: oc.ConsentMethod, IssuerMode: oc.IssuerMode, ClientURI: oc.ClientURI, LogoURI: oc.LogoURI,
			PolicyURI: oc.PolicyURI, TosURI: oc.TosURI, InitiateLoginURI: oc.InitiateLoginURI,
			AutoKeyRotation: creds.AutoKeyRotation, Profile: in.Profile,
		},
	}
	if p.Type == "" {
		p.Type = domain.AppTypeWeb // Okta's default application_type
	}
	if len(oc.JWKS) > 0 && string(oc.JWKS) != "null" {
		p.JWKS = string(oc.JWKS)
	}
	if string(p.Settings.Profile) == "null" {
		p.Settings.Profile = nil
	}
	if oc.RefreshToken != nil {
		p.Settings.RefreshRotation, p.Settings.RefreshLeeway = oc.RefreshToken.RotationType, oc.RefreshToken.Leeway
	}
	return p, nil
}

// oktaAppFields names the fields of an app validation error as Okta does
// (the domain calls the label "name" and the application type "type").
func oktaAppFields(err error) error {
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		return err
	}
	out := &domain.ValidationError{}
	for _, p := range v.Problems {
		switch p.Field {
		case "name":
			p.Field = "label"
		case "type":
			p.Field = "application_type"
		}
		out.Problems = append(out.Problems, p)
	}
	return out
}

func (a *API) listApps(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, 20, 200)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	apps, err := a.svc.ListApps(r.Context(), q.Get("q"), q.Get("filter"), page)
	if err != nil {
		return err
	}
	apps, next := trimPage(apps, page, func(app store.App) string { return app.ClientID })
	out := make([]appJSON, len(apps))
	for i, app := range apps {
		out[i] = a.appJSON(app, "")
	}
	return a.writePage(w, r, out, next)
}

func (a *API) createApp(w http.ResponseWriter, r *http.Request) error {
	var in appJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	activate := true
	if s := r.URL.Query().Get("activate"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return apierr.New(apierr.APIIllegalArgument, "The request was not valid: activate must be true or false")
		}
		activate = b
	}
	p, err := appParams(in)
	if err != nil {
		return err
	}
	created, err := a.svc.CreateApp(r.Context(), p, activate)
	if err != nil {
		return oktaAppFields(err)
	}
	return writeJSON(w, http.StatusOK, a.appJSON(created.App, created.ClientSecret))
}

func (a *API) getApp(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	app, err := a.st.GetApp(r.Context(), id)
	if err != nil {
		return found(err, id, "AppInstance")
	}
	return writeJSON(w, http.StatusOK, a.appJSON(app, ""))
}

func (a *API) replaceApp(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	var in appJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := appParams(in)
	if err != nil {
		return err
	}
	if in.Settings.OAuthClient.ApplicationType == "" {
		p.Type = "" // keep the app's own
	}
	updated, err := a.svc.UpdateApp(r.Context(), id, p)
	if err != nil {
		return found(oktaAppFields(err), id, "AppInstance")
	}
	return writeJSON(w, http.StatusOK, a.appJSON(updated.App, updated.ClientSecret))
}

func (a *API) deleteApp(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	err := a.svc.DeleteApp(r.Context(), id)
	if errors.Is(err, domain.ErrDeleteActiveApp) {
		return apierr.New(apierr.APIDeleteActive, "")
	}
	if err != nil {
		return found(err, id, "AppInstance")
	}
	return noContent(w)
}

func (a *API) appLifecycle(activate bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("appId")
		change := a.svc.DeactivateApp
		if activate {
			change = a.svc.ActivateApp
		}
		if err := change(r.Context(), id); err != nil {
			return found(err, id, "AppInstance")
		}
		return writeJSON(w, http.StatusOK, struct{}{})
	}
}
