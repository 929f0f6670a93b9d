package admin_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// apiRole is Okta's StandardRole as the tests read it.
type apiRole struct {
	ID, Label, Type, Status, AssignmentType string
	Created, LastUpdated                    string
	Links                                   map[string]struct{ Href string } `json:"_links"`
}

func assignRole(t *testing.T, s *testkit.Server, userID, typ string) apiRole {
	t.Helper()
	r := s.API(t, "POST", "/api/v1/users/"+userID+"/roles", map[string]any{"type": typ})
	if r.Status != http.StatusCreated {
		t.Fatalf("assign %s: %d %s", typ, r.Status, r.Body)
	}
	var role apiRole
	r.JSON(t, &role)
	return role
}

func listRoles(t *testing.T, s *testkit.Server, userID string) []apiRole {
	t.Helper()
	r := s.API(t, "GET", "/api/v1/users/"+userID+"/roles", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list roles: %d %s", r.Status, r.Body)
	}
	var roles []apiRole
	r.JSON(t, &roles)
	if roles == nil {
		t.Fatalf("list roles answered %s, want an array", r.Body)
	}
	return roles
}

func TestUserRoles(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		alice := s.User.ID
		if roles := listRoles(t, s, alice); len(roles) != 0 {
			t.Fatalf("roles before any assignment: %+v", roles)
		}

		super := assignRole(t, s, alice, domain.RoleSuperAdmin)
		created, err := time.Parse("2006-01-02T15:04:05.000Z", super.Created)
		if err != nil || !strings.HasPrefix(super.ID, domain.PrefixRole) || super.Type != domain.RoleSuperAdmin ||
			super.Label != domain.RoleLabel(domain.RoleSuperAdmin) || super.Status != "ACTIVE" || super.AssignmentType != "USER" ||
			super.LastUpdated != super.Created || time.Since(created) > time.Minute ||
			super.Links["assignee"].Href != s.URL+"/api/v1/users/"+alice {
			t.Fatalf("assigned role %+v (created: %v)", super, err)
		}
		readOnly := assignRole(t, s, alice, domain.RoleReadOnlyAdmin)

		var got apiRole
		r := s.API(t, "GET", "/api/v1/users/"+alice+"/roles/"+readOnly.ID, nil)
		if r.JSON(t, &got); r.Status != http.StatusOK || got.ID != readOnly.ID || got.Type != domain.RoleReadOnlyAdmin {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		roles := listRoles(t, s, alice)
		if len(roles) != 2 || !slices.ContainsFunc(roles, func(r apiRole) bool { return r.ID == super.ID }) ||
			!slices.ContainsFunc(roles, func(r apiRole) bool { return r.ID == readOnly.ID }) {
			t.Fatalf("listed %+v", roles)
		}

		// bob can sign in (ACTIVE), so his role keeps the org administered.
		bob := mustUser(t, s, "?activate=true", withPassword(newUserBody("bob@example.com", nil), testkit.Password))
		for _, c := range []struct {
			name, method, path string
			body               any
			status             int
			code, summary      string
		}{
			{"role held already", "POST", "/api/v1/users/" + alice + "/roles", map[string]any{"type": domain.RoleSuperAdmin}, 400, "E0000001", "type"},
			{"unsupported role", "POST", "/api/v1/users/" + alice + "/roles", map[string]any{"type": "ORG_ADMIN"}, 400, "E0000001", "type"},
			{"no type", "POST", "/api/v1/users/" + alice + "/roles", map[string]any{}, 400, "E0000001", "type"},
			{"type not a string", "POST", "/api/v1/users/" + alice + "/roles", map[string]any{"type": 1}, 400, "E0000001", "type"},
			{"not JSON", "POST", "/api/v1/users/" + alice + "/roles", "{", 400, "E0000003", ""},
			{"assign to unknown user", "POST", "/api/v1/users/00unothere/roles", map[string]any{"type": domain.RoleSuperAdmin}, 404, "E0000007", "(User)"},
			{"list of unknown user", "GET", "/api/v1/users/00unothere/roles", nil, 404, "E0000007", "(User)"},
			{"get of unknown user", "GET", "/api/v1/users/00unothere/roles/" + super.ID, nil, 404, "E0000007", "(User)"},
			{"unknown assignment", "GET", "/api/v1/users/" + alice + "/roles/ra1nothere", nil, 404, "E0000007", "(Role)"},
			{"another user's assignment", "GET", "/api/v1/users/" + bob.ID + "/roles/" + super.ID, nil, 404, "E0000007", "(Role)"},
			{"unassign from unknown user", "DELETE", "/api/v1/users/00unothere/roles/" + super.ID, nil, 404, "E0000007", "(User)"},
			{"unassign another user's", "DELETE", "/api/v1/users/" + bob.ID + "/roles/" + super.ID, nil, 404, "E0000007", "(Role)"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, c.method, c.path, c.body), c.status, c.code)
				if !strings.Contains(e.ErrorSummary, c.summary) {
					t.Errorf("summary %q, want it to mention %q", e.ErrorSummary, c.summary)
				}
				if c.code == "E0000001" && (len(e.ErrorCauses) != 1 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, "type: ")) {
					t.Errorf("causes %+v, want one on type", e.ErrorCauses)
				}
			})
		}
		// The refusals changed nothing: alice keeps both roles, bob has none.
		if held, err := s.Store.ListUserRoles(t.Context(), alice); err != nil || len(held) != 2 {
			t.Fatalf("alice holds %+v (%v)", held, err)
		}
		if roles := listRoles(t, s, bob.ID); len(roles) != 0 {
			t.Fatalf("bob holds %+v", roles)
		}

		// The last super administrator keeps the role until another has it.
		e := wantOktaError(t, s.API(t, "DELETE", "/api/v1/users/"+alice+"/roles/"+super.ID, nil), http.StatusForbidden, "E0000038")
		if !strings.Contains(e.ErrorSummary, "last super administrator") {
			t.Errorf("last super administrator: %q", e.ErrorSummary)
		}
		assignRole(t, s, bob.ID, domain.RoleSuperAdmin)
		if r := s.API(t, "DELETE", "/api/v1/users/"+alice+"/roles/"+super.ID, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("unassign: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "DELETE", "/api/v1/users/"+alice+"/roles/"+super.ID, nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "GET", "/api/v1/users/"+alice+"/roles/"+super.ID, nil), http.StatusNotFound, "E0000007")
		held, err := s.Store.ListUserRoles(t.Context(), alice)
		if err != nil || len(held) != 1 || held[0].ID != readOnly.ID {
			t.Fatalf("after unassigning, alice holds %+v (%v)", held, err)
		}
		// Once taken away, a role can be given again, under a new id.
		if again := assignRole(t, s, alice, domain.RoleSuperAdmin); again.ID == super.ID {
			t.Errorf("reassignment reused id %s", again.ID)
		}
		wantDirectoryEvents(t, s, "user.account.privilege.grant", "user.account.privilege.revoke")
	})
}

// TestUserRolesWithOktaSDK: Okta's Go SDK assigns, reads, lists and
// unassigns a role, reading every answer with its generated models.
func TestUserRolesWithOktaSDK(t *testing.T) {
	s := testkit.Start(t)
	c, ctx := sdkClient(t, s), context.Background()
	req := okta.NewAssignRoleRequest()
	req.SetType(domain.RoleReadOnlyAdmin)
	role, resp, err := c.RoleAssignmentAPI.AssignRoleToUser(ctx, s.User.ID).AssignRoleRequest(*req).Execute()
	sdkMust(t, "assign", err)
	if resp.StatusCode != http.StatusCreated || role.GetType() != domain.RoleReadOnlyAdmin || role.GetStatus() != "ACTIVE" ||
		role.GetAssignmentType() != "USER" || role.GetCreated().IsZero() || role.GetId() == "" {
		t.Fatalf("assigned %+v", role)
	}
	got, _, err := c.RoleAssignmentAPI.GetUserAssignedRole(ctx, s.User.ID, role.GetId()).Execute()
	sdkMust(t, "get", err)
	if got.GetId() != role.GetId() || got.GetLabel() != "Read Only Administrator" {
		t.Fatalf("got %+v", got)
	}
	list, _, err := c.RoleAssignmentAPI.ListAssignedRolesForUser(ctx, s.User.ID).Execute()
	sdkMust(t, "list", err)
	if len(list) != 1 || list[0].GetId() != role.GetId() {
		t.Fatalf("listed %+v", list)
	}
	_, err = c.RoleAssignmentAPI.UnassignRoleFromUser(ctx, s.User.ID, role.GetId()).Execute()
	sdkMust(t, "unassign", err)
	list, _, err = c.RoleAssignmentAPI.ListAssignedRolesForUser(ctx, s.User.ID).Execute()
	sdkMust(t, "list after unassign", err)
	if len(list) != 0 {
		t.Fatalf("listed after unassign %+v", list)
	}
}

// adminToken makes an activated user holding role (none: "") and an API
// token acting for them, returning the user and the Authorization header.
func adminToken(t *testing.T, s *testkit.Server, login, role string) (apiUser, string) {
	t.Helper()
	u := mustUser(t, s, "?activate=true", withPassword(newUserBody(login, nil), testkit.Password))
	if role != "" {
		if _, err := s.Service.AssignRole(t.Context(), u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := s.Service.CreateAPIToken(t.Context(), login+"'s token", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, "SSWS " + tok.Value
}

// TestAPITokenAccess: a token acts with its administrator's access. A
// read-only administrator's token reads and changes nothing; a token whose
// administrator loses every role stops working; a token made for no one
// keeps full access.
func TestAPITokenAccess(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		_, superAuth := adminToken(t, s, "root@example.com", domain.RoleSuperAdmin)
		reader, readAuth := adminToken(t, s, "auditor@example.com", domain.RoleReadOnlyAdmin)

		for _, c := range []struct {
			name, method, path string
			body               any
		}{
			{"list users", "GET", "/api/v1/users", nil},
			{"HEAD users", "HEAD", "/api/v1/users", nil},
			{"read own roles", "GET", "/api/v1/users/" + reader.ID + "/roles", nil},
			{"System Log", "GET", "/api/v1/logs", nil},
			{"current token", "GET", "/api/v1/api-tokens/current", nil},
		} {
			t.Run("read-only may "+c.name, func(t *testing.T) {
				if r := s.APIWith(t, readAuth, c.method, c.path, c.body); r.Status != http.StatusOK {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		for _, c := range []struct {
			name, method, path string
			body               any
		}{
			{"create a group", "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Readers"}}},
			{"replace a user", "PUT", "/api/v1/users/" + s.User.ID, newUserBody("renamed@example.com", nil)},
			{"suspend a user", "POST", "/api/v1/users/" + s.User.ID + "/lifecycle/suspend", nil},
			{"promote itself", "POST", "/api/v1/users/" + reader.ID + "/roles", map[string]any{"type": domain.RoleSuperAdmin}},
			{"revoke its token", "DELETE", "/api/v1/api-tokens/current", nil},
			{"delete an app", "DELETE", "/api/v1/apps/" + s.WebApp.ClientID, nil},
		} {
			t.Run("read-only may not "+c.name, func(t *testing.T) {
				e := wantOktaError(t, s.APIWith(t, readAuth, c.method, c.path, c.body), http.StatusForbidden, "E0000006")
				if e.ErrorSummary != "You do not have permission to perform the requested action" {
					t.Errorf("summary %q", e.ErrorSummary)
				}
			})
		}
		// Nothing the refused writes asked for happened.
		if r := s.API(t, "GET", "/api/v1/groups?q=Readers", nil); r.Status != http.StatusOK || string(r.Body) != "[]\n" {
			t.Errorf("groups after the refused create: %d %s", r.Status, r.Body)
		}
		if u, err := s.Store.GetUser(t.Context(), s.User.ID); err != nil || u.Status != store.StatusActive || u.Login != s.User.Login {
			t.Errorf("alice after refused writes: %+v (%v)", u, err)
		}
		if roles, err := s.Store.ListUserRoles(t.Context(), reader.ID); err != nil || len(roles) != 1 || roles[0].Type != domain.RoleReadOnlyAdmin {
			t.Errorf("reader's roles after refused promotion: %+v (%v)", roles, err)
		}
		if _, err := s.Store.GetApp(t.Context(), s.WebApp.ClientID); err != nil {
			t.Errorf("app after refused delete: %v", err)
		}

		// A super administrator's token changes things, here the reader's role.
		held := listRoles(t, s, reader.ID)
		r := s.APIWith(t, superAuth, "DELETE", "/api/v1/users/"+reader.ID+"/roles/"+held[0].ID, nil)
		if r.Status != http.StatusNoContent {
			t.Fatalf("super admin unassigns: %d %s", r.Status, r.Body)
		}
		// Without a role, the reader's token is no longer a token at all.
		wantOktaError(t, s.APIWith(t, readAuth, "GET", "/api/v1/users", nil), http.StatusUnauthorized, "E0000011")
		// Given a role again, it works again, with that role's access.
		assignRole(t, s, reader.ID, domain.RoleSuperAdmin)
		if r := s.APIWith(t, readAuth, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Now writers"}}); r.Status != http.StatusOK {
			t.Fatalf("promoted reader writes: %d %s", r.Status, r.Body)
		}
		// The seeded token was made for no one: full access.
		if r := s.API(t, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Token group"}}); r.Status != http.StatusOK {
			t.Fatalf("token made for no one writes: %d %s", r.Status, r.Body)
		}
	})
}

// TestAPITokenNeedsAdministrator: a token is made only for an active
// administrator, since no request could use any other.
func TestAPITokenNeedsAdministrator(t *testing.T) {
	s := testkit.Start(t)
	plain := mustUser(t, s, "?activate=true", newUserBody("plain@example.com", nil))
	gone := mustUser(t, s, "?activate=true", withPassword(newUserBody("gone@example.com", nil), testkit.Password))
	// Read-only: the last super administrator could not be suspended.
	if _, err := s.Service.AssignRole(t.Context(), gone.ID, domain.RoleReadOnlyAdmin); err != nil {
		t.Fatal(err)
	}
	if r := s.API(t, "POST", "/api/v1/users/"+gone.ID+"/lifecycle/suspend", nil); r.Status != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ name, userID, want string }{
		{"user without a role", plain.ID, "plain@example.com is not an administrator"},
		{"suspended administrator", gone.ID, "gone@example.com is SUSPENDED"},
		{"unknown user", "00unothere", "no user has the id 00unothere"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Service.CreateAPIToken(t.Context(), "refused", c.userID)
			var v *domain.ValidationError
			if !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].Field != "user" || !strings.Contains(v.Problems[0].Message, c.want) {
				t.Fatalf("CreateAPIToken: %v, want a problem on user saying %q", err, c.want)
			}
		})
	}
	tokens, err := s.Store.ListAPITokens(t.Context())
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens after refusals: %+v (%v), want only the seeded one", tokens, err)
	}
}
