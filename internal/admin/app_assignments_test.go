package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

type appUserOut struct {
	ID, Scope, Status string
	Credentials       struct{ UserName string }
	Profile           map[string]any
	Links             map[string]any `json:"_links"`
}

// signIn runs /authorize for the app as login in a fresh browser and
// returns the redirect's query: a code, or an error.
func signIn(t *testing.T, s *testkit.Server, clientID, login string, scope string) url.Values {
	t.Helper()
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(clientID, url.Values{"scope": {scope}}), login, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func wantDenied(t *testing.T, q url.Values) {
	t.Helper()
	if q.Get("error") != "access_denied" || q.Get("error_description") != "User is not assigned to the client application." ||
		q.Get("code") != "" || q.Get("state") != "state-123" {
		t.Fatalf("want access_denied for an unassigned user, got %v", q)
	}
}

func wantCode(t *testing.T, q url.Values) string {
	t.Helper()
	if q.Get("code") == "" {
		t.Fatalf("want a code, got %v", q)
	}
	return q.Get("code")
}

// tokenCall posts a token request with the app's Basic credentials.
func tokenCall(t *testing.T, s *testkit.Server, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.Issuer()+"/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestAppAssignments(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		ctx := context.Background()
		var app appOut
		s.API(t, "POST", "/api/v1/apps", webAppBody("Assigned only")).JSON(t, &app)
		id, secret := app.ID, app.Credentials.OAuthClient.ClientSecret
		alice := s.User
		bob, err := domain.CreateUser(ctx, s.Store, domain.NewUserParams{Login: "bob@example.com", Password: testkit.Password}, time.Now())
		if err != nil {
			t.Fatal(err)
		}

		// An app made through the API has no assignment: nobody gets in.
		wantDenied(t, signIn(t, s, id, alice.Login, "openid"))
		var users []appUserOut
		s.API(t, "GET", "/api/v1/apps/"+id+"/users", nil).JSON(t, &users)
		if len(users) != 0 {
			t.Fatalf("users of an unassigned app: %+v", users)
		}

		// A direct assignment lets alice in.
		r := s.API(t, "POST", "/api/v1/apps/"+id+"/users", map[string]any{"id": alice.ID, "scope": "USER",
			"credentials": map[string]any{"userName": "alice-payroll"}, "profile": map[string]any{"role": "clerk"}})
		var au appUserOut
		r.JSON(t, &au)
		if r.Status != http.StatusOK || au.ID != alice.ID || au.Scope != "USER" || au.Status != "ACTIVE" ||
			au.Credentials.UserName != "alice-payroll" || au.Profile["role"] != "clerk" || au.Links["user"] == nil {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		code := wantCode(t, signIn(t, s, id, alice.Login, "openid offline_access"))
		status, tok := tokenCall(t, s, id, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {testkit.RedirectURI}})
		refresh, _ := tok["refresh_token"].(string)
		if status != http.StatusOK || refresh == "" {
			t.Fatalf("code exchange: %d %v", status, tok)
		}
		wantDenied(t, signIn(t, s, id, bob.Login, "openid"))
		// A code alice gets now, to redeem after she is unassigned.
		pending := wantCode(t, signIn(t, s, id, alice.Login, "openid"))

		// Updating the assignment keeps it; unassigning ends sign-in, code
		// redemption and refresh.
		r = s.API(t, "POST", "/api/v1/apps/"+id+"/users/"+alice.ID, map[string]any{"credentials": map[string]any{"userName": "al"}})
		r.JSON(t, &au)
		if r.Status != http.StatusOK || au.Credentials.UserName != "al" {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if r := s.API(t, "DELETE", "/api/v1/apps/"+id+"/users/"+alice.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("unassign: %d %s", r.Status, r.Body)
		}
		wantDenied(t, signIn(t, s, id, alice.Login, "openid"))
		status, tok = tokenCall(t, s, id, secret, url.Values{"grant_type": {"authorization_code"}, "code": {pending},
			"redirect_uri": {testkit.RedirectURI}})
		if status != http.StatusBadRequest || tok["error"] != "invalid_grant" ||
			tok["error_description"] != "The user is not assigned to the client application." {
			t.Fatalf("code of a user unassigned since /authorize: %d %v", status, tok)
		}
		status, tok = tokenCall(t, s, id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
		if status != http.StatusBadRequest || tok["error"] != "invalid_grant" {
			t.Fatalf("refresh for an unassigned user: %d %v", status, tok)
		}

		// A group assignment lets its members in, and only them.
		staff := store.Group{ID: "00gstaff000000000000", Name: "Staff", Type: store.GroupTypeOkta, Created: time.Now(),
			LastUpdated: time.Now(), LastMembershipUpdated: time.Now()}
		if err := s.Store.CreateGroup(ctx, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Store.AddGroupMember(ctx, staff.ID, bob.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		r = s.API(t, "PUT", "/api/v1/apps/"+id+"/groups/"+staff.ID, map[string]any{})
		var ag struct {
			ID       string
			Priority int
			Links    map[string]any `json:"_links"`
		}
		r.JSON(t, &ag)
		if r.Status != http.StatusOK || ag.ID != staff.ID || ag.Priority != 0 || ag.Links["group"] == nil {
			t.Fatalf("assign group: %d %s", r.Status, r.Body)
		}
		wantCode(t, signIn(t, s, id, bob.Login, "openid"))
		wantDenied(t, signIn(t, s, id, alice.Login, "openid"))
		r = s.API(t, "GET", "/api/v1/apps/"+id+"/users/"+bob.ID, nil)
		r.JSON(t, &au)
		if r.Status != http.StatusOK || au.Scope != "GROUP" || au.Credentials.UserName != bob.Login {
			t.Fatalf("group-assigned user: %d %s", r.Status, r.Body)
		}
		// Removed through the group, not one by one.
		wantOktaError(t, s.API(t, "DELETE", "/api/v1/apps/"+id+"/users/"+bob.ID, nil), http.StatusForbidden, "E0000038")

		// Everyone lets every user in.
		r = s.API(t, "PUT", "/api/v1/apps/"+id+"/groups/"+store.EveryoneGroupID, map[string]any{"priority": 5})
		r.JSON(t, &ag)
		if r.Status != http.StatusOK || ag.Priority != 5 {
			t.Fatalf("assign Everyone: %d %s", r.Status, r.Body)
		}
		wantCode(t, signIn(t, s, id, alice.Login, "openid"))
		s.API(t, "GET", "/api/v1/apps/"+id+"/users", nil).JSON(t, &users)
		if len(users) != 2 || users[0].Scope != "GROUP" || users[1].Scope != "GROUP" {
			t.Fatalf("users through groups: %+v", users)
		}
		var groups []struct{ ID string }
		r = s.API(t, "GET", "/api/v1/apps/"+id+"/groups?limit=1", nil)
		r.JSON(t, &groups)
		if len(groups) != 1 || len(r.Header.Values("Link")) != 2 {
			t.Fatalf("first page of groups: %s %v", r.Body, r.Header.Values("Link"))
		}
		if r := s.API(t, "DELETE", "/api/v1/apps/"+id+"/groups/"+store.EveryoneGroupID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("unassign Everyone: %d %s", r.Status, r.Body)
		}
		wantDenied(t, signIn(t, s, id, alice.Login, "openid"))

		for _, c := range []struct {
			name, method, path string
			body               any
			status             int
			code, summary      string
		}{
			{"unknown user", "POST", "/api/v1/apps/" + id + "/users", map[string]any{"id": "00unothere"}, 404, "E0000007", "00unothere (User)"},
			{"no user id", "POST", "/api/v1/apps/" + id + "/users", map[string]any{}, 400, "E0000001", ""},
			{"group scope", "POST", "/api/v1/apps/" + id + "/users", map[string]any{"id": alice.ID, "scope": "GROUP"}, 400, "E0000001", ""},
			{"profile not an object", "POST", "/api/v1/apps/" + id + "/users", map[string]any{"id": alice.ID, "profile": []int{1}}, 400, "E0000001", ""},
			{"unassigned user", "GET", "/api/v1/apps/" + id + "/users/" + alice.ID, nil, 404, "E0000007", ""},
			{"unknown group", "PUT", "/api/v1/apps/" + id + "/groups/00gnothere", map[string]any{}, 404, "E0000007", "00gnothere (Group)"},
			{"unassigned group", "GET", "/api/v1/apps/" + id + "/groups/" + store.EveryoneGroupID, nil, 404, "E0000007", ""},
			{"negative priority", "PUT", "/api/v1/apps/" + id + "/groups/" + staff.ID, map[string]any{"priority": -1}, 400, "E0000001", ""},
			{"unknown app users", "GET", "/api/v1/apps/0oanothere/users", nil, 404, "E0000007", "0oanothere (AppInstance)"},
			{"unknown app assign", "POST", "/api/v1/apps/0oanothere/users", map[string]any{"id": alice.ID}, 404, "E0000007", "0oanothere (AppInstance)"},
			{"unknown app groups", "PUT", "/api/v1/apps/0oanothere/groups/" + staff.ID, map[string]any{}, 404, "E0000007", "0oanothere (AppInstance)"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, c.method, c.path, c.body), c.status, c.code)
				if !strings.Contains(e.ErrorSummary, c.summary) {
					t.Errorf("summary %q, want %q", e.ErrorSummary, c.summary)
				}
			})
		}
	})
}

// Service apps (client_credentials) have no users and need no assignment.
func TestServiceAppNeedsNoAssignment(t *testing.T) {
	s := testkit.Start(t)
	body := map[string]any{"name": "oidc_client", "label": "Batch", "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "client_secret_post"}},
		"settings": map[string]any{"oauthClient": map[string]any{"grant_types": []string{"client_credentials"},
			"response_types": []string{"token"}, "application_type": "service", "redirect_uris": []string{}}}}
	r := s.API(t, "POST", "/api/v1/apps", body)
	var app appOut
	r.JSON(t, &app)
	if r.Status != http.StatusOK {
		t.Fatalf("create service app: %d %s", r.Status, r.Body)
	}
	if _, err := domain.CreateScope(context.Background(), s.Store, domain.NewScopeParams{AuthServerID: domain.DefaultServerID,
		Name: "batch.run"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ID},
		"client_secret": {app.Credentials.OAuthClient.ClientSecret}, "scope": {"batch.run"}}
	resp, err := http.PostForm(s.Issuer()+"/v1/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusOK || out["access_token"] == nil {
		t.Fatalf("service app: %d %v", resp.StatusCode, out)
	}
}

// Every change to an app, its secrets and its assignments is in the
// System Log, with the app (and the user or group) as targets.
func TestAppEvents(t *testing.T) {
	s := testkit.Start(t)
	var app appOut
	s.API(t, "POST", "/api/v1/apps", webAppBody("Logged")).JSON(t, &app)
	base := "/api/v1/apps/" + app.ID
	s.API(t, "PUT", base, webAppBody("Logged"))
	var sec secretOut
	s.API(t, "POST", base+"/credentials/secrets", nil).JSON(t, &sec)
	s.API(t, "POST", base+"/credentials/secrets/"+sec.ID+"/lifecycle/deactivate", nil)
	s.API(t, "POST", base+"/credentials/secrets/"+sec.ID+"/lifecycle/activate", nil)
	s.API(t, "POST", base+"/credentials/secrets/"+sec.ID+"/lifecycle/deactivate", nil)
	s.API(t, "DELETE", base+"/credentials/secrets/"+sec.ID, nil)
	s.API(t, "POST", base+"/users", map[string]any{"id": s.User.ID})
	s.API(t, "DELETE", base+"/users/"+s.User.ID, nil)
	s.API(t, "PUT", base+"/groups/"+store.EveryoneGroupID, nil)
	s.API(t, "DELETE", base+"/groups/"+store.EveryoneGroupID, nil)
	s.API(t, "POST", base+"/lifecycle/deactivate", nil)
	s.API(t, "POST", base+"/lifecycle/activate", nil)
	s.API(t, "POST", base+"/lifecycle/deactivate", nil)
	if r := s.API(t, "DELETE", base, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	want := map[string]string{ // event type: the second target's type, if any
		"application.lifecycle.create": "", "application.lifecycle.update": "", "application.lifecycle.activate": "",
		"application.lifecycle.deactivate": "", "application.lifecycle.delete": "",
		"app.oauth2.credentials.lifecycle.create": "", "app.oauth2.credentials.lifecycle.activate": "",
		"app.oauth2.credentials.lifecycle.deactivate": "", "app.oauth2.credentials.lifecycle.delete": "",
		"application.user_membership.add": "User", "application.user_membership.remove": "User",
		"group.application_assignment.add": "UserGroup", "group.application_assignment.remove": "UserGroup",
	}
	// The recorder writes after the answer: wait for every wanted type, as
	// distinct types (the test makes some events twice).
	types := make([]string, 0, len(want))
	for eventType := range want {
		types = append(types, eventType)
	}
	if got, ok := waitForEvents(t, s, app.ID, types...); !ok {
		t.Errorf("System Log of the app has %v, want every one of %v", got, types)
	}
	events, err := s.Store.ListEvents(t.Context(), store.EventQuery{Until: time.Now().Add(time.Hour), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for eventType, second := range want {
		i := slices.IndexFunc(events, func(e store.Event) bool { return e.EventType == eventType })
		if i < 0 {
			t.Errorf("no %s event", eventType)
			continue
		}
		e := events[i]
		if app := e.Targets[0]; app.Type != "AppInstance" || app.AlternateID != "Logged" || app.DisplayName != "Logged" {
			t.Errorf("%s: app target %+v", eventType, app)
		}
		if second != "" && (len(e.Targets) != 2 || e.Targets[1].Type != second) {
			t.Errorf("%s: targets %+v, want a %s second", eventType, e.Targets, second)
		}
	}
}
