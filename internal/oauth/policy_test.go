package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// Access policies decide, per custom server, who gets tokens and for how
// long; changes made through the Management API apply at once.

const policyDenied = "Policy evaluation failed for this request, please check the policy configurations."

type policyTokenAnswer struct {
	Status           int
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int    `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func postToken(t *testing.T, s *testkit.Server, asID string, form url.Values, auth string) policyTokenAnswer {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/oauth2/"+asID+"/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a policyTokenAnswer
	json.NewDecoder(resp.Body).Decode(&a)
	a.Status = resp.StatusCode
	return a
}

func wantDenied(t *testing.T, a policyTokenAnswer) {
	t.Helper()
	if a.Status != http.StatusForbidden || a.Error != "access_denied" || a.ErrorDescription != policyDenied {
		t.Fatalf("answer %+v, want 403 access_denied with Okta's policy message", a)
	}
}

// api calls the Management API and fails the test unless it answers want.
func api(t *testing.T, s *testkit.Server, want int, method, path string, body any) map[string]any {
	t.Helper()
	r := s.API(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	var out map[string]any
	if len(r.Body) > 0 && r.Body[0] == '{' {
		r.JSON(t, &out)
	}
	return out
}

// addPolicy creates a policy for clients at priority 1 with one rule.
func addPolicy(t *testing.T, s *testkit.Server, asID string, clients []string, rule map[string]any) (policyID, ruleID string) {
	t.Helper()
	base := "/api/v1/authorizationServers/" + asID + "/policies"
	pol := api(t, s, http.StatusCreated, "POST", base, map[string]any{"name": "P " + domain.RandomToken(4), "priority": 1,
		"conditions": map[string]any{"clients": map[string]any{"include": clients}}})
	policyID = pol["id"].(string)
	rule["name"] = "R " + domain.RandomToken(4)
	r := api(t, s, http.StatusCreated, "POST", base+"/"+policyID+"/rules", rule)
	return policyID, r["id"].(string)
}

func ruleBody(people map[string]any, grants, scopes []string, access, refresh, window int) map[string]any {
	return map[string]any{
		"conditions": map[string]any{"people": people, "grantTypes": map[string]any{"include": grants},
			"scopes": map[string]any{"include": scopes}},
		"actions": map[string]any{"token": map[string]any{"accessTokenLifetimeMinutes": access,
			"refreshTokenLifetimeMinutes": refresh, "refreshTokenWindowMinutes": window}},
	}
}

var everyone = map[string]any{"groups": map[string]any{"include": []string{"EVERYONE"}}}

func TestClientCredentialsPolicy(t *testing.T) {
	s := testkit.Start(t)
	app, err := domain.CreateApp(t.Context(), s.Store, domain.NewAppParams{Name: "Service", Type: domain.AppTypeService}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	auth := basic(app.App.ClientID, app.ClientSecret)
	as := api(t, s, http.StatusCreated, "POST", "/api/v1/authorizationServers", map[string]any{"name": "Orders",
		"audiences": []string{"api://orders"}})
	asID := as["id"].(string)
	api(t, s, http.StatusCreated, "POST", "/api/v1/authorizationServers/"+asID+"/scopes", map[string]any{"name": "orders:read"})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}

	// A new server has no policy: nothing is allowed.
	wantDenied(t, postToken(t, s, asID, form, auth))

	_, ruleID := addPolicy(t, s, asID, []string{app.App.ClientID},
		ruleBody(everyone, []string{"client_credentials"}, []string{"orders:read"}, 15, 0, 10080))
	a := postToken(t, s, asID, form, auth)
	if a.Status != http.StatusOK || a.ExpiresIn != 15*60 {
		t.Fatalf("allowed request: %+v", a)
	}
	// A scope the rule does not list is refused.
	api(t, s, http.StatusCreated, "POST", "/api/v1/authorizationServers/"+asID+"/scopes", map[string]any{"name": "orders:write"})
	wantDenied(t, postToken(t, s, asID, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:write"}}, auth))
	// Deactivating the rule takes effect on the next request.
	api(t, s, http.StatusNoContent, "POST", "/api/v1/authorizationServers/"+asID+"/policies/"+policyOf(t, s, asID)+"/rules/"+ruleID+"/lifecycle/deactivate", nil)
	wantDenied(t, postToken(t, s, asID, form, auth))

	// The default server's Default Policy lets the same client in with 1 h tokens.
	if _, err := domain.CreateScope(t.Context(), s.Store, domain.NewScopeParams{AuthServerID: "default", Name: "orders:read"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if a := postToken(t, s, "default", form, auth); a.Status != http.StatusOK || a.ExpiresIn != 3600 {
		t.Fatalf("default server: %+v", a)
	}
}

func policyOf(t *testing.T, s *testkit.Server, asID string) string {
	t.Helper()
	var pols []struct{ ID string }
	s.API(t, "GET", "/api/v1/authorizationServers/"+asID+"/policies", nil).JSON(t, &pols)
	return pols[0].ID
}

// authorizeCode runs /authorize for the web app on the default server and
// returns the redirect's query.
func authorizeCode(t *testing.T, s *testkit.Server, scope string) url.Values {
	t.Helper()
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, url.Values{"scope": {scope}}), testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func exchange(t *testing.T, s *testkit.Server, code string) policyTokenAnswer {
	t.Helper()
	return postToken(t, s, "default", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {testkit.RedirectURI}}, basic(s.WebApp.ClientID, s.WebSecret))
}

func TestAuthorizationCodePolicy(t *testing.T) {
	s := testkit.Start(t)
	// The user excluded by name: /authorize redirects access_denied.
	policyID, _ := addPolicy(t, s, "default", []string{s.WebApp.ClientID}, ruleBody(map[string]any{
		"groups": map[string]any{"include": []string{"EVERYONE"}},
		"users":  map[string]any{"exclude": []string{s.User.ID}},
	}, []string{"authorization_code"}, []string{"*"}, 60, 0, 10080))
	q := authorizeCode(t, s, "openid")
	if q.Get("error") != "access_denied" || q.Get("error_description") != policyDenied || q.Get("state") != "state-123" || q.Has("code") {
		t.Fatalf("denied authorize redirected with %v", q)
	}
	api(t, s, http.StatusNoContent, "DELETE", "/api/v1/authorizationServers/default/policies/"+policyID, nil)

	// The user included: the rule's lifetimes apply to the tokens and the
	// refresh token, and to each rotation.
	addPolicy(t, s, "default", []string{s.WebApp.ClientID}, ruleBody(map[string]any{
		"users": map[string]any{"include": []string{s.User.ID}},
	}, []string{"authorization_code"}, []string{"openid", "offline_access"}, 5, 120, 30))
	q = authorizeCode(t, s, "openid offline_access")
	if q.Get("code") == "" {
		t.Fatalf("allowed authorize: %v", q)
	}
	before := time.Now()
	a := exchange(t, s, q.Get("code"))
	if a.Status != http.StatusOK || a.ExpiresIn != 300 || a.RefreshToken == "" {
		t.Fatalf("exchange: %+v", a)
	}
	rt, err := s.Store.GetRefreshToken(t.Context(), domain.HashSecret(a.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	if d := rt.ExpiresAt.Sub(before); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("refresh token ends %v after the grant, want 120 min", d)
	}
	if d := rt.IdleExpiresAt.Sub(before); d < 29*time.Minute || d > 31*time.Minute {
		t.Errorf("refresh idle window %v, want 30 min", d)
	}
	refresh := postToken(t, s, "default", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.RefreshToken}},
		basic(s.WebApp.ClientID, s.WebSecret))
	if refresh.Status != http.StatusOK || refresh.ExpiresIn != 300 {
		t.Fatalf("refresh: %+v", refresh)
	}
	// Scopes outside the rule are refused at /authorize.
	if q := authorizeCode(t, s, "openid profile"); q.Get("error") != "access_denied" {
		t.Fatalf("scope outside the rule: %v", q)
	}
}

func TestPolicyReevaluatedAtToken(t *testing.T) {
	s := testkit.Start(t)
	q := authorizeCode(t, s, "openid offline_access")
	first := exchange(t, s, q.Get("code"))
	if first.Status != http.StatusOK || first.ExpiresIn != 3600 || first.RefreshToken == "" {
		t.Fatalf("default policy: %+v", first)
	}
	code := authorizeCode(t, s, "openid").Get("code")
	// The Default Policy Rule is switched off between /authorize and /token.
	rules := "/api/v1/authorizationServers/default/policies/" + domain.DefaultPolicyID + "/rules/" + domain.DefaultPolicyRuleID
	api(t, s, http.StatusNoContent, "POST", rules+"/lifecycle/deactivate", nil)
	wantDenied(t, exchange(t, s, code))
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
	wantDenied(t, postToken(t, s, "default", refresh, basic(s.WebApp.ClientID, s.WebSecret)))
	// The refused refresh did not spend the token.
	api(t, s, http.StatusNoContent, "POST", rules+"/lifecycle/activate", nil)
	if a := postToken(t, s, "default", refresh, basic(s.WebApp.ClientID, s.WebSecret)); a.Status != http.StatusOK {
		t.Fatalf("refresh after reactivation: %+v", a)
	}
	// The org server has no policies and is not affected by them.
	api(t, s, http.StatusNoContent, "POST", "/api/v1/authorizationServers/default/policies/"+domain.DefaultPolicyID+"/lifecycle/deactivate", nil)
	loc, err := s.Authorize(testkit.Browser(), strings.Replace(s.AuthorizeURL(s.WebApp.ClientID, nil), "/oauth2/default/", "/oauth2/", 1),
		testkit.UserLogin, testkit.Password)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("org server authorize: %v %v", loc, err)
	}
}
