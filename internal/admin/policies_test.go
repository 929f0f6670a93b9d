package admin_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

type policyBody struct {
	Type, ID, Status, Name, Description string
	Priority                            int
	System                              bool
	Conditions                          struct {
		Clients struct{ Include []string }
	}
	Links map[string]any `json:"_links"`
}

type ruleBody struct {
	Type, ID, Status, Name string
	Priority               int
	Conditions             struct {
		People struct {
			Users, Groups struct{ Include, Exclude []string }
		}
		GrantTypes, Scopes struct{ Include []string }
	}
	Actions struct {
		Token struct {
			AccessTokenLifetimeMinutes, RefreshTokenLifetimeMinutes, RefreshTokenWindowMinutes int
		}
	}
}

// newRule is a rule body allowing everyone the code and client
// credentials grants with any scope, changed by mod.
func newRule(name string, mod func(m map[string]any)) map[string]any {
	m := map[string]any{
		"type": "RESOURCE_ACCESS", "name": name,
		"conditions": map[string]any{
			"people":     map[string]any{"groups": map[string]any{"include": []string{"EVERYONE"}}},
			"grantTypes": map[string]any{"include": []string{"authorization_code", "client_credentials"}},
			"scopes":     map[string]any{"include": []string{"*"}},
		},
	}
	if mod != nil {
		mod(m)
	}
	return m
}

func setToken(m map[string]any, access, refresh, window any) {
	tok := map[string]any{}
	for k, v := range map[string]any{"accessTokenLifetimeMinutes": access, "refreshTokenLifetimeMinutes": refresh,
		"refreshTokenWindowMinutes": window} {
		if v != nil {
			tok[k] = v
		}
	}
	m["actions"] = map[string]any{"token": tok}
}

func TestDefaultPolicy(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		var pols []policyBody
		s.API(t, "GET", asPath+"/default/policies", nil).JSON(t, &pols)
		if len(pols) != 1 || pols[0].Name != "Default Policy" || pols[0].Type != "OAUTH_AUTHORIZATION_POLICY" ||
			pols[0].Priority != 1 || pols[0].Status != "ACTIVE" || len(pols[0].Conditions.Clients.Include) != 1 ||
			pols[0].Conditions.Clients.Include[0] != "ALL_CLIENTS" || pols[0].Links["rules"] == nil {
			t.Fatalf("default policies %+v", pols)
		}
		var rules []ruleBody
		s.API(t, "GET", asPath+"/default/policies/"+pols[0].ID+"/rules", nil).JSON(t, &rules)
		if len(rules) != 1 {
			t.Fatalf("rules %+v", rules)
		}
		r := rules[0]
		if r.Name != "Default Policy Rule" || r.Type != "RESOURCE_ACCESS" || r.Conditions.People.Groups.Include[0] != "EVERYONE" ||
			r.Conditions.Scopes.Include[0] != "*" || r.Actions.Token.AccessTokenLifetimeMinutes != 60 ||
			r.Actions.Token.RefreshTokenLifetimeMinutes != 0 || r.Actions.Token.RefreshTokenWindowMinutes != 10080 ||
			r.Conditions.People.Users.Include == nil {
			t.Fatalf("default rule %+v", r)
		}
		// A new custom server has no policy, as Okta's.
		as := createServer(t, s, "Bare", "api://bare")
		s.API(t, "GET", asPath+"/"+as.ID+"/policies", nil).JSON(t, &pols)
		if len(pols) != 0 {
			t.Fatalf("policies of a new server: %+v", pols)
		}
	})
}

func TestPolicies(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		base := asPath + "/default/policies"
		r := s.API(t, "POST", base, map[string]any{"type": "OAUTH_AUTHORIZATION_POLICY", "name": "Web", "description": "web only",
			"priority": 1, "conditions": map[string]any{"clients": map[string]any{"include": []string{s.WebApp.ClientID}}}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var pol policyBody
		r.JSON(t, &pol)
		if !strings.HasPrefix(pol.ID, "00p") || pol.Priority != 1 || pol.Status != "ACTIVE" || pol.Conditions.Clients.Include[0] != s.WebApp.ClientID {
			t.Fatalf("created %+v", pol)
		}
		var pols []policyBody
		s.API(t, "GET", base, nil).JSON(t, &pols)
		if len(pols) != 2 || pols[0].ID != pol.ID || pols[1].Name != "Default Policy" || pols[1].Priority != 2 {
			t.Fatalf("after insert at 1: %+v", pols)
		}
		// Moving it last moves the Default Policy back to 1.
		r = s.API(t, "PUT", base+"/"+pol.ID, map[string]any{"name": "Web", "priority": 2,
			"conditions": map[string]any{"clients": map[string]any{"include": []string{s.WebApp.ClientID, s.PostApp.ClientID}}}})
		r.JSON(t, &pol)
		if r.Status != http.StatusOK || pol.Priority != 2 || len(pol.Conditions.Clients.Include) != 2 || pol.Description != "" {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		s.API(t, "GET", base, nil).JSON(t, &pols)
		if pols[0].Name != "Default Policy" || pols[0].Priority != 1 {
			t.Fatalf("after move: %+v", pols)
		}
		// Lifecycle.
		for _, step := range []struct{ action, want string }{{"deactivate", "INACTIVE"}, {"deactivate", "INACTIVE"}, {"activate", "ACTIVE"}} {
			if r := s.API(t, "POST", base+"/"+pol.ID+"/lifecycle/"+step.action, nil); r.Status != http.StatusNoContent {
				t.Fatalf("%s: %d", step.action, r.Status)
			}
			s.API(t, "GET", base+"/"+pol.ID, nil).JSON(t, &pol)
			if pol.Status != step.want {
				t.Fatalf("after %s: %s", step.action, pol.Status)
			}
		}

		for _, tc := range []struct {
			name, method, path string
			body               any
			status             int
			code, cause        string
		}{
			{"no name", "POST", base, map[string]any{"conditions": map[string]any{"clients": map[string]any{"include": []string{"ALL_CLIENTS"}}}}, 400, "E0000001", "name"},
			{"no clients", "POST", base, map[string]any{"name": "x"}, 400, "E0000001", "conditions.clients.include"},
			{"unknown client", "POST", base, map[string]any{"name": "x", "conditions": map[string]any{"clients": map[string]any{"include": []string{"0oanothere"}}}}, 400, "E0000001", "conditions.clients.include"},
			{"taken name", "POST", base, map[string]any{"name": "Web", "conditions": map[string]any{"clients": map[string]any{"include": []string{"ALL_CLIENTS"}}}}, 400, "E0000001", "name"},
			{"wrong type", "POST", base, map[string]any{"type": "OKTA_SIGN_ON", "name": "y"}, 400, "E0000001", "type"},
			{"priority not a number", "POST", base, `{"name":"y","priority":"first"}`, 400, "E0000001", "priority"},
			{"unknown policy", "GET", base + "/00pnothere", nil, 404, "E0000007", ""},
			{"unknown policy lifecycle", "POST", base + "/00pnothere/lifecycle/activate", nil, 404, "E0000007", ""},
			{"unknown server", "GET", asPath + "/ausnothere/policies", nil, 404, "E0000007", ""},
			{"org server", "GET", asPath + "/org/policies", nil, 404, "E0000007", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, tc.method, tc.path, tc.body), tc.status, tc.code)
				if tc.cause != "" && (len(e.ErrorCauses) == 0 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, tc.cause+":")) {
					t.Errorf("causes %+v, want one on %s", e.ErrorCauses, tc.cause)
				}
			})
		}

		if r := s.API(t, "DELETE", base+"/"+pol.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "GET", base+"/"+pol.ID, nil), http.StatusNotFound, "E0000007")
		wantEvents(t, s, "policy.lifecycle.create", "policy.lifecycle.update", "policy.lifecycle.deactivate",
			"policy.lifecycle.activate", "policy.lifecycle.delete")
	})
}

func TestPolicyRules(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		var pol policyBody
		s.API(t, "POST", asPath+"/default/policies", map[string]any{"name": "P",
			"conditions": map[string]any{"clients": map[string]any{"include": []string{"ALL_CLIENTS"}}}}).JSON(t, &pol)
		base := asPath + "/default/policies/" + pol.ID + "/rules"

		r := s.API(t, "POST", base, newRule("First", nil))
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var first ruleBody
		r.JSON(t, &first)
		if !strings.HasPrefix(first.ID, "0pr") || first.Priority != 1 || first.Actions.Token.AccessTokenLifetimeMinutes != 60 ||
			first.Actions.Token.RefreshTokenWindowMinutes != 10080 || first.Actions.Token.RefreshTokenLifetimeMinutes != 0 ||
			first.Conditions.People.Users.Exclude == nil {
			t.Fatalf("created with defaults %+v", first)
		}
		var second ruleBody
		s.API(t, "POST", base, newRule("Second", func(m map[string]any) {
			m["priority"] = 1
			m["conditions"].(map[string]any)["people"] = map[string]any{"users": map[string]any{"include": []string{s.User.ID}},
				"groups": map[string]any{"include": []string{}, "exclude": []string{"00gblocked000000000"}}}
			m["conditions"].(map[string]any)["scopes"] = map[string]any{"include": []string{"openid", "profile"}}
			setToken(m, 15, 120, 30)
		})).JSON(t, &second)
		if second.Priority != 1 || second.Actions.Token.AccessTokenLifetimeMinutes != 15 || second.Actions.Token.RefreshTokenLifetimeMinutes != 120 ||
			second.Conditions.People.Users.Include[0] != s.User.ID || second.Conditions.Scopes.Include[1] != "profile" {
			t.Fatalf("second %+v", second)
		}
		var rules []ruleBody
		s.API(t, "GET", base, nil).JSON(t, &rules)
		if len(rules) != 2 || rules[0].ID != second.ID || rules[1].ID != first.ID || rules[1].Priority != 2 {
			t.Fatalf("rules %+v", rules)
		}

		r = s.API(t, "PUT", base+"/"+first.ID, newRule("First renamed", func(m map[string]any) { setToken(m, 30, 0, 60) }))
		r.JSON(t, &first)
		if r.Status != http.StatusOK || first.Name != "First renamed" || first.Actions.Token.AccessTokenLifetimeMinutes != 30 || first.Priority != 2 {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		for _, step := range []struct{ action, want string }{{"deactivate", "INACTIVE"}, {"activate", "ACTIVE"}} {
			if r := s.API(t, "POST", base+"/"+first.ID+"/lifecycle/"+step.action, nil); r.Status != http.StatusNoContent {
				t.Fatalf("%s: %d", step.action, r.Status)
			}
			s.API(t, "GET", base+"/"+first.ID, nil).JSON(t, &first)
			if first.Status != step.want {
				t.Fatalf("after %s: %s", step.action, first.Status)
			}
		}
		// Created inactive when asked.
		var off ruleBody
		s.API(t, "POST", base, newRule("Off", func(m map[string]any) { m["status"] = "INACTIVE" })).JSON(t, &off)
		if off.Status != "INACTIVE" || off.Priority != 3 {
			t.Fatalf("inactive rule %+v", off)
		}

		for _, tc := range []struct {
			name  string
			body  any
			cause string
		}{
			{"no name", newRule("", nil), "name"},
			{"taken name", newRule("Second", nil), "name"},
			{"wrong type", newRule("x", func(m map[string]any) { m["type"] = "SIGN_ON" }), "type"},
			{"no people", newRule("x", func(m map[string]any) { delete(m["conditions"].(map[string]any), "people") }), "conditions.people"},
			{"unknown user", newRule("x", func(m map[string]any) {
				m["conditions"].(map[string]any)["people"] = map[string]any{"users": map[string]any{"include": []string{"00unothere"}}}
			}), "conditions.people.users"},
			{"no grant type", newRule("x", func(m map[string]any) { delete(m["conditions"].(map[string]any), "grantTypes") }), "conditions.grantTypes.include"},
			{"unknown grant type", newRule("x", func(m map[string]any) {
				m["conditions"].(map[string]any)["grantTypes"] = map[string]any{"include": []string{"magic"}}
			}), "conditions.grantTypes.include"},
			{"unknown scope", newRule("x", func(m map[string]any) {
				m["conditions"].(map[string]any)["scopes"] = map[string]any{"include": []string{"nothere"}}
			}), "conditions.scopes.include"},
			{"access too short", newRule("x", func(m map[string]any) { setToken(m, 4, nil, nil) }), "actions.token.accessTokenLifetimeMinutes"},
			{"access too long", newRule("x", func(m map[string]any) { setToken(m, 1441, nil, nil) }), "actions.token.accessTokenLifetimeMinutes"},
			{"refresh below access", newRule("x", func(m map[string]any) { setToken(m, 60, 59, nil) }), "actions.token.refreshTokenLifetimeMinutes"},
			{"window too short", newRule("x", func(m map[string]any) { setToken(m, nil, nil, 9) }), "actions.token.refreshTokenWindowMinutes"},
			{"window too long", newRule("x", func(m map[string]any) { setToken(m, nil, nil, 2628001) }), "actions.token.refreshTokenWindowMinutes"},
			{"lifetime not a number", `{"name":"x","actions":{"token":{"accessTokenLifetimeMinutes":"60"}}}`, "actions.token.accessTokenLifetimeMinutes"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, "POST", base, tc.body), http.StatusBadRequest, "E0000001")
				if !strings.Contains(e.ErrorSummary, tc.cause) {
					t.Errorf("summary %q, want it to name %s (causes %+v)", e.ErrorSummary, tc.cause, e.ErrorCauses)
				}
			})
		}
		wantOktaError(t, s.API(t, "GET", base+"/0prnothere", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "POST", asPath+"/default/policies/00pnothere/rules", newRule("x", nil)), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "PUT", base+"/0prnothere", newRule("x", nil)), http.StatusNotFound, "E0000007")

		if r := s.API(t, "DELETE", base+"/"+second.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d", r.Status)
		}
		s.API(t, "GET", base, nil).JSON(t, &rules)
		if len(rules) != 2 || rules[0].ID != first.ID || rules[0].Priority != 1 || rules[1].Priority != 2 {
			t.Fatalf("after delete %+v", rules)
		}
		wantEvents(t, s, "policy.rule.add", "policy.rule.update", "policy.rule.deactivate", "policy.rule.activate", "policy.rule.delete")
	})
}

// A policy or rule created or replaced with a status gets it in the same
// write; the System Log tells a creation as one, and a status a replace
// changed as a lifecycle event beside the update.
func TestPolicyStatusInOneWrite(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		base := asPath + "/default/policies"
		policy := func(status string) map[string]any {
			m := map[string]any{"name": "Dormant", "conditions": map[string]any{"clients": map[string]any{"include": []string{"ALL_CLIENTS"}}}}
			if status != "" {
				m["status"] = status
			}
			return m
		}
		r := s.API(t, "POST", base, policy("INACTIVE"))
		var pol policyBody
		r.JSON(t, &pol)
		if r.Status != http.StatusCreated || pol.Status != "INACTIVE" || pol.Links["activate"] == nil {
			t.Fatalf("create inactive policy: %d %s", r.Status, r.Body)
		}
		s.API(t, "GET", base+"/"+pol.ID, nil).JSON(t, &pol)
		if pol.Status != "INACTIVE" {
			t.Fatalf("stored policy %+v", pol)
		}
		rules := base + "/" + pol.ID + "/rules"
		var rule ruleBody
		r = s.API(t, "POST", rules, newRule("Off", func(m map[string]any) { m["status"] = "INACTIVE" }))
		r.JSON(t, &rule)
		if r.Status != http.StatusCreated || rule.Status != "INACTIVE" {
			t.Fatalf("create inactive rule: %d %s", r.Status, r.Body)
		}
		for id, want := range map[string]string{pol.ID: "policy.lifecycle.create", rule.ID: "policy.rule.add"} {
			if got, _ := waitForEvents(t, s, id, want); !slices.Equal(got, []string{want}) {
				t.Errorf("events of %s created inactive: %v, want only %s", id, got, want)
			}
		}

		// Replacing with a status changes it and records the change.
		r = s.API(t, "PUT", rules+"/"+rule.ID, newRule("Off", func(m map[string]any) { m["status"] = "ACTIVE" }))
		r.JSON(t, &rule)
		if r.Status != http.StatusOK || rule.Status != "ACTIVE" {
			t.Fatalf("replace rule with ACTIVE: %d %s", r.Status, r.Body)
		}
		r = s.API(t, "PUT", base+"/"+pol.ID, policy("ACTIVE"))
		r.JSON(t, &pol)
		if r.Status != http.StatusOK || pol.Status != "ACTIVE" {
			t.Fatalf("replace policy with ACTIVE: %d %s", r.Status, r.Body)
		}
		if got, ok := waitForEvents(t, s, rule.ID, "policy.rule.update", "policy.rule.activate"); !ok {
			t.Errorf("rule events after replace: %v", got)
		}
		if got, ok := waitForEvents(t, s, pol.ID, "policy.lifecycle.update", "policy.lifecycle.activate"); !ok {
			t.Errorf("policy events after replace: %v", got)
		}
		// Without a status, a replace keeps the one it has.
		r = s.API(t, "PUT", base+"/"+pol.ID, policy(""))
		r.JSON(t, &pol)
		if r.Status != http.StatusOK || pol.Status != "ACTIVE" {
			t.Fatalf("replace without status: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "POST", base, policy("DELETED")), http.StatusBadRequest, "E0000001")
	})
}
