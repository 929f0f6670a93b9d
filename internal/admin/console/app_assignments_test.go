package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// appSignIn runs /authorize for the app as login in a fresh browser and
// reports whether it ends with a code; an unassigned user gets
// access_denied.
func appSignIn(t *testing.T, s *testkit.Server, clientID, login string) bool {
	t.Helper()
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(clientID, nil), login, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if q.Get("code") == "" && q.Get("error") != "access_denied" {
		t.Fatalf("authorize as %s: %v, want a code or access_denied", login, q)
	}
	return q.Get("code") != ""
}

// unassignedApp creates an active app that no one is assigned to.
func unassignedApp(t *testing.T, s *testkit.Server) string {
	t.Helper()
	created, err := s.Service.CreateApp(context.Background(), domain.NewAppParams{Name: "Assigned Only", Type: domain.AppTypeWeb,
		RedirectURIs: []string{testkit.RedirectURI}}, true)
	if err != nil {
		t.Fatal(err)
	}
	return created.App.ClientID
}

func TestConsoleAppAssignPeople(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	id := unassignedApp(t, s)
	base := "/admin/apps/" + id + "/assignments"
	bob, err := domain.CreateUser(ctx, s.Store, domain.NewUserParams{Login: "bob@example.com", Password: testkit.Password}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if appSignIn(t, s, id, testkit.UserLogin) {
		t.Fatal("an unassigned user got a code")
	}
	p := admin.Get(t, base)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "No one is assigned") || !strings.Contains(p.Body, `<label for="f-user">`) {
		t.Fatalf("Assignments tab: %d\n%s", p.Status, p.Body)
	}

	refused := []struct {
		name, user, errorText string
	}{
		{"blank", " ", "Enter the person's login or user ID."},
		{"unknown login", "nobody@example.com", "No person has the login or user ID “nobody@example.com”."},
	}
	for _, tc := range refused {
		p := admin.Post(t, base+"/users", url.Values{"user": {tc.user}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d, want 400", tc.name, p.Status)
		}
		if msg := appErrorNextTo(t, p.Body, "user"); msg != tc.errorText {
			t.Errorf("%s: %q, want %q", tc.name, msg, tc.errorText)
		}
		if v := strings.TrimSpace(tc.user); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
			t.Errorf("%s: the form lost the login typed", tc.name)
		}
	}
	if users, _ := s.Store.ListAppUsers(ctx, id, store.Page{Limit: 10}); len(users) != 0 {
		t.Fatalf("refused forms assigned %d users", len(users))
	}

	// By login, then by id.
	for _, who := range []struct{ typed, login string }{{testkit.UserLogin, testkit.UserLogin}, {bob.ID, bob.Login}} {
		p := admin.Post(t, base+"/users", url.Values{"user": {who.typed}})
		if p.Status != http.StatusSeeOther || p.Location != base {
			t.Fatalf("assign %s: %d %q\n%s", who.typed, p.Status, p.Location, p.Body)
		}
		page := admin.Get(t, base)
		if !strings.Contains(page.Body, who.login+" is assigned to the app.") || !strings.Contains(page.Body, ">"+who.login+"</a>") {
			t.Errorf("assign %s: the tab shows no confirmation or row", who.typed)
		}
	}
	for _, u := range []store.User{s.User, bob} {
		au, err := s.Store.GetAppUser(ctx, id, u.ID)
		if err != nil || au.Scope != store.AssignmentScopeUser {
			t.Fatalf("%s: assignment %+v, %v", u.Login, au, err)
		}
	}
	if !appSignIn(t, s, id, testkit.UserLogin) {
		t.Fatal("an assigned user got no code")
	}
	if p := admin.Post(t, base+"/users", url.Values{"user": {testkit.UserLogin}}); p.Status != http.StatusSeeOther {
		t.Fatalf("assign again: %d", p.Status)
	} else if page := admin.Get(t, base); !strings.Contains(page.Body, "already assigned") {
		t.Error("assigning again does not say the person was already assigned")
	}

	// Removing ends the access.
	p = admin.Post(t, base+"/users/"+s.User.ID+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("remove: %d %q", p.Status, p.Location)
	}
	if _, err := s.Store.GetAppUser(ctx, id, s.User.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removed assignment still there: %v", err)
	}
	if appSignIn(t, s, id, testkit.UserLogin) {
		t.Fatal("a removed user still got a code")
	}
	if p := admin.Post(t, base+"/users/"+s.User.ID+"/delete", nil); p.Status != http.StatusNotFound {
		t.Errorf("remove an assignment that is gone: %d, want 404", p.Status)
	}
}

func TestConsoleAppAssignGroups(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	id := unassignedApp(t, s)
	base := "/admin/apps/" + id + "/assignments"
	eng, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Service.AddGroupMember(ctx, eng.ID, s.User.ID); err != nil {
		t.Fatal(err)
	}
	p := admin.Get(t, base)
	if !strings.Contains(p.Body, `<select id="f-group" name="group"`) || !strings.Contains(p.Body, `<option value="`+eng.ID+`">Engineering</option>`) {
		t.Fatalf("the tab offers no select of groups:\n%s", p.Body)
	}

	refused := []struct {
		name, group, errorText string
	}{
		{"none chosen", "", "Choose a group."},
		{"unknown", "Marketing", "No group has the name or ID “Marketing”."},
	}
	for _, tc := range refused {
		p := admin.Post(t, base+"/groups", url.Values{"group": {tc.group}})
		if p.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d, want 400", tc.name, p.Status)
		}
		if msg := appErrorNextTo(t, p.Body, "group"); msg != tc.errorText {
			t.Errorf("%s: %q, want %q", tc.name, msg, tc.errorText)
		}
	}
	if groups, _ := s.Store.ListAppGroups(ctx, id, store.Page{Limit: 10}); len(groups) != 0 {
		t.Fatalf("refused forms assigned %d groups", len(groups))
	}
	if appSignIn(t, s, id, testkit.UserLogin) {
		t.Fatal("a member of an unassigned group got a code")
	}

	// Chosen from the select (its id); then typed by name, any case.
	p = admin.Post(t, base+"/groups", url.Values{"group": {eng.ID}})
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("assign group: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if g, err := s.Store.GetAppGroup(ctx, id, eng.ID); err != nil {
		t.Fatalf("group assignment: %+v %v", g, err)
	}
	page := admin.Get(t, base)
	if !strings.Contains(page.Body, "“Engineering” is assigned") || !strings.Contains(page.Body, ">Engineering</a>") ||
		strings.Contains(page.Body, `<option value="`+eng.ID+`">`) || !strings.Contains(page.Body, "Through a group") {
		t.Fatalf("after assigning the group:\n%s", page.Body)
	}
	if !appSignIn(t, s, id, testkit.UserLogin) {
		t.Fatal("a member of an assigned group got no code")
	}
	if p := admin.Post(t, base+"/groups", url.Values{"group": {"engineering"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("assign by name: %d", p.Status)
	} else if page := admin.Get(t, base); !strings.Contains(page.Body, "“Engineering” was already assigned") {
		t.Error("assigning by name does not find the group already assigned")
	}

	// A member through a group cannot be removed alone: a readable refusal.
	p = admin.Post(t, base+"/users/"+s.User.ID+"/delete", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, `id="assignment-refusal">The user is assigned to the application through a group`) {
		t.Fatalf("remove a user assigned through a group: %d\n%s", p.Status, p.Body)
	}

	p = admin.Post(t, base+"/groups/"+eng.ID+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != base {
		t.Fatalf("remove group: %d %q", p.Status, p.Location)
	}
	if _, err := s.Store.GetAppGroup(ctx, id, eng.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removed group assignment still there: %v", err)
	}
	if appSignIn(t, s, id, testkit.UserLogin) {
		t.Fatal("a member of a removed group still got a code")
	}
}

// With more groups than a select can sensibly hold, the admin types the
// group's name or id.
func TestConsoleAppAssignGroupTypedWhenMany(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	id := unassignedApp(t, s)
	base := "/admin/apps/" + id + "/assignments"
	var last store.Group
	for i := range 201 {
		g, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Team " + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		last = g
	}
	p := admin.Get(t, base)
	if strings.Contains(p.Body, `<select id="f-group"`) || !strings.Contains(p.Body, `<input id="f-group" name="group" type="text"`) {
		t.Fatalf("with 202 groups the tab should ask for a name or id:\n%s", p.Body)
	}
	p = admin.Post(t, base+"/groups", url.Values{"group": {"team 200"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("assign by typed name: %d\n%s", p.Status, p.Body)
	}
	if _, err := s.Store.GetAppGroup(ctx, id, last.ID); err != nil {
		t.Fatalf("typed group not assigned: %v", err)
	}
	p = admin.Post(t, base+"/groups", url.Values{"group": {"Team 999"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `value="Team 999"`) {
		t.Fatalf("unknown typed group: %d", p.Status)
	}
	if msg := appErrorNextTo(t, p.Body, "group"); msg != "No group has the name or ID “Team 999”." {
		t.Errorf("unknown typed group: %q", msg)
	}
}

// The People and Groups lists of the tab page apart: following one's next
// page keeps the other on the page it was (before, it went back to the
// first).
func TestConsoleAppAssignmentPagesKeepEachOther(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	id := unassignedApp(t, s)
	for i := range 51 {
		u, err := s.Service.CreateUser(ctx, domain.UserInput{Profile: map[string]any{"login": "p" + strconv.Itoa(i) + "@example.com",
			"email": "p" + strconv.Itoa(i) + "@example.com", "firstName": "P", "lastName": strconv.Itoa(i)}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Service.AssignUserToApp(ctx, id, u.ID, "", nil); err != nil {
			t.Fatal(err)
		}
		g, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "G" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Service.AssignGroupToApp(ctx, id, g.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	next := func(body, list string) string {
		t.Helper()
		m := regexp.MustCompile(`<a href="(/admin/apps/[^"]+)">More ` + list + `</a>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no link to more %s in:\n%s", list, body)
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	groupsOn := func(body string) string {
		var names []string
		for _, m := range regexp.MustCompile(`<a href="/admin/groups/[^"]+">([^<]+)</a>`).FindAllStringSubmatch(body, -1) {
			names = append(names, m[1])
		}
		return strings.Join(names, ",")
	}
	first := admin.Get(t, appAssignmentsURL(id))
	groupsPage := admin.Get(t, next(first.Body, "groups"))
	if groupsPage.Status != http.StatusOK || groupsOn(groupsPage.Body) == groupsOn(first.Body) || !strings.Contains(groupsPage.Body, "More people") {
		t.Fatalf("second page of groups: %d", groupsPage.Status)
	}
	// People's next page keeps the groups' second page.
	both := admin.Get(t, next(groupsPage.Body, "people"))
	if both.Status != http.StatusOK || groupsOn(both.Body) != groupsOn(groupsPage.Body) {
		t.Fatalf("people's next page lost the groups' page: %s, want %s", groupsOn(both.Body), groupsOn(groupsPage.Body))
	}
	if strings.Contains(both.Body, "More people") || strings.Contains(both.Body, "More groups") {
		t.Error("a last page offers more")
	}
}

func appAssignmentsURL(clientID string) string { return "/admin/apps/" + clientID + "/assignments" }
