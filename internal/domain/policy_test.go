package domain_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func TestEvaluatePolicy(t *testing.T) {
	const active, inactive = store.StatusActive, store.StatusInactive
	pol := func(id string, prio int, status string, clients ...string) store.AccessPolicy {
		return store.AccessPolicy{ID: id, Priority: prio, Status: status, Clients: clients}
	}
	rule := func(id, policyID string, prio int, mod func(*store.PolicyRule)) store.PolicyRule {
		r := store.PolicyRule{ID: id, PolicyID: policyID, Priority: prio, Status: active,
			GroupsInclude: []string{store.EveryoneGroup}, GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantClientCredentials},
			Scopes: []string{store.AnyScope}}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	// Policies and rules are given out of priority order on purpose.
	policies := []store.AccessPolicy{
		pol("00pall", 3, active, store.AllClients),
		pol("00pweb", 1, active, "0oaweb"),
		pol("00poff", 2, inactive, "0oaoff", "0oaspa"),
		pol("00pspa", 4, active, "0oaspa"),
	}
	rules := []store.PolicyRule{
		// 00pweb: admins get orders:write; alice is excluded; everyone else reads.
		rule("0prread", "00pweb", 2, func(r *store.PolicyRule) {
			r.Scopes = []string{"openid", "orders:read"}
			r.UsersExclude = []string{"00ualice"}
		}),
		rule("0prwrite", "00pweb", 1, func(r *store.PolicyRule) {
			r.GroupsInclude, r.Scopes = []string{"00gadmins"}, []string{"openid", "orders:read", "orders:write"}
		}),
		rule("0proff", "00pweb", 0, func(r *store.PolicyRule) { r.Status = inactive }),
		rule("0prbob", "00pweb", 3, func(r *store.PolicyRule) {
			r.GroupsInclude, r.UsersInclude, r.GroupsExclude = nil, []string{"00ubob"}, []string{"00gblocked"}
		}),
		// 00pall: client credentials only, with a lifetime.
		rule("0prcc", "00pall", 1, func(r *store.PolicyRule) {
			r.GrantTypes, r.AccessTokenMinutes = []string{domain.GrantClientCredentials}, 5
		}),
		// 00pspa has no rule; 00poff, inactive, would have allowed anything.
		rule("0prany", "00poff", 1, nil),
	}
	set := domain.NewPolicySet(policies, rules)
	code, cc, refresh := domain.GrantAuthorizationCode, domain.GrantClientCredentials, domain.GrantRefreshToken
	for _, tc := range []struct {
		name     string
		req      domain.PolicyRequest
		wantRule string // "" means denied
	}{
		{"admin gets the write rule first", domain.PolicyRequest{ClientID: "0oaweb", GrantType: code, UserID: "00ucarol",
			GroupIDs: []string{"00gadmins"}, Scopes: []string{"openid", "orders:write"}}, "0prwrite"},
		{"non-admin falls through to the read rule", domain.PolicyRequest{ClientID: "0oaweb", GrantType: code, UserID: "00ucarol",
			Scopes: []string{"openid", "orders:read"}}, "0prread"},
		{"non-admin asking to write matches nothing", domain.PolicyRequest{ClientID: "0oaweb", GrantType: code, UserID: "00ucarol",
			Scopes: []string{"orders:write"}}, ""},
		{"an excluded user is refused", domain.PolicyRequest{ClientID: "0oaweb", GrantType: code, UserID: "00ualice",
			Scopes: []string{"openid"}}, ""},
		{"a user included by id matches any scope", domain.PolicyRequest{ClientID: "0oaweb", GrantType: code, UserID: "00ubob",
			Scopes: []string{"anything"}}, "0prbob"},
		{"a group exclusion beats an inclusion by id", domain.PolicyRequest{ClientID: "0oaweb", GrantType: code, UserID: "00ubob",
			GroupIDs: []string{"00gblocked"}, Scopes: []string{"anything"}}, ""},
		{"refresh is allowed by a rule that allows the code grant", domain.PolicyRequest{ClientID: "0oaweb", GrantType: refresh,
			UserID: "00ucarol", Scopes: []string{"openid"}}, "0prread"},
		{"client credentials skip people conditions", domain.PolicyRequest{ClientID: "0oaweb", GrantType: cc,
			Scopes: []string{"orders:read"}}, "0prwrite"},
		{"a client of no specific policy gets ALL_CLIENTS", domain.PolicyRequest{ClientID: "0oaother", GrantType: cc,
			Scopes: []string{"x"}}, "0prcc"},
		{"ALL_CLIENTS policy does not allow the code grant", domain.PolicyRequest{ClientID: "0oaother", GrantType: code,
			UserID: "00ucarol"}, ""},
		{"an inactive policy is skipped: ALL_CLIENTS comes before the client's own policy", domain.PolicyRequest{
			ClientID: "0oaspa", GrantType: cc}, "0prcc"},
		{"the inactive policy's client falls to ALL_CLIENTS", domain.PolicyRequest{ClientID: "0oaoff", GrantType: code,
			UserID: "00ucarol"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := domain.EvaluatePolicy(set, tc.req)
			if ok != (tc.wantRule != "") || got.ID != tc.wantRule {
				t.Fatalf("got rule %q (allowed %v), want %q", got.ID, ok, tc.wantRule)
			}
		})
	}
	if _, ok := domain.EvaluatePolicy(domain.NewPolicySet(nil, nil), domain.PolicyRequest{ClientID: "0oaweb", GrantType: cc}); ok {
		t.Error("a server without policies allowed a request")
	}
}

func TestPolicyNeeds(t *testing.T) {
	everyone := store.PolicyRule{ID: "0pr1", PolicyID: "00p1", Status: store.StatusActive, GroupsInclude: []string{store.EveryoneGroup},
		GrantTypes: []string{domain.GrantAuthorizationCode}, Scopes: []string{store.AnyScope}}
	withGroups := everyone
	withGroups.ID, withGroups.GroupsInclude = "0pr0", []string{"00gadmins"}
	withScopes := everyone
	withScopes.ID, withScopes.Scopes = "0pr0", []string{"openid"}
	excluding := everyone
	excluding.ID, excluding.UsersExclude = "0pr0", []string{"00ubob"}
	pol := []store.AccessPolicy{{ID: "00p1", Priority: 1, Status: store.StatusActive, Clients: []string{store.AllClients}}}
	for _, tc := range []struct {
		name  string
		rules []store.PolicyRule
		grant string
		want  domain.PolicyNeeds
	}{
		{"everyone and any scope needs nothing", []store.PolicyRule{everyone}, domain.GrantRefreshToken, domain.PolicyNeeds{}},
		{"a group rule first needs groups", []store.PolicyRule{withGroups, everyone}, domain.GrantAuthorizationCode,
			domain.PolicyNeeds{User: true, Groups: true}},
		{"a scope rule first needs scopes", []store.PolicyRule{withScopes, everyone}, domain.GrantRefreshToken,
			domain.PolicyNeeds{Scopes: true}},
		{"a user exclusion needs the user, not groups", []store.PolicyRule{excluding}, domain.GrantAuthorizationCode,
			domain.PolicyNeeds{User: true}},
		{"client credentials never need people", []store.PolicyRule{withGroups}, domain.GrantClientCredentials,
			domain.PolicyNeeds{}},
		{"rules after the deciding one do not count", []store.PolicyRule{everyone, withGroups}, domain.GrantAuthorizationCode,
			domain.PolicyNeeds{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := tc.rules
			for i := range rules {
				rules[i].Priority = i + 1
			}
			if tc.grant == domain.GrantClientCredentials {
				rules[0].GrantTypes = []string{domain.GrantClientCredentials}
			}
			if got := domain.NewPolicySet(pol, rules).Needs("0oaweb", tc.grant); got != tc.want {
				t.Fatalf("needs %+v, want %+v", got, tc.want)
			}
		})
	}
}
