package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// dirGroupNames lists the names of every group in the store.
func dirGroupNames(t *testing.T, s *testkit.Server) []string {
	t.Helper()
	groups, _, err := s.Service.ListGroups(context.Background(), domain.GroupListParams{Page: store.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	return names
}

func TestGroupsListAndCreate(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	if _, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Sales"}); err != nil {
		t.Fatal(err)
	}
	if p := admin.Get(t, "/admin/groups/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, `name="description"`) {
		t.Fatalf("add group form: %d", p.Status)
	}
	before := dirGroupNames(t, s)

	tests := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"no name", "name", "cannot be left blank", url.Values{"name": {"  "}, "description": {"Kept"}}},
		{"duplicate name", "name", "already exists", url.Values{"name": {"sales"}, "description": {"Kept"}}},
		{"name too long", "name", "at most 255", url.Values{"name": {strings.Repeat("n", 256)}, "description": {"Kept"}}},
		{"description too long", "description", "at most 1024", url.Values{"name": {"Ops"}, "description": {strings.Repeat("d", 1025)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, "/admin/groups", tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := dirFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if !strings.Contains(p.Body, ">"+tc.form.Get("description")+"</textarea>") {
				t.Error("the form lost the description typed")
			}
		})
	}
	if after := dirGroupNames(t, s); len(after) != len(before) {
		t.Fatalf("refused forms stored groups: %v → %v", before, after)
	}

	p := admin.Post(t, "/admin/groups", url.Values{"name": {"Engineering"}, "description": {"Builds things"}})
	page := dirFollow(t, admin, p)
	if !strings.Contains(page.Body, "Group Engineering added.") || !strings.Contains(page.Body, "Builds things") {
		t.Errorf("group page after create:\n%s", page.Body)
	}
	groups, _, _ := s.Service.ListGroups(ctx, domain.GroupListParams{Q: "Engineering", Page: store.Page{Limit: 10}})
	if len(groups) != 1 || groups[0].Description != "Builds things" || p.Location != "/admin/groups/"+groups[0].ID {
		t.Fatalf("stored %+v, redirected to %q", groups, p.Location)
	}

	// Search by the start of the name, and paging.
	list := admin.Get(t, "/admin/groups?q=eng")
	if !strings.Contains(list.Body, ">Engineering</a>") || strings.Contains(list.Body, ">Sales</a>") {
		t.Errorf("search eng:\n%s", list.Body)
	}
	for i := range 22 {
		if _, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: fmt.Sprintf("Team %02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	first := admin.Get(t, "/admin/groups?q=Team")
	next := regexp.MustCompile(`<a href="/admin/groups\?([^"]+)">Next page</a>`).FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatalf("no next page link:\n%s", first.Body)
	}
	second := admin.Get(t, "/admin/groups?"+strings.ReplaceAll(next[1], "&amp;", "&"))
	rows := regexp.MustCompile(`>Team \d\d</a>`)
	if n1, n2 := len(rows.FindAllString(first.Body, -1)), len(rows.FindAllString(second.Body, -1)); n1 != 20 || n2 != 2 {
		t.Fatalf("pages hold %d and %d groups, want 20 and 2", n1, n2)
	}
}

func TestGroupPage(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	eng, _ := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"})
	if _, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Sales"}); err != nil {
		t.Fatal(err)
	}
	path := "/admin/groups/" + eng.ID

	// Edit: a duplicate or blank name is refused next to the field.
	for _, tc := range []struct{ name, value, errorText string }{
		{"duplicate", "SALES", "already exists"},
		{"blank", "", "cannot be left blank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, path, url.Values{"name": {tc.value}, "description": {"new"}})
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := dirFieldError(t, p.Body, "name"); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if g, _ := s.Store.GetGroup(ctx, eng.ID); g.Name != "Engineering" || g.Description != "" {
				t.Fatalf("a refused edit was stored: %+v", g)
			}
		})
	}
	page := dirFollow(t, admin, admin.Post(t, path, url.Values{"name": {"Platform"}, "description": {"Keeps the lights on"}}))
	if !strings.Contains(page.Body, "Group saved.") {
		t.Errorf("no confirmation:\n%s", page.Body)
	}
	if g, _ := s.Store.GetGroup(ctx, eng.ID); g.Name != "Platform" || g.Description != "Keeps the lights on" {
		t.Fatalf("stored %+v", g)
	}

	// Members: add by username, refuse an unknown one, remove.
	for _, tc := range []struct{ login, errorText string }{
		{"nobody@example.com", "No person has the username nobody@example.com"},
		{"", "Enter the username of the person to add"},
	} {
		p := admin.Post(t, path+"/members", url.Values{"login": {tc.login}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("add %q: %d, want 400", tc.login, p.Status)
		}
		if got := dirFieldError(t, p.Body, "login"); !strings.Contains(got, tc.errorText) {
			t.Errorf("error %q, want %q", got, tc.errorText)
		}
	}
	members := func() []store.User {
		m, err := s.Store.ListGroupMembers(ctx, eng.ID, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := members(); len(m) != 0 {
		t.Fatalf("refused adds stored members: %v", m)
	}
	page = dirFollow(t, admin, admin.Post(t, path+"/members", url.Values{"login": {strings.ToUpper(testkit.UserLogin)}}))
	if m := members(); len(m) != 1 || m[0].ID != s.User.ID {
		t.Fatalf("members %v", m)
	}
	if !strings.Contains(page.Body, "added to the group") || !strings.Contains(page.Body, "/admin/groups/"+eng.ID+"/members/"+s.User.ID+"/delete") {
		t.Errorf("members list:\n%s", page.Body)
	}
	dirFollow(t, admin, admin.Post(t, path+"/members/"+s.User.ID+"/delete", nil))
	if m := members(); len(m) != 0 {
		t.Fatalf("member not removed: %v", m)
	}

	// Delete.
	p := admin.Post(t, path+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/groups" {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if _, err := s.Store.GetGroup(ctx, eng.ID); err != store.ErrNotFound {
		t.Fatalf("deleted group still stored: %v", err)
	}
	if p := admin.Get(t, path); p.Status != http.StatusNotFound {
		t.Errorf("deleted group's page: %d", p.Status)
	}
}

func TestGroupEveryoneIsBuiltIn(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	path := "/admin/groups/" + store.EveryoneGroupID
	before, _ := s.Store.GetGroup(ctx, store.EveryoneGroupID)

	p := admin.Get(t, path)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, testkit.UserLogin) {
		t.Fatalf("Everyone: %d, members not listed", p.Status)
	}
	if strings.Contains(p.Body, `<form method="post" action="`+path) {
		t.Error("Everyone offers changes")
	}
	for to, form := range map[string]url.Values{
		path:              {"name": {"All"}},
		path + "/delete":  nil,
		path + "/members": {"login": {testkit.UserLogin}},
		path + "/members/" + s.User.ID + "/delete": nil,
	} {
		p := admin.Post(t, to, form)
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "Everyone is a built-in group") {
			t.Errorf("POST %s: %d, want 409 with the reason", to, p.Status)
		}
	}
	if after, _ := s.Store.GetGroup(ctx, store.EveryoneGroupID); after.Name != before.Name {
		t.Fatalf("Everyone renamed to %q", after.Name)
	}
}

func TestGroupsReadOnlyAndUnknown(t *testing.T) {
	s := testkit.Start(t)
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	g, _ := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"})
	if err := s.Service.AddGroupMember(ctx, g.ID, s.User.ID); err != nil {
		t.Fatal(err)
	}
	path := "/admin/groups/" + g.ID

	p := ro.Get(t, path)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, testkit.UserLogin) {
		t.Fatalf("read-only group page: %d", p.Status)
	}
	if strings.Contains(p.Body, `<form method="post" action="`+path) || strings.Contains(ro.Get(t, "/admin/groups").Body, `id="add-group"`) {
		t.Error("read-only admin offered changes")
	}
	for to, form := range map[string]url.Values{
		"/admin/groups": {"name": {"Ops"}}, path: {"name": {"Renamed"}}, path + "/delete": nil,
		path + "/members": {"login": {"root@example.com"}}, path + "/members/" + s.User.ID + "/delete": nil,
	} {
		if p := ro.Post(t, to, form); p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d", to, p.Status)
		}
	}
	after, _ := s.Store.GetGroup(ctx, g.ID)
	members, _ := s.Store.ListGroupMembers(ctx, g.ID, store.Page{Limit: 10})
	if after.Name != "Engineering" || len(members) != 1 || len(dirGroupNames(t, s)) != 2 {
		t.Fatalf("read-only admin changed groups: %+v, %d members", after, len(members))
	}

	unknown := "/admin/groups/00gnosuchgroup"
	if p := admin.Get(t, unknown); p.Status != http.StatusNotFound {
		t.Errorf("GET unknown group: %d", p.Status)
	}
	for to, form := range map[string]url.Values{
		unknown: {"name": {"X"}}, unknown + "/delete": nil, unknown + "/members": {"login": {testkit.UserLogin}},
		unknown + "/members/" + s.User.ID + "/delete": nil, path + "/members/00unosuchuser/delete": nil,
	} {
		if p := admin.Post(t, to, form); p.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", to, p.Status)
		}
	}
}
