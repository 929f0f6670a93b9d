package admin_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// apiGroup is the part of Okta's Group the tests read.
type apiGroup struct {
	ID, Type                                    string
	Created, LastUpdated, LastMembershipUpdated string
	ObjectClass                                 []string
	Profile                                     struct{ Name, Description string }
	Links                                       map[string]struct{ Href string } `json:"_links"`
}

func mustGroup(t *testing.T, s *testkit.Server, name string) apiGroup {
	t.Helper()
	r := s.API(t, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": name, "description": "about " + name}})
	if r.Status != http.StatusOK {
		t.Fatalf("create group: %d %s", r.Status, r.Body)
	}
	var g apiGroup
	r.JSON(t, &g)
	return g
}

func TestGroups(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		g := mustGroup(t, s, "Engineering")
		if !strings.HasPrefix(g.ID, "00g") || g.Type != store.GroupTypeOkta || !slices.Equal(g.ObjectClass, []string{"okta:user_group"}) ||
			g.Profile.Name != "Engineering" || g.Profile.Description != "about Engineering" || g.Created == "" ||
			g.Links["users"].Href != s.URL+"/api/v1/groups/"+g.ID+"/users" {
			t.Fatalf("group %+v", g)
		}
		sales := mustGroup(t, s, "Sales")
		for _, c := range []struct {
			name string
			body any
			code string
		}{
			{"taken name", map[string]any{"profile": map[string]any{"name": "ENGINEERING"}}, "E0000001"},
			{"no name", map[string]any{"profile": map[string]any{"description": "x"}}, "E0000001"},
			{"no profile", map[string]any{}, "E0000001"},
			{"name not a string", map[string]any{"profile": map[string]any{"name": 1}}, "E0000001"},
			{"not JSON", "[", "E0000003"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantOktaError(t, s.API(t, "POST", "/api/v1/groups", c.body), http.StatusBadRequest, c.code)
			})
		}

		list := func(query string) []string {
			t.Helper()
			r := s.API(t, "GET", "/api/v1/groups"+query, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", query, r.Status, r.Body)
			}
			var groups []apiGroup
			r.JSON(t, &groups)
			names := []string{}
			for _, g := range groups {
				names = append(names, g.Profile.Name)
			}
			slices.Sort(names)
			return names
		}
		for query, want := range map[string][]string{
			"":                                 {"Engineering", "Everyone", "Sales"},
			"?q=eng":                           {"Engineering"},
			`?filter=type+eq+"BUILT_IN"`:       {"Everyone"},
			`?filter=id+eq+"` + sales.ID + `"`: {"Sales"},
			`?filter=lastUpdated+gt+"2000-01-01T00:00:00.000Z"+and+type+eq+"OKTA_GROUP"`: {"Engineering", "Sales"},
			`?search=profile.description+co+"about"`:                                     {"Engineering", "Sales"},
			"?limit=1":                                                                   {list("?limit=1")[0]},
		} {
			if got := list(query); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", query, got, want)
			}
		}
		if r := s.API(t, "GET", "/api/v1/groups?limit=1", nil); len(r.Header.Values("Link")) != 2 {
			t.Errorf("first page links %q", r.Header.Values("Link"))
		}
		wantOktaError(t, s.API(t, "GET", `/api/v1/groups?filter=name+eq+"x"`, nil), http.StatusBadRequest, "E0000031")
		wantOktaError(t, s.API(t, "GET", `/api/v1/groups?q=a&filter=type+eq+"OKTA_GROUP"`, nil), http.StatusBadRequest, "E0000031")

		// PUT replaces the profile; the name stays unique.
		r := s.API(t, "PUT", "/api/v1/groups/"+g.ID, map[string]any{"profile": map[string]any{"name": "Builders"}})
		var got apiGroup
		if r.JSON(t, &got); r.Status != http.StatusOK || got.Profile.Name != "Builders" || got.Profile.Description != "" {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "PUT", "/api/v1/groups/"+g.ID, map[string]any{"profile": map[string]any{"name": "sales"}}), http.StatusBadRequest, "E0000001")
		wantOktaError(t, s.API(t, "GET", "/api/v1/groups/00gnothere", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "PUT", "/api/v1/groups/00gnothere", map[string]any{"profile": map[string]any{"name": "x"}}), http.StatusNotFound, "E0000007")

		// The built-in group cannot be changed.
		everyone := "/api/v1/groups/" + store.EveryoneGroupID
		wantOktaError(t, s.API(t, "PUT", everyone, map[string]any{"profile": map[string]any{"name": "All"}}), http.StatusForbidden, "E0000006")
		wantOktaError(t, s.API(t, "DELETE", everyone, nil), http.StatusForbidden, "E0000006")
		wantOktaError(t, s.API(t, "PUT", everyone+"/users/"+s.User.ID, nil), http.StatusForbidden, "E0000006")

		if r := s.API(t, "DELETE", "/api/v1/groups/"+sales.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "DELETE", "/api/v1/groups/"+sales.ID, nil), http.StatusNotFound, "E0000007")
		wantDirectoryEvents(t, s, "group.lifecycle.create", "group.profile.update", "group.lifecycle.delete")
	})
}

func TestGroupMembers(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		g := mustGroup(t, s, "Members")
		other := mustUser(t, s, "", newUserBody("member@example.com", nil))
		members := func(path string) ([]string, testkit.APIResponse) {
			t.Helper()
			r := s.API(t, "GET", path, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			var users []apiUser
			r.JSON(t, &users)
			ids := []string{}
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			return ids, r
		}
		for _, id := range []string{s.User.ID, other.ID, other.ID} { // adding twice is fine
			if r := s.API(t, "PUT", "/api/v1/groups/"+g.ID+"/users/"+id, nil); r.Status != http.StatusNoContent {
				t.Fatalf("add %s: %d %s", id, r.Status, r.Body)
			}
		}
		if ids, _ := members("/api/v1/groups/" + g.ID + "/users"); len(ids) != 2 {
			t.Fatalf("members %v", ids)
		}
		first, r := members("/api/v1/groups/" + g.ID + "/users?limit=1")
		if len(first) != 1 || len(r.Header.Values("Link")) != 2 {
			t.Fatalf("first page %v, links %q", first, r.Header.Values("Link"))
		}
		if ids, _ := members("/api/v1/groups/" + store.EveryoneGroupID + "/users"); len(ids) != 2 {
			t.Errorf("Everyone holds %v", ids)
		}
		var groups []apiGroup
		s.API(t, "GET", "/api/v1/users/"+other.ID+"/groups", nil).JSON(t, &groups)
		if len(groups) != 2 {
			t.Errorf("groups of a member: %+v", groups)
		}
		for range 2 { // removing twice is fine
			if r := s.API(t, "DELETE", "/api/v1/groups/"+g.ID+"/users/"+other.ID, nil); r.Status != http.StatusNoContent {
				t.Fatalf("remove: %d %s", r.Status, r.Body)
			}
		}
		if ids, _ := members("/api/v1/groups/" + g.ID + "/users"); !slices.Equal(ids, []string{s.User.ID}) {
			t.Errorf("members after removal %v", ids)
		}
		e := wantOktaError(t, s.API(t, "PUT", "/api/v1/groups/"+g.ID+"/users/00unothere", nil), http.StatusNotFound, "E0000007")
		if !strings.Contains(e.ErrorSummary, "(User)") {
			t.Errorf("summary %q", e.ErrorSummary)
		}
		e = wantOktaError(t, s.API(t, "PUT", "/api/v1/groups/00gnothere/users/"+other.ID, nil), http.StatusNotFound, "E0000007")
		if !strings.Contains(e.ErrorSummary, "(UserGroup)") {
			t.Errorf("summary %q", e.ErrorSummary)
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/groups/00gnothere/users", nil), http.StatusNotFound, "E0000007")
		wantDirectoryEvents(t, s, "group.user_membership.add", "group.user_membership.remove")
	})
}
