package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const policiesPath = "/admin/api/servers/default/policies"

// polFieldError is the error shown next to field, failing the test when
// none is.
func polFieldError(t *testing.T, body, field string) string {
	t.Helper()
	m := regexp.MustCompile(`<p class="error" id="e-` + regexp.QuoteMeta(field) + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error next to %s in:\n%s", field, body)
	}
	return m[1]
}

// polRedirect checks a change's answer: a redirect to the policies tab.
func polRedirect(t *testing.T, p testkit.ConsolePage, what string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, policiesPath) {
		t.Fatalf("%s: %d %q, want a redirect to the policies tab\n%s", what, p.Status, p.Location, p.Body)
	}
}

// polWantEvent checks that the System Log holds one event of type typ,
// made by the actor actorID.
func polWantEvent(t *testing.T, s *testkit.Server, typ, actorID string) {
	t.Helper()
	if err := s.Events.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	events, err := s.Store.ListEvents(context.Background(), store.EventQuery{Until: time.Now().Add(time.Hour),
		Filter: &store.EventFilter{Attr: "eventType", Op: "eq", Value: typ}, Limit: 10})
	if err != nil || len(events) != 1 || events[0].Actor.ID != actorID {
		t.Fatalf("System Log: %+v %v, want one %s by %s", events, err, typ, actorID)
	}
}

func listPolicies(t *testing.T, s *testkit.Server) []store.AccessPolicy {
	t.Helper()
	pols, err := s.Service.ListPolicies(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return pols
}

func TestConsolePolicyList(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	p := admin.Get(t, policiesPath)
	if p.Status != http.StatusOK {
		t.Fatalf("policies tab: %d", p.Status)
	}
	for _, want := range []string{"Default Policy", "Default Policy Rule", "All clients", "Any user", "Any scopes",
		"1 hour", "Authorization Code, Client Credentials", `aria-current="page">Access Policies`, `id="add-policy"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("policies tab lacks %q", want)
		}
	}
	for _, path := range []string{"/admin/api/servers/ausnothere/policies", "/admin/api/servers/ausnothere/policies/new",
		policiesPath + "/00pnothere", policiesPath + "/00pnothere/rules/new"} {
		if p := admin.Get(t, path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
	}
}

func TestConsolePolicyCreate(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	if p := admin.Get(t, policiesPath+"/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, `value="`+s.WebApp.ClientID+`"`) {
		t.Fatalf("new policy form: %d, lists no app", p.Status)
	}
	tests := []struct {
		name      string
		form      url.Values
		field     string
		errorText string
	}{
		{"no name", url.Values{"clients": {"all"}}, "name", "must be 1 to 100 characters"},
		{"no app chosen", url.Values{"name": {"X"}, "clients": {"some"}}, "client_ids", "at least one app"},
		{"priority not a number", url.Values{"name": {"X"}, "clients": {"all"}, "priority": {"first"}}, "priority", "whole number"},
		{"negative priority", url.Values{"name": {"X"}, "clients": {"all"}, "priority": {"-1"}}, "priority", "positive"},
		{"unknown app", url.Values{"name": {"X"}, "clients": {"some"}, "client_ids": {"0oanothere"}}, "client_ids", "Invalid client id: 0oanothere"},
		{"long description", url.Values{"name": {"X"}, "clients": {"all"}, "description": {strings.Repeat("d", 256)}}, "description", "at most 255"},
		{"name taken", url.Values{"name": {"Default Policy"}, "clients": {"all"}}, "name", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, policiesPath, tc.form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", p.Status, p.Body)
			}
			if msg := polFieldError(t, p.Body, tc.field); !strings.Contains(msg, tc.errorText) {
				t.Errorf("error %q, want %q", msg, tc.errorText)
			}
			if v := tc.form.Get("name"); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
				t.Error("the form lost the name typed")
			}
		})
	}
	if pols := listPolicies(t, s); len(pols) != 1 {
		t.Fatalf("refused forms stored policies: %d", len(pols))
	}

	p := admin.Post(t, policiesPath, url.Values{"name": {"Web only"}, "description": {"for the web app"}, "priority": {"1"},
		"clients": {"some"}, "client_ids": {s.WebApp.ClientID, s.PostApp.ClientID}})
	polRedirect(t, p, "create")
	pols := listPolicies(t, s)
	if len(pols) != 2 {
		t.Fatalf("%d policies after create", len(pols))
	}
	pol := pols[0]
	if pol.Name != "Web only" || pol.Description != "for the web app" || pol.Priority != 1 || pol.Status != store.StatusActive ||
		!slices.Equal(pol.Clients, []string{s.WebApp.ClientID, s.PostApp.ClientID}) || pols[1].Name != "Default Policy" || pols[1].Priority != 2 {
		t.Fatalf("stored %+v, then %+v", pol, pols[1])
	}
	p = admin.Get(t, p.Location)
	if !strings.Contains(p.Body, "Policy “Web only” added") || !strings.Contains(p.Body, ">Web App</a>, <a") ||
		!strings.Contains(p.Body, `id="policy-`+pol.ID+`"`) {
		t.Fatalf("policies tab after create:\n%s", p.Body)
	}
	// The change is recorded as the administrator's.
	polWantEvent(t, s, "policy.lifecycle.create", admin.Admin.ID)
	// Unknown server.
	if p := admin.Post(t, "/admin/api/servers/ausnothere/policies", url.Values{"name": {"X"}, "clients": {"all"}}); p.Status != http.StatusNotFound {
		t.Fatalf("create on an unknown server: %d", p.Status)
	}
}

func TestConsolePolicyEdit(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	pol, err := s.Service.CreatePolicy(ctx, "default", domain.PolicyParams{Name: "Web only", Clients: []string{s.WebApp.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	path := policiesPath + "/" + pol.ID
	p := admin.Get(t, path)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="Web only"`) || !strings.Contains(p.Body, `value="2"`) ||
		!regexp.MustCompile(`value="`+s.WebApp.ClientID+`" checked`).MatchString(p.Body) ||
		!regexp.MustCompile(`value="some" checked`).MatchString(p.Body) {
		t.Fatalf("edit form not filled from the policy: %d\n%s", p.Status, p.Body)
	}

	// A refused edit changes nothing.
	p = admin.Post(t, path, url.Values{"name": {""}, "clients": {"all"}, "description": {"new"}})
	if p.Status != http.StatusBadRequest || polFieldError(t, p.Body, "name") == "" {
		t.Fatalf("edit without a name: %d", p.Status)
	}
	if got, _ := s.Service.GetPolicy(ctx, "default", pol.ID); got.Name != "Web only" || got.Description != "" {
		t.Fatalf("refused edit stored %+v", got)
	}

	p = admin.Post(t, path, url.Values{"name": {"Everything"}, "clients": {"all"}, "client_ids": {s.WebApp.ClientID},
		"description": {"all apps"}, "priority": {"1"}})
	polRedirect(t, p, "edit")
	got, _ := s.Service.GetPolicy(ctx, "default", pol.ID)
	if got.Name != "Everything" || got.Description != "all apps" || got.Priority != 1 || !slices.Equal(got.Clients, []string{store.AllClients}) {
		t.Fatalf("after edit: %+v", got)
	}

	// Deactivate, activate, delete.
	for _, step := range []struct{ action, status string }{{"deactivate", store.StatusInactive}, {"activate", store.StatusActive}} {
		polRedirect(t, admin.Post(t, path+"/"+step.action, nil), step.action)
		if got, _ := s.Service.GetPolicy(ctx, "default", pol.ID); got.Status != step.status {
			t.Fatalf("after %s: %s", step.action, got.Status)
		}
	}
	if _, err := s.Service.CreatePolicyRule(ctx, "default", pol.ID, domain.RuleParams{Name: "r", GroupsInclude: []string{store.EveryoneGroup},
		GrantTypes: []string{domain.GrantClientCredentials}, Scopes: []string{store.AnyScope}}); err != nil {
		t.Fatal(err)
	}
	polRedirect(t, admin.Post(t, path+"/delete", nil), "delete")
	if _, err := s.Service.GetPolicy(ctx, "default", pol.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if rules, _ := s.Store.ListPolicyRules(ctx, "default", pol.ID); len(rules) != 0 {
		t.Fatalf("delete left %d rules", len(rules))
	}

	// Unknown policy: every action is 404.
	for _, action := range []string{"", "/activate", "/deactivate", "/delete"} {
		if p := admin.Post(t, path+action, url.Values{"name": {"X"}, "clients": {"all"}}); p.Status != http.StatusNotFound {
			t.Errorf("POST %s on a deleted policy: %d, want 404", action, p.Status)
		}
	}
}

func TestConsolePolicyReadOnly(t *testing.T) {
	s := testkit.Start(t)
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	pol := listPolicies(t, s)[0]
	rules, _ := s.Store.ListPolicyRules(context.Background(), "default", pol.ID)
	p := ro.Get(t, policiesPath)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Default Policy Rule") {
		t.Fatalf("read-only policies tab: %d", p.Status)
	}
	for _, control := range []string{"Add New Access Policy", "Deactivate policy", "Add rule", "/delete"} {
		if strings.Contains(p.Body, control) {
			t.Errorf("read-only administrator is offered %q", control)
		}
	}
	rule := policiesPath + "/" + pol.ID + "/rules/" + rules[0].ID
	for _, path := range []string{policiesPath, policiesPath + "/" + pol.ID, policiesPath + "/" + pol.ID + "/deactivate",
		policiesPath + "/" + pol.ID + "/delete", policiesPath + "/" + pol.ID + "/rules", rule, rule + "/deactivate", rule + "/delete"} {
		p := ro.Post(t, path, url.Values{"name": {"X"}, "clients": {"all"}, "people": {"everyone"}, "scope_mode": {"any"},
			"grant_types": {"client_credentials"}})
		if p.Status != http.StatusForbidden {
			t.Errorf("read-only POST %s: %d, want 403", path, p.Status)
		}
	}
	pols := listPolicies(t, s)
	after, _ := s.Store.ListPolicyRules(context.Background(), "default", pol.ID)
	if len(pols) != 1 || pols[0].Status != store.StatusActive || pols[0].Name != pol.Name || len(after) != 1 || after[0].Status != store.StatusActive {
		t.Fatalf("read-only posts changed policies: %+v %+v", pols, after)
	}
}
