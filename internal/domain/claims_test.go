package domain_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/expr"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func claimsFixture() []store.Claim {
	c := func(name, claimType, valueType, value string, always bool, scopes ...string) store.Claim {
		return store.Claim{ID: "ocl" + name, Name: name, Status: store.StatusActive, ClaimType: claimType,
			ValueType: valueType, Value: value, AlwaysIncludeInToken: always, Scopes: scopes}
	}
	groups := func(name, filter, value string) store.Claim {
		g := c(name, domain.ClaimTypeIdentity, domain.ClaimValueGroups, value, true)
		g.GroupFilterType = filter
		return g
	}
	inactive := c("inactive", domain.ClaimTypeResource, domain.ClaimValueExpression, `"x"`, true)
	inactive.Status = store.StatusInactive
	return []store.Claim{
		c("dept", domain.ClaimTypeResource, domain.ClaimValueExpression, `user.department`, true),
		c("cost", domain.ClaimTypeResource, domain.ClaimValueExpression, `user.badge`, true, "orders.read"),
		c("client", domain.ClaimTypeResource, domain.ClaimValueExpression, `app.clientId`, true),
		c("missing", domain.ClaimTypeResource, domain.ClaimValueExpression, `user.nickName`, true),
		c("broken", domain.ClaimTypeResource, domain.ClaimValueExpression, `1 / 0`, true),
		c("unparsable", domain.ClaimTypeResource, domain.ClaimValueExpression, `user.`, true),
		inactive,
		c("full_name", domain.ClaimTypeIdentity, domain.ClaimValueExpression, `user.firstName + " " + user.lastName`, true, "profile"),
		c("admin", domain.ClaimTypeIdentity, domain.ClaimValueExpression, `isMemberOfGroupName("Admins")`, true),
		c("quiet", domain.ClaimTypeIdentity, domain.ClaimValueExpression, `"only in userinfo"`, false),
		groups("sso", domain.GroupFilterStartsWith, "sso-"),
		groups("exact", domain.GroupFilterEquals, "admins"),
		groups("has_in", domain.GroupFilterContains, "IN"),
		groups("regex", domain.GroupFilterRegex, "/SSO-.*s/"),
		groups("none", domain.GroupFilterEquals, "nobody"),
	}
}

func claimUser() *store.User {
	return &store.User{ID: "00uada", Login: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Department: "R&D",
		Status: store.StatusActive, Profile: map[string]any{"badge": 42.0, "firstName": "hidden", "costCenter": "hidden"}}
}

func TestEvaluateClaims(t *testing.T) {
	loads := 0
	groups := func() ([]expr.Group, error) {
		loads++
		return []expr.Group{{ID: "00g1", Name: "Admins"}, {ID: "00g2", Name: "SSO-Finance"}, {ID: "00g3", Name: "SSO-Sales"},
			{ID: store.EveryoneGroupID, Name: "Everyone"}}, nil
	}
	claims := claimsFixture()
	for _, tc := range []struct {
		name   string
		kind   string
		scopes []string
		want   map[string]any
		failed []string
	}{
		{"access token, no scope condition met", domain.ClaimTypeResource, []string{"openid"},
			map[string]any{"dept": "R&D", "client": "0oaweb"}, []string{"broken", "unparsable"}},
		{"access token with the claim's scope", domain.ClaimTypeResource, []string{"openid", "orders.read"},
			map[string]any{"dept": "R&D", "client": "0oaweb", "cost": 42.0}, []string{"broken", "unparsable"}},
		{"ID token", domain.ClaimTypeIdentity, []string{"openid", "profile"},
			map[string]any{"full_name": "Ada Lovelace", "admin": true, "sso": []any{"SSO-Finance", "SSO-Sales"},
				"exact": []any{"Admins"}, "has_in": []any{"Admins", "SSO-Finance"}, "regex": []any{"SSO-Sales"}}, nil},
		{"ID token without profile", domain.ClaimTypeIdentity, []string{"openid"},
			map[string]any{"admin": true, "sso": []any{"SSO-Finance", "SSO-Sales"},
				"exact": []any{"Admins"}, "has_in": []any{"Admins", "SSO-Finance"}, "regex": []any{"SSO-Sales"}}, nil},
		{"userinfo", domain.ClaimsForUserinfo, []string{"openid", "profile"},
			map[string]any{"full_name": "Ada Lovelace", "admin": true, "quiet": "only in userinfo", "sso": []any{"SSO-Finance", "SSO-Sales"},
				"exact": []any{"Admins"}, "has_in": []any{"Admins", "SSO-Finance"}, "regex": []any{"SSO-Sales"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loads = 0
			env := domain.ClaimEnv(claimUser(), "0oaweb", []string{"pwd"}, groups)
			got, errs := domain.EvaluateClaims(claims, tc.kind, tc.scopes, env)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("claims %#v, want %#v", got, tc.want)
			}
			var failed []string
			for _, err := range errs {
				var ce *domain.ClaimError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v is not a ClaimError", err)
				}
				failed = append(failed, ce.ClaimName)
			}
			if !reflect.DeepEqual(failed, tc.failed) {
				t.Errorf("failed claims %v, want %v", failed, tc.failed)
			}
			if tc.kind == domain.ClaimTypeResource && loads != 0 {
				t.Errorf("groups loaded %d times for claims that need none", loads)
			}
			if tc.kind != domain.ClaimTypeResource && loads != 1 {
				t.Errorf("groups loaded %d times, want once", loads)
			}
		})
	}
}

func TestEvaluateClaimsWithoutUser(t *testing.T) {
	env := domain.ClaimEnv(nil, "0oasvc", nil, nil)
	got, errs := domain.EvaluateClaims(claimsFixture(), domain.ClaimTypeResource, []string{"orders.read"}, env)
	want := map[string]any{"client": "0oasvc"}
	if !reflect.DeepEqual(got, want) || len(errs) != 2 {
		t.Fatalf("client credentials claims %#v (errors %v), want %#v", got, errs, want)
	}
}

func TestGroupsClaimLimit(t *testing.T) {
	many := make([]expr.Group, domain.MaxGroupsClaim+1)
	for i := range many {
		many[i] = expr.Group{ID: "g", Name: "team"}
	}
	claim := store.Claim{ID: "oclteams", Name: "teams", Status: store.StatusActive, ClaimType: domain.ClaimTypeResource,
		ValueType: domain.ClaimValueGroups, GroupFilterType: domain.GroupFilterEquals, Value: "TEAM", AlwaysIncludeInToken: true}
	for n, wantClaim := range map[int]bool{domain.MaxGroupsClaim: true, domain.MaxGroupsClaim + 1: false} {
		env := domain.ClaimEnv(claimUser(), "c", nil, func() ([]expr.Group, error) { return many[:n], nil })
		got, errs := domain.EvaluateClaims([]store.Claim{claim}, domain.ClaimTypeResource, nil, env)
		if _, ok := got["teams"]; ok != wantClaim || (len(errs) == 1) == wantClaim {
			t.Errorf("%d matching groups: claims %v, errors %v", n, got, errs)
		}
		if !wantClaim && !strings.Contains(errs[0].Error(), "more than 100 groups") {
			t.Errorf("error %v", errs[0])
		}
	}
}

func TestUserAttributes(t *testing.T) {
	got := domain.UserAttributes(*claimUser())
	want := map[string]any{"login": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "department": "R&D",
		"badge": 42.0}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attributes %#v, want %#v (unset base attributes are absent; custom ones never hide base ones)", got, want)
	}
}
