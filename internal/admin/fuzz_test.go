package admin_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// fuzzTarget is one Management API write and the object it changes, which
// must still read back whole after any body.
type fuzzTarget struct {
	method, path, readBack string
}

// FuzzManagementJSON sends arbitrary bodies to every Management API write.
// Whatever the body, the answer is a success or Okta's error body (never a
// 5xx, never a panic), and the object written to still reads back.
func FuzzManagementJSON(f *testing.F) {
	s := testkit.Start(f, testkit.Options{APIRateLimit: 1 << 30})
	h := s.HTTP.Config.Handler
	call := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "SSWS "+s.APIToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	var policies []struct{ ID string }
	if err := json.Unmarshal(call("GET", "/api/v1/authorizationServers/default/policies", "").Body.Bytes(), &policies); err != nil || len(policies) == 0 {
		f.Fatalf("default policy: %v", err)
	}
	var rules []struct{ ID string }
	policy := "/api/v1/authorizationServers/default/policies/" + policies[0].ID
	if err := json.Unmarshal(call("GET", policy+"/rules", "").Body.Bytes(), &rules); err != nil || len(rules) == 0 {
		f.Fatalf("default rule: %v", err)
	}
	app, user := "/api/v1/apps/"+s.WebApp.ClientID, "/api/v1/users/"+s.User.ID
	group := "/api/v1/groups/" + groupID(f, call)
	targets := []fuzzTarget{
		{"POST", "/api/v1/users", "/api/v1/users"},
		{"POST", user, user},
		{"PUT", user, user},
		{"POST", user + "/credentials/change_password", user},
		{"POST", "/api/v1/groups", "/api/v1/groups"},
		{"PUT", group, group},
		{"POST", "/api/v1/apps", "/api/v1/apps"},
		{"PUT", app, app},
		{"POST", app + "/users", app + "/users"},
		{"PUT", app + "/groups/" + strings.TrimPrefix(group, "/api/v1/groups/"), app + "/groups"},
		{"POST", app + "/credentials/secrets", app + "/credentials/secrets"},
		{"POST", "/api/v1/authorizationServers", "/api/v1/authorizationServers"},
		{"PUT", "/api/v1/authorizationServers/default", "/api/v1/authorizationServers/default"},
		{"POST", "/api/v1/authorizationServers/default/scopes", "/api/v1/authorizationServers/default/scopes"},
		{"POST", "/api/v1/authorizationServers/default/claims", "/api/v1/authorizationServers/default/claims"},
		{"POST", "/api/v1/authorizationServers/default/policies", "/api/v1/authorizationServers/default/policies"},
		{"PUT", policy, policy},
		{"POST", policy + "/rules", policy + "/rules"},
		{"PUT", policy + "/rules/" + rules[0].ID, policy + "/rules/" + rules[0].ID},
		{"POST", "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate", "/api/v1/authorizationServers/default/credentials/keys"},
	}
	seeds := []string{
		"", "{", "null", "[]", "{}", `"x"`, "0", strings.Repeat("[", 10000),
		`{"profile":null,"credentials":null,"settings":null,"conditions":null,"actions":null}`,
		`{"profile":{"login":"fuzz@example.com","email":"fuzz@example.com","firstName":"F","lastName":"Z"}}`,
		`{"profile":{"login":5,"email":[],"firstName":{},"lastName":true}}`,
		`{"profile":{"name":"Fuzzers","description":"d"}}`,
		`{"name":"oidc_client","label":"Fuzz","signOnMode":"OPENID_CONNECT","settings":{"oauthClient":{"redirect_uris":["https://f.example/cb"],"grant_types":["authorization_code"],"application_type":"web"}}}`,
		`{"label":"Fuzz","signOnMode":"OPENID_CONNECT","settings":{"oauthClient":{"redirect_uris":"x","grant_types":[1]}}}`,
		`{"id":"` + s.User.ID + `","scope":"USER"}`,
		`{"name":"fuzz","audiences":["api://fuzz"],"description":"d"}`,
		`{"name":"fuzz:scope","consent":"IMPLICIT"}`,
		`{"name":"dept","claimType":"RESOURCE","valueType":"EXPRESSION","value":"String.substringBefore(user.email, \"@\") + 'x'","conditions":{"scopes":[]}}`,
		`{"name":"g","claimType":"IDENTITY","valueType":"GROUPS","value":"(a+)+$","group_filter_type":"REGEX"}`,
		`{"type":"OAUTH_AUTHORIZATION_POLICY","name":"P","priority":-5,"conditions":{"clients":{"include":["ALL_CLIENTS"]}}}`,
		`{"type":"RESOURCE_ACCESS","name":"R","priority":99999999999,"conditions":{"people":{"groups":{"include":["EVERYONE"]}},"grantTypes":{"include":["authorization_code"]},"scopes":{"include":["*"]}},"actions":{"token":{"accessTokenLifetimeMinutes":1e308}}}`,
		`{"oldPassword":{"value":"x"},"newPassword":{"value":null}}`,
		`{"use":"sig"}`, `{"client_secret":"` + strings.Repeat("é", 60) + `"}`,
	}
	for i := range targets {
		for _, seed := range seeds {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		rec := call(tg.method, tg.path, body)
		checkAnswer(t, tg.method+" "+tg.path, rec)
		back := call("GET", tg.readBack, "")
		if back.Code != http.StatusOK || !json.Valid(back.Body.Bytes()) {
			t.Fatalf("after %s %s with %q: GET %s = %d %s", tg.method, tg.path, body, tg.readBack, back.Code, back.Body)
		}
	})
}

// checkAnswer fails unless rec is a success or Okta's error body.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if rec.Code == http.StatusNoContent {
		return
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s: %d answered with invalid JSON %q", what, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var e struct{ ErrorCode, ErrorSummary string }
		if json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.HasPrefix(e.ErrorCode, "E0000") || e.ErrorSummary == "" {
			t.Fatalf("%s: %d without Okta's error body: %s", what, rec.Code, rec.Body)
		}
	}
}

// groupID makes a group for the fuzz targets to write to.
func groupID(f *testing.F, call func(method, path, body string) *httptest.ResponseRecorder) string {
	rec := call("POST", "/api/v1/groups", `{"profile":{"name":"Fuzz targets"}}`)
	var g struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &g); err != nil || g.ID == "" {
		f.Fatalf("create group: %d %s", rec.Code, rec.Body)
	}
	return g.ID
}
