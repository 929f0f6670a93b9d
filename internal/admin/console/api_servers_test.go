package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// asFieldError is the error shown next to a form field, failing the test
// when there is none.
func asFieldError(t *testing.T, body, field string) string {
	t.Helper()
	m := regexp.MustCompile(`<p class="error" id="e-` + regexp.QuoteMeta(field) + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error next to %s in:\n%s", field, body)
	}
	return m[1]
}

// asServers lists the custom servers in the store.
func asServers(t *testing.T, s *testkit.Server) []store.AuthServer {
	t.Helper()
	list, err := s.Service.ListAuthServers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestConsoleServerList(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	p := admin.Get(t, "/admin/api")
	if p.Status != http.StatusOK {
		t.Fatalf("list: %d", p.Status)
	}
	for _, want := range []string{`href="/admin/api/servers/default"`, s.URL + "/oauth2/default", "api://default",
		`id="add-server"`, `href="/admin/api/tokens"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(p.Body, `href="/admin/api/servers/org"`) {
		t.Error("the org server is listed")
	}
	if p := admin.Get(t, "/admin/api?q=nothing-like-it"); !strings.Contains(p.Body, "No authorization server") {
		t.Error("a search that matches nothing does not say so")
	}

	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, "/admin/api"); p.Status != http.StatusOK || strings.Contains(p.Body, `id="add-server"`) {
		t.Fatalf("read-only list: %d, offers Add: %v", p.Status, strings.Contains(p.Body, `id="add-server"`))
	}
}

func TestConsoleServerCreate(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	if p := admin.Get(t, "/admin/api/servers/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, `name="audience"`) {
		t.Fatalf("new server form: %d", p.Status)
	}
	before := len(asServers(t, s))
	tests := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"no name", "name", "must be 1 to 100 characters", url.Values{"audience": {"api://orders"}}},
		{"no audience", "audience", "must be 1 to 1024 characters", url.Values{"name": {"Orders"}}},
		{"audience not a URI", "audience", "must be a valid URI", url.Values{"name": {"Orders"}, "audience": {"api: orders"}}},
		{"name taken", "name", "already exists", url.Values{"name": {"default"}, "audience": {"api://orders"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, "/admin/api/servers", tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := asFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if v := tc.form.Get("audience"); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
				t.Error("the form lost the audience typed")
			}
		})
	}
	if n := len(asServers(t, s)); n != before {
		t.Fatalf("refused forms stored servers: %d → %d", before, n)
	}

	p := admin.Post(t, "/admin/api/servers", url.Values{"name": {"Orders API"}, "audience": {"api://orders"},
		"description": {"Tokens for the orders service"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/api/servers/aus") {
		t.Fatalf("create: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	id := strings.TrimPrefix(p.Location, "/admin/api/servers/")
	as, err := s.Service.GetAuthServer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if as.Name != "Orders API" || as.Audience != "api://orders" || as.Description != "Tokens for the orders service" || as.Status != store.StatusActive {
		t.Fatalf("stored server %+v does not match the form", as)
	}
	p = admin.Get(t, p.Location)
	for _, want := range []string{"added", s.URL + "/oauth2/" + id, s.URL + "/oauth2/" + id + "/.well-known/oauth-authorization-server"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the Settings tab lacks %q", want)
		}
	}
	// The protocol endpoints serve it at once.
	resp, err := http.Get(s.URL + "/oauth2/" + id + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, s.URL+"/oauth2/"+id) {
		t.Fatalf("discovery of the new server: %d", resp.StatusCode)
	}

	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Post(t, "/admin/api/servers", url.Values{"name": {"Nope"}, "audience": {"api://nope"}}); p.Status != http.StatusForbidden {
		t.Fatalf("read-only create: %d", p.Status)
	}
	if n := len(asServers(t, s)); n != before+1 {
		t.Fatalf("read-only create stored a server: %d servers", n)
	}
}

func TestConsoleServerSettings(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	base := "/admin/api/servers/default"
	p := admin.Get(t, base)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="default-note"`) || !strings.Contains(p.Body, "deactivate it first") {
		t.Fatalf("settings: %d", p.Status)
	}

	// Edit: refused, then saved.
	p = admin.Post(t, base, url.Values{"name": {""}, "audience": {"api://changed"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(asFieldError(t, p.Body, "name"), "1 to 100") ||
		!strings.Contains(p.Body, `value="api://changed"`) {
		t.Fatalf("bad edit: %d", p.Status)
	}
	if as, _ := s.Service.GetAuthServer(ctx, "default"); as.Audience != "api://default" {
		t.Fatalf("a refused edit was stored: %+v", as)
	}
	p = admin.Post(t, base, url.Values{"name": {"default"}, "audience": {"api://gatehouse"}, "description": {"Main"}})
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("edit: %d %q", p.Status, p.Location)
	}
	if as, _ := s.Service.GetAuthServer(ctx, "default"); as.Audience != "api://gatehouse" || as.Description != "Main" {
		t.Fatalf("edit not stored: %+v", as)
	}

	// A read-only administrator sees the settings and changes nothing.
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, base); p.Status != http.StatusOK || strings.Contains(p.Body, `id="deactivate-server"`) {
		t.Fatalf("read-only settings: %d", p.Status)
	}
	for _, path := range []string{base, base + "/deactivate", base + "/delete"} {
		if p := ro.Post(t, path, url.Values{"name": {"x"}, "audience": {"api://x"}}); p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d", path, p.Status)
		}
	}

	// An active server is not deleted: the tab says why.
	p = admin.Post(t, base+"/delete", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "deactivate it first") || !strings.Contains(p.Body, `id="server-alert"`) {
		t.Fatalf("delete active: %d\n%s", p.Status, p.Body)
	}
	if _, err := s.Service.GetAuthServer(ctx, "default"); err != nil {
		t.Fatal("the active server was deleted")
	}

	// Deactivate: the protocol endpoints stop serving it at once.
	if p := admin.Post(t, base+"/deactivate", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", p.Status)
	}
	if as, _ := s.Service.GetAuthServer(ctx, "default"); as.Status != store.StatusInactive {
		t.Fatalf("deactivate: status %s", as.Status)
	}
	resp, err := http.Get(s.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("discovery of a deactivated server: %d", resp.StatusCode)
	}
	if p := admin.Get(t, base); !strings.Contains(p.Body, `id="activate-server"`) || !strings.Contains(p.Body, `id="delete-server"`) {
		t.Fatal("an inactive server offers neither activation nor deletion")
	}
	if p := admin.Post(t, base+"/activate", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("activate: %d", p.Status)
	}
	if as, _ := s.Service.GetAuthServer(ctx, "default"); as.Status != store.StatusActive {
		t.Fatalf("activate: status %s", as.Status)
	}

	// Delete, once inactive.
	admin.Post(t, base+"/deactivate", nil)
	if p := admin.Post(t, base+"/delete", nil); p.Status != http.StatusSeeOther || p.Location != "/admin/api" {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if _, err := s.Service.GetAuthServer(ctx, "default"); err == nil {
		t.Fatal("the server was not deleted")
	}
}

func TestConsoleServerUnknown(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	// The org server is built in: the console does not manage it.
	for _, id := range []string{"ausnosuchserver00000", "org"} {
		base := "/admin/api/servers/" + id
		for _, path := range []string{base, base + "/scopes", base + "/scopes/new", base + "/claims", base + "/claims/new", base + "/preview"} {
			if p := admin.Get(t, path); p.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, p.Status)
			}
		}
		for _, path := range []string{base, base + "/activate", base + "/deactivate", base + "/delete", base + "/scopes", base + "/claims"} {
			if p := admin.Post(t, path, url.Values{"name": {"x"}, "audience": {"api://x"}}); p.Status != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404", path, p.Status)
			}
		}
	}
}
