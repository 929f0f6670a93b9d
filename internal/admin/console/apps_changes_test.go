package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// appErrorNextTo returns the error shown next to field, failing the test
// when there is none.
func appErrorNextTo(t *testing.T, body, field string) string {
	t.Helper()
	m := regexp.MustCompile(`<p class="(?:error|alert)" (?:role="alert" )?id="e-` + field + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error next to %s in:\n%s", field, body)
	}
	return html.UnescapeString(m[1])
}

// appShownSecret is the secret the page shows once, or "".
func appShownSecret(body string) string {
	m := regexp.MustCompile(`<code id="client-secret" class="value">([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// appClientAccepted reports whether the token endpoint accepts the app's
// secret: a made-up code is then refused as invalid_grant, while a wrong
// secret is invalid_client.
func appClientAccepted(t *testing.T, s *testkit.Server, clientID, secret string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {testkit.RedirectURI}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	switch out.Error {
	case "invalid_grant":
		return true
	case "invalid_client":
		return false
	}
	t.Fatalf("token call: %d %q", resp.StatusCode, out.Error)
	return false
}

func getApp(t *testing.T, s *testkit.Server, clientID string) store.App {
	t.Helper()
	app, err := s.Store.GetApp(context.Background(), clientID)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func TestConsoleAppEditKeepsOtherSettings(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	yes, no, leeway := true, false, 10
	tests := []struct {
		name   string
		params domain.NewAppParams
		edit   url.Values
		// want* are what the edit must store.
		wantGrants   []string
		wantRedirect []string
		wantLogout   []string
	}{
		{"confidential web app with Okta settings",
			domain.NewAppParams{Name: "Settings App", Type: domain.AppTypeWeb, AuthMethod: domain.AuthMethodPost,
				RedirectURIs: []string{testkit.RedirectURI}, PKCERequired: &yes,
				GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
				Settings: store.AppSettings{ClientURI: "https://client.example.com", LogoURI: "https://client.example.com/logo.png",
					PolicyURI: "https://client.example.com/policy", TosURI: "https://client.example.com/tos",
					InitiateLoginURI: "https://client.example.com/login", IssuerMode: domain.IssuerModeCustomURL,
					RefreshRotation: domain.RotationRotate, RefreshLeeway: &leeway, AutoKeyRotation: &no,
					Profile: json.RawMessage(`{"label":"kept"}`)}},
			url.Values{"name": {"Renamed App"}, "grant_types": {"authorization_code"},
				"redirect_uris": {"https://new.example.com/cb\r\nhttps://new.example.com/cb2"}, "post_logout_redirect_uris": {"https://new.example.com/"}},
			[]string{"authorization_code"}, []string{"https://new.example.com/cb", "https://new.example.com/cb2"}, []string{"https://new.example.com/"}},
		{"private_key_jwt app keeps its key set",
			domain.NewAppParams{Name: "Key App", Type: domain.AppTypeWeb, AuthMethod: domain.AuthMethodPrivateKeyJWT,
				JWKSURI: "https://keys.example.com/jwks.json", RedirectURIs: []string{testkit.RedirectURI}},
			url.Values{"name": {"Key App 2"}, "grant_types": {"authorization_code", "refresh_token", "client_credentials"},
				"redirect_uris": {testkit.RedirectURI}},
			[]string{"authorization_code", "refresh_token", "client_credentials"}, []string{testkit.RedirectURI}, []string{}},
		{"single-page app keeps PKCE and rotation",
			domain.NewAppParams{Name: "SPA 2", Type: domain.AppTypeBrowser, RedirectURIs: []string{testkit.RedirectURI}},
			url.Values{"name": {"SPA Renamed"}, "grant_types": {"authorization_code"}, "redirect_uris": {testkit.RedirectURI}},
			[]string{"authorization_code"}, []string{testkit.RedirectURI}, []string{}},
		{"API service keeps what its form does not show",
			domain.NewAppParams{Name: "Service", Type: domain.AppTypeService},
			url.Values{"name": {"Service Renamed"}, "grant_types": {"client_credentials"}},
			[]string{"client_credentials"}, []string{}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created, err := s.Service.CreateApp(ctx, tc.params, true)
			if err != nil {
				t.Fatal(err)
			}
			before := getApp(t, s, created.App.ClientID)
			secretsBefore, _ := s.Store.ListAppSecrets(ctx, before.ClientID)
			p := admin.Post(t, "/admin/apps/"+before.ClientID, tc.edit)
			if p.Status != http.StatusSeeOther || p.Location != "/admin/apps/"+before.ClientID {
				t.Fatalf("edit: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			after := getApp(t, s, before.ClientID)
			if after.Name != tc.edit.Get("name") || !slices.Equal(after.GrantTypes, tc.wantGrants) ||
				!slices.Equal(after.RedirectURIs, tc.wantRedirect) || !slices.Equal(after.PostLogoutRedirectURIs, tc.wantLogout) {
				t.Errorf("edited fields: name %q grants %v redirects %v logout %v", after.Name, after.GrantTypes,
					after.RedirectURIs, after.PostLogoutRedirectURIs)
			}
			// Everything the form does not edit is as it was.
			if after.TokenEndpointAuthMethod != before.TokenEndpointAuthMethod || after.PKCERequired != before.PKCERequired ||
				after.JWKS != before.JWKS || after.JWKSURI != before.JWKSURI || after.Type != before.Type ||
				after.Status != before.Status || !after.Created.Equal(before.Created) ||
				!slices.Equal(after.ResponseTypes, before.ResponseTypes) || !slices.Equal(after.SecretHashes, before.SecretHashes) {
				t.Errorf("the edit changed settings it does not show:\nbefore %+v\nafter  %+v", before, after)
			}
			if !reflect.DeepEqual(after.Settings, before.Settings) {
				t.Errorf("settings: before %+v, after %+v", before.Settings, after.Settings)
			}
			if secrets, _ := s.Store.ListAppSecrets(ctx, before.ClientID); len(secrets) != len(secretsBefore) {
				t.Errorf("secrets: %d → %d", len(secretsBefore), len(secrets))
			}
			page := admin.Get(t, p.Location)
			if !strings.Contains(page.Body, "Settings saved.") || !strings.Contains(page.Body, tc.edit.Get("name")) {
				t.Errorf("the General tab after the edit shows no confirmation or new name:\n%s", page.Body)
			}
		})
	}
}

func TestConsoleAppEditOffersOnlyAllowedGrants(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	tests := []struct {
		app          store.App
		offered, not []string
	}{
		{s.WebApp, []string{"authorization_code", "refresh_token", "client_credentials"}, nil},
		{s.PublicApp, []string{"authorization_code", "refresh_token"}, []string{"client_credentials"}},
	}
	for _, tc := range tests {
		p := admin.Get(t, "/admin/apps/"+tc.app.ClientID)
		for _, g := range tc.offered {
			if !strings.Contains(p.Body, `name="grant_types" value="`+g+`"`) {
				t.Errorf("%s: grant %s not offered", tc.app.Name, g)
			}
		}
		for _, g := range tc.not {
			if strings.Contains(p.Body, `name="grant_types" value="`+g+`"`) {
				t.Errorf("%s: grant %s offered", tc.app.Name, g)
			}
		}
	}
}

func TestConsoleAppEditRefused(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	valid := func(change url.Values) url.Values {
		v := url.Values{"name": {"Web App"}, "grant_types": {"authorization_code"}, "redirect_uris": {testkit.RedirectURI}}
		for k, val := range change {
			v[k] = val
		}
		return v
	}
	tests := []struct {
		name      string
		app       store.App
		form      url.Values
		field     string
		errorText string
	}{
		{"blank name", s.WebApp, valid(url.Values{"name": {" "}}), "name", "must be 1 to 100 characters"},
		{"no grant", s.WebApp, valid(url.Values{"grant_types": nil}), "grant_types", "choose at least one grant type"},
		{"no redirect URI", s.WebApp, valid(url.Values{"redirect_uris": {""}}), "redirect_uris", "at least one sign-in redirect URI"},
		{"relative redirect URI", s.WebApp, valid(url.Values{"redirect_uris": {"/callback"}}), "redirect_uris", "must be an absolute URI"},
		{"fragment in sign-out URI", s.WebApp, valid(url.Values{"post_logout_redirect_uris": {"https://a.example.com/#x"}}),
			"post_logout_redirect_uris", "must not contain a fragment"},
		{"refresh without code", s.WebApp, valid(url.Values{"grant_types": {"refresh_token", "client_credentials"}}),
			"grant_types", "refresh_token needs authorization_code"},
		{"grant a browser app may not have", s.PublicApp, valid(url.Values{"name": {"SPA"}, "grant_types": {"client_credentials"}}),
			"grant_types", "is not allowed for browser apps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := getApp(t, s, tc.app.ClientID)
			p := admin.Post(t, "/admin/apps/"+tc.app.ClientID, tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if msg := appErrorNextTo(t, p.Body, tc.field); !strings.Contains(msg, tc.errorText) {
				t.Errorf("error %q, want %q", msg, tc.errorText)
			}
			if name := strings.TrimSpace(tc.form.Get("name")); name != "" && !strings.Contains(p.Body, `value="`+name+`"`) {
				t.Error("the form lost the name typed")
			}
			if v := tc.form.Get("redirect_uris"); v != "" && !strings.Contains(p.Body, v+"</textarea>") {
				t.Error("the form lost the redirect URIs typed")
			}
			if after := getApp(t, s, tc.app.ClientID); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused edit changed the app:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// An edit reaches the protocol endpoints at once: the redirect URI taken
// away is refused by the next /authorize, though the app was just used.
func TestConsoleAppEditReachesAuthorize(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, nil), testkit.UserLogin, testkit.Password)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize before the edit: %v %v", loc, err)
	}
	p := admin.Post(t, "/admin/apps/"+s.WebApp.ClientID, url.Values{"name": {"Web App"},
		"grant_types": {"authorization_code", "refresh_token"}, "redirect_uris": {"https://elsewhere.example.com/cb"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d", p.Status)
	}
	if loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, nil), testkit.UserLogin, testkit.Password); err == nil {
		t.Fatalf("authorize with the removed redirect URI: %v, want it refused", loc)
	}
}

func TestConsoleAppSecrets(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	id := s.WebApp.ClientID
	base := "/admin/apps/" + id
	secrets := func() []store.AppSecret {
		t.Helper()
		list, err := s.Store.ListAppSecrets(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	first := secrets()
	if len(first) != 1 {
		t.Fatalf("seeded web app has %d secrets", len(first))
	}
	oldID := first[0].ID
	p := admin.Get(t, base)
	if !strings.Contains(p.Body, oldID) || !strings.Contains(p.Body, `id="generate-secret"`) {
		t.Fatalf("General tab lists no secret or offers no new one:\n%s", p.Body)
	}

	// The domain's refusals read as messages next to the secrets.
	refusals := []struct {
		name, path, text string
		status           int
	}{
		{"deactivate the only active secret", base + "/secrets/" + oldID + "/deactivate", "only active client secret", http.StatusConflict},
		{"delete an active secret", base + "/secrets/" + oldID + "/delete", "active client secret cannot be deleted", http.StatusConflict},
	}
	for _, tc := range refusals {
		p := admin.Post(t, tc.path, nil)
		if p.Status != tc.status {
			t.Fatalf("%s: %d, want %d", tc.name, p.Status, tc.status)
		}
		if msg := appErrorNextTo(t, p.Body, "secrets"); !strings.Contains(msg, tc.text) {
			t.Errorf("%s: %q", tc.name, msg)
		}
	}
	if got := secrets(); len(got) != 1 || got[0].Status != store.StatusActive {
		t.Fatalf("refused changes changed the secrets: %+v", got)
	}

	// Generate: shown once, on the answer; it works at the token endpoint.
	p = admin.Post(t, base+"/secrets", nil)
	newSecret := appShownSecret(p.Body)
	if p.Status != http.StatusCreated || newSecret == "" {
		t.Fatalf("generate: %d, secret shown: %v", p.Status, newSecret != "")
	}
	if got := secrets(); len(got) != 2 || !slices.ContainsFunc(got, func(sec store.AppSecret) bool {
		return sec.ID != oldID && sec.Hash == domain.HashSecret(newSecret) && sec.Status == store.StatusActive
	}) {
		t.Fatalf("stored secrets %+v do not hold the one shown", got)
	}
	if !appClientAccepted(t, s, id, newSecret) || !appClientAccepted(t, s, id, s.WebSecret) {
		t.Fatal("both active secrets should be accepted")
	}
	if p := admin.Get(t, base); strings.Contains(p.Body, newSecret) {
		t.Fatal("the secret is shown again")
	}

	// A third is refused: two at most.
	p = admin.Post(t, base+"/secrets", nil)
	if p.Status != http.StatusBadRequest || appShownSecret(p.Body) != "" {
		t.Fatalf("third secret: %d", p.Status)
	}
	if msg := appErrorNextTo(t, p.Body, "secrets"); !strings.Contains(msg, "at most two secrets") {
		t.Errorf("third secret: %q", msg)
	}
	if got := secrets(); len(got) != 2 {
		t.Fatalf("a refused secret was stored: %d", len(got))
	}

	// Deactivate, activate, deactivate and delete the old one.
	steps := []struct {
		action, flash string
		wantStatus    string // the old secret's status after, "" when gone
	}{
		{"deactivate", "Client secret deactivated", store.StatusInactive},
		{"activate", "Client secret activated.", store.StatusActive},
		{"deactivate", "Client secret deactivated", store.StatusInactive},
		{"delete", "Client secret deleted.", ""},
	}
	for _, st := range steps {
		p := admin.Post(t, base+"/secrets/"+oldID+"/"+st.action, nil)
		if p.Status != http.StatusSeeOther || p.Location != base {
			t.Fatalf("%s: %d %q\n%s", st.action, p.Status, p.Location, p.Body)
		}
		if page := admin.Get(t, base); !strings.Contains(page.Body, st.flash) {
			t.Errorf("%s: no confirmation %q", st.action, st.flash)
		}
		sec, err := s.Store.GetAppSecret(ctx, id, oldID)
		switch {
		case st.wantStatus == "" && !errors.Is(err, store.ErrNotFound):
			t.Fatalf("%s: the secret is still there (%v)", st.action, err)
		case st.wantStatus != "" && (err != nil || sec.Status != st.wantStatus):
			t.Fatalf("%s: status %q (%v), want %s", st.action, sec.Status, err, st.wantStatus)
		}
	}
	if appClientAccepted(t, s, id, s.WebSecret) || !appClientAccepted(t, s, id, newSecret) {
		t.Fatal("after the rotation only the new secret should be accepted")
	}

	// An unknown secret is a 404; a public app has no secrets to make.
	if p := admin.Post(t, base+"/secrets/ocsNoSuchSecret00000/deactivate", nil); p.Status != http.StatusNotFound {
		t.Errorf("unknown secret: %d", p.Status)
	}
	if p := admin.Get(t, "/admin/apps/"+s.PublicApp.ClientID); strings.Contains(p.Body, `id="generate-secret"`) {
		t.Error("a public app is offered a client secret")
	}
	p = admin.Post(t, "/admin/apps/"+s.PublicApp.ClientID+"/secrets", nil)
	if p.Status != http.StatusConflict {
		t.Fatalf("secret for a public app: %d", p.Status)
	}
	if msg := appErrorNextTo(t, p.Body, "secrets"); !strings.Contains(msg, "has no client secret") {
		t.Errorf("secret for a public app: %q", msg)
	}
}

func TestConsoleAppLifecycle(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	created, err := s.Service.CreateApp(ctx, domain.NewAppParams{Name: "Doomed", Type: domain.AppTypeWeb,
		RedirectURIs: []string{testkit.RedirectURI}}, true)
	if err != nil {
		t.Fatal(err)
	}
	id := created.App.ClientID
	base := "/admin/apps/" + id
	if _, err := s.Service.AssignGroupToApp(ctx, id, store.EveryoneGroupID, nil, nil); err != nil {
		t.Fatal(err)
	}
	p := admin.Get(t, base)
	if !strings.Contains(p.Body, `id="deactivate-app"`) || strings.Contains(p.Body, `id="delete-app"`) {
		t.Fatal("an active app should offer Deactivate and not Delete")
	}

	// Delete while active: refused, readable, nothing deleted.
	p = admin.Post(t, base+"/delete", nil)
	if p.Status != http.StatusConflict {
		t.Fatalf("delete while active: %d", p.Status)
	}
	if msg := appErrorNextTo(t, p.Body, "lifecycle"); !strings.Contains(msg, "deactivate it first") {
		t.Errorf("delete while active: %q", msg)
	}
	getApp(t, s, id)

	p = admin.Post(t, base+"/deactivate", nil)
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("deactivate: %d %q", p.Status, p.Location)
	}
	if app := getApp(t, s, id); app.Status != store.StatusInactive {
		t.Fatalf("status after deactivate: %s", app.Status)
	}
	if loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(id, nil), testkit.UserLogin, testkit.Password); err == nil {
		t.Fatalf("authorize with a deactivated app: %v", loc)
	}
	p = admin.Get(t, base)
	if !strings.Contains(p.Body, "App deactivated") || !strings.Contains(p.Body, `id="activate-app"`) ||
		!regexp.MustCompile(`action="/admin/apps/`+id+`/delete"[^>]*data-confirm="Delete Doomed\?`).MatchString(p.Body) {
		t.Fatalf("an inactive app should offer Activate and a confirmed Delete:\n%s", p.Body)
	}

	p = admin.Post(t, base+"/activate", nil)
	if p.Status != http.StatusSeeOther || getApp(t, s, id).Status != store.StatusActive {
		t.Fatalf("activate: %d", p.Status)
	}
	if loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(id, nil), testkit.UserLogin, testkit.Password); err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize after activation: %v %v", loc, err)
	}

	admin.Post(t, base+"/deactivate", nil)
	p = admin.Post(t, base+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/apps" {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if _, err := s.Store.GetApp(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the app is still there: %v", err)
	}
	if p := admin.Get(t, "/admin/apps"); !strings.Contains(p.Body, "App “Doomed” deleted.") {
		t.Error("no confirmation after delete")
	}
	if p := admin.Get(t, base); p.Status != http.StatusNotFound {
		t.Errorf("General tab of a deleted app: %d", p.Status)
	}
}

// appChangeRoutes are every app change the console offers, with a valid
// form, for the read-only and unknown-app checks.
func appChangeRoutes(s *testkit.Server, id, secretID string) []struct {
	path string
	form url.Values
} {
	return []struct {
		path string
		form url.Values
	}{
		{"/admin/apps/" + id, url.Values{"name": {"Changed"}, "grant_types": {"authorization_code"}, "redirect_uris": {testkit.RedirectURI}}},
		{"/admin/apps/" + id + "/deactivate", nil},
		{"/admin/apps/" + id + "/activate", nil},
		{"/admin/apps/" + id + "/delete", nil},
		{"/admin/apps/" + id + "/secrets", nil},
		{"/admin/apps/" + id + "/secrets/" + secretID + "/activate", nil},
		{"/admin/apps/" + id + "/secrets/" + secretID + "/deactivate", nil},
		{"/admin/apps/" + id + "/secrets/" + secretID + "/delete", nil},
		{"/admin/apps/" + id + "/assignments/users", url.Values{"user": {testkit.UserLogin}}},
		{"/admin/apps/" + id + "/assignments/users/" + s.User.ID + "/delete", nil},
		{"/admin/apps/" + id + "/assignments/groups", url.Values{"group": {store.EveryoneGroupID}}},
		{"/admin/apps/" + id + "/assignments/groups/" + store.EveryoneGroupID + "/delete", nil},
	}
}

func TestConsoleAppReadOnlyAdminChangesNothing(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	id := s.WebApp.ClientID
	secrets, _ := s.Store.ListAppSecrets(ctx, id)
	for _, path := range []string{"/admin/apps/" + id, "/admin/apps/" + id + "/assignments"} {
		p := ro.Get(t, path)
		if p.Status != http.StatusOK {
			t.Fatalf("read-only GET %s: %d", path, p.Status)
		}
		if strings.Contains(p.Body, `method="post" action="/admin/apps/`) {
			t.Errorf("read-only %s offers a change form", path)
		}
	}
	before := getApp(t, s, id)
	usersBefore, _ := s.Store.ListAppUsers(ctx, id, store.Page{Limit: 10})
	groupsBefore, _ := s.Store.ListAppGroups(ctx, id, store.Page{Limit: 10})
	for _, rt := range appChangeRoutes(s, id, secrets[0].ID) {
		if p := ro.Post(t, rt.path, rt.form); p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d, want 403", rt.path, p.Status)
		}
	}
	if after := getApp(t, s, id); !reflect.DeepEqual(after, before) {
		t.Errorf("read-only posts changed the app: %+v", after)
	}
	if after, _ := s.Store.ListAppSecrets(ctx, id); !reflect.DeepEqual(after, secrets) {
		t.Errorf("read-only posts changed the secrets: %+v", after)
	}
	users, _ := s.Store.ListAppUsers(ctx, id, store.Page{Limit: 10})
	groups, _ := s.Store.ListAppGroups(ctx, id, store.Page{Limit: 10})
	if !reflect.DeepEqual(users, usersBefore) || !reflect.DeepEqual(groups, groupsBefore) || len(groups) == 0 {
		t.Errorf("read-only posts changed the assignments: users %+v, groups %+v", users, groups)
	}
}

func TestConsoleAppUnknownIsNotFound(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	for _, path := range []string{"/admin/apps/0oaNoSuchApp00000000", "/admin/apps/0oaNoSuchApp00000000/assignments"} {
		if p := admin.Get(t, path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
	}
	for _, rt := range appChangeRoutes(s, "0oaNoSuchApp00000000", "ocsNoSuchSecret00000") {
		if p := admin.Post(t, rt.path, rt.form); p.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", rt.path, p.Status)
		}
	}
}
