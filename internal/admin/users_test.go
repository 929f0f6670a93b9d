package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// apiUser is the part of Okta's User the tests read.
type apiUser struct {
	ID, Status                                     string
	Created, Activated, StatusChanged, LastUpdated *string
	LastLogin, PasswordChanged                     *string
	Type                                           struct{ ID string }
	Profile                                        map[string]any
	Credentials                                    struct {
		Password *map[string]any
		Provider struct{ Type, Name string }
	}
	Links map[string]struct{ Href string } `json:"_links"`
}

func newUserBody(login string, extra map[string]any) map[string]any {
	profile := map[string]any{"login": login, "email": login, "firstName": "Test", "lastName": "User"}
	for k, v := range extra {
		profile[k] = v
	}
	return map[string]any{"profile": profile}
}

func withPassword(body map[string]any, pw string) map[string]any {
	body["credentials"] = map[string]any{"password": map[string]any{"value": pw}}
	return body
}

// mustUser creates a user through the API and returns it.
func mustUser(t *testing.T, s *testkit.Server, query string, body map[string]any) apiUser {
	t.Helper()
	r := s.API(t, "POST", "/api/v1/users"+query, body)
	if r.Status != http.StatusOK {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	var u apiUser
	r.JSON(t, &u)
	return u
}

func TestCreateUser(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		for _, c := range []struct {
			name, query, password, status string
			links                         []string
		}{
			{"active with a password", "", "correct horse", store.UserActive, []string{"suspend", "deactivate", "resetPassword", "changePassword"}},
			{"provisioned without one", "?activate=true", "", store.UserProvisioned, []string{"reactivate", "deactivate"}},
			{"staged", "?activate=false", "correct horse", store.UserStaged, []string{"activate", "deactivate"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				login := strings.ReplaceAll(c.name, " ", ".") + "@example.com"
				body := newUserBody(login, map[string]any{"department": "R&D", "level": 7, "remote": true, "tags": []string{"a"}})
				if c.password != "" {
					body = withPassword(body, c.password)
				}
				r := s.API(t, "POST", "/api/v1/users"+c.query, body)
				if r.Status != http.StatusOK {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				if strings.Contains(string(r.Body), c.password+`"`) && c.password != "" || strings.Contains(string(r.Body), "argon2") {
					t.Fatalf("the password leaks: %s", r.Body)
				}
				var u apiUser
				r.JSON(t, &u)
				if u.Status != c.status || !strings.HasPrefix(u.ID, "00u") || u.Profile["login"] != login ||
					u.Profile["department"] != "R&D" || u.Profile["level"] != float64(7) || u.Profile["remote"] != true ||
					u.Credentials.Provider.Type != "OKTA" || u.Type.ID == "" || u.Created == nil || u.LastLogin != nil {
					t.Fatalf("user %s", r.Body)
				}
				if (u.Credentials.Password != nil) != (c.password != "") {
					t.Errorf("credentials.password %v with password %q", u.Credentials.Password, c.password)
				}
				if (u.Activated != nil) != (c.status == store.UserActive) {
					t.Errorf("activated %v for %s", u.Activated, c.status)
				}
				for _, l := range c.links {
					if !strings.Contains(u.Links[l].Href, "/api/v1/users/"+u.ID+"/") {
						t.Errorf("link %s: %q", l, u.Links[l].Href)
					}
				}
				if u.Links["self"].Href != s.URL+"/api/v1/users/"+u.ID {
					t.Errorf("self %q", u.Links["self"].Href)
				}
				for _, path := range []string{u.ID, login, strings.ToUpper(login)} {
					var got apiUser
					r := s.API(t, "GET", "/api/v1/users/"+path, nil)
					if r.JSON(t, &got); r.Status != http.StatusOK || got.ID != u.ID {
						t.Errorf("get %s: %d %s", path, r.Status, r.Body)
					}
				}
			})
		}
	})
}

func TestCreateUserRefused(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		for _, c := range []struct {
			name   string
			body   any
			code   string
			causes []string
		}{
			{"taken login", newUserBody(strings.ToUpper(testkit.UserLogin), nil), "E0000001",
				[]string{"login: An object with this field already exists in the current organization"}},
			{"no profile", map[string]any{}, "E0000001", []string{"email: The field cannot be left blank",
				"firstName: The field cannot be left blank", "lastName: The field cannot be left blank", "login: The field cannot be left blank"}},
			{"bad email", newUserBody("x@example.com", map[string]any{"email": "nope"}), "E0000001", []string{"email: Does not match required pattern"}},
			{"weak password", withPassword(newUserBody("y@example.com", nil), "short"), "E0000001",
				[]string{"password: Password requirements were not met. Password requirements: at least 8 characters."}},
			{"base attribute not a string", newUserBody("z@example.com", map[string]any{"title": 3}), "E0000001", []string{"title: must be a string"}},
			{"bad attribute name", newUserBody("z@example.com", map[string]any{"a-b": 1}), "E0000001", nil},
			{"unknown group", map[string]any{"profile": newUserBody("g@example.com", nil)["profile"], "groupIds": []string{"00gnothere"}},
				"E0000001", []string{"groupIds: group 00gnothere does not exist"}},
			{"profile of the wrong type", map[string]any{"profile": "x"}, "E0000001", nil},
			{"not JSON", "{", "E0000003", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, "POST", "/api/v1/users", c.body), http.StatusBadRequest, c.code)
				var causes []string
				for _, ec := range e.ErrorCauses {
					causes = append(causes, ec.ErrorSummary)
				}
				slices.Sort(causes)
				if c.causes != nil && !slices.Equal(causes, c.causes) {
					t.Errorf("causes %q, want %q", causes, c.causes)
				}
			})
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/users/00unothere", nil), http.StatusNotFound, "E0000007")
	})
}

func TestUserUpdate(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		u := mustUser(t, s, "", withPassword(newUserBody("upd@example.com", map[string]any{"title": "Dr", "shoe": 42}), "correct horse"))
		// POST merges.
		r := s.API(t, "POST", "/api/v1/users/"+u.ID, map[string]any{"profile": map[string]any{"nickName": "Updy", "shoe": nil, "pet": "cat"}})
		var got apiUser
		if r.JSON(t, &got); r.Status != http.StatusOK || got.Profile["title"] != "Dr" || got.Profile["nickName"] != "Updy" ||
			got.Profile["pet"] != "cat" || got.Profile["shoe"] != nil {
			t.Fatalf("merge: %d %s", r.Status, r.Body)
		}
		// PUT replaces: what is not sent goes.
		r = s.API(t, "PUT", "/api/v1/users/"+u.ID, newUserBody("upd2@example.com", map[string]any{"city": "Oslo"}))
		got = apiUser{}
		if r.JSON(t, &got); r.Status != http.StatusOK || got.Profile["title"] != nil || got.Profile["pet"] != nil ||
			got.Profile["city"] != "Oslo" || got.Profile["login"] != "upd2@example.com" {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		e := wantOktaError(t, s.API(t, "POST", "/api/v1/users/"+u.ID, map[string]any{"profile": map[string]any{"login": testkit.UserLogin}}),
			http.StatusBadRequest, "E0000001")
		if len(e.ErrorCauses) != 1 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, "login: An object with this field") {
			t.Errorf("causes %+v", e.ErrorCauses)
		}
		wantOktaError(t, s.API(t, "PUT", "/api/v1/users/"+u.ID, map[string]any{}), http.StatusBadRequest, "E0000001")
		wantOktaError(t, s.API(t, "POST", "/api/v1/users/00unothere", map[string]any{}), http.StatusNotFound, "E0000007")

		// A password set by an administrator activates a provisioned user.
		p := mustUser(t, s, "", newUserBody("prov@example.com", nil))
		r = s.API(t, "POST", "/api/v1/users/"+p.ID, map[string]any{"credentials": map[string]any{"password": map[string]any{"value": "new password 1"}}})
		got = apiUser{}
		if r.JSON(t, &got); r.Status != http.StatusOK || got.Status != store.UserActive || got.PasswordChanged == nil {
			t.Fatalf("set password: %d %s", r.Status, r.Body)
		}
		if _, ok, _ := domain.Authenticate(t.Context(), s.Store, "prov@example.com", "new password 1", nil); !ok {
			t.Error("the new password does not sign in")
		}
	})
}

func TestListUsers(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		a := mustUser(t, s, "", newUserBody("ann@example.com", map[string]any{"firstName": "Ann", "department": "Eng", "level": 3}))
		b := mustUser(t, s, "?activate=false", newUserBody("ben@example.com", map[string]any{"firstName": "Ben", "department": "Sales"}))
		gone := mustUser(t, s, "", newUserBody("gone@example.com", nil))
		if r := s.API(t, "POST", "/api/v1/users/"+gone.ID+"/lifecycle/deactivate", nil); r.Status != http.StatusOK {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		list := func(query string) []string {
			t.Helper()
			r := s.API(t, "GET", "/api/v1/users"+query, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", query, r.Status, r.Body)
			}
			var users []apiUser
			r.JSON(t, &users)
			ids := []string{}
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			slices.Sort(ids)
			return ids
		}
		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"", sorted(s.User.ID, a.ID, b.ID)},
			{"?q=an", sorted(a.ID, s.User.ID)}, // Ann, and Alice Anders
			{"?q=ann", sorted(a.ID)},
			{"?q=BEN", sorted(b.ID)},
			{"?q=gone", []string{}},
			{`?filter=status+eq+"STAGED"`, sorted(b.ID)},
			{`?filter=status+eq+"DEPROVISIONED"`, sorted(gone.ID)},
			{`?filter=profile.login+eq+"ANN@example.com"+or+id+eq+"` + b.ID + `"`, sorted(a.ID, b.ID)},
			{`?filter=lastUpdated+gt+"2000-01-01T00:00:00.000Z"+and+status+eq+"PROVISIONED"`, sorted(a.ID)},
			{`?search=profile.department+sw+"e"`, sorted(a.ID)},
			{`?search=profile.level+ge+3`, sorted(a.ID)},
			{`?search=not+(status+eq+"ACTIVE")+and+profile.firstName+pr`, sorted(a.ID, b.ID, gone.ID)},
		} {
			if got := list(c.query); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.query, got, c.want)
			}
		}
		// Pages follow Link rel="next" and keep the query.
		var seen []string
		next := "/api/v1/users?limit=1&search=" + "profile.lastName+pr"
		for pages := 0; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			r := s.API(t, "GET", next, nil)
			var users []apiUser
			r.JSON(t, &users)
			for _, u := range users {
				seen = append(seen, u.ID)
			}
			next = ""
			for _, l := range r.Header.Values("Link") {
				if strings.HasSuffix(l, `rel="next"`) {
					next = strings.TrimPrefix(strings.Split(l, ">")[0], "<"+s.URL)
					if !strings.Contains(next, "search=") || !strings.Contains(next, "limit=1") {
						t.Fatalf("next link %q lost the query", l)
					}
				}
			}
		}
		if len(seen) != 4 {
			t.Errorf("paged through %d users, want 4", len(seen))
		}
		for _, q := range []string{`?q=a&filter=status+eq+"ACTIVE"`, `?filter=status+eq`, `?filter=profile.department+eq+"x"`,
			`?search=profile.level+sw+3`, `?filter=lastUpdated+gt+"yesterday"`} {
			wantOktaError(t, s.API(t, "GET", "/api/v1/users"+q, nil), http.StatusBadRequest, "E0000031")
		}
		wantOktaError(t, s.API(t, "GET", "/api/v1/users?limit=0", nil), http.StatusBadRequest, "E0000002")
	})
}

// A search the database cannot decide examines a bounded number of rows
// per request: a short page, even an empty one, still links to the next
// while rows remain, and following the links finds every match.
func TestListUsersBoundedSearch(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		ctx := context.Background()
		const n = 1100
		now := time.Now().UTC()
		for i := range n {
			login := fmt.Sprintf("scan%04d@example.com", i)
			u := store.User{ID: fmt.Sprintf("00uzzzzscan%04d", i), Login: login, Email: login, FirstName: "Scan",
				LastName: "User", Status: store.UserStaged, Created: now, Updated: now}
			if i == n-1 {
				u.Profile = map[string]any{"scanMark": "hit"}
			}
			if err := s.Store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		next := `/api/v1/users?limit=1&search=profile.scanMark+eq+"hit"`
		var seen []string
		pages := 0
		for ; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			r := s.API(t, "GET", next, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", next, r.Status, r.Body)
			}
			var users []apiUser
			r.JSON(t, &users)
			if pages == 0 && (len(users) != 0 || strings.TrimSpace(string(r.Body)) != "[]") {
				t.Fatalf("first page %s, want [] (the match lies past the rows one request examines)", r.Body)
			}
			for _, u := range users {
				seen = append(seen, u.ID)
			}
			next = ""
			for _, l := range r.Header.Values("Link") {
				if strings.HasSuffix(l, `rel="next"`) {
					next = strings.TrimPrefix(strings.Split(l, ">")[0], "<"+s.URL)
				}
			}
		}
		if want := []string{fmt.Sprintf("00uzzzzscan%04d", n-1)}; pages < 2 || !slices.Equal(seen, want) {
			t.Errorf("%d pages found %v, want %v over at least 2", pages, seen, want)
		}
	})
}

func TestUserLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		u := mustUser(t, s, "?activate=false", withPassword(newUserBody("life@example.com", nil), "correct horse"))
		for _, c := range []struct {
			action, want, code string // want: status after; code: the error when refused
		}{
			{"suspend", "", "E0000001"},
			{"unlock", "", "E0000038"},
			{"activate", store.UserActive, ""},
			{"activate", "", "E0000038"},
			{"reactivate", "", "E0000038"},
			{"unsuspend", "", "E0000001"},
			{"suspend", store.UserSuspended, ""},
			{"unsuspend", store.UserActive, ""},
			{"expire_password", store.UserPasswordExpired, ""},
			{"reset_password", store.UserRecovery, ""},
			{"deactivate", store.UserDeprovisioned, ""},
			{"deactivate", "", "E0000038"},
			{"activate", store.UserProvisioned, ""}, // reset_password cleared the password
			{"reactivate", store.UserProvisioned, ""},
		} {
			r := s.API(t, "POST", "/api/v1/users/"+u.ID+"/lifecycle/"+c.action, nil)
			if c.code != "" {
				status := http.StatusForbidden
				if c.code == "E0000001" {
					status = http.StatusBadRequest
				}
				wantOktaError(t, r, status, c.code)
				continue
			}
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", c.action, r.Status, r.Body)
			}
			var got apiUser
			if s.API(t, "GET", "/api/v1/users/"+u.ID, nil).JSON(t, &got); got.Status != c.want {
				t.Fatalf("after %s: status %s, want %s", c.action, got.Status, c.want)
			}
		}
		wantOktaError(t, s.API(t, "POST", "/api/v1/users/"+u.ID+"/lifecycle/explode", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "POST", "/api/v1/users/00unothere/lifecycle/suspend", nil), http.StatusNotFound, "E0000007")
		wantDirectoryEvents(t, s, "user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.suspend", "user.lifecycle.unsuspend",
			"user.account.expire_password", "user.account.reset_password", "user.lifecycle.deactivate", "user.lifecycle.reactivate")
	})
}

// TestSuspendEndsSessions signs in, suspends and unsuspends the user: the
// browser's session is gone and the sign-in form comes back.
func TestSuspendEndsSessions(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		browser := testkit.Browser()
		authorize := s.AuthorizeURL(s.WebApp.ClientID, nil)
		if _, err := s.Authorize(browser, authorize, testkit.UserLogin, testkit.Password); err != nil {
			t.Fatal(err)
		}
		var u apiUser
		s.API(t, "GET", "/api/v1/users/"+s.User.ID, nil).JSON(t, &u)
		if u.LastLogin == nil {
			t.Error("lastLogin not recorded on sign-in")
		}
		resp, err := browser.Get(authorize)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("session not kept before suspension: %d", resp.StatusCode)
		}
		for _, action := range []string{"suspend", "unsuspend"} {
			if r := s.API(t, "POST", "/api/v1/users/"+s.User.ID+"/lifecycle/"+action, nil); r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", action, r.Status, r.Body)
			}
		}
		resp, err = browser.Get(authorize)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after suspension the session still signs in: %d", resp.StatusCode)
		}
	})
}

func TestChangePasswordAndLockout(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		u := mustUser(t, s, "", withPassword(newUserBody("pw@example.com", nil), "old password"))
		path := "/api/v1/users/" + u.ID + "/credentials/change_password"
		change := func(old, next string) testkit.APIResponse {
			return s.API(t, "POST", path, map[string]any{"oldPassword": map[string]any{"value": old}, "newPassword": map[string]any{"value": next}})
		}
		for _, c := range []struct{ old, next, cause string }{
			{"wrong password", "new password", "oldPassword: The credentials provided were incorrect."},
			{"old password", "old password", "password: Password cannot be your current password"},
			{"old password", "short", "password: Password requirements were not met. Password requirements: at least 8 characters."},
		} {
			e := wantOktaError(t, change(c.old, c.next), http.StatusForbidden, "E0000014")
			if e.ErrorSummary != "Update of credentials failed" || len(e.ErrorCauses) != 1 || e.ErrorCauses[0].ErrorSummary != c.cause {
				t.Errorf("%+v", e)
			}
		}
		wantOktaError(t, s.API(t, "POST", path, map[string]any{}), http.StatusBadRequest, "E0000001")
		r := change("old password", "new password")
		var creds struct{ Password *map[string]any }
		if r.JSON(t, &creds); r.Status != http.StatusOK || creds.Password == nil {
			t.Fatalf("change: %d %s", r.Status, r.Body)
		}
		ctx := t.Context()
		if _, ok, _ := domain.Authenticate(ctx, s.Store, "pw@example.com", "new password", nil); !ok {
			t.Fatal("the new password does not sign in")
		}
		// Ten wrong passwords in a row lock the user out; unlock lets them in again.
		for range domain.LockoutThreshold {
			if _, ok, err := domain.Authenticate(ctx, s.Store, "pw@example.com", "guess", nil); ok || err != nil {
				t.Fatalf("a wrong password: %v %v", ok, err)
			}
		}
		var got apiUser
		if s.API(t, "GET", "/api/v1/users/"+u.ID, nil).JSON(t, &got); got.Status != store.UserLockedOut {
			t.Fatalf("status after %d failures: %s", domain.LockoutThreshold, got.Status)
		}
		if _, ok, _ := domain.Authenticate(ctx, s.Store, "pw@example.com", "new password", nil); ok {
			t.Fatal("a locked-out user signed in")
		}
		if r := s.API(t, "POST", "/api/v1/users/"+u.ID+"/lifecycle/unlock", nil); r.Status != http.StatusOK {
			t.Fatalf("unlock: %d %s", r.Status, r.Body)
		}
		if _, ok, _ := domain.Authenticate(ctx, s.Store, "pw@example.com", "new password", nil); !ok {
			t.Fatal("an unlocked user cannot sign in")
		}
		wantDirectoryEvents(t, s, "user.account.update_password", "user.account.unlock_by_admin")
	})
}

func TestDeleteUser(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		g := mustGroup(t, s, "Doomed members")
		u := mustUser(t, s, "", map[string]any{"profile": newUserBody("del@example.com", nil)["profile"], "groupIds": []string{g.ID}})
		var groups []apiGroup
		s.API(t, "GET", "/api/v1/users/"+u.ID+"/groups", nil).JSON(t, &groups)
		if len(groups) != 2 {
			t.Fatalf("groups of a user created in one: %+v", groups)
		}
		for i, want := range []string{store.UserDeprovisioned, ""} {
			r := s.API(t, "DELETE", "/api/v1/users/"+u.ID, nil)
			if r.Status != http.StatusNoContent {
				t.Fatalf("delete %d: %d %s", i, r.Status, r.Body)
			}
			r = s.API(t, "GET", "/api/v1/users/"+u.ID, nil)
			var got apiUser
			if want == "" {
				wantOktaError(t, r, http.StatusNotFound, "E0000007")
			} else if r.JSON(t, &got); got.Status != want {
				t.Fatalf("after delete %d: %s", i, got.Status)
			}
		}
		var members []apiUser
		if s.API(t, "GET", "/api/v1/groups/"+g.ID+"/users", nil).JSON(t, &members); len(members) != 0 {
			t.Errorf("a deleted user is still a member: %+v", members)
		}
		wantOktaError(t, s.API(t, "DELETE", "/api/v1/users/"+u.ID, nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "GET", "/api/v1/users/"+u.ID+"/groups", nil), http.StatusNotFound, "E0000007")
		if r := s.API(t, "DELETE", "/api/v1/users/"+s.User.ID+"/sessions", nil); r.Status != http.StatusNoContent {
			t.Errorf("clear sessions: %d %s", r.Status, r.Body)
		}
		wantDirectoryEvents(t, s, "user.lifecycle.deactivate", "user.lifecycle.delete.completed", "group.user_membership.add", "user.session.clear")
	})
}

// wantDirectoryEvents checks that the System Log holds each event type,
// each with a target.
func wantDirectoryEvents(t *testing.T, s *testkit.Server, types ...string) {
	t.Helper()
	if err := s.Events.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	events, err := s.Store.ListEvents(t.Context(), store.EventQuery{Until: time.Now().Add(time.Hour), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, typ := range types {
		if !slices.ContainsFunc(events, func(e store.Event) bool { return e.EventType == typ && len(e.Targets) > 0 }) {
			missing = append(missing, typ)
		}
	}
	if len(missing) > 0 {
		t.Errorf("System Log lacks %v", missing)
	}
}
