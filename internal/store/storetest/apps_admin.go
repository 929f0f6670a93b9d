package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// testAppsAdmin covers what the Management API does with apps: settings,
// secrets, lifecycle, search, assignments and deletion.
func testAppsAdmin(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice, bob, carol := seedUser(t, st, "00ualice", "alice"), seedUser(t, st, "00ubob", "bob"), seedUser(t, st, "00ucarol", "carol")
	mustNil(t, "CreateGroup", st.CreateGroup(ctx, store.Group{ID: "00gstaff", Name: "Staff", Type: store.GroupTypeOkta,
		Created: t0, LastUpdated: t0, LastMembershipUpdated: t0}))
	_, err := st.AddGroupMember(ctx, "00gstaff", bob.ID, t0)
	mustNil(t, "AddGroupMember", err)

	leeway, auto := 10, false
	web := store.App{
		ClientID: "0oaweb", Name: "Payroll", Type: "web", TokenEndpointAuthMethod: "client_secret_basic",
		SecretHash: "aa", RedirectURIs: []string{"https://p.example.com/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Status: store.StatusActive, Created: t0,
		Settings: store.AppSettings{ConsentMethod: "TRUSTED", LogoURI: "https://p.example.com/logo.png",
			RefreshRotation: "STATIC", RefreshLeeway: &leeway, AutoKeyRotation: &auto, Profile: json.RawMessage(`{"team":"hr"}`)},
		GroupIDs: []string{store.EveryoneGroupID},
	}
	mustNil(t, "CreateApp web", st.CreateApp(ctx, web))
	got, err := st.GetApp(ctx, web.ClientID)
	mustNil(t, "GetApp", err)
	if got.GroupIDs != nil || !slices.Equal(got.SecretHashes, []string{"aa"}) || !got.LastUpdated.Equal(secs(t0)) {
		t.Fatalf("created app: %+v", got)
	}
	if got.Settings.LogoURI != web.Settings.LogoURI || *got.Settings.RefreshLeeway != 10 || *got.Settings.AutoKeyRotation ||
		string(got.Settings.Profile) != `{"team":"hr"}` {
		t.Fatalf("settings did not round-trip: %+v", got.Settings)
	}

	// A failed assignment undoes the whole creation.
	bad := store.App{ClientID: "0oabad", Name: "Bad", Type: "service", TokenEndpointAuthMethod: "client_secret_basic",
		SecretHash: "bb", Status: store.StatusActive, Created: t0, GroupIDs: []string{"00gnothere"}}
	wantErr(t, "CreateApp with an unknown group", st.CreateApp(ctx, bad), store.ErrNotFound)
	_, err = st.GetApp(ctx, bad.ClientID)
	wantErr(t, "app of a failed creation", err, store.ErrNotFound)

	t.Run("secrets", func(t *testing.T) { testAppSecretsStore(t, st, web.ClientID) })
	t.Run("assignments", func(t *testing.T) { testAssignmentsStore(t, st, alice, bob, carol) })

	// Update replaces the settings but not the secrets or the status.
	upd := got
	upd.Name, upd.RedirectURIs, upd.LastUpdated = "Payroll 2", []string{"https://p2.example.com/cb"}, t0.Add(time.Hour)
	upd.Settings = store.AppSettings{ConsentMethod: "REQUIRED"}
	upd.Status, upd.SecretHash = store.StatusInactive, "zz"
	mustNil(t, "UpdateApp", st.UpdateApp(ctx, upd, nil))
	got, _ = st.GetApp(ctx, web.ClientID)
	if got.Name != "Payroll 2" || got.RedirectURIs[0] != "https://p2.example.com/cb" || got.Settings.ConsentMethod != "REQUIRED" ||
		got.Settings.LogoURI != "" || got.Status != store.StatusActive || got.SecretHash == "zz" || !got.LastUpdated.Equal(secs(t0.Add(time.Hour))) {
		t.Fatalf("updated app: %+v", got)
	}
	missing := upd
	missing.ClientID = "0oamissing"
	wantErr(t, "UpdateApp unknown", st.UpdateApp(ctx, missing, nil), store.ErrNotFound)
	// A new secret replaces them all.
	mustNil(t, "UpdateApp with a secret", st.UpdateApp(ctx, upd, &store.AppSecret{ID: "ocsreplace", ClientID: web.ClientID,
		Hash: "dd", Status: store.StatusActive, Created: t0, LastUpdated: t0}))
	if list, _ := st.ListAppSecrets(ctx, web.ClientID); len(list) != 1 || list[0].ID != "ocsreplace" {
		t.Fatalf("secrets after replacement: %+v", list)
	}
	wantErr(t, "SetAppStatus unknown", st.SetAppStatus(ctx, "0oamissing", store.StatusInactive, t0), store.ErrNotFound)

	t.Run("search", func(t *testing.T) { testSearchApps(t, st) })
	t.Run("secret races", func(t *testing.T) { testAppSecretRaces(t, st) })
	t.Run("delete ends grants", func(t *testing.T) { testDeleteAppEndsGrants(t, st, alice) })

	mustNil(t, "DeleteApp", st.DeleteApp(ctx, web.ClientID, time.Now()))
	wantErr(t, "DeleteApp again", st.DeleteApp(ctx, web.ClientID, time.Now()), store.ErrNotFound)
	if secrets, err := st.ListAppSecrets(ctx, web.ClientID); err != nil || len(secrets) != 0 {
		t.Fatalf("secrets of a deleted app: %v %v", secrets, err)
	}
	if ok, err := st.UserAssigned(ctx, web.ClientID, alice.ID); err != nil || ok {
		t.Fatalf("deleted app still assigned: %v %v", ok, err)
	}
	// A recreated app with the same id starts with no assignments.
	fresh := web
	fresh.GroupIDs = nil
	mustNil(t, "CreateApp again", st.CreateApp(ctx, fresh))
	if groups, err := st.ListAppGroups(ctx, web.ClientID, store.Page{Limit: 10}); err != nil || len(groups) != 0 {
		t.Fatalf("groups of a recreated app: %v %v", groups, err)
	}
}

func testAppSecretsStore(t *testing.T, st store.Store, clientID string) {
	ctx := context.Background()
	first, err := st.ListAppSecrets(ctx, clientID)
	mustNil(t, "ListAppSecrets", err)
	if len(first) != 1 || first[0].Hash != "aa" || first[0].Status != store.StatusActive || len(first[0].ID) != 20 {
		t.Fatalf("first secret: %+v", first)
	}
	second := store.AppSecret{ID: "ocssecond", ClientID: clientID, Hash: "cc", Status: store.StatusActive,
		Created: t0.Add(time.Minute), LastUpdated: t0.Add(time.Minute)}
	mustNil(t, "CreateAppSecret", st.CreateAppSecret(ctx, second, 2))
	orphan := second
	orphan.ID, orphan.ClientID = "ocsorphan", "0oamissing"
	wantErr(t, "CreateAppSecret for an unknown app", st.CreateAppSecret(ctx, orphan, 2), store.ErrNotFound)
	third := second
	third.ID = "ocsthird"
	wantErr(t, "CreateAppSecret past the limit", st.CreateAppSecret(ctx, third, 2), store.ErrSecretLimit)
	if list, _ := st.ListAppSecrets(ctx, clientID); len(list) != 2 || list[0].HintKey == "" || list[1].HintKey == "" ||
		list[0].HintKey == list[1].HintKey {
		t.Fatalf("secrets need distinct hint keys: %+v", list)
	}

	app, _ := st.GetApp(ctx, clientID)
	if app.SecretHash != "cc" || !slices.Equal(app.SecretHashes, []string{"cc", "aa"}) {
		t.Fatalf("two active secrets: %q %v", app.SecretHash, app.SecretHashes)
	}
	mustNil(t, "deactivate", st.SetAppSecretStatus(ctx, clientID, first[0].ID, store.StatusInactive, t0.Add(2*time.Minute)))
	app, _ = st.GetApp(ctx, clientID)
	if !slices.Equal(app.SecretHashes, []string{"cc"}) {
		t.Fatalf("an inactive secret still counts: %v", app.SecretHashes)
	}
	got, err := st.GetAppSecret(ctx, clientID, first[0].ID)
	mustNil(t, "GetAppSecret", err)
	if got.Status != store.StatusInactive || !got.LastUpdated.Equal(secs(t0.Add(2*time.Minute))) || !got.Created.Equal(secs(t0)) {
		t.Fatalf("deactivated secret: %+v", got)
	}
	_, err = st.GetAppSecret(ctx, "0oaother", first[0].ID)
	wantErr(t, "GetAppSecret of another app", err, store.ErrNotFound)
	wantErr(t, "SetAppSecretStatus unknown", st.SetAppSecretStatus(ctx, clientID, "ocsnothere", store.StatusActive, t0), store.ErrNotFound)
	wantErr(t, "deactivate the last active secret", st.SetAppSecretStatus(ctx, clientID, second.ID, store.StatusInactive, t0),
		store.ErrLastActiveSecret)
	if got, _ := st.GetAppSecret(ctx, clientID, second.ID); got.Status != store.StatusActive {
		t.Fatalf("a refused deactivation changed the secret: %+v", got)
	}
	wantErr(t, "DeleteAppSecret active", st.DeleteAppSecret(ctx, clientID, second.ID), store.ErrActiveSecret)
	wantErr(t, "DeleteAppSecret unknown", st.DeleteAppSecret(ctx, clientID, "ocsnothere"), store.ErrNotFound)
	mustNil(t, "DeleteAppSecret", st.DeleteAppSecret(ctx, clientID, first[0].ID))
	wantErr(t, "DeleteAppSecret again", st.DeleteAppSecret(ctx, clientID, first[0].ID), store.ErrNotFound)
	if list, _ := st.ListAppSecrets(ctx, clientID); len(list) != 1 || list[0].ID != "ocssecond" {
		t.Fatalf("after delete: %+v", list)
	}
}

func testAssignmentsStore(t *testing.T, st store.Store, alice, bob, carol store.User) {
	ctx := context.Background()
	app := store.App{ClientID: "0oaassign", Name: "Assigned", Type: "browser", TokenEndpointAuthMethod: "none",
		RedirectURIs: []string{"https://a.example.com/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, PKCERequired: true, Status: store.StatusActive, Created: t0}
	mustNil(t, "CreateApp", st.CreateApp(ctx, app))
	assigned := func(u store.User) bool {
		ok, err := st.UserAssigned(ctx, app.ClientID, u.ID)
		mustNil(t, "UserAssigned", err)
		return ok
	}
	if assigned(alice) || assigned(bob) {
		t.Fatal("an app with no assignment lets users in")
	}
	// Direct assignment.
	mustNil(t, "AssignAppUser", st.AssignAppUser(ctx, store.AppUser{ClientID: app.ClientID, UserID: alice.ID,
		Profile: json.RawMessage(`{"role":"a"}`), Created: t0, LastUpdated: t0}))
	wantErr(t, "AssignAppUser unknown user", st.AssignAppUser(ctx, store.AppUser{ClientID: app.ClientID, UserID: "00unothere",
		Created: t0, LastUpdated: t0}), store.ErrNotFound)
	// Group assignment: bob is in Staff, carol is not.
	mustNil(t, "AssignAppGroup", st.AssignAppGroup(ctx, store.AppGroup{ClientID: app.ClientID, GroupID: "00gstaff",
		Priority: 3, Created: t0.Add(time.Second), LastUpdated: t0.Add(time.Second)}))
	wantErr(t, "AssignAppGroup unknown group", st.AssignAppGroup(ctx, store.AppGroup{ClientID: app.ClientID, GroupID: "00gnothere",
		Created: t0, LastUpdated: t0}), store.ErrNotFound)
	if !assigned(alice) || !assigned(bob) || assigned(carol) {
		t.Fatalf("assigned: alice %v bob %v carol %v", assigned(alice), assigned(bob), assigned(carol))
	}

	users, err := st.ListAppUsers(ctx, app.ClientID, store.Page{Limit: 10})
	mustNil(t, "ListAppUsers", err)
	if len(users) != 2 || users[0].UserID != alice.ID || users[0].Scope != store.AssignmentScopeUser ||
		users[0].UserName != alice.Login || string(users[0].Profile) != `{"role":"a"}` ||
		users[1].UserID != bob.ID || users[1].Scope != store.AssignmentScopeGroup || !users[1].Created.Equal(secs(t0.Add(time.Second))) {
		t.Fatalf("app users: %+v", users)
	}
	page, err := st.ListAppUsers(ctx, app.ClientID, store.Page{Limit: 1, After: alice.ID})
	mustNil(t, "ListAppUsers page 2", err)
	if len(page) != 1 || page[0].UserID != bob.ID {
		t.Fatalf("second page: %+v", page)
	}
	_, err = st.GetAppUser(ctx, app.ClientID, carol.ID)
	wantErr(t, "GetAppUser unassigned", err, store.ErrNotFound)

	// Updating keeps the creation time; the user name is kept as given.
	mustNil(t, "AssignAppUser update", st.AssignAppUser(ctx, store.AppUser{ClientID: app.ClientID, UserID: alice.ID,
		UserName: "al", Created: t0.Add(time.Hour), LastUpdated: t0.Add(time.Hour)}))
	au, err := st.GetAppUser(ctx, app.ClientID, alice.ID)
	mustNil(t, "GetAppUser", err)
	if au.UserName != "al" || !au.Created.Equal(secs(t0)) || !au.LastUpdated.Equal(secs(t0.Add(time.Hour))) || string(au.Profile) != "{}" {
		t.Fatalf("updated app user: %+v", au)
	}

	// Everyone lets carol in, and lists her with scope GROUP.
	mustNil(t, "assign Everyone", st.AssignAppGroup(ctx, store.AppGroup{ClientID: app.ClientID, GroupID: store.EveryoneGroupID,
		Created: t0.Add(2 * time.Second), LastUpdated: t0.Add(2 * time.Second)}))
	if !assigned(carol) {
		t.Fatal("Everyone does not assign every user")
	}
	if au, err := st.GetAppUser(ctx, app.ClientID, carol.ID); err != nil || au.Scope != store.AssignmentScopeGroup {
		t.Fatalf("carol through Everyone: %+v %v", au, err)
	}
	groups, err := st.ListAppGroups(ctx, app.ClientID, store.Page{Limit: 10})
	mustNil(t, "ListAppGroups", err)
	if len(groups) != 2 || groups[0].GroupID != store.EveryoneGroupID || groups[1].GroupID != "00gstaff" || groups[1].Priority != 3 {
		t.Fatalf("app groups: %+v", groups)
	}
	mustNil(t, "UnassignAppGroup Everyone", st.UnassignAppGroup(ctx, app.ClientID, store.EveryoneGroupID))
	wantErr(t, "UnassignAppGroup again", st.UnassignAppGroup(ctx, app.ClientID, store.EveryoneGroupID), store.ErrNotFound)
	_, err = st.GetAppGroup(ctx, app.ClientID, store.EveryoneGroupID)
	wantErr(t, "GetAppGroup unassigned", err, store.ErrNotFound)
	mustNil(t, "UnassignAppUser", st.UnassignAppUser(ctx, app.ClientID, alice.ID))
	wantErr(t, "UnassignAppUser again", st.UnassignAppUser(ctx, app.ClientID, alice.ID), store.ErrNotFound)
	if assigned(alice) || assigned(carol) || !assigned(bob) {
		t.Fatal("unassigning left access behind")
	}
	// Leaving the group ends bob's access.
	_, err = st.RemoveGroupMember(ctx, "00gstaff", bob.ID, t0)
	mustNil(t, "RemoveGroupMember", err)
	if assigned(bob) {
		t.Fatal("a former group member is still assigned")
	}
}

func testSearchApps(t *testing.T, st store.Store) {
	ctx := context.Background()
	ids := func(apps []store.App, err error) []string {
		t.Helper()
		mustNil(t, "SearchApps", err)
		var out []string
		for _, a := range apps {
			out = append(out, a.ClientID)
		}
		return out
	}
	mustNil(t, "deactivate", st.SetAppStatus(ctx, "0oaassign", store.StatusInactive, t0))
	_, err := st.AddGroupMember(ctx, "00gstaff", "00ubob", t0)
	mustNil(t, "AddGroupMember", err)
	all := store.Page{Limit: 10}
	for _, c := range []struct {
		name string
		f    store.AppFilter
		want []string
	}{
		{"all", store.AppFilter{}, []string{"0oaassign", "0oaweb"}},
		{"label prefix, any case", store.AppFilter{LabelPrefix: "pAY"}, []string{"0oaweb"}},
		{"label prefix, no match", store.AppFilter{LabelPrefix: "Payrolls"}, nil},
		{"status", store.AppFilter{Status: store.StatusInactive}, []string{"0oaassign"}},
		{"group", store.AppFilter{GroupID: "00gstaff"}, []string{"0oaassign"}},
		{"user through Everyone", store.AppFilter{UserID: "00ucarol"}, []string{"0oaweb"}},
		{"user through a group", store.AppFilter{UserID: "00ubob", Status: store.StatusInactive}, []string{"0oaassign"}},
	} {
		if got := ids(st.SearchApps(ctx, c.f, all)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := ids(st.SearchApps(ctx, store.AppFilter{}, store.Page{Limit: 1, After: "0oaassign"})); !slices.Equal(got, []string{"0oaweb"}) {
		t.Errorf("page after 0oaassign: %v", got)
	}
	if got := ids(st.SearchApps(ctx, store.AppFilter{}, store.Page{Limit: 1})); len(got) != 2 {
		t.Errorf("Limit+1 rows: %v", got)
	}
}
