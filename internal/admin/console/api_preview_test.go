package console_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// asPreviewClaims reads the token claims a preview page shows in the <pre>
// with this id; nil when there is none.
func asPreviewClaims(t *testing.T, body, id string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<pre id="` + id + `"[^>]*>(.*?)</pre>`).FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &claims); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", id, err, m[1])
	}
	return claims
}

// asJWTClaims decodes a JWT's payload without checking it.
func asJWTClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// asPreviewSetup gives the default server a custom scope, an access token
// claim and an ID token claim, and two rules that the scopes decide
// between: the Default Policy Rule for the OIDC scopes only, then an
// "Orders" rule for openid and orders:read with 15-minute access tokens.
func asPreviewSetup(t *testing.T, s *testkit.Server) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Service.CreateScope(ctx, domain.NewScopeParams{AuthServerID: "default", Name: "orders:read"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []domain.ClaimParams{
		{Name: "login_upper", ClaimType: domain.ClaimTypeResource, Value: "String.toUpperCase(user.login)"},
		{Name: "first", ClaimType: domain.ClaimTypeIdentity, Value: "user.firstName", Scopes: []string{"profile"}},
		{Name: "broken", ClaimType: domain.ClaimTypeResource, Value: "Convert.toInt(user.login)"},
	} {
		if _, err := s.Service.CreateClaim(ctx, "default", c); err != nil {
			t.Fatal(err)
		}
	}
	everyone := []string{store.EveryoneGroup}
	grants := []string{domain.GrantAuthorizationCode, domain.GrantClientCredentials}
	if _, err := s.Service.ReplacePolicyRule(ctx, "default", domain.DefaultPolicyID, domain.DefaultPolicyRuleID, domain.RuleParams{
		Name: "Default Policy Rule", Priority: 1, GroupsInclude: everyone, GrantTypes: grants,
		Scopes: []string{"openid", "profile", "email"}}); err != nil {
		t.Fatal(err)
	}
	fifteen := 15
	if _, err := s.Service.CreatePolicyRule(ctx, "default", domain.DefaultPolicyID, domain.RuleParams{
		Name: "Orders", Priority: 2, GroupsInclude: everyone, GrantTypes: grants,
		Scopes: []string{"openid", "orders:read"}, AccessTokenMinutes: &fifteen}); err != nil {
		t.Fatal(err)
	}
}

func TestConsoleTokenPreview(t *testing.T) {
	s := testkit.Start(t)
	asPreviewSetup(t, s)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	base := "/admin/api/servers/default/preview"
	p := admin.Get(t, base)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="`+s.WebApp.ClientID+`"`) || strings.Contains(p.Body, `id="preview-result"`) {
		t.Fatalf("empty preview form: %d", p.Status)
	}
	preview := func(scopes string) testkit.ConsolePage {
		t.Helper()
		return admin.Get(t, base+"?"+url.Values{"client": {s.WebApp.ClientID}, "grant_type": {"authorization_code"},
			"user": {testkit.UserLogin}, "scopes": {scopes}}.Encode())
	}

	// The OIDC scopes: the Default Policy Rule; the custom claims for alice.
	p = preview("openid profile")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="preview-allowed"`) {
		t.Fatalf("preview: %d\n%s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, "Default Policy Rule</a>") {
		t.Error("the preview does not name the Default Policy Rule")
	}
	access := asPreviewClaims(t, p.Body, "access-token-claims")
	if access["login_upper"] != "ALICE@EXAMPLE.COM" || access["sub"] != testkit.UserLogin || access["uid"] != s.User.ID ||
		access["aud"] != "api://default" || access["iss"] != s.Issuer() || access["cid"] != s.WebApp.ClientID {
		t.Errorf("access token claims: %v", access)
	}
	if exp, iat := access["exp"].(float64), access["iat"].(float64); exp-iat != 3600 {
		t.Errorf("access token lifetime %v s, want the Default Policy Rule's hour", exp-iat)
	}
	id := asPreviewClaims(t, p.Body, "id-token-claims")
	if id["first"] != "Alice" || id["sub"] != s.User.ID || id["name"] != "Alice Anders" || id["aud"] != s.WebApp.ClientID {
		t.Errorf("ID token claims: %v", id)
	}
	// A claim that fails is left out and said so.
	if _, ok := access["broken"]; ok || !strings.Contains(p.Body, `id="preview-claim-errors"`) || !strings.Contains(p.Body, "broken") {
		t.Error("the failing claim is not reported as left out")
	}

	// orders:read: the Default Policy Rule does not allow it, the Orders rule does.
	p = preview("openid orders:read")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Orders</a>") || strings.Contains(p.Body, "Default Policy Rule</a>") {
		t.Fatalf("orders:read should be allowed by the Orders rule:\n%s", p.Body)
	}
	previewed := asPreviewClaims(t, p.Body, "access-token-claims")
	if exp, iat := previewed["exp"].(float64), previewed["iat"].(float64); exp-iat != 15*60 {
		t.Errorf("access token lifetime %v s, want the Orders rule's 15 minutes", exp-iat)
	}
	if asPreviewClaims(t, p.Body, "id-token-claims")["first"] != nil {
		t.Error("the profile-only claim is in an ID token without profile")
	}

	// The token endpoint issues what the preview showed.
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, url.Values{"scope": {"openid orders:read"}}),
		testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {testkit.RedirectURI}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.WebApp.ClientID, s.WebSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(readAll(t, resp)), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token exchange: %d %v", resp.StatusCode, err)
	}
	issued := asJWTClaims(t, tok.AccessToken)
	for k, v := range issued {
		switch k {
		case "jti", "iat", "exp", "auth_time":
			if _, ok := previewed[k]; !ok {
				t.Errorf("the preview lacks %s", k)
			}
		default:
			if a, b := jsonOf(t, v), jsonOf(t, previewed[k]); a != b {
				t.Errorf("claim %s: issued %s, previewed %s", k, a, b)
			}
		}
	}
	if len(issued) != len(previewed) {
		t.Errorf("issued claims %v, previewed %v", issued, previewed)
	}
	if exp, iat := issued["exp"].(float64), issued["iat"].(float64); exp-iat != 15*60 {
		t.Errorf("issued access token lifetime %v s", exp-iat)
	}

	// No rule allows email with orders:read: the preview says why.
	p = preview("openid email orders:read")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="preview-refused"`) || !strings.Contains(p.Body, "Policy evaluation failed") ||
		asPreviewClaims(t, p.Body, "access-token-claims") != nil {
		t.Fatalf("denied request:\n%s", p.Body)
	}
	for _, want := range []string{"<strong>Default Policy Rule</strong>: it does not allow the scopes orders:read", "<strong>Orders</strong>: it does not allow the scopes email"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the refusal does not say %q", want)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConsoleTokenPreviewRefusals(t *testing.T) {
	s := testkit.Start(t)
	asPreviewSetup(t, s)
	ctx := context.Background()
	worker, err := s.Service.CreateApp(ctx, domain.NewAppParams{Name: "Orders Worker", Type: domain.AppTypeService}, true)
	if err != nil {
		t.Fatal(err)
	}
	unassigned, err := s.Service.CreateApp(ctx, domain.NewAppParams{Name: "Nobody's", Type: domain.AppTypeWeb,
		RedirectURIs: []string{testkit.RedirectURI}}, true)
	if err != nil {
		t.Fatal(err)
	}
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin) // previewing changes nothing
	base := "/admin/api/servers/default/preview?"

	// Input the form must correct: 400, the error next to the field.
	bad := []struct {
		name, field, errorText string
		form                   url.Values
	}{
		{"no user", "user", "needs a user", url.Values{"client": {s.WebApp.ClientID}, "grant_type": {"authorization_code"}, "scopes": {"openid"}}},
		{"unknown user", "user", "No user has this login", url.Values{"client": {s.WebApp.ClientID}, "grant_type": {"authorization_code"},
			"user": {"nobody@example.com"}, "scopes": {"openid"}}},
		{"unknown client", "client", "No app has this client ID", url.Values{"client": {"0oanosuchapp"}, "grant_type": {"client_credentials"}}},
		{"unknown scope", "scopes", "not configured for the authorization server", url.Values{"client": {s.WebApp.ClientID},
			"grant_type": {"authorization_code"}, "user": {testkit.UserLogin}, "scopes": {"openid orders:delete"}}},
		{"no scope", "scopes", "must be provided", url.Values{"client": {s.WebApp.ClientID},
			"grant_type": {"authorization_code"}, "user": {testkit.UserLogin}}},
		{"OIDC scope without a user", "scopes", "not configured", url.Values{"client": {worker.App.ClientID},
			"grant_type": {"client_credentials"}, "scopes": {"openid"}}},
		{"unknown grant", "grant_type", "must be one of", url.Values{"client": {s.WebApp.ClientID}, "grant_type": {"password"},
			"user": {testkit.UserLogin}, "scopes": {"openid"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := ro.Get(t, base+tc.form.Encode())
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := asFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.errorText) {
				t.Errorf("error %q, want %q", got, tc.errorText)
			}
			if strings.Contains(p.Body, `id="preview-result"`) {
				t.Error("a result is shown for a form with errors")
			}
		})
	}

	// Requests the token endpoint would refuse: the refusal is the answer.
	refused := []struct {
		name, code, text string
		form             url.Values
	}{
		{"grant not configured", "unauthorized_client", "Configured grant types", url.Values{"client": {s.WebApp.ClientID},
			"grant_type": {"client_credentials"}, "scopes": {"orders:read"}}},
		{"public client credentials", "unauthorized_client", "Configured grant types", url.Values{"client": {s.PublicApp.ClientID},
			"grant_type": {"client_credentials"}, "scopes": {"orders:read"}}},
		{"user not assigned", "access_denied", "not assigned", url.Values{"client": {unassigned.App.ClientID},
			"grant_type": {"authorization_code"}, "user": {testkit.UserLogin}, "scopes": {"openid"}}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			p := ro.Get(t, base+tc.form.Encode())
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="preview-refused"`) ||
				!strings.Contains(p.Body, "<strong>"+tc.code+"</strong>") || !strings.Contains(p.Body, tc.text) {
				t.Fatalf("%d, want the refusal %s %q:\n%s", p.Status, tc.code, tc.text, p.Body)
			}
		})
	}

	// Client credentials: no user, the default scopes; no ID token.
	if _, err := s.Service.ReplaceScope(ctx, mustScopeID(t, s, "orders:read"), domain.NewScopeParams{AuthServerID: "default",
		Name: "orders:read", Default: true}); err != nil {
		t.Fatal(err)
	}
	p := ro.Get(t, base+url.Values{"client": {worker.App.ClientID}, "grant_type": {"client_credentials"}}.Encode())
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Orders</a>") || !strings.Contains(p.Body, `id="no-id-token"`) {
		t.Fatalf("client credentials:\n%s", p.Body)
	}
	access := asPreviewClaims(t, p.Body, "access-token-claims")
	if access["sub"] != worker.App.ClientID || jsonOf(t, access["scp"]) != `["orders:read"]` || access["uid"] != nil {
		t.Errorf("client credentials claims: %v", access)
	}
	if _, ok := access["login_upper"]; ok {
		t.Error("a user claim is in a token without a user")
	}

	// No policy for the client.
	if err := s.Service.SetPolicyActive(ctx, "default", domain.DefaultPolicyID, false); err != nil {
		t.Fatal(err)
	}
	p = ro.Get(t, base+url.Values{"client": {worker.App.ClientID}, "grant_type": {"client_credentials"}}.Encode())
	if !strings.Contains(p.Body, "no active access policy is assigned to this client") {
		t.Fatalf("no policy:\n%s", p.Body)
	}
}

func mustScopeID(t *testing.T, s *testkit.Server, name string) string {
	t.Helper()
	for _, sc := range asCustomScopes(t, s) {
		if sc.Name == name {
			return sc.ID
		}
	}
	t.Fatalf("no scope %s", name)
	return ""
}
