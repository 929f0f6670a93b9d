package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// sdkClient is Okta's management SDK pointed at s. The SDK keeps only the
// host name of the org URL, so the test server's port is set explicitly.
func sdkClient(t *testing.T, s *testkit.Server) *okta.APIClient {
	t.Helper()
	cfg, err := okta.NewConfiguration(okta.WithOrgUrl(s.URL), okta.WithToken(s.APIToken),
		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false), okta.WithRateLimitMaxRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host, cfg.Scheme = strings.TrimPrefix(s.URL, "http://"), "http"
	cfg.Servers = okta.ServerConfigurations{{URL: s.URL}}
	return okta.NewAPIClient(cfg)
}

func sdkMust(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		var body string
		if e, ok := err.(*okta.GenericOpenAPIError); ok {
			body = string(e.Body())
		}
		t.Fatalf("%s: %v %s", what, err, body)
	}
}

// TestAppsWithOktaSDK drives the apps endpoints with Okta's Go SDK, whose
// generated models must read every answer.
func TestAppsWithOktaSDK(t *testing.T) {
	s := testkit.Start(t)
	c, ctx := sdkClient(t, s), context.Background()
	str := func(v string) *string { return &v }

	app := okta.NewOpenIdConnectApplication(
		okta.OAuthApplicationCredentials{OauthClient: &okta.ApplicationCredentialsOAuthClient{TokenEndpointAuthMethod: str("client_secret_post")}},
		"oidc_client",
		okta.OpenIdConnectApplicationSettings{OauthClient: &okta.OpenIdConnectApplicationSettingsClient{
			ApplicationType: str("web"), RedirectUris: []string{testkit.RedirectURI},
			GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"},
		}},
		"Orders", "OPENID_CONNECT")
	created, _, err := c.ApplicationAPI.CreateApplication(ctx).
		Application(okta.OpenIdConnectApplicationAsListApplications200ResponseInner(app)).Execute()
	sdkMust(t, "create", err)
	oidc := created.OpenIdConnectApplication
	if oidc == nil || oidc.GetId() == "" || oidc.Credentials.OauthClient.GetClientSecret() == "" ||
		oidc.Credentials.OauthClient.GetClientId() != oidc.GetId() || oidc.GetLabel() != "Orders" {
		t.Fatalf("created: %+v", created)
	}
	id := oidc.GetId()

	got, _, err := c.ApplicationAPI.GetApplication(ctx, id).Execute()
	sdkMust(t, "get", err)
	if got.OpenIdConnectApplication == nil || got.OpenIdConnectApplication.Settings.OauthClient.GetApplicationType() != "web" {
		t.Fatalf("get: %+v", got)
	}
	list, _, err := c.ApplicationAPI.ListApplications(ctx).Q("ord").Execute()
	sdkMust(t, "list", err)
	if len(list) != 1 || list[0].OpenIdConnectApplication == nil || list[0].OpenIdConnectApplication.GetId() != id {
		t.Fatalf("list: %+v", list)
	}

	upd := *got.OpenIdConnectApplication
	upd.Label = "Orders Portal"
	replaced, _, err := c.ApplicationAPI.ReplaceApplication(ctx, id).
		Application(okta.OpenIdConnectApplicationAsListApplications200ResponseInner(&upd)).Execute()
	sdkMust(t, "replace", err)
	if replaced.OpenIdConnectApplication.GetLabel() != "Orders Portal" {
		t.Fatalf("replace: %+v", replaced.OpenIdConnectApplication)
	}

	au, _, err := c.ApplicationUsersAPI.AssignUserToApplication(ctx, id).
		AppUser(okta.AppUserAssignRequest{Id: s.User.ID, Scope: str("USER")}).Execute()
	sdkMust(t, "assign user", err)
	if au.GetId() != s.User.ID || au.GetScope() != "USER" || au.Credentials.GetUserName() != s.User.Login {
		t.Fatalf("app user: %+v", au)
	}
	users, _, err := c.ApplicationUsersAPI.ListApplicationUsers(ctx, id).Execute()
	sdkMust(t, "list users", err)
	if len(users) != 1 {
		t.Fatalf("users: %+v", users)
	}
	_, err = c.ApplicationUsersAPI.UnassignUserFromApplication(ctx, id, s.User.ID).Execute()
	sdkMust(t, "unassign user", err)

	g, _, err := c.ApplicationGroupsAPI.AssignGroupToApplication(ctx, id, store.EveryoneGroupID).
		ApplicationGroupAssignment(okta.ApplicationGroupAssignment{}).Execute()
	sdkMust(t, "assign group", err)
	if g.GetId() != store.EveryoneGroupID {
		t.Fatalf("group assignment: %+v", g)
	}
	groups, _, err := c.ApplicationGroupsAPI.ListApplicationGroupAssignments(ctx, id).Execute()
	sdkMust(t, "list groups", err)
	if len(groups) != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	_, err = c.ApplicationGroupsAPI.UnassignApplicationFromGroup(ctx, id, store.EveryoneGroupID).Execute()
	sdkMust(t, "unassign group", err)

	_, err = c.ApplicationAPI.DeleteApplication(ctx, id).Execute()
	if err == nil {
		t.Fatal("an active app was deleted")
	}
	_, err = c.ApplicationAPI.DeactivateApplication(ctx, id).Execute()
	sdkMust(t, "deactivate", err)
	_, err = c.ApplicationAPI.DeleteApplication(ctx, id).Execute()
	sdkMust(t, "delete", err)
}
