package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const defaultClaims = "/api/v1/authorizationServers/default/claims"

// claimsAPI calls the Management API and fails the test unless it answers
// with status.
func claimsAPI(t *testing.T, s *testkit.Server, method, path string, body any, status int) map[string]any {
	t.Helper()
	r := s.API(t, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	var out map[string]any
	if len(r.Body) > 0 {
		json.Unmarshal(r.Body, &out)
	}
	return out
}

// TestCustomClaims defines claims through the Management API on the
// default server and finds them in the tokens of the authorization code
// flow, in /userinfo and in client credentials tokens.
func TestCustomClaims(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t)
	ctx := t.Context()

	// The user: two SSO groups and another, a department and a custom
	// profile attribute.
	for _, name := range []string{"SSO-Finance", "SSO-Sales", "Other"} {
		g := claimsAPI(t, s, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": name}}, http.StatusOK)
		claimsAPI(t, s, "PUT", "/api/v1/groups/"+g["id"].(string)+"/users/"+s.User.ID, nil, http.StatusNoContent)
	}
	u, err := s.Store.GetUser(ctx, s.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.Department, u.Profile = "R&D", map[string]any{"badge": "B-7"}
	if err := s.Store.UpdateUser(ctx, u, false); err != nil {
		t.Fatal(err)
	}

	claim := func(body map[string]any) string {
		return claimsAPI(t, s, "POST", defaultClaims, body, http.StatusCreated)["id"].(string)
	}
	expression := func(name, claimType, value string, extra map[string]any) map[string]any {
		b := map[string]any{"name": name, "claimType": claimType, "valueType": "EXPRESSION", "value": value}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	deptID := claim(expression("dept", "RESOURCE", `user.department + "/" + user.badge`, nil))
	claim(expression("client", "RESOURCE", `app.clientId`, map[string]any{"conditions": map[string]any{"scopes": []string{"email"}}}))
	claim(expression("needs_phone", "RESOURCE", `"x"`, map[string]any{"conditions": map[string]any{"scopes": []string{"phone"}}}))
	claim(expression("missing", "RESOURCE", `user.nickName`, nil))
	claim(expression("broken", "RESOURCE", `Convert.toInt(user.firstName)`, nil))
	claim(expression("off", "RESOURCE", `"off"`, map[string]any{"status": "INACTIVE"}))
	claim(expression("is_finance", "IDENTITY", `isMemberOfGroupName("SSO-Finance")`, nil))
	claim(expression("badge", "IDENTITY", `user.badge`, map[string]any{"alwaysIncludeInToken": false}))
	claim(map[string]any{"name": "sso_groups", "claimType": "IDENTITY", "valueType": "GROUPS", "value": "sso-",
		"group_filter_type": "STARTS_WITH"})
	claim(map[string]any{"name": "team_groups", "claimType": "RESOURCE", "valueType": "GROUPS", "value": "/SSO-.*s/",
		"group_filter_type": "REGEX"})

	def := defaultEndpoints(s)
	code := authorizeCode(t, s, testkit.Browser(), def, s.Issuer(), s.WebApp.ClientID, nil) // openid profile email
	tok := exchange(t, s, def, s.WebApp.ClientID, code, nil)
	access := jwtPayload(t, tok.AccessToken)
	id := jwtPayload(t, tok.IDToken)

	wantClaims := func(where string, got map[string]any, want map[string]any, absent ...string) {
		t.Helper()
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: %s = %#v, want %#v", where, k, got[k], v)
			}
		}
		for _, k := range absent {
			if v, ok := got[k]; ok {
				t.Errorf("%s: %s = %#v, want it left out", where, k, v)
			}
		}
	}
	wantClaims("access token", access, map[string]any{
		"dept": "R&D/B-7", "client": s.WebApp.ClientID, "team_groups": []any{"SSO-Sales"},
		"sub": testkit.UserLogin, // a custom claim never replaces a standard one
	}, "needs_phone", "missing", "broken", "off", "is_finance", "sso_groups", "badge")
	wantClaims("ID token", id, map[string]any{
		"is_finance": true, "sso_groups": []any{"SSO-Finance", "SSO-Sales"},
	}, "badge", "dept", "client", "team_groups")

	resp, body := userinfo(t, def, tok.AccessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
	}
	var info map[string]any
	json.Unmarshal(body, &info)
	wantClaims("userinfo", info, map[string]any{
		"sub": s.User.ID, "badge": "B-7", "is_finance": true, "sso_groups": []any{"SSO-Finance", "SSO-Sales"},
	}, "dept", "team_groups")

	// The failing claim is in the System Log.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s.Events != nil {
			s.Events.Flush(ctx)
		}
		events, err := s.Store.ListEvents(ctx, store.EventQuery{Until: time.Now().Add(time.Hour), Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range events {
			if e.EventType == "app.oauth2.as.evaluate.claim" && e.Outcome == "FAILURE" && len(e.Targets) == 1 && e.Targets[0].AlternateID == "broken" {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no app.oauth2.as.evaluate.claim failure for the broken claim among %d events", len(events))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A change through the API applies to the next token at once.
	claimsAPI(t, s, "PUT", defaultClaims+"/"+deptID, expression("dept", "RESOURCE", `String.toUpperCase(user.department)`, nil), http.StatusOK)
	code = authorizeCode(t, s, testkit.Browser(), def, s.Issuer(), s.WebApp.ClientID, url.Values{"scope": {"openid"}})
	access = jwtPayload(t, exchange(t, s, def, s.WebApp.ClientID, code, nil).AccessToken)
	wantClaims("access token after the change", access, map[string]any{"dept": "R&D"}, "client")

	// The org server has no custom claims.
	org := orgEndpoints(s)
	code = authorizeCode(t, s, testkit.Browser(), org, s.URL, s.WebApp.ClientID, nil)
	tok = exchange(t, s, org, s.WebApp.ClientID, code, nil)
	wantClaims("org access token", jwtPayload(t, tok.AccessToken), nil, "dept", "team_groups")
	wantClaims("org ID token", jwtPayload(t, tok.IDToken), nil, "is_finance", "sso_groups")

	// Client credentials: no user, so user.* is null; app.clientId works.
	claimsAPI(t, s, "POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "orders.read"}, http.StatusCreated)
	claim(expression("caller", "RESOURCE", `"svc:" + app.clientId`, nil))
	svc, err := domain.CreateApp(ctx, s.Store, domain.NewAppParams{Name: "Service", Type: domain.AppTypeService}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body = tokenCall{form: url.Values{"grant_type": {"client_credentials"}, "scope": {"orders.read"}},
		basicID: svc.App.ClientID, basicSecret: svc.ClientSecret}.do(t, def+"/token")
	cc := decodeTokenResponse(t, resp, body)
	wantClaims("client credentials token", jwtPayload(t, cc.AccessToken), map[string]any{"caller": "svc:" + svc.App.ClientID},
		"dept", "team_groups", "client")
}
