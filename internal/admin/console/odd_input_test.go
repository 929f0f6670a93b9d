package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// Every console route answers a client's mistake (an odd id, an empty
// form, repeated or huge fields) with a page of its own, never a 5xx.
func TestConsoleOddInputNeverFails(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	g, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Odd"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "odd:read", Consent: domain.ConsentImplicit})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := s.Service.CreateClaim(ctx, "default", domain.ClaimParams{Name: "odd", ClaimType: domain.ClaimTypeResource, Value: "user.login"})
	if err != nil {
		t.Fatal(err)
	}
	pols, err := s.Service.ListPolicies(ctx, "default")
	if err != nil || len(pols) == 0 {
		t.Fatalf("policies %v %v", pols, err)
	}
	rules, err := s.Service.ListPolicyRules(ctx, "default", pols[0].ID)
	if err != nil || len(rules) == 0 {
		t.Fatalf("rules %v %v", rules, err)
	}
	ids := map[string]string{"{as}": "default", "{app}": s.WebApp.ClientID, "{user}": s.User.ID, "{group}": g.ID,
		"{scope}": sc.ID, "{claim}": cl.ID, "{policy}": pols[0].ID, "{rule}": rules[0].ID, "{x}": "x"}
	routes := []string{
		"GET /admin", "GET /admin/apps", "GET /admin/apps/{app}", "GET /admin/apps/{app}/assignments",
		"POST /admin/apps", "POST /admin/apps/{app}", "POST /admin/apps/{app}/secrets/{x}/deactivate",
		"POST /admin/apps/{app}/assignments/users", "POST /admin/apps/{app}/assignments/users/{user}/delete",
		"POST /admin/apps/{app}/assignments/groups", "POST /admin/apps/{app}/assignments/groups/{group}/delete",
		"GET /admin/users", "GET /admin/users/{user}", "POST /admin/users", "POST /admin/users/{user}/profile",
		"POST /admin/users/{user}/password", "POST /admin/users/{user}/lifecycle/{x}", "POST /admin/users/{user}/roles",
		"POST /admin/users/{user}/roles/{x}/delete", "POST /admin/users/{user}/sessions/end",
		"GET /admin/groups", "GET /admin/groups/{group}", "POST /admin/groups", "POST /admin/groups/{group}",
		"POST /admin/groups/{group}/members", "POST /admin/groups/{group}/members/{user}/delete",
		"GET /admin/api", "GET /admin/api/servers/{as}", "POST /admin/api/servers", "POST /admin/api/servers/{as}",
		"GET /admin/api/servers/{as}/scopes/{scope}", "POST /admin/api/servers/{as}/scopes", "POST /admin/api/servers/{as}/scopes/{scope}",
		"GET /admin/api/servers/{as}/claims/{claim}", "POST /admin/api/servers/{as}/claims", "POST /admin/api/servers/{as}/claims/{claim}",
		"GET /admin/api/servers/{as}/policies", "GET /admin/api/servers/{as}/policies/{policy}",
		"POST /admin/api/servers/{as}/policies", "POST /admin/api/servers/{as}/policies/{policy}",
		"GET /admin/api/servers/{as}/policies/{policy}/rules/{rule}", "POST /admin/api/servers/{as}/policies/{policy}/rules",
		"POST /admin/api/servers/{as}/policies/{policy}/rules/{rule}", "GET /admin/api/servers/{as}/keys",
		"GET /admin/api/servers/{as}/preview", "GET /admin/api/tokens", "POST /admin/api/tokens", "POST /admin/api/tokens/{x}/revoke",
		"GET /admin/logs", "GET /admin/customization", "POST /admin/customization",
	}
	fields := []string{"name", "type", "grant_types", "redirect_uris", "assignment", "user", "group", "login", "firstName",
		"lastName", "email", "password", "password_mode", "groupIds", "activate", "description", "audience", "display_name",
		"consent", "flags", "claim_type", "value_type", "value", "group_filter_type", "scopes", "priority", "clients",
		"client_ids", "people", "users", "groups", "exclude_users", "exclude_groups", "scope_mode", "access_token_minutes",
		"refresh_token_minutes", "refresh_window_minutes", "title", "primary_color", "background_color", "remove_logo",
		"q", "status", "after", "since", "until", "filter", "client", "grant_type", "users_after", "groups_after"}
	inputs := map[string]url.Values{"empty": {}}
	repeated, huge, odd := url.Values{}, url.Values{}, url.Values{}
	for _, f := range fields {
		repeated[f] = []string{"a", "", "b", "ALL_CLIENTS"}
		huge[f] = []string{strings.Repeat("é<x>\"'", 300)}
		odd[f] = []string{"-1", "99999999999999999999", "\x00", "*", "EVERYONE"}
	}
	inputs["repeated"], inputs["huge"], inputs["odd"] = repeated, huge, odd
	oddIDs := []string{"nope", "%C3%BC%00", strings.Repeat("a", 3000)}

	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		fill := func(odd, with string) string {
			path := pattern
			for name, id := range ids {
				if name == odd {
					id = with
				} else {
					id = url.PathEscape(id)
				}
				path = strings.ReplaceAll(path, name, id)
			}
			return path
		}
		try := func(path, input string) {
			var p testkit.ConsolePage
			if method == http.MethodGet {
				p = admin.Get(t, path+"?"+inputs[input].Encode())
			} else {
				p = admin.Post(t, path, inputs[input])
			}
			if p.Status >= 500 {
				t.Errorf("%s %.80s with %s input: %d", method, path, input, p.Status)
			}
		}
		for input := range inputs {
			try(fill("", ""), input)
		}
		for name := range ids {
			if strings.Contains(pattern, name) {
				for _, id := range oddIDs {
					try(fill(name, id), "empty")
				}
			}
		}
	}
}
