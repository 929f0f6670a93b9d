package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

func TestConsoleNeedsAnAdministrator(t *testing.T) {
	s := testkit.Start(t)
	anon := testkit.Browser()
	resp, err := anon.Get(s.URL + "/admin/apps?q=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/signin?next=%2Fadmin%2Fapps%3Fq%3Dx" {
		t.Fatalf("no session: %d %q, want a redirect to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}

	// A user without a role signs in and is refused.
	plain := s.ConsoleAdmin(t, "plain@example.com", "")
	if p := plain.Get(t, "/admin/apps"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "holds no administrator role") {
		t.Fatalf("user without a role: %d", p.Status)
	}

	// A read-only administrator sees and cannot change.
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	p := ro.Get(t, "/admin/apps")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, s.WebApp.ClientID) {
		t.Fatalf("read-only list: %d", p.Status)
	}
	if strings.Contains(p.Body, "Create App Integration") {
		t.Error("read-only administrator is offered Create App Integration")
	}
	p = ro.Post(t, "/admin/apps", url.Values{"name": {"Nope"}, "type": {"web"}, "grant_types": {"authorization_code"},
		"redirect_uris": {"https://nope.example.com/cb"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "read-only") {
		t.Fatalf("read-only create: %d", p.Status)
	}
	if apps, _ := s.Store.ListApps(context.Background()); len(apps) != 3 {
		t.Fatalf("read-only create stored an app: %d apps", len(apps))
	}
}

func TestConsoleSignInPage(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	// The session is the one apps share: /authorize needs no second sign-in.
	loc, err := s.Authorize(admin.HTTP, s.AuthorizeURL(s.WebApp.ClientID, nil), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Query().Get("code") == "" {
		t.Fatalf("authorize after console sign-in: %s", loc)
	}

	// A wrong password shows the form again, with the one message.
	b := testkit.Browser()
	resp, err := b.Get(s.URL + "/admin/signin?next=/admin/users")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	f, err := s.ParseSignInForm(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Action, "next=%2Fadmin%2Fusers") {
		t.Errorf("sign-in form action %q lost the next page", f.Action)
	}
	resp, err = s.SubmitSignIn(b, f, "root@example.com", "wrong password")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Unable to sign in") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, err = s.SubmitSignIn(b, f, "root@example.com", testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// next never leaves the console.
	for _, next := range []string{"https://evil.example.com/", "//evil.example.com/admin", "/oauth2/v1/authorize", "/admin\\..\\x"} {
		resp, err := b.Get(s.URL + "/admin/signin?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != "/admin" {
			t.Errorf("next %q: redirected to %q", next, got)
		}
	}

	// Sign-out needs the CSRF token, then ends the session.
	if p := admin.Post(t, "/admin/signout", url.Values{"csrf_token": {"forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("sign-out with a forged token: %d", p.Status)
	}
	if p := admin.Post(t, "/admin/signout", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.Status)
	}
	if p := admin.Get(t, "/admin"); p.Status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want a redirect to sign in", p.Status)
	}
}

func TestConsoleCreateApp(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	if p := admin.Get(t, "/admin/apps/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, `name="redirect_uris"`) {
		t.Fatalf("new app form: %d", p.Status)
	}
	ctx := context.Background()
	before, _ := s.Store.ListApps(ctx)

	tests := []struct {
		name      string
		form      url.Values
		field     string // the field whose error must show
		errorText string
	}{
		{"no name", url.Values{"type": {"web"}, "grant_types": {"authorization_code"}, "redirect_uris": {"https://a.example.com/cb"}},
			"name", "must be 1 to 100 characters"},
		{"no redirect URI", url.Values{"name": {"X"}, "type": {"web"}, "grant_types": {"authorization_code"}},
			"redirect_uris", "at least one sign-in redirect URI"},
		{"bad redirect URI", url.Values{"name": {"X"}, "type": {"web"}, "grant_types": {"authorization_code"}, "redirect_uris": {"not a uri"}},
			"redirect_uris", ""},
		{"no grant", url.Values{"name": {"X"}, "type": {"web"}, "redirect_uris": {"https://a.example.com/cb"}},
			"grant_types", "choose at least one grant type"},
		{"grant not allowed", url.Values{"name": {"X"}, "type": {"browser"}, "grant_types": {"client_credentials"}},
			"grant_types", "is not allowed for browser apps"},
		{"unknown type", url.Values{"name": {"X"}, "type": {"mainframe"}, "grant_types": {"authorization_code"}},
			"type", "must be one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, "/admin/apps", tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			errRe := regexp.MustCompile(`<p class="error" id="e-` + tc.field + `">([^<]*)</p>`)
			m := errRe.FindStringSubmatch(p.Body)
			if m == nil {
				t.Fatalf("no error next to %s in:\n%s", tc.field, p.Body)
			}
			if !strings.Contains(m[1], tc.errorText) {
				t.Errorf("error %q, want %q", m[1], tc.errorText)
			}
			if v := tc.form.Get("name"); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
				t.Error("the form lost the name typed")
			}
		})
	}
	if after, _ := s.Store.ListApps(ctx); len(after) != len(before) {
		t.Fatalf("refused forms stored apps: %d → %d", len(before), len(after))
	}

	p := admin.Post(t, "/admin/apps", url.Values{"name": {"Console App"}, "type": {"web"},
		"grant_types": {"authorization_code", "refresh_token"}, "redirect_uris": {"https://c.example.com/cb\nhttps://c.example.com/cb2"},
		"assignment": {"skip"}})
	if p.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", p.Status, p.Body)
	}
	clientID := regexp.MustCompile(`<code id="client-id">([^<]+)</code>`).FindStringSubmatch(p.Body)
	secret := regexp.MustCompile(`<code id="client-secret" class="value">([^<]+)</code>`).FindStringSubmatch(p.Body)
	if clientID == nil || secret == nil {
		t.Fatalf("the General tab shows no client ID or secret:\n%s", p.Body)
	}
	app, err := s.Store.GetApp(ctx, clientID[1])
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "Console App" || len(app.RedirectURIs) != 2 || app.SecretHash != domain.HashSecret(secret[1]) {
		t.Fatalf("stored app %+v does not match the form or the secret shown", app)
	}
	if groups, _ := s.Store.ListAppGroups(ctx, app.ClientID, store.Page{Limit: 10}); len(groups) != 0 {
		t.Errorf("skip assignment: app assigned to %d groups", len(groups))
	}
	// The secret is not shown again.
	p = admin.Get(t, "/admin/apps/"+app.ClientID)
	if p.Status != http.StatusOK || strings.Contains(p.Body, secret[1]) || !strings.Contains(p.Body, app.ClientID) {
		t.Fatalf("General tab: %d, secret shown again: %v", p.Status, strings.Contains(p.Body, secret[1]))
	}
	// The secret works at the token endpoint.
	req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {"https://c.example.com/cb"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.ClientID, secret[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if !strings.Contains(body, "invalid_grant") {
		t.Fatalf("token with the new secret: %s (want the client accepted, the code refused)", body)
	}
}

// Creating an app for everyone stores the app and its Everyone assignment
// in one write (domain.Service.CreateAppForEveryone): before, the console
// assigned in a second step whose failure left an unassigned app behind,
// with a client secret nobody had been shown.
func TestConsoleCreateAppForEveryone(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	p := admin.Post(t, "/admin/apps", url.Values{"name": {"For Everyone"}, "type": {"web"},
		"grant_types": {"authorization_code"}, "redirect_uris": {"https://e.example.com/cb"}, "assignment": {"everyone"}})
	if p.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", p.Status, p.Body)
	}
	m := regexp.MustCompile(`<code id="client-id">([^<]+)</code>`).FindStringSubmatch(p.Body)
	if m == nil || !strings.Contains(p.Body, `id="client-secret"`) {
		t.Fatalf("no client ID or secret shown:\n%s", p.Body)
	}
	ctx := context.Background()
	groups, err := s.Store.ListAppGroups(ctx, m[1], store.Page{Limit: 10})
	if err != nil || len(groups) != 1 || groups[0].GroupID != store.EveryoneGroupID {
		t.Fatalf("assignments %+v %v, want Everyone only", groups, err)
	}
	if err := s.Events.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	events, err := s.Store.ListEvents(ctx, store.EventQuery{Until: time.Now().Add(time.Hour),
		Filter: &store.EventFilter{Attr: "eventType", Op: "eq", Value: "group.application_assignment.add"}, Limit: 10})
	if err != nil || len(events) != 1 || events[0].Actor.ID != admin.Admin.ID || len(events[0].Targets) != 2 ||
		events[0].Targets[0].ID != m[1] || events[0].Targets[1].ID != store.EveryoneGroupID {
		t.Fatalf("System Log: %+v %v, want the assignment recorded as the admin's", events, err)
	}
}

// A confirmation that names an object with a long name is shown, cut when
// too long for its cookie: before, one over 300 bytes (a name in a
// non-Latin script) was dropped without a word.
func TestConsoleFlashOfLongName(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	for i, tc := range []struct{ first, want string }{
		{strings.Repeat("名", 120), "Suspend: " + strings.Repeat("名", 120) + " Tester is now Suspended."},
		{strings.Repeat("n", 300), "Suspend: " + strings.Repeat("n", 190) + "…"},
	} {
		u := dirUser(t, s, fmt.Sprintf("long%d@example.com", i), tc.first, store.UserActive)
		p := admin.Post(t, "/admin/users/"+u.ID+"/lifecycle/suspend", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d", p.Status)
		}
		if p = admin.Get(t, p.Location); !strings.Contains(p.Body, `<p class="flash" role="status">`+tc.want+`</p>`) {
			t.Errorf("no confirmation %q on:\n%s", tc.want, p.Body)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
