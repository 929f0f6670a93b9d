package console_test

import (
	"context"
	"encoding/json"
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

// ruleForm is a valid rule form, changed by the values given.
func ruleForm(change url.Values) url.Values {
	f := url.Values{"name": {"Engineers"}, "grant_types": {"authorization_code", "refresh_token"}, "people": {"everyone"},
		"scope_mode": {"any"}, "access_token_minutes": {"30"}, "refresh_token_minutes": {""}, "refresh_window_minutes": {"60"}}
	for k, v := range change {
		f[k] = v
	}
	return f
}

func TestConsoleRuleCreate(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	pol, err := s.Service.CreatePolicy(ctx, "default", domain.PolicyParams{Name: "Web only", Clients: []string{s.WebApp.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := policiesPath + "/" + pol.ID + "/rules"
	p := admin.Get(t, rulesPath+"/new")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="`+eng.ID+`"`) || !strings.Contains(p.Body, `value="openid"`) ||
		!strings.Contains(p.Body, `id="f-access_token_minutes" name="access_token_minutes" type="number" value="60"`) {
		t.Fatalf("new rule form: %d\n%s", p.Status, p.Body)
	}

	tests := []struct {
		name      string
		change    url.Values
		field     string
		errorText string
	}{
		{"no name", url.Values{"name": {""}}, "name", "must be 1 to 100 characters"},
		{"no grant type", url.Values{"grant_types": nil}, "grant_types", "at least one grant type"},
		{"unknown grant type", url.Values{"grant_types": {"magic"}}, "grant_types", "Invalid grant type: magic"},
		{"nobody", url.Values{"people": {"some"}}, "people", "at least one user or group"},
		{"unknown login", url.Values{"people": {"some"}, "users": {"alice@example.com\nnobody@example.com"}}, "users",
			"No user has the login nobody@example.com"},
		{"unknown excluded login", url.Values{"exclude_users": {"nobody@example.com"}}, "exclude_users", "nobody@example.com"},
		{"no scope", url.Values{"scope_mode": {"some"}}, "scopes", "at least one scope"},
		{"unknown scope", url.Values{"scope_mode": {"some"}, "scopes": {"nothere"}}, "scopes", "Invalid scope: nothere"},
		{"access too short", url.Values{"access_token_minutes": {"2"}}, "access_token_minutes", "between 5 and 1440"},
		{"refresh shorter than access", url.Values{"refresh_token_minutes": {"10"}}, "refresh_token_minutes", "between the access token lifetime"},
		{"window not a number", url.Values{"refresh_window_minutes": {"soon"}}, "refresh_window_minutes", "whole number"},
		{"priority not a number", url.Values{"priority": {"top"}}, "priority", "whole number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := ruleForm(tc.change)
			p := admin.Post(t, rulesPath, form)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", p.Status, p.Body)
			}
			if msg := polFieldError(t, p.Body, tc.field); !strings.Contains(msg, tc.errorText) {
				t.Errorf("error %q, want %q", msg, tc.errorText)
			}
			if v := form.Get("name"); v != "" && !strings.Contains(p.Body, `value="`+v+`"`) {
				t.Error("the form lost the name typed")
			}
		})
	}
	if rules, _ := s.Store.ListPolicyRules(ctx, "default", pol.ID); len(rules) != 0 {
		t.Fatalf("refused forms stored %d rules", len(rules))
	}

	p = admin.Post(t, rulesPath, ruleForm(url.Values{"people": {"some"}, "users": {"ALICE@example.com"}, "groups": {eng.ID},
		"exclude_users": {"root@example.com"}, "scope_mode": {"some"}, "scopes": {"openid", "profile"},
		"refresh_token_minutes": {"1440"}}))
	polRedirect(t, p, "create rule")
	rules, _ := s.Store.ListPolicyRules(ctx, "default", pol.ID)
	if len(rules) != 1 {
		t.Fatalf("%d rules after create", len(rules))
	}
	r := rules[0]
	if r.Name != "Engineers" || r.Status != store.StatusActive || r.Priority != 1 ||
		!slices.Equal(r.UsersInclude, []string{s.User.ID}) || !slices.Equal(r.GroupsInclude, []string{eng.ID}) ||
		!slices.Equal(r.UsersExclude, []string{admin.Admin.ID}) || !slices.Equal(r.GrantTypes, []string{"authorization_code", "refresh_token"}) ||
		!slices.Equal(r.Scopes, []string{"openid", "profile"}) || r.AccessTokenMinutes != 30 || r.RefreshTokenMinutes != 1440 ||
		r.RefreshWindowMinutes != 60 {
		t.Fatalf("stored rule %+v", r)
	}
	p = admin.Get(t, p.Location)
	for _, want := range []string{"Rule “Engineers” added", "Users: alice@example.com; Groups: Engineering; except users: root@example.com",
		"openid, profile", "30 minutes", "Lifetime 1 day; expires if not used for 1 hour"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("policies tab lacks %q", want)
		}
	}
	if p := admin.Post(t, policiesPath+"/00pnothere/rules", ruleForm(nil)); p.Status != http.StatusNotFound {
		t.Errorf("rule of an unknown policy: %d, want 404", p.Status)
	}
}

func TestConsoleRuleEdit(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	pol, err := s.Service.CreatePolicy(ctx, "default", domain.PolicyParams{Name: "Web only", Clients: []string{s.WebApp.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	rule, err := s.Service.CreatePolicyRule(ctx, "default", pol.ID, domain.RuleParams{Name: "Engineers",
		UsersInclude: []string{s.User.ID}, GroupsInclude: []string{eng.ID}, GrantTypes: []string{domain.GrantAuthorizationCode},
		Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	path := policiesPath + "/" + pol.ID + "/rules/" + rule.ID
	p := admin.Get(t, path)
	for _, want := range []string{`value="Engineers"`, ">alice@example.com</textarea>", `value="` + eng.ID + `" checked`,
		`value="some" checked`, `value="openid" checked`, `value="authorization_code" checked`, `type="number" value="60"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("edit form lacks %q", want)
		}
	}

	p = admin.Post(t, path, ruleForm(url.Values{"access_token_minutes": {"9999"}}))
	if p.Status != http.StatusBadRequest || !strings.Contains(polFieldError(t, p.Body, "access_token_minutes"), "between") {
		t.Fatalf("edit with a bad lifetime: %d", p.Status)
	}
	if got, _ := s.Service.GetPolicyRule(ctx, "default", pol.ID, rule.ID); got.AccessTokenMinutes != 60 || got.Name != "Engineers" {
		t.Fatalf("refused edit stored %+v", got)
	}

	polRedirect(t, admin.Post(t, path, ruleForm(url.Values{"name": {"Everyone"}, "access_token_minutes": {"120"}})), "edit rule")
	got, _ := s.Service.GetPolicyRule(ctx, "default", pol.ID, rule.ID)
	if got.Name != "Everyone" || !slices.Equal(got.GroupsInclude, []string{store.EveryoneGroup}) || len(got.UsersInclude) != 0 ||
		!slices.Equal(got.Scopes, []string{store.AnyScope}) || got.AccessTokenMinutes != 120 || got.RefreshTokenMinutes != 0 {
		t.Fatalf("after edit: %+v", got)
	}
	p = admin.Get(t, path)
	if !regexp.MustCompile(`value="everyone" checked`).MatchString(p.Body) || !regexp.MustCompile(`value="any" checked`).MatchString(p.Body) {
		t.Error("edit form of an everyone, any-scope rule does not show it so")
	}

	for _, step := range []struct{ action, status string }{{"deactivate", store.StatusInactive}, {"activate", store.StatusActive}} {
		polRedirect(t, admin.Post(t, path+"/"+step.action, nil), step.action)
		if got, _ := s.Service.GetPolicyRule(ctx, "default", pol.ID, rule.ID); got.Status != step.status {
			t.Fatalf("after %s: %s", step.action, got.Status)
		}
	}
	polRedirect(t, admin.Post(t, path+"/delete", nil), "delete rule")
	if _, err := s.Service.GetPolicyRule(ctx, "default", pol.ID, rule.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if p := admin.Get(t, path); p.Status != http.StatusNotFound {
		t.Errorf("GET a deleted rule: %d, want 404", p.Status)
	}
	for _, action := range []string{"", "/activate", "/deactivate", "/delete"} {
		if p := admin.Post(t, path+action, ruleForm(nil)); p.Status != http.StatusNotFound {
			t.Errorf("POST %s on a deleted rule: %d, want 404", action, p.Status)
		}
	}
	// A rule is found only under its own policy.
	pols := listPolicies(t, s)
	def := pols[slices.IndexFunc(pols, func(p store.AccessPolicy) bool { return p.Name == "Default Policy" })]
	defRules, _ := s.Store.ListPolicyRules(ctx, "default", def.ID)
	if p := admin.Get(t, policiesPath+"/"+pol.ID+"/rules/"+defRules[0].ID); p.Status != http.StatusNotFound {
		t.Errorf("rule under another policy: %d, want 404", p.Status)
	}
}

// TestConsoleRuleChangesTokens: a rule made in the console decides what
// the token endpoint issues, at once.
func TestConsoleRuleChangesTokens(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	if _, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "orders.read"}); err != nil {
		t.Fatal(err)
	}
	svc, err := domain.CreateApp(ctx, s.Store, domain.NewAppParams{Name: "Orders job", Type: domain.AppTypeService}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// expiresIn asks for a client credentials token: its expires_in, or the error.
	expiresIn := func(t *testing.T) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/token",
			strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {"orders.read"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(svc.App.ClientID, svc.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			ExpiresIn int    `json:"expires_in"`
			Error     string `json:"error"`
		}
		if err := json.Unmarshal([]byte(readAll(t, resp)), &body); err != nil {
			t.Fatal(err)
		}
		return body.ExpiresIn, body.Error
	}
	want := func(t *testing.T, what string, seconds int, errCode string) {
		t.Helper()
		if got, e := expiresIn(t); got != seconds || e != errCode {
			t.Fatalf("%s: expires_in %d, error %q; want %d, %q", what, got, e, seconds, errCode)
		}
	}
	want(t, "under the Default Policy", 3600, "")

	polRedirect(t, admin.Post(t, policiesPath, url.Values{"name": {"Jobs"}, "priority": {"1"}, "clients": {"some"},
		"client_ids": {svc.App.ClientID}}), "create policy")
	pol := listPolicies(t, s)[0]
	// A policy without rules issues nothing to its apps.
	want(t, "policy without rules", 0, "access_denied")

	polRedirect(t, admin.Post(t, policiesPath+"/"+pol.ID+"/rules", ruleForm(url.Values{"name": {"Short"},
		"grant_types": {"client_credentials"}, "scope_mode": {"some"}, "scopes": {"orders.read"}, "access_token_minutes": {"15"}})), "create rule")
	want(t, "rule of 15 minutes", 900, "")

	rules, _ := s.Store.ListPolicyRules(ctx, "default", pol.ID)
	rulePath := policiesPath + "/" + pol.ID + "/rules/" + rules[0].ID
	polRedirect(t, admin.Post(t, rulePath+"/deactivate", nil), "deactivate rule")
	want(t, "rule deactivated", 0, "access_denied")
	polRedirect(t, admin.Post(t, rulePath+"/activate", nil), "activate rule")
	polRedirect(t, admin.Post(t, rulePath, ruleForm(url.Values{"name": {"Short"}, "grant_types": {"client_credentials"},
		"access_token_minutes": {"45"}})), "edit rule")
	want(t, "rule edited to 45 minutes", 2700, "")

	polRedirect(t, admin.Post(t, policiesPath+"/"+pol.ID+"/deactivate", nil), "deactivate policy")
	want(t, "policy deactivated", 3600, "")
}
