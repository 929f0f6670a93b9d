package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// appOut is the part of Okta's app object the tests read.
type appOut struct {
	ID, Name, Label, Status, SignOnMode, Created, LastUpdated string
	Credentials                                               struct {
		OAuthClient struct {
			ClientID                string `json:"client_id"`
			ClientSecret            string `json:"client_secret"`
			TokenEndpointAuthMethod string `json:"token_endpoint_auth_method"`
			PKCERequired            bool   `json:"pkce_required"`
			AutoKeyRotation         bool   `json:"autoKeyRotation"`
		} `json:"oauthClient"`
		UserNameTemplate struct{ Template string } `json:"userNameTemplate"`
	}
	Settings struct {
		OAuthClient struct {
			RedirectURIs    []string `json:"redirect_uris"`
			PostLogout      []string `json:"post_logout_redirect_uris"`
			GrantTypes      []string `json:"grant_types"`
			ResponseTypes   []string `json:"response_types"`
			ApplicationType string   `json:"application_type"`
			ConsentMethod   string   `json:"consent_method"`
			LogoURI         string   `json:"logo_uri"`
			RefreshToken    *struct {
				RotationType string `json:"rotation_type"`
				Leeway       int    `json:"leeway"`
			} `json:"refresh_token"`
		} `json:"oauthClient"`
	}
	Links map[string]any `json:"_links"`
}

// webAppBody is a create request for a confidential web app.
func webAppBody(label string) map[string]any {
	return map[string]any{
		"name": "oidc_client", "label": label, "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "client_secret_basic"}},
		"settings": map[string]any{"oauthClient": map[string]any{
			"redirect_uris": []string{testkit.RedirectURI}, "grant_types": []string{"authorization_code", "refresh_token"},
			"response_types": []string{"code"}, "application_type": "web",
		}},
	}
}

// clock is a settable time for the server, so that tests can step past
// the app cache's lifetime.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// clientAuthStatus reports whether the token endpoint's client
// authentication accepts id/secret: introspection answers 200 when it does.
func clientAuthStatus(t *testing.T, s *testkit.Server, id, secret string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.Issuer()+"/v1/introspect", strings.NewReader(url.Values{"token": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAppLifecycle(t *testing.T) {
	clk := &clock{t: time.Now()}
	backends(t, func(t *testing.T, s *testkit.Server) {
		r := s.API(t, "POST", "/api/v1/apps", webAppBody("Payroll"))
		if r.Status != http.StatusOK {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var app appOut
		r.JSON(t, &app)
		oc := app.Credentials.OAuthClient
		if !strings.HasPrefix(app.ID, "0oa") || oc.ClientID != app.ID || len(oc.ClientSecret) < 40 || app.Name != "oidc_client" ||
			app.Label != "Payroll" || app.Status != "ACTIVE" || app.SignOnMode != "OPENID_CONNECT" || !oc.AutoKeyRotation ||
			oc.TokenEndpointAuthMethod != "client_secret_basic" || app.Settings.OAuthClient.ConsentMethod != "TRUSTED" ||
			app.Settings.OAuthClient.RefreshToken == nil || app.Settings.OAuthClient.RefreshToken.RotationType != "STATIC" ||
			app.Settings.OAuthClient.RefreshToken.Leeway != 30 || app.Links["deactivate"] == nil ||
			app.Credentials.UserNameTemplate.Template != "${source.login}" {
			t.Fatalf("created app: %s", r.Body)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", app.Created); err != nil {
			t.Errorf("created %q: %v", app.Created, err)
		}
		secret := oc.ClientSecret
		if got := clientAuthStatus(t, s, app.ID, secret); got != http.StatusOK {
			t.Fatalf("the new secret does not authenticate: %d", got)
		}

		// Reads never show the secret.
		r = s.API(t, "GET", "/api/v1/apps/"+app.ID, nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), "client_secret\"") {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}

		// Replace: new label and redirect; the client id and secret stay.
		body := webAppBody("Payroll 2")
		body["settings"].(map[string]any)["oauthClient"].(map[string]any)["redirect_uris"] = []string{"https://p2.example.com/cb"}
		body["settings"].(map[string]any)["oauthClient"].(map[string]any)["logo_uri"] = "https://p2.example.com/logo.png"
		r = s.API(t, "PUT", "/api/v1/apps/"+app.ID, body)
		var upd appOut
		r.JSON(t, &upd)
		if r.Status != http.StatusOK || upd.ID != app.ID || upd.Label != "Payroll 2" || upd.Credentials.OAuthClient.ClientSecret != "" ||
			upd.Settings.OAuthClient.RedirectURIs[0] != "https://p2.example.com/cb" || upd.Settings.OAuthClient.LogoURI == "" {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		if got := clientAuthStatus(t, s, app.ID, secret); got != http.StatusOK {
			t.Fatalf("the secret stopped working after an update: %d", got)
		}

		// An active app cannot be deleted.
		e := wantOktaError(t, s.API(t, "DELETE", "/api/v1/apps/"+app.ID, nil), http.StatusForbidden, "E0000056")
		if e.ErrorSummary != "Delete application forbidden." {
			t.Errorf("summary %q", e.ErrorSummary)
		}
		r = s.API(t, "POST", "/api/v1/apps/"+app.ID+"/lifecycle/deactivate", nil)
		if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != "{}" {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		var got appOut
		s.API(t, "GET", "/api/v1/apps/"+app.ID, nil).JSON(t, &got)
		if got.Status != "INACTIVE" || got.Links["activate"] == nil {
			t.Fatalf("after deactivate: %+v", got)
		}
		if r := s.API(t, "DELETE", "/api/v1/apps/"+app.ID, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/apps/"+app.ID, nil), http.StatusNotFound, "E0000007")
		clk.Add(6 * time.Second) // past the app cache's lifetime
		if got := clientAuthStatus(t, s, app.ID, secret); got != http.StatusUnauthorized {
			t.Fatalf("a deleted app still authenticates: %d", got)
		}

		// activate=false makes an inactive app.
		r = s.API(t, "POST", "/api/v1/apps?activate=false", webAppBody("Later"))
		s.API(t, "GET", "/api/v1/apps/"+idOf(t, r), nil).JSON(t, &got)
		if got.Status != "INACTIVE" {
			t.Fatalf("activate=false: %+v", got)
		}
		if r := s.API(t, "POST", "/api/v1/apps/"+got.ID+"/lifecycle/activate", nil); r.Status != http.StatusOK {
			t.Fatalf("activate: %d %s", r.Status, r.Body)
		}
	}, testkit.Options{Now: clk.Now})
}

func idOf(t *testing.T, r testkit.APIResponse) string {
	t.Helper()
	var v struct{ ID string }
	r.JSON(t, &v)
	if r.Status != http.StatusOK || v.ID == "" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	return v.ID
}

// A deactivated app can neither start an authorization nor authenticate
// at the token endpoint, at once: the change drops the replica's cached copy.
func TestDeactivatedAppStops(t *testing.T) {
	s := testkit.Start(t)
	if got := clientAuthStatus(t, s, s.WebApp.ClientID, s.WebSecret); got != http.StatusOK {
		t.Fatalf("before: %d", got)
	}
	if r := s.API(t, "POST", "/api/v1/apps/"+s.WebApp.ClientID+"/lifecycle/deactivate", nil); r.Status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	if got := clientAuthStatus(t, s, s.WebApp.ClientID, s.WebSecret); got != http.StatusUnauthorized {
		t.Fatalf("token endpoint after deactivation: %d", got)
	}
	resp, err := testkit.Browser().Get(s.AuthorizeURL(s.WebApp.ClientID, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("authorize after deactivation: %d", resp.StatusCode)
	}
}

func TestAppValidation(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		oc := func(k string, v any) map[string]any {
			b := webAppBody("X")
			b["settings"].(map[string]any)["oauthClient"].(map[string]any)[k] = v
			return b
		}
		top := func(k string, v any) map[string]any {
			b := webAppBody("X")
			b[k] = v
			return b
		}
		creds := func(k string, v any) map[string]any {
			b := webAppBody("X")
			b["credentials"].(map[string]any)["oauthClient"].(map[string]any)[k] = v
			return b
		}
		for _, c := range []struct {
			name  string
			body  any
			code  string
			cause string
		}{
			{"no label", top("label", ""), "E0000001", "label: "},
			{"other sign-on mode", top("signOnMode", "SAML_2_0"), "E0000001", "signOnMode: "},
			{"other app name", top("name", "bookmark"), "E0000001", "name: "},
			{"unknown application type", oc("application_type", "tv"), "E0000001", "application_type: "},
			{"relative redirect", oc("redirect_uris", []string{"/cb"}), "E0000001", "redirect_uris: "},
			{"implicit grant", oc("grant_types", []string{"implicit"}), "E0000001", "grant_types: "},
			{"id_token response", oc("response_types", []string{"code", "id_token"}), "E0000001", "response_types: "},
			{"consent required", oc("consent_method", "REQUIRED"), "E0000001", "consent_method: "},
			{"bad logo", oc("logo_uri", "ftp://x"), "E0000001", "logo_uri: "},
			{"leeway out of range", oc("refresh_token", map[string]any{"rotation_type": "ROTATE", "leeway": 61}), "E0000001", "refresh_token.leeway: "},
			{"short secret", creds("client_secret", "short"), "E0000001", "client_secret: "},
			{"bad client id", creds("client_id", "a b"), "E0000001", "client_id: "},
			{"public app without PKCE", func() map[string]any {
				b := oc("application_type", "browser")
				b["credentials"] = map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "none", "pkce_required": false}}
				return b
			}(), "E0000001", "pkce_required: "},
			{"wrong JSON type", oc("redirect_uris", "https://x.example/cb"), "E0000001", ""},
			{"not JSON", "{", "E0000003", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, "POST", "/api/v1/apps", c.body), http.StatusBadRequest, c.code)
				if c.cause != "" && (len(e.ErrorCauses) == 0 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, c.cause)) {
					t.Errorf("causes %+v, want one starting %q", e.ErrorCauses, c.cause)
				}
			})
		}
		// A chosen client id is the app id, once.
		r := s.API(t, "POST", "/api/v1/apps", creds("client_id", "payroll-client"))
		if id := idOf(t, r); id != "payroll-client" {
			t.Fatalf("chosen client id: %s", id)
		}
		wantOktaError(t, s.API(t, "POST", "/api/v1/apps", creds("client_id", "payroll-client")), http.StatusBadRequest, "E0000001")
		// The type of an app cannot change.
		wantOktaError(t, s.API(t, "PUT", "/api/v1/apps/payroll-client", oc("application_type", "service")), http.StatusBadRequest, "E0000001")
		// Unknown apps.
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/apps/0oanothere"}, {"PUT", "/api/v1/apps/0oanothere"}, {"DELETE", "/api/v1/apps/0oanothere"},
			{"POST", "/api/v1/apps/0oanothere/lifecycle/activate"}, {"POST", "/api/v1/apps/0oanothere/lifecycle/deactivate"},
		} {
			var body any
			if c.method == "PUT" {
				body = webAppBody("X")
			}
			e := wantOktaError(t, s.API(t, c.method, c.path, body), http.StatusNotFound, "E0000007")
			if !strings.Contains(e.ErrorSummary, "0oanothere (AppInstance)") {
				t.Errorf("%s %s: summary %q", c.method, c.path, e.ErrorSummary)
			}
		}
	})
}

func TestListApps(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		payroll := idOf(t, s.API(t, "POST", "/api/v1/apps", webAppBody("Payroll")))
		idOf(t, s.API(t, "POST", "/api/v1/apps?activate=false", webAppBody("Pay later")))
		list := func(query string) []appOut {
			t.Helper()
			r := s.API(t, "GET", "/api/v1/apps"+query, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
			}
			var out []appOut
			r.JSON(t, &out)
			return out
		}
		labels := func(apps []appOut) string {
			var l []string
			for _, a := range apps {
				l = append(l, a.Label)
			}
			return strings.Join(l, ",")
		}
		// The three seeded apps and the two above.
		if got := list(""); len(got) != 5 {
			t.Fatalf("all: %s", labels(got))
		}
		for _, c := range []struct{ query, want string }{
			{"?q=pay", "Payroll,Pay later"},
			{"?q=oidc", "5 apps"},
			{"?q=nothing", ""},
			{"?filter=" + url.QueryEscape(`status eq "INACTIVE"`), "Pay later"},
			{"?q=pay&filter=" + url.QueryEscape(`status eq "ACTIVE" and name eq "oidc_client"`), "Payroll"},
			{"?filter=" + url.QueryEscape(`name eq "bookmark"`), ""},
			{"?filter=" + url.QueryEscape(`user.id eq "`+s.User.ID+`"`), "Web App,Post App,SPA"},
		} {
			got := list(c.query)
			if c.want == "5 apps" {
				if len(got) != 5 {
					t.Errorf("%s: %s", c.query, labels(got))
				}
				continue
			}
			if l := labels(got); !sameSet(l, c.want) {
				t.Errorf("%s: %q, want %q", c.query, l, c.want)
			}
		}
		// group.id lists the apps assigned to the group.
		if r := s.API(t, "PUT", "/api/v1/apps/"+payroll+"/groups/00geveryone000000000", map[string]any{}); r.Status != http.StatusOK {
			t.Fatalf("assign Everyone: %d %s", r.Status, r.Body)
		}
		if got := labels(list("?filter=" + url.QueryEscape(`group.id eq "00geveryone000000000"`))); !sameSet(got, "Web App,Post App,SPA,Payroll") {
			t.Errorf("group filter: %q", got)
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/apps?filter="+url.QueryEscape(`label co "x"`), nil), http.StatusBadRequest, "E0000031")
		wantOktaError(t, s.API(t, "GET", "/api/v1/apps?filter="+url.QueryEscape(`status eq "GONE"`), nil), http.StatusBadRequest, "E0000031")

		// Pages follow Link rel="next" until it is missing.
		seen, next := map[string]bool{}, s.URL+"/api/v1/apps?limit=2"
		for pages := 0; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			r := s.API(t, "GET", strings.TrimPrefix(next, s.URL), nil)
			var page []appOut
			r.JSON(t, &page)
			for _, a := range page {
				if seen[a.ID] {
					t.Fatalf("app %s on two pages", a.ID)
				}
				seen[a.ID] = true
			}
			next = ""
			for _, l := range r.Header.Values("Link") {
				if strings.HasSuffix(l, `rel="next"`) {
					next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
				}
			}
		}
		if len(seen) != 5 {
			t.Fatalf("paging saw %d apps", len(seen))
		}
	})
}

// sameSet compares comma-separated lists ignoring order.
func sameSet(a, b string) bool {
	count := map[string]int{}
	for _, x := range strings.Split(a, ",") {
		count[x]++
	}
	for _, x := range strings.Split(b, ",") {
		count[x]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
