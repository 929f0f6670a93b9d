package console_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// asClaims lists the default server's claims in the store.
func asClaims(t *testing.T, s *testkit.Server) []store.Claim {
	t.Helper()
	list, err := s.Store.ListClaims(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// asClaimForm is a valid claim form with changes.
func asClaimForm(change url.Values) url.Values {
	f := url.Values{"name": {"department"}, "claim_type": {"RESOURCE"}, "value_type": {"EXPRESSION"},
		"value": {"user.department"}, "group_filter_type": {"STARTS_WITH"}, "flags": {"active", "always"}}
	for k, v := range change {
		f[k] = v
	}
	return f
}

func TestConsoleClaimCreate(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	if _, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "orders:read"}); err != nil {
		t.Fatal(err)
	}
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	base := "/admin/api/servers/default/claims"
	if p := admin.Get(t, base); p.Status != http.StatusOK || !strings.Contains(p.Body, "No custom claims") {
		t.Fatalf("empty claims list: %d", p.Status)
	}
	p := admin.Get(t, base+"/new")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="orders:read"`) || !strings.Contains(p.Body, `name="group_filter_type"`) {
		t.Fatalf("new claim form: %d, lacks the server's scopes or the groups filter", p.Status)
	}

	tests := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"bad expression", "value", "invalid expression", url.Values{"value": {"String.toUpperCase(user.login"}}},
		{"no value", "value", "cannot be left blank", url.Values{"value": {""}}},
		{"no name", "name", "cannot be left blank", url.Values{"name": {""}}},
		{"reserved name", "name", "reserved claim name", url.Values{"name": {"sub"}}},
		{"no token type", "claim_type", "cannot be left blank", url.Values{"claim_type": nil}},
		{"bad regex", "value", "", url.Values{"value_type": {"GROUPS"}, "group_filter_type": {"REGEX"}, "value": {"(unclosed"}}},
		{"bad filter type", "group_filter_type", "must be EQUALS", url.Values{"value_type": {"GROUPS"}, "group_filter_type": {"LIKE"}, "value": {"Eng"}}},
		{"unknown scope", "scopes", "not defined on this authorization server", url.Values{"scopes": {"orders:delete"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := asClaimForm(tc.form)
			p := admin.Post(t, base, form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := asFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if v := form.Get("value"); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
				t.Error("the form lost the value typed")
			}
		})
	}
	if n := len(asClaims(t, s)); n != 0 {
		t.Fatalf("refused forms stored %d claims", n)
	}

	// An expression claim in ID tokens, only with one scope, only from /userinfo.
	p = admin.Post(t, base, asClaimForm(url.Values{"name": {"login_upper"}, "claim_type": {"IDENTITY"},
		"value": {"String.toUpperCase(user.login)"}, "scopes": {"profile", "orders:read"}, "flags": {"active"}}))
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("create expression claim: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	// A groups claim in access tokens.
	p = admin.Post(t, base, asClaimForm(url.Values{"name": {"groups"}, "value_type": {"GROUPS"}, "group_filter_type": {"REGEX"},
		"value": {"Eng.*"}, "flags": {"active"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create groups claim: %d\n%s", p.Status, p.Body)
	}
	claims := asClaims(t, s)
	if len(claims) != 2 {
		t.Fatalf("%d claims stored, want 2", len(claims))
	}
	byName := map[string]store.Claim{}
	for _, c := range claims {
		byName[c.Name] = c
	}
	expr, groups := byName["login_upper"], byName["groups"]
	if expr.ClaimType != domain.ClaimTypeIdentity || expr.ValueType != domain.ClaimValueExpression || expr.Value != "String.toUpperCase(user.login)" ||
		!slices.Equal(expr.Scopes, []string{"profile", "orders:read"}) || expr.AlwaysIncludeInToken || expr.Status != store.StatusActive {
		t.Errorf("stored expression claim %+v does not match the form", expr)
	}
	// Access token claims are always included, whatever the box says.
	if groups.ClaimType != domain.ClaimTypeResource || groups.ValueType != domain.ClaimValueGroups || groups.GroupFilterType != domain.GroupFilterRegex ||
		groups.Value != "Eng.*" || !groups.AlwaysIncludeInToken || len(groups.Scopes) != 0 {
		t.Errorf("stored groups claim %+v does not match the form", groups)
	}
	p = admin.Get(t, base)
	for _, want := range []string{"login_upper", "String.toUpperCase(user.login)", "profile, orders:read", "Only /userinfo", "REGEX", "Any scope"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}

	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, base); p.Status != http.StatusOK || strings.Contains(p.Body, `id="add-claim"`) {
		t.Fatalf("read-only list: %d", p.Status)
	}
	if p := ro.Post(t, base, asClaimForm(nil)); p.Status != http.StatusForbidden {
		t.Fatalf("read-only create: %d", p.Status)
	}
	if n := len(asClaims(t, s)); n != 2 {
		t.Fatalf("read-only create stored a claim: %d claims", n)
	}
}

func TestConsoleClaimEdit(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	cl, err := s.Service.CreateClaim(ctx, "default", domain.ClaimParams{Name: "dept", ClaimType: domain.ClaimTypeResource, Value: "user.department"})
	if err != nil {
		t.Fatal(err)
	}
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	base := "/admin/api/servers/default/claims"
	path := base + "/" + cl.ID
	if p := admin.Get(t, path); p.Status != http.StatusOK || !strings.Contains(p.Body, `value="user.department"`) {
		t.Fatalf("edit form: %d, not filled from the claim", p.Status)
	}

	p := admin.Post(t, path, asClaimForm(url.Values{"name": {"dept"}, "value": {"user.department +"}}))
	if p.Status != http.StatusBadRequest || !strings.Contains(asFieldError(t, p.Body, "value"), "invalid expression") {
		t.Fatalf("bad expression: %d", p.Status)
	}
	if got, _ := s.Store.GetClaim(ctx, "default", cl.ID); got.Value != "user.department" {
		t.Fatalf("a refused edit was stored: %+v", got)
	}

	p = admin.Post(t, path, asClaimForm(url.Values{"name": {"dept"}, "value": {"String.toLowerCase(user.department)"}, "flags": nil}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.Status, p.Body)
	}
	if got, _ := s.Store.GetClaim(ctx, "default", cl.ID); got.Value != "String.toLowerCase(user.department)" || got.Status != store.StatusInactive {
		t.Fatalf("edit not stored: %+v", got)
	}

	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, path); p.Status != http.StatusOK || strings.Contains(p.Body, `id="save-claim"`) {
		t.Fatalf("read-only claim page: %d", p.Status)
	}
	for _, post := range []string{path, path + "/delete"} {
		if p := ro.Post(t, post, asClaimForm(nil)); p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d", post, p.Status)
		}
	}
	unknown := base + "/oclnosuchclaim000000"
	if p := admin.Get(t, unknown); p.Status != http.StatusNotFound {
		t.Errorf("GET unknown claim: %d", p.Status)
	}
	for _, post := range []string{unknown, unknown + "/delete"} {
		if p := admin.Post(t, post, asClaimForm(nil)); p.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d", post, p.Status)
		}
	}

	if p := admin.Post(t, path+"/delete", nil); p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if n := len(asClaims(t, s)); n != 0 {
		t.Fatalf("the claim was not deleted: %d claims", n)
	}
}

// A claim limited to a scope deleted since keeps that scope on its edit
// form, ticked: before, the form dropped it unseen, and saving any change
// turned a claim meant for one scope into one issued with every scope.
func TestConsoleClaimEditKeepsDeletedScope(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	sc, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "orders:read", Consent: domain.ConsentImplicit})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := s.Service.CreateClaim(ctx, "default", domain.ClaimParams{Name: "orders", ClaimType: domain.ClaimTypeResource,
		Value: "user.department", Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Service.DeleteScope(ctx, "default", sc.ID); err != nil {
		t.Fatal(err)
	}
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	path := "/admin/api/servers/default/claims/" + cl.ID
	if p := admin.Get(t, path); !strings.Contains(p.Body, `name="scopes" value="orders:read" checked> orders:read (deleted)`) {
		t.Fatalf("the deleted scope is not on the form:\n%s", p.Body)
	}
	// Saved as shown, the domain refuses the scope next to the field.
	p := admin.Post(t, path, asClaimForm(url.Values{"name": {"orders"}, "scopes": {"orders:read"}}))
	if p.Status != http.StatusBadRequest || !strings.Contains(asFieldError(t, p.Body, "scopes"), "orders:read") {
		t.Fatalf("save with the deleted scope: %d", p.Status)
	}
	if got, _ := s.Store.GetClaim(ctx, "default", cl.ID); !slices.Equal(got.Scopes, []string{"orders:read"}) {
		t.Fatalf("the claim's scopes changed: %v", got.Scopes)
	}
}
