package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// TestAuthServersWithOktaSDK drives the authorization server endpoints with
// Okta's Go management SDK: every answer must decode into its models.
func TestAuthServersWithOktaSDK(t *testing.T) {
	s := testkit.Start(t)
	cfg, err := okta.NewConfiguration(okta.WithOrgUrl(s.URL), okta.WithToken(s.APIToken),
		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false), okta.WithRateLimitMaxRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = strings.TrimPrefix(s.URL, "http://") // the SDK keeps the host name only, not the test server's port
	c := okta.NewAPIClient(cfg)
	ctx := context.Background()
	str := func(v string) *string { return &v }
	check := func(what string, resp *okta.APIResponse, err error) {
		t.Helper()
		if err != nil {
			detail := ""
			if e, ok := err.(*okta.GenericOpenAPIError); ok {
				detail = string(e.Body())
			}
			t.Fatalf("%s: %v %s", what, err, detail)
		}
	}

	as, resp, err := c.AuthorizationServerAPI.CreateAuthorizationServer(ctx).AuthorizationServer(okta.AuthorizationServer{
		Name: str("Orders"), Description: str("Orders API"), Audiences: []string{"api://orders"}}).Execute()
	check("create server", resp, err)
	if as.GetId() == "" || as.GetIssuer() != s.URL+"/oauth2/"+as.GetId() || as.Credentials == nil ||
		as.Credentials.Signing == nil || as.Credentials.Signing.GetKid() == "" || as.Links == nil || len(as.Links.Metadata) != 2 {
		t.Fatalf("created %+v", as)
	}
	id := as.GetId()
	list, resp, err := c.AuthorizationServerAPI.ListAuthorizationServers(ctx).Execute()
	check("list servers", resp, err)
	if len(list) != 2 {
		t.Fatalf("listed %d servers", len(list))
	}
	as.Name = str("Orders v2")
	as, resp, err = c.AuthorizationServerAPI.ReplaceAuthorizationServer(ctx, id).AuthorizationServer(*as).Execute()
	check("replace server", resp, err)
	if as.GetName() != "Orders v2" {
		t.Fatalf("replaced %+v", as)
	}

	scope, resp, err := c.AuthorizationServerScopesAPI.CreateOAuth2Scope(ctx, id).OAuth2Scope(okta.OAuth2Scope{
		Name: str("orders:read"), Consent: str("IMPLICIT"), MetadataPublish: str("ALL_CLIENTS")}).Execute()
	check("create scope", resp, err)
	scopes, resp, err := c.AuthorizationServerScopesAPI.ListOAuth2Scopes(ctx, id).Execute()
	check("list scopes", resp, err)
	if scope.GetId() == "" || len(scopes) < 2 {
		t.Fatalf("scope %+v, list of %d", scope, len(scopes))
	}

	pol, resp, err := c.AuthorizationServerPoliciesAPI.CreateAuthorizationServerPolicy(ctx, id).Policy(okta.AuthorizationServerPolicy{
		Conditions:           &okta.AuthorizationServerPolicyConditions{Clients: &okta.ClientPolicyCondition{Include: []string{"ALL_CLIENTS"}}},
		AdditionalProperties: map[string]any{"type": "OAUTH_AUTHORIZATION_POLICY", "name": "All", "priority": 1},
	}).Execute()
	check("create policy", resp, err)
	policyID, _ := pol.AdditionalProperties["id"].(string)
	if policyID == "" {
		t.Fatalf("policy %+v", pol)
	}
	ten := int32(10)
	rule := okta.AuthorizationServerPolicyRule{
		Conditions: &okta.AuthorizationServerPolicyRuleConditions{
			People: &okta.AuthorizationServerPolicyPeopleCondition{
				Groups: &okta.AuthorizationServerPolicyRuleGroupCondition{Include: []string{"EVERYONE"}}},
			GrantTypes: &okta.GrantTypePolicyRuleCondition{Include: []string{"client_credentials"}},
			Scopes:     &okta.OAuth2ScopesMediationPolicyRuleCondition{Include: []string{"orders:read"}},
		},
		Actions: &okta.AuthorizationServerPolicyRuleActions{Token: &okta.TokenAuthorizationServerPolicyRuleAction{
			AccessTokenLifetimeMinutes: &ten}},
	}
	rule.Name, rule.Type = str("Everyone"), str("RESOURCE_ACCESS")
	created, resp, err := c.AuthorizationServerRulesAPI.CreateAuthorizationServerPolicyRule(ctx, id, policyID).PolicyRule(rule).Execute()
	check("create rule", resp, err)
	if created.GetId() == "" || created.Actions.Token.GetAccessTokenLifetimeMinutes() != 10 || created.GetPriority() != 1 {
		t.Fatalf("rule %+v", created)
	}
	rules, resp, err := c.AuthorizationServerRulesAPI.ListAuthorizationServerPolicyRules(ctx, id, policyID).Execute()
	check("list rules", resp, err)
	if len(rules) != 1 {
		t.Fatalf("rules %+v", rules)
	}
	resp, err = c.AuthorizationServerRulesAPI.DeactivateAuthorizationServerPolicyRule(ctx, id, policyID, created.GetId()).Execute()
	check("deactivate rule", resp, err)
	pols, resp, err := c.AuthorizationServerPoliciesAPI.ListAuthorizationServerPolicies(ctx, id).Execute()
	check("list policies", resp, err)
	if len(pols) != 1 {
		t.Fatalf("policies %+v", pols)
	}

	keys, resp, err := c.AuthorizationServerKeysAPI.ListAuthorizationServerKeys(ctx, id).Execute()
	check("list keys", resp, err)
	if len(keys) != 2 || keys[0].GetStatus() != "ACTIVE" || keys[0].GetKid() != as.Credentials.Signing.GetKid() {
		t.Fatalf("keys %+v", keys)
	}
	rotated, resp, err := c.AuthorizationServerKeysAPI.RotateAuthorizationServerKeys(ctx, id).Use(okta.JwkUse{Use: str("sig")}).Execute()
	check("rotate keys", resp, err)
	if len(rotated) != 3 || rotated[0].GetKid() != keys[1].GetKid() {
		t.Fatalf("rotated %+v", rotated)
	}

	resp, err = c.AuthorizationServerAPI.DeactivateAuthorizationServer(ctx, id).Execute()
	check("deactivate server", resp, err)
	resp, err = c.AuthorizationServerAPI.DeleteAuthorizationServer(ctx, id).Execute()
	check("delete server", resp, err)
	if _, resp, err := c.AuthorizationServerAPI.GetAuthorizationServer(ctx, id).Execute(); err == nil || resp.StatusCode != 404 {
		t.Fatalf("deleted server: %v", err)
	}
}
