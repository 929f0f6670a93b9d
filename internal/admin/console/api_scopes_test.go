package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// asCustomScopes lists the default server's custom scopes in the store.
func asCustomScopes(t *testing.T, s *testkit.Server) []store.Scope {
	t.Helper()
	list, err := s.Store.ListScopes(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestConsoleScopeCreate(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	base := "/admin/api/servers/default/scopes"
	p := admin.Get(t, base)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="scope-openid"`) || !strings.Contains(p.Body, "System") {
		t.Fatalf("scopes: %d, the system scopes are not listed as such", p.Status)
	}
	if p := admin.Get(t, base+"/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, `name="consent"`) {
		t.Fatalf("new scope form: %d", p.Status)
	}
	if p := admin.Post(t, base, url.Values{"name": {"orders:write"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("first scope: %d", p.Status)
	}

	tests := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"no name", "name", "RFC 6749 scope syntax", url.Values{"display_name": {"Orders"}}},
		{"space in name", "name", "RFC 6749 scope syntax", url.Values{"name": {"orders read"}}},
		{"built-in name", "name", "built-in OpenID Connect scope", url.Values{"name": {"openid"}}},
		{"okta name", "name", "reserved", url.Values{"name": {"okta.users.read"}}},
		{"name taken", "name", "already exists", url.Values{"name": {"orders:write"}}},
		{"unknown consent", "consent", "must be IMPLICIT", url.Values{"name": {"orders:read"}, "consent": {"SOMETIMES"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, base, tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := asFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if v := tc.form.Get("name"); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
				t.Error("the form lost the name typed")
			}
		})
	}
	if n := len(asCustomScopes(t, s)); n != 1 {
		t.Fatalf("refused forms stored scopes: %d custom scopes", n)
	}

	p = admin.Post(t, base, url.Values{"name": {"orders:read"}, "display_name": {"Read orders"}, "description": {"Lists orders"},
		"consent": {"REQUIRED"}, "flags": {"default", "publish"}})
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("create: %d %q", p.Status, p.Location)
	}
	var sc store.Scope
	for _, x := range asCustomScopes(t, s) {
		if x.Name == "orders:read" {
			sc = x
		}
	}
	if sc.DisplayName != "Read orders" || sc.Description != "Lists orders" || sc.Consent != domain.ConsentRequired || !sc.Default ||
		sc.Optional || sc.MetadataPublish != domain.PublishAllClients {
		t.Fatalf("stored scope %+v does not match the form", sc)
	}
	if p := admin.Get(t, base); !strings.Contains(p.Body, `id="scope-orders:read"`) || !strings.Contains(p.Body, "Read orders") {
		t.Fatal("the list does not show the new scope")
	}

	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, base); p.Status != http.StatusOK || strings.Contains(p.Body, `id="add-scope"`) {
		t.Fatalf("read-only list: %d", p.Status)
	}
	if p := ro.Post(t, base, url.Values{"name": {"nope"}}); p.Status != http.StatusForbidden {
		t.Fatalf("read-only create: %d", p.Status)
	}
	if n := len(asCustomScopes(t, s)); n != 2 {
		t.Fatalf("read-only create stored a scope: %d custom scopes", n)
	}
}

func TestConsoleScopeEdit(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	base := "/admin/api/servers/default/scopes"
	sc, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "orders:read", Default: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "orders:write"}); err != nil {
		t.Fatal(err)
	}
	path := base + "/" + sc.ID
	if p := admin.Get(t, path); p.Status != http.StatusOK || !strings.Contains(p.Body, `value="orders:read"`) ||
		!strings.Contains(p.Body, `value="default" checked`) {
		t.Fatalf("edit form: %d, not filled from the scope", p.Status)
	}

	p := admin.Post(t, path, url.Values{"name": {"orders:write"}, "display_name": {"Typed"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(asFieldError(t, p.Body, "name"), "already exists") ||
		!strings.Contains(p.Body, `value="Typed"`) {
		t.Fatalf("rename to a taken name: %d", p.Status)
	}
	if got, _ := s.Service.GetScope(ctx, "default", sc.ID); got.Name != "orders:read" || got.DisplayName != "" {
		t.Fatalf("a refused edit was stored: %+v", got)
	}

	p = admin.Post(t, path, url.Values{"name": {"orders:list"}, "display_name": {"List orders"}, "consent": {"IMPLICIT"}, "flags": {"optional"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.Status, p.Body)
	}
	got, _ := s.Service.GetScope(ctx, "default", sc.ID)
	if got.Name != "orders:list" || got.DisplayName != "List orders" || got.Default || !got.Optional || got.MetadataPublish != domain.PublishNoClients {
		t.Fatalf("edit not stored: %+v", got)
	}

	// System scopes are shown, never changed.
	var openid store.Scope
	scopes, _ := s.Service.ListScopes(ctx, "default")
	for _, x := range scopes {
		if x.Name == "openid" {
			openid = x
		}
	}
	sysPath := base + "/" + openid.ID
	if p := admin.Get(t, sysPath); p.Status != http.StatusOK || !strings.Contains(p.Body, `id="system-scope"`) || strings.Contains(p.Body, `id="save-scope"`) {
		t.Fatalf("system scope page: %d, offers a form: %v", p.Status, strings.Contains(p.Body, `id="save-scope"`))
	}
	if p := admin.Post(t, sysPath, url.Values{"name": {"openid"}, "display_name": {"x"}}); p.Status != http.StatusBadRequest ||
		!strings.Contains(p.Body, "system scopes cannot be modified") {
		t.Fatalf("edit a system scope: %d", p.Status)
	}
	if p := admin.Post(t, sysPath+"/delete", nil); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "system scopes cannot be deleted") {
		t.Fatalf("delete a system scope: %d", p.Status)
	}

	// Read-only, unknown, delete.
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, path); p.Status != http.StatusOK || strings.Contains(p.Body, `id="save-scope"`) {
		t.Fatalf("read-only scope page: %d", p.Status)
	}
	for _, post := range []string{path, path + "/delete"} {
		if p := ro.Post(t, post, url.Values{"name": {"x"}}); p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d", post, p.Status)
		}
	}
	for _, unknown := range []string{base + "/scpnosuchscope000000"} {
		if p := admin.Get(t, unknown); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d", unknown, p.Status)
		}
		for _, post := range []string{unknown, unknown + "/delete"} {
			if p := admin.Post(t, post, url.Values{"name": {"x"}}); p.Status != http.StatusNotFound {
				t.Errorf("POST %s: %d", post, p.Status)
			}
		}
	}
	if p := admin.Post(t, path+"/delete", nil); p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if _, err := s.Service.GetScope(ctx, "default", sc.ID); err == nil {
		t.Fatal("the scope was not deleted")
	}
}
