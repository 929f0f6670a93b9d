package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func TestTokenRequestScopes(t *testing.T) {
	custom := []store.Scope{{Name: "orders:read", Default: true}, {Name: "orders:write"}}
	tests := []struct {
		name      string
		client    bool // client credentials, else a user grant
		requested []string
		custom    []store.Scope
		want      []string
		refusal   string // part of the ScopeError's description
	}{
		{"user: OIDC and custom", false, []string{"openid", "orders:write"}, custom, []string{"openid", "orders:write"}, ""},
		{"user: none", false, nil, custom, nil, "'scope' must be provided"},
		{"user: unknown", false, []string{"openid", "orders:delete"}, custom, nil, "not configured"},
		{"client: requested", true, []string{"orders:write"}, custom, []string{"orders:write"}, ""},
		{"client: defaults", true, nil, custom, []string{"orders:read"}, ""},
		{"client: no defaults", true, nil, custom[1:], nil, "'scope' must be provided"},
		{"client: OIDC scope", true, []string{"openid"}, custom, nil, "not configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check := domain.UserGrantScopes
			if tc.client {
				check = domain.ClientCredentialsScopes
			}
			got, err := check(tc.requested, tc.custom)
			var se *domain.ScopeError
			switch {
			case tc.refusal == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refusal != "" && (!errors.As(err, &se) || !strings.Contains(se.Description, tc.refusal)):
				t.Fatalf("error %v, want a ScopeError saying %q", err, tc.refusal)
			case !slices.Equal(got, tc.want):
				t.Fatalf("scopes %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckClientGrant(t *testing.T) {
	web := store.App{GrantTypes: []string{domain.GrantAuthorizationCode}, TokenEndpointAuthMethod: domain.AuthMethodBasic}
	public := store.App{GrantTypes: []string{domain.GrantClientCredentials}, TokenEndpointAuthMethod: domain.AuthMethodNone}
	var ge *domain.ClientGrantError
	if err := domain.CheckClientGrant(web, domain.GrantAuthorizationCode); err != nil {
		t.Fatalf("configured grant refused: %v", err)
	}
	if err := domain.CheckClientGrant(web, domain.GrantClientCredentials); !errors.As(err, &ge) || !strings.Contains(ge.Description, "Configured grant types") {
		t.Fatalf("grant not configured: %v", err)
	}
	if err := domain.CheckClientGrant(public, domain.GrantClientCredentials); !errors.As(err, &ge) || !strings.Contains(ge.Description, "Public clients") {
		t.Fatalf("public client credentials: %v", err)
	}
}

func TestExplainPolicy(t *testing.T) {
	pol := store.AccessPolicy{ID: "p1", Name: "Apps", Priority: 1, Status: store.StatusActive, Clients: []string{"app1"}}
	rules := []store.PolicyRule{
		{ID: "r1", PolicyID: "p1", Name: "OIDC", Priority: 1, Status: store.StatusActive, GroupsInclude: []string{store.EveryoneGroup},
			GrantTypes: []string{domain.GrantAuthorizationCode}, Scopes: []string{"openid", "profile"}},
		{ID: "r2", PolicyID: "p1", Name: "Admins", Priority: 2, Status: store.StatusActive, GroupsInclude: []string{"00gadmins"},
			GrantTypes: []string{domain.GrantAuthorizationCode}, Scopes: []string{store.AnyScope}},
	}
	set := domain.NewPolicySet([]store.AccessPolicy{pol}, rules)
	req := domain.PolicyRequest{ClientID: "app1", GrantType: domain.GrantAuthorizationCode, UserID: "00ualice", Scopes: []string{"openid"}}

	if d := domain.ExplainPolicy(set, req); !d.Evaluated || d.Policy == nil || d.Policy.ID != "p1" || d.Rule == nil || d.Rule.ID != "r1" {
		t.Fatalf("allowed request: %+v", d)
	}
	// The Admins rule decides for its group what the OIDC rule refuses.
	admin := req
	admin.Scopes, admin.GroupIDs = []string{"openid", "orders:read"}, []string{"00gadmins"}
	if d := domain.ExplainPolicy(set, admin); d.Rule == nil || d.Rule.ID != "r2" {
		t.Fatalf("admin request: %+v", d)
	}
	denied := req
	denied.Scopes = []string{"openid", "orders:read"}
	d := domain.ExplainPolicy(set, denied)
	if d.Rule != nil || len(d.Misses) != 2 {
		t.Fatalf("denied request: %+v", d)
	}
	if m := d.Misses[0]; m.Rule != "OIDC" || len(m.Reasons) != 1 || !strings.Contains(m.Reasons[0], "scopes orders:read") {
		t.Errorf("OIDC rule miss: %+v", m)
	}
	if m := d.Misses[1]; m.Rule != "Admins" || len(m.Reasons) != 1 || !strings.Contains(m.Reasons[0], "user is not among") {
		t.Errorf("Admins rule miss: %+v", m)
	}
	if _, ok := domain.EvaluatePolicy(set, denied); ok {
		t.Error("EvaluatePolicy allows what ExplainPolicy denies")
	}
	if d := domain.ExplainPolicy(set, domain.PolicyRequest{ClientID: "app2", GrantType: domain.GrantAuthorizationCode}); d.Policy != nil || !d.Evaluated {
		t.Errorf("a client no policy covers: %+v", d)
	}
}
