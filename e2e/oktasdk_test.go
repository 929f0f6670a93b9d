package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// oktaClient is Okta's own management SDK pointed at s with its API token.
func oktaClient(t *testing.T, s *testkit.Server) *okta.APIClient {
	t.Helper()
	cfg, err := okta.NewConfiguration(
		okta.WithOrgUrl(s.URL), okta.WithToken(s.APIToken),
		okta.WithTestingDisableHttpsCheck(true), // the test server speaks plain http
		okta.WithCache(false), okta.WithRequestTimeout(30), okta.WithRateLimitMaxRetries(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The SDK keeps only the org URL's host name; the test server needs its port too.
	cfg.Host = strings.TrimPrefix(s.URL, "http://")
	return okta.NewAPIClient(cfg)
}

// sdkFailed reports an SDK error with Gatehouse's answer.
func sdkFailed(t *testing.T, what string, resp *okta.APIResponse, err error) {
	t.Helper()
	var detail string
	if resp != nil {
		detail = resp.Status
	}
	var apiErr *okta.GenericOpenAPIError
	if ok := asGeneric(err, &apiErr); ok {
		detail += " " + string(apiErr.Body())
	}
	t.Fatalf("%s: %v %s", what, err, detail)
}

func asGeneric(err error, target **okta.GenericOpenAPIError) bool {
	e, ok := err.(*okta.GenericOpenAPIError)
	if ok {
		*target = e
	}
	return ok
}

// TestOktaManagementSDK drives Gatehouse with Okta's Go management SDK, as
// an Okta customer's provisioning code would, then signs the new user in
// to the new app and checks that what the SDK configured shows in the
// tokens and in the System Log.
func TestOktaManagementSDK(t *testing.T) {
	s := testkit.Start(t)
	c := oktaClient(t, s)
	ctx := context.Background()
	str := func(v string) *string { return &v }

	// An app integration, as in Okta's "create an app integration" guide.
	app := okta.NewOpenIdConnectApplication(
		okta.OAuthApplicationCredentials{OauthClient: &okta.ApplicationCredentialsOAuthClient{
			TokenEndpointAuthMethod: str("client_secret_basic")}},
		"oidc_client",
		okta.OpenIdConnectApplicationSettings{OauthClient: &okta.OpenIdConnectApplicationSettingsClient{
			ApplicationType: str("web"), RedirectUris: []string{testkit.RedirectURI},
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		}},
		"Orders Portal", "OPENID_CONNECT")
	created, resp, err := c.ApplicationAPI.CreateApplication(ctx).
		Application(okta.OpenIdConnectApplicationAsListApplications200ResponseInner(app)).Activate(true).Execute()
	if err != nil {
		sdkFailed(t, "create app", resp, err)
	}
	oidc := created.OpenIdConnectApplication
	if oidc == nil || oidc.Credentials.OauthClient == nil || oidc.Credentials.OauthClient.ClientId == nil ||
		oidc.Credentials.OauthClient.ClientSecret == nil || oidc.Id == nil || oidc.GetStatus() != "ACTIVE" {
		t.Fatalf("created app lacks id, status, client id or secret: %+v", created)
	}
	clientID, clientSecret := *oidc.Credentials.OauthClient.ClientId, *oidc.Credentials.OauthClient.ClientSecret

	// A user with a password, and a group holding them.
	const login, password = "grace@example.com", "orders-portal-password-1"
	profile := okta.UserProfile{Login: str(login), Email: str(login), Department: str("Logistics")}
	profile.SetFirstName("Grace")
	profile.SetLastName("Hopper")
	user, resp, err := c.UserAPI.CreateUser(ctx).Body(okta.CreateUserRequest{
		Profile: profile, Credentials: &okta.UserCredentials{Password: &okta.PasswordCredential{Value: str(password)}},
	}).Activate(true).Execute()
	if err != nil {
		sdkFailed(t, "create user", resp, err)
	}
	if user.GetStatus() != "ACTIVE" || user.Id == nil {
		t.Fatalf("user: %+v", user)
	}
	group, resp, err := c.GroupAPI.CreateGroup(ctx).Group(okta.Group{Profile: &okta.GroupProfile{
		Name: str("Order Managers"), Description: str("People who manage orders")}}).Execute()
	if err != nil {
		sdkFailed(t, "create group", resp, err)
	}
	if resp, err := c.GroupAPI.AssignUserToGroup(ctx, group.GetId(), user.GetId()).Execute(); err != nil {
		sdkFailed(t, "add member", resp, err)
	}

	// A scope, a claim and an access policy on the default server.
	if _, resp, err := c.AuthorizationServerScopesAPI.CreateOAuth2Scope(ctx, "default").
		OAuth2Scope(okta.OAuth2Scope{Name: str("orders:read"), Description: str("Read orders"), Consent: str("IMPLICIT")}).Execute(); err != nil {
		sdkFailed(t, "create scope", resp, err)
	}
	yes := true
	if _, resp, err := c.AuthorizationServerClaimsAPI.CreateOAuth2Claim(ctx, "default").OAuth2Claim(okta.OAuth2Claim{
		Name: str("department"), ClaimType: str("RESOURCE"), ValueType: str("EXPRESSION"),
		Value: str(`String.toUpperCase(user.department)`), AlwaysIncludeInToken: &yes, Status: str("ACTIVE"),
		Conditions: &okta.OAuth2ClaimConditions{Scopes: []string{}},
	}).Execute(); err != nil {
		sdkFailed(t, "create claim", resp, err)
	}
	policy, resp, err := c.AuthorizationServerPoliciesAPI.CreateAuthorizationServerPolicy(ctx, "default").
		Policy(okta.AuthorizationServerPolicy{
			Conditions: &okta.AuthorizationServerPolicyConditions{Clients: &okta.ClientPolicyCondition{Include: []string{clientID}}},
			AdditionalProperties: map[string]any{"type": "OAUTH_AUTHORIZATION_POLICY", "name": "Orders Portal",
				"description": "Short-lived tokens for the orders portal", "priority": 1, "status": "ACTIVE"},
		}).Execute()
	if err != nil {
		sdkFailed(t, "create policy", resp, err)
	}
	policyID, _ := policy.AdditionalProperties["id"].(string)
	if policyID == "" {
		t.Fatalf("policy has no id: %+v", policy)
	}
	fifteen, refreshLife, window := int32(15), int32(0), int32(10080)
	rule := okta.AuthorizationServerPolicyRule{
		Conditions: &okta.AuthorizationServerPolicyRuleConditions{
			People: &okta.AuthorizationServerPolicyPeopleCondition{
				Groups: &okta.AuthorizationServerPolicyRuleGroupCondition{Include: []string{group.GetId()}}},
			GrantTypes: &okta.GrantTypePolicyRuleCondition{Include: []string{"authorization_code", "refresh_token"}},
			Scopes:     &okta.OAuth2ScopesMediationPolicyRuleCondition{Include: []string{"*"}},
		},
		Actions: &okta.AuthorizationServerPolicyRuleActions{Token: &okta.TokenAuthorizationServerPolicyRuleAction{
			AccessTokenLifetimeMinutes: &fifteen, RefreshTokenLifetimeMinutes: &refreshLife, RefreshTokenWindowMinutes: &window}},
	}
	rule.Name, rule.Type = str("Order managers"), str("RESOURCE_ACCESS")
	if _, resp, err := c.AuthorizationServerRulesAPI.CreateAuthorizationServerPolicyRule(ctx, "default", policyID).
		PolicyRule(rule).Execute(); err != nil {
		sdkFailed(t, "create rule", resp, err)
	}

	// Before any assignment the user may not sign in to the app.
	browser := testkit.Browser()
	authURL := s.Issuer() + "/v1/authorize?" + url.Values{
		"client_id": {clientID}, "redirect_uri": {testkit.RedirectURI}, "response_type": {"code"},
		"scope": {"openid profile orders:read"}, "state": {"st"}, "nonce": {"n"},
	}.Encode()
	loc, err := s.Authorize(browser, authURL, login, password)
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("error"); got != "access_denied" {
		t.Fatalf("unassigned user: redirect %s, want error=access_denied", loc)
	}

	// Assign the group to the app.
	if _, resp, err := c.ApplicationGroupsAPI.AssignGroupToApplication(ctx, oidc.GetId(), group.GetId()).
		ApplicationGroupAssignment(okta.ApplicationGroupAssignment{}).Execute(); err != nil {
		sdkFailed(t, "assign group", resp, err)
	}

	// The user signs in with the app's own credentials.
	loc, err = s.Authorize(browser, authURL, login, password)
	if err != nil {
		t.Fatal(err)
	}
	code := codeFrom(t, loc, s.Issuer(), "st")
	tc := tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}},
		basicID: clientID, basicSecret: clientSecret}
	httpResp, body := tc.do(t, s.Issuer()+"/v1/token")
	tokens := decodeTokenResponseLifetime(t, httpResp, body, 900) // the rule's 15 minutes
	if !slices.Contains(strings.Fields(tokens.Scope), "orders:read") {
		t.Errorf("scope %q lacks orders:read", tokens.Scope)
	}
	claims := oktaVerifierChecks(t, tokens.AccessToken, s.Issuer(), "api://default")
	if claims["department"] != "LOGISTICS" {
		t.Errorf("access token department claim %v, want LOGISTICS", claims["department"])
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 900 {
		t.Errorf("access token lives %v s, want 900", exp-iat)
	}

	// The System Log tells the story, read back through the SDK.
	for _, eventType := range []string{
		"application.lifecycle.create", "user.lifecycle.create", "group.lifecycle.create",
		"group.user_membership.add", "group.application_assignment.add", "oauth2.scope.created",
		"oauth2.claim.created", "policy.lifecycle.create", "policy.rule.add",
		"user.session.start", "app.oauth2.as.token.grant.access_token",
	} {
		events, resp, err := c.SystemLogAPI.ListLogEvents(ctx).Since(time.Now().Add(-time.Hour)).
			Until(time.Now().Add(time.Minute)).Filter(`eventType eq "` + eventType + `"`).Execute()
		if err != nil {
			sdkFailed(t, "list log events", resp, err)
		}
		if len(events) == 0 {
			t.Errorf("no %s event in the System Log", eventType)
			continue
		}
		if events[0].GetEventType() != eventType || events[0].Uuid == nil || events[0].Published == nil {
			t.Errorf("event %+v", events[0])
		}
	}

	// Lists page through Link headers the SDK follows.
	apps, resp, err := c.ApplicationAPI.ListApplications(ctx).Limit(1).Execute()
	if err != nil {
		sdkFailed(t, "list apps", resp, err)
	}
	seen := len(apps)
	for resp.HasNextPage() {
		var page []okta.ListApplications200ResponseInner
		if resp, err = resp.Next(&page); err != nil {
			sdkFailed(t, "next page of apps", resp, err)
		}
		seen += len(page)
	}
	if seen != 4 { // the three testkit apps and this one
		t.Errorf("paged through %d apps, want 4", seen)
	}

	// Errors reach the SDK in Okta's shape.
	_, resp, err = c.UserAPI.GetUser(ctx, "00unosuchuser0000000").Execute()
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %v %v", resp, err)
	}
	var apiErr *okta.GenericOpenAPIError
	if !asGeneric(err, &apiErr) || !strings.Contains(string(apiErr.Body()), `"errorCode":"E0000007"`) {
		t.Errorf("unknown user error: %v", err)
	}
}
