package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// testAuthorization covers what the authorization server endpoints of the
// Management API change: servers, scopes by id, access policies and rules
// with their priorities, and the default server's Default Policy that the
// schema provides.
func testAuthorization(t *testing.T, st store.Store) {
	ctx := context.Background()
	t.Run("DefaultPolicy", func(t *testing.T) {
		pols, err := st.ListAccessPolicies(ctx, "default")
		mustNil(t, "ListAccessPolicies default", err)
		if len(pols) != 1 || pols[0].Name != "Default Policy" || pols[0].Priority != 1 || pols[0].Status != store.StatusActive ||
			len(pols[0].Clients) != 1 || pols[0].Clients[0] != store.AllClients {
			t.Fatalf("default policies: %+v", pols)
		}
		rules, err := st.ListPolicyRules(ctx, "default", "")
		mustNil(t, "ListPolicyRules default", err)
		if len(rules) != 1 || rules[0].Name != "Default Policy Rule" || rules[0].PolicyID != pols[0].ID ||
			rules[0].AccessTokenMinutes != 60 || rules[0].RefreshTokenMinutes != 0 || rules[0].RefreshWindowMinutes != 10080 ||
			len(rules[0].GroupsInclude) != 1 || rules[0].GroupsInclude[0] != store.EveryoneGroup ||
			len(rules[0].Scopes) != 1 || rules[0].Scopes[0] != store.AnyScope || len(rules[0].UsersInclude) != 0 {
			t.Fatalf("default rules: %+v", rules)
		}
	})

	as := store.AuthServer{ID: "aus1", Name: "Orders", Description: "d", Audience: "api://orders",
		Status: store.StatusActive, IssuerMode: "CUSTOM_URL", Created: t0, LastUpdated: t0}
	mustNil(t, "CreateAuthServer", st.CreateAuthServer(ctx, as))
	other := store.AuthServer{ID: "aus2", Name: "Other", Audience: "api://other", Status: store.StatusActive, Created: t0}
	mustNil(t, "CreateAuthServer other", st.CreateAuthServer(ctx, other))

	t.Run("UpdateAuthServer", func(t *testing.T) {
		up := as
		up.Name, up.Description, up.Audience, up.Status, up.IssuerMode, up.LastUpdated =
			"Orders API", "new", "https://orders.example.com", store.StatusInactive, "DYNAMIC", t0.Add(time.Minute)
		mustNil(t, "UpdateAuthServer", st.UpdateAuthServer(ctx, up))
		got, err := st.GetAuthServer(ctx, as.ID)
		mustNil(t, "GetAuthServer", err)
		diff(t, "updated server", normAuthServer(got), normAuthServer(up))
		clash := up
		clash.Name = "Other"
		wantErr(t, "UpdateAuthServer to a taken name", st.UpdateAuthServer(ctx, clash), store.ErrConflict)
		missing := up
		missing.ID = "ausmissing"
		wantErr(t, "UpdateAuthServer unknown", st.UpdateAuthServer(ctx, missing), store.ErrNotFound)
	})

	t.Run("Scopes", func(t *testing.T) {
		sc := store.Scope{ID: "scp1", AuthServerID: "aus1", Name: "orders:read", Consent: "IMPLICIT",
			MetadataPublish: "NO_CLIENTS", Created: t0}
		mustNil(t, "CreateScope", st.CreateScope(ctx, sc))
		sc2 := store.Scope{ID: "scp2", AuthServerID: "aus1", Name: "orders:write", Consent: "IMPLICIT",
			MetadataPublish: "NO_CLIENTS", Created: t0}
		mustNil(t, "CreateScope 2", st.CreateScope(ctx, sc2))
		sameID := sc2
		sameID.Name = "x"
		wantErr(t, "CreateScope with a taken id", st.CreateScope(ctx, sameID), store.ErrConflict)

		up := sc
		up.Name, up.DisplayName, up.Description, up.Consent, up.Default, up.Optional, up.MetadataPublish, up.LastUpdated =
			"orders:list", "List orders", "desc", "REQUIRED", true, true, "ALL_CLIENTS", t0.Add(time.Hour)
		mustNil(t, "UpdateScope", st.UpdateScope(ctx, up))
		got, err := st.GetScope(ctx, "aus1", "scp1")
		mustNil(t, "GetScope", err)
		diff(t, "updated scope", normScope(got), normScope(up))
		_, err = st.GetScope(ctx, "aus2", "scp1")
		wantErr(t, "GetScope on another server", err, store.ErrNotFound)
		clash := up
		clash.Name = "orders:write"
		wantErr(t, "UpdateScope to a taken name", st.UpdateScope(ctx, clash), store.ErrConflict)
		mustNil(t, "DeleteScope", st.DeleteScope(ctx, "aus1", "scp1"))
		wantErr(t, "DeleteScope again", st.DeleteScope(ctx, "aus1", "scp1"), store.ErrNotFound)
	})

	t.Run("PolicyPriorities", func(t *testing.T) {
		mk := func(id, name string, prio int) store.AccessPolicy {
			p, err := st.CreateAccessPolicy(ctx, store.AccessPolicy{ID: id, AuthServerID: "aus1", Name: name, Priority: prio,
				Status: store.StatusActive, Clients: []string{store.AllClients}, Created: t0})
			mustNil(t, "CreateAccessPolicy "+name, err)
			return p
		}
		if p := mk("00pa", "A", 0); p.Priority != 1 {
			t.Fatalf("first policy got priority %d", p.Priority)
		}
		if p := mk("00pb", "B", 9); p.Priority != 2 {
			t.Fatalf("priority past the end got %d, want 2 (last)", p.Priority)
		}
		if p := mk("00pc", "C", 1); p.Priority != 1 {
			t.Fatalf("inserted at 1 got %d", p.Priority)
		}
		wantOrder(t, st, "aus1", "00pc", "00pa", "00pb")
		_, err := st.CreateAccessPolicy(ctx, store.AccessPolicy{ID: "00pd", AuthServerID: "aus1", Name: "A", Status: store.StatusActive,
			Created: t0})
		wantErr(t, "CreateAccessPolicy with a taken name", err, store.ErrConflict)
		wantOrder(t, st, "aus1", "00pc", "00pa", "00pb") // the refused insert changed nothing

		b, err := st.GetAccessPolicy(ctx, "aus1", "00pb")
		mustNil(t, "GetAccessPolicy", err)
		b.Priority, b.Description, b.Clients, b.Status, b.LastUpdated = 1, "moved", []string{"0oa1", "0oa2"}, store.StatusInactive, t0.Add(time.Hour)
		b, err = st.UpdateAccessPolicy(ctx, b)
		mustNil(t, "UpdateAccessPolicy", err)
		wantOrder(t, st, "aus1", "00pb", "00pc", "00pa")
		got, err := st.GetAccessPolicy(ctx, "aus1", "00pb")
		mustNil(t, "GetAccessPolicy after update", err)
		if got.Description != "moved" || len(got.Clients) != 2 || got.Status != store.StatusInactive || got.Priority != 1 ||
			!got.LastUpdated.Equal(secs(t0.Add(time.Hour))) || !got.Created.Equal(secs(t0)) {
			t.Fatalf("updated policy %+v", got)
		}
		_, err = st.GetAccessPolicy(ctx, "aus2", "00pb")
		wantErr(t, "GetAccessPolicy on another server", err, store.ErrNotFound)

		r1, err := st.CreatePolicyRule(ctx, rule("0pr1", "00pc", "R1", 0))
		mustNil(t, "CreatePolicyRule", err)
		r2, err := st.CreatePolicyRule(ctx, rule("0pr2", "00pc", "R2", 1))
		mustNil(t, "CreatePolicyRule 2", err)
		if r1.Priority != 1 || r2.Priority != 1 {
			t.Fatalf("rule priorities %d %d", r1.Priority, r2.Priority)
		}
		_, err = st.CreatePolicyRule(ctx, rule("0pr3", "00pmissing", "R3", 0))
		wantErr(t, "CreatePolicyRule in an unknown policy", err, store.ErrNotFound)
		_, err = st.CreatePolicyRule(ctx, rule("0pr4", "00pc", "R1", 0))
		wantErr(t, "CreatePolicyRule with a taken name", err, store.ErrConflict)
		got1, err := st.GetPolicyRule(ctx, "aus1", "00pc", "0pr1")
		mustNil(t, "GetPolicyRule", err)
		want1 := r1
		want1.Priority = 2
		diff(t, "rule read back", normRule(got1), normRule(want1))

		r2.Priority, r2.AccessTokenMinutes, r2.Scopes, r2.LastUpdated = 5, 15, []string{"orders:read"}, t0.Add(time.Hour)
		r2, err = st.UpdatePolicyRule(ctx, r2)
		mustNil(t, "UpdatePolicyRule", err)
		if r2.Priority != 2 {
			t.Fatalf("moved rule got priority %d, want 2 (last)", r2.Priority)
		}
		all, err := st.ListPolicyRules(ctx, "aus1", "")
		mustNil(t, "ListPolicyRules all", err)
		if len(all) != 2 || all[0].ID != "0pr1" || all[0].Priority != 1 || all[1].ID != "0pr2" || all[1].AccessTokenMinutes != 15 {
			t.Fatalf("rules after move: %+v", all)
		}
		mustNil(t, "DeletePolicyRule", st.DeletePolicyRule(ctx, "aus1", "00pc", "0pr1"))
		wantErr(t, "DeletePolicyRule again", st.DeletePolicyRule(ctx, "aus1", "00pc", "0pr1"), store.ErrNotFound)
		left, _ := st.ListPolicyRules(ctx, "aus1", "00pc")
		if len(left) != 1 || left[0].Priority != 1 {
			t.Fatalf("rules after delete: %+v", left)
		}

		mustNil(t, "DeleteAccessPolicy", st.DeleteAccessPolicy(ctx, "aus1", "00pc"))
		wantOrder(t, st, "aus1", "00pb", "00pa")
		if rules, _ := st.ListPolicyRules(ctx, "aus1", ""); len(rules) != 0 {
			t.Fatalf("rules of a deleted policy remain: %+v", rules)
		}
		wantErr(t, "DeleteAccessPolicy again", st.DeleteAccessPolicy(ctx, "aus1", "00pc"), store.ErrNotFound)
	})

	t.Run("DeleteAuthServer", func(t *testing.T) {
		_, err := st.CreatePolicyRule(ctx, rule("0pr9", "00pa", "R9", 0))
		mustNil(t, "CreatePolicyRule", err)
		mustNil(t, "CreateScope", st.CreateScope(ctx, store.Scope{ID: "scp9", AuthServerID: "aus1", Name: "s",
			Consent: "IMPLICIT", MetadataPublish: "NO_CLIENTS", Created: t0}))
		mustNil(t, "DeleteAuthServer", st.DeleteAuthServer(ctx, "aus1"))
		wantErr(t, "DeleteAuthServer again", st.DeleteAuthServer(ctx, "aus1"), store.ErrNotFound)
		_, err = st.GetAuthServer(ctx, "aus1")
		wantErr(t, "GetAuthServer deleted", err, store.ErrNotFound)
		pols, _ := st.ListAccessPolicies(ctx, "aus1")
		rules, _ := st.ListPolicyRules(ctx, "aus1", "")
		scopes, _ := st.ListScopes(ctx, "aus1")
		if len(pols)+len(rules)+len(scopes) != 0 {
			t.Fatalf("a deleted server left %d policies, %d rules, %d scopes", len(pols), len(rules), len(scopes))
		}
		if _, err := st.GetAuthServer(ctx, "aus2"); err != nil {
			t.Fatalf("another server went too: %v", err)
		}
	})
}

func rule(id, policyID, name string, prio int) store.PolicyRule {
	return store.PolicyRule{ID: id, PolicyID: policyID, AuthServerID: "aus1", Name: name, Priority: prio,
		Status: store.StatusActive, UsersInclude: []string{"00u1"}, UsersExclude: []string{"00u2"},
		GroupsInclude: []string{store.EveryoneGroup}, GroupsExclude: []string{"00g1"},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{store.AnyScope},
		AccessTokenMinutes: 60, RefreshTokenMinutes: 120, RefreshWindowMinutes: 10080, Created: t0}
}

func normRule(r store.PolicyRule) store.PolicyRule {
	r.Created = secs(r.Created)
	if r.LastUpdated.IsZero() {
		r.LastUpdated = r.Created
	}
	r.LastUpdated = secs(r.LastUpdated)
	return r
}

func wantOrder(t *testing.T, st store.Store, asID string, ids ...string) {
	t.Helper()
	pols, err := st.ListAccessPolicies(context.Background(), asID)
	mustNil(t, "ListAccessPolicies", err)
	var got []string
	for i, p := range pols {
		got = append(got, p.ID)
		if p.Priority != i+1 {
			t.Fatalf("policy %s at position %d has priority %d", p.ID, i+1, p.Priority)
		}
	}
	diff(t, "policy order", got, ids)
}
