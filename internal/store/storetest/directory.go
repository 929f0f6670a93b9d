package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// testDirectory covers the user directory and groups beyond the sign-in
// path: full profiles, updates, lists with filters, memberships, deletes.
func testDirectory(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := newUser("00ua", "alice")
	alice.Department, alice.EmployeeNumber = "Engineering", "42"
	alice.Profile = map[string]any{"costCode": "X1", "level": float64(3), "remote": true, "tags": []any{"a", "b"}}
	alice.Activated, alice.StatusChanged, alice.PasswordChanged = t0, t0, t0
	bob := newUser("00ub", "bob")
	bob.Status, bob.Department = store.UserStaged, "Sales"
	carol := newUser("00uc", "carol")
	carol.Status = store.UserDeprovisioned

	g := store.Group{ID: "00gone", Name: "Engineers", Description: "builders", Type: store.GroupTypeOkta,
		Created: t0, LastUpdated: t0, LastMembershipUpdated: t0}
	mustNil(t, "CreateGroup", st.CreateGroup(ctx, g))
	dup := g
	dup.ID, dup.Name = "00gtwo", "ENGINEERS"
	wantErr(t, "CreateGroup with a name taken in another case", st.CreateGroup(ctx, dup), store.ErrConflict)

	mustNil(t, "CreateUserInGroups alice", st.CreateUserInGroups(ctx, alice, []string{g.ID, store.EveryoneGroupID}))
	mustNil(t, "CreateUser bob", st.CreateUser(ctx, bob))
	mustNil(t, "CreateUser carol", st.CreateUser(ctx, carol))
	wantErr(t, "CreateUserInGroups with an unknown group", st.CreateUserInGroups(ctx, newUser("00ud", "dave"), []string{"00gnone"}), store.ErrNotFound)
	_, err := st.GetUser(ctx, "00ud")
	wantErr(t, "user of a refused CreateUserInGroups", err, store.ErrNotFound)

	got, err := st.GetUser(ctx, alice.ID)
	mustNil(t, "GetUser alice", err)
	diff(t, "alice with profile", normUser(got), normDirUser(alice))

	list := func(q store.UserQuery) ([]string, string) {
		t.Helper()
		users, next, err := st.ListUsers(ctx, q)
		mustNil(t, "ListUsers", err)
		out := []string{}
		for _, u := range users {
			out = append(out, u.ID)
		}
		return out, next
	}
	ids := func(q store.UserQuery) []string {
		t.Helper()
		out, _ := list(q)
		return out
	}
	page1 := func(q store.UserQuery) []string {
		t.Helper()
		out, next := list(q)
		return append(out, "next="+next)
	}
	page := store.Page{Limit: 10}
	eq := func(attr string, v any) *store.Filter { return &store.Filter{Op: store.OpEq, Attr: attr, Value: v} }
	for _, c := range []struct {
		name   string
		filter *store.Filter
		want   []string
	}{
		{"everyone", nil, []string{"00ua", "00ub", "00uc"}},
		{"status", eq("status", "staged"), []string{"00ub"}},
		{"login ignoring case", eq("profile.login", "ALICE"), []string{"00ua"}},
		{"base attribute", eq("profile.department", "engineering"), []string{"00ua"}},
		{"custom string", eq("profile.costCode", "x1"), []string{"00ua"}},
		{"custom number", &store.Filter{Op: store.OpGt, Attr: "profile.level", Value: float64(2)}, []string{"00ua"}},
		{"custom boolean", eq("profile.remote", true), []string{"00ua"}},
		{"custom array element", eq("profile.tags", "b"), []string{"00ua"}},
		{"starts with", &store.Filter{Op: store.OpSw, Attr: "profile.login", Value: "B"}, []string{"00ub"}},
		{"contains a LIKE wildcard", &store.Filter{Op: store.OpCo, Attr: "profile.login", Value: "%"}, []string{}},
		{"present", &store.Filter{Op: store.OpPr, Attr: "profile.costCode"}, []string{"00ua"}},
		{"not", &store.Filter{Op: store.OpNot, Args: []*store.Filter{eq("status", store.UserDeprovisioned)}}, []string{"00ua", "00ub"}},
		{"not over a custom attribute", &store.Filter{Op: store.OpNot, Args: []*store.Filter{eq("profile.costCode", "X1")}}, []string{"00ub", "00uc"}},
		{"or", &store.Filter{Op: store.OpOr, Args: []*store.Filter{eq("id", "00ua"), eq("id", "00uc")}}, []string{"00ua", "00uc"}},
		{"updated after", &store.Filter{Op: store.OpGt, Attr: "lastUpdated", Value: t0}, []string{"00ua", "00ub", "00uc"}},
		{"updated before", &store.Filter{Op: store.OpLt, Attr: "lastUpdated", Value: t0}, []string{}},
		{"activated, absent on others", &store.Filter{Op: store.OpLe, Attr: "activated", Value: t0.Add(time.Hour)}, []string{"00ua"}},
	} {
		diff(t, "ListUsers "+c.name, ids(store.UserQuery{Filter: c.filter, Page: page}), c.want)
	}
	diff(t, "ListUsers page 1", page1(store.UserQuery{Page: store.Page{Limit: 1}}), []string{"00ua", "next=00ua"})
	diff(t, "ListUsers last page", page1(store.UserQuery{Page: store.Page{Limit: 1, After: "00ub"}}), []string{"00uc", "next="})
	diff(t, "ListUsers exactly full", page1(store.UserQuery{Page: store.Page{Limit: 3}}), []string{"00ua", "00ub", "00uc", "next="})
	// A filter SQL cannot decide still fills pages in order.
	custom := &store.Filter{Op: store.OpNot, Args: []*store.Filter{eq("profile.costCode", "X1")}}
	diff(t, "ListUsers custom filter page", page1(store.UserQuery{Filter: custom, Page: store.Page{Limit: 1}}), []string{"00ub", "next=00ub"})
	diff(t, "ListUsers custom filter last page", page1(store.UserQuery{Filter: custom, Page: store.Page{Limit: 1, After: "00ub"}}), []string{"00uc", "next="})

	// Update replaces every field; a taken login is a conflict.
	later := t0.Add(time.Hour)
	alice.Login, alice.Profile, alice.Status, alice.Updated = "alice2", map[string]any{"level": float64(4)}, store.UserSuspended, later
	mustNil(t, "UpdateUser", st.UpdateUser(ctx, alice, false))
	got, _ = st.GetUserByLogin(ctx, "ALICE2")
	diff(t, "updated alice", normUser(got), normDirUser(alice))
	taken := alice
	taken.Login = "BOB"
	wantErr(t, "UpdateUser to a taken login", st.UpdateUser(ctx, taken, false), store.ErrConflict)
	wantErr(t, "UpdateUser unknown", st.UpdateUser(ctx, newUser("00unone", "x"), false), store.ErrNotFound)

	// Sessions end with endSessions.
	mustNil(t, "CreateSession", st.CreateSession(ctx, newSession("ses-a", alice.ID, t0.Add(24*time.Hour))))
	mustNil(t, "UpdateUser ending sessions", st.UpdateUser(ctx, alice, true))
	_, _, err = st.GetSession(ctx, "ses-a", t0)
	wantErr(t, "session after endSessions", err, store.ErrNotFound)

	// Sign-in history and lockout.
	mustNil(t, "RecordSignIn", st.RecordSignIn(ctx, bob.ID, later))
	got, _ = st.GetUser(ctx, bob.ID)
	if !got.LastLogin.Equal(secs(later)) {
		t.Errorf("lastLogin %v, want %v", got.LastLogin, later)
	}
	bob.Status = store.UserActive
	mustNil(t, "UpdateUser bob", st.UpdateUser(ctx, bob, false))
	for i := 1; i <= 3; i++ {
		locked, err := st.RecordFailedSignIn(ctx, bob.ID, later, 3)
		mustNil(t, "RecordFailedSignIn", err)
		if locked != (i == 3) {
			t.Fatalf("failure %d: locked=%v", i, locked)
		}
	}
	got, _ = st.GetUser(ctx, bob.ID)
	if got.Status != store.UserLockedOut || got.FailedSignIns != 3 {
		t.Errorf("after 3 failures: status %s, count %d", got.Status, got.FailedSignIns)
	}
	mustNil(t, "RecordSignIn resets the count", st.RecordSignIn(ctx, bob.ID, later))
	if got, _ = st.GetUser(ctx, bob.ID); got.FailedSignIns != 0 {
		t.Errorf("count after success %d", got.FailedSignIns)
	}

	testGroupMembers(t, st, g, alice, bob)

	// Deleting a user removes their memberships and sessions with them.
	mustNil(t, "CreateSession", st.CreateSession(ctx, newSession("ses-b", bob.ID, t0.Add(24*time.Hour))))
	_, err = st.AddGroupMember(ctx, g.ID, bob.ID, later)
	mustNil(t, "AddGroupMember bob", err)
	mustNil(t, "DeleteUser bob", st.DeleteUser(ctx, bob.ID))
	wantErr(t, "DeleteUser again", st.DeleteUser(ctx, bob.ID), store.ErrNotFound)
	_, _, err = st.GetSession(ctx, "ses-b", t0)
	wantErr(t, "session of a deleted user", err, store.ErrNotFound)
	members, err := st.ListGroupMembers(ctx, g.ID, page)
	mustNil(t, "ListGroupMembers", err)
	if len(members) != 1 || members[0].ID != alice.ID {
		t.Errorf("members after deleting bob: %v", members)
	}

	// Deleting a group removes its memberships.
	mustNil(t, "DeleteGroup", st.DeleteGroup(ctx, g.ID))
	wantErr(t, "DeleteGroup again", st.DeleteGroup(ctx, g.ID), store.ErrNotFound)
	groups, err := st.ListUserGroups(ctx, alice.ID)
	mustNil(t, "ListUserGroups", err)
	if len(groups) != 1 || groups[0].ID != store.EveryoneGroupID {
		t.Errorf("groups after delete: %v", groups)
	}

	t.Run("ModifyUser", func(t *testing.T) { testModifyUser(t, st) })
	t.Run("ModifyUserRace", func(t *testing.T) { testModifyUserRace(t, st) })
	t.Run("FilterCaseFolding", func(t *testing.T) { testFilterCaseFolding(t, st) })
	t.Run("BoundedScan", func(t *testing.T) { testBoundedScan(t, st) })
}

func testGroupMembers(t *testing.T, st store.Store, g store.Group, alice, bob store.User) {
	ctx := context.Background()
	later := t0.Add(2 * time.Hour)
	added, err := st.AddGroupMember(ctx, g.ID, bob.ID, later)
	mustNil(t, "AddGroupMember", err)
	again, err := st.AddGroupMember(ctx, g.ID, bob.ID, later)
	mustNil(t, "AddGroupMember again", err)
	if !added || again {
		t.Errorf("added %v, again %v", added, again)
	}
	_, err = st.AddGroupMember(ctx, g.ID, "00unone", later)
	wantErr(t, "AddGroupMember unknown user", err, store.ErrNotFound)
	_, err = st.AddGroupMember(ctx, "00gnone", bob.ID, later)
	wantErr(t, "AddGroupMember unknown group", err, store.ErrNotFound)
	got, _ := st.GetGroup(ctx, g.ID)
	if !got.LastMembershipUpdated.Equal(secs(later)) {
		t.Errorf("lastMembershipUpdated %v", got.LastMembershipUpdated)
	}
	members, err := st.ListGroupMembers(ctx, g.ID, store.Page{Limit: 1})
	mustNil(t, "ListGroupMembers", err)
	if len(members) != 2 || members[0].ID != alice.ID || members[1].ID != bob.ID {
		t.Errorf("members %v", members)
	}
	everyone, err := st.ListGroupMembers(ctx, store.EveryoneGroupID, store.Page{Limit: 10})
	mustNil(t, "ListGroupMembers Everyone", err)
	if len(everyone) != 3 {
		t.Errorf("Everyone has %d members, want 3", len(everyone))
	}
	_, err = st.ListGroupMembers(ctx, "00gnone", store.Page{Limit: 10})
	wantErr(t, "ListGroupMembers unknown group", err, store.ErrNotFound)
	removed, err := st.RemoveGroupMember(ctx, g.ID, bob.ID, later)
	mustNil(t, "RemoveGroupMember", err)
	again, err = st.RemoveGroupMember(ctx, g.ID, bob.ID, later)
	mustNil(t, "RemoveGroupMember again", err)
	if !removed || again {
		t.Errorf("removed %v, again %v", removed, again)
	}

	g.Name, g.Description, g.LastUpdated, g.LastMembershipUpdated = "Builders", "", later, later
	mustNil(t, "UpdateGroup", st.UpdateGroup(ctx, g))
	got, _ = st.GetGroup(ctx, g.ID)
	diff(t, "updated group", normGroup(got), normGroup(g))
	everyoneRenamed := g
	everyoneRenamed.ID, everyoneRenamed.Name = "00gnone", "x"
	wantErr(t, "UpdateGroup unknown", st.UpdateGroup(ctx, everyoneRenamed), store.ErrNotFound)
	taken := g
	taken.Name = "everyone"
	wantErr(t, "UpdateGroup to a taken name", st.UpdateGroup(ctx, taken), store.ErrConflict)

	list, _, err := st.ListGroups(ctx, store.GroupQuery{Page: store.Page{Limit: 10},
		Filter: &store.Filter{Op: store.OpSw, Attr: "profile.name", Value: "BUI"}})
	mustNil(t, "ListGroups", err)
	if len(list) != 1 || list[0].ID != g.ID {
		t.Errorf("groups starting with BUI: %v", list)
	}
	list, _, err = st.ListGroups(ctx, store.GroupQuery{Page: store.Page{Limit: 10},
		Filter: &store.Filter{Op: store.OpEq, Attr: "type", Value: "built_in"}})
	mustNil(t, "ListGroups", err)
	if len(list) != 1 || list[0].ID != store.EveryoneGroupID {
		t.Errorf("built-in groups: %v", list)
	}
}

func normDirUser(u store.User) store.User {
	u = normUser(u)
	u.Activated, u.StatusChanged, u.LastLogin, u.PasswordChanged = secsOrZero(u.Activated), secsOrZero(u.StatusChanged),
		secsOrZero(u.LastLogin), secsOrZero(u.PasswordChanged)
	return u
}

func secsOrZero(v time.Time) time.Time {
	if v.IsZero() {
		return v
	}
	return secs(v)
}

func normGroup(g store.Group) store.Group {
	g.Created, g.LastUpdated, g.LastMembershipUpdated = secs(g.Created), secs(g.LastUpdated), secs(g.LastMembershipUpdated)
	return g
}

// testModifyUser covers ModifyUser's contract: fn sees the stored user,
// its error aborts everything, and the written user comes back.
func testModifyUser(t *testing.T, st store.Store) {
	ctx := context.Background()
	u := seedUser(t, st, "00umod", "modder")
	seedUser(t, st, "00umodtaken", "taken")
	called := false
	_, err := st.ModifyUser(ctx, "00umodnone", func(*store.User) (bool, error) { called = true; return false, nil })
	wantErr(t, "ModifyUser unknown", err, store.ErrNotFound)
	if called {
		t.Error("fn ran for an unknown user")
	}

	refused := errors.New("refused")
	_, err = st.ModifyUser(ctx, u.ID, func(v *store.User) (bool, error) { v.FirstName = "Changed"; return true, refused })
	wantErr(t, "ModifyUser whose fn fails", err, refused)
	_, err = st.ModifyUser(ctx, u.ID, func(v *store.User) (bool, error) { v.Login = "TAKEN"; return false, nil })
	wantErr(t, "ModifyUser to a taken login", err, store.ErrConflict)
	got, _ := st.GetUser(ctx, u.ID)
	diff(t, "user after refused modifications", normUser(got), normUser(u))

	mustNil(t, "CreateSession", st.CreateSession(ctx, newSession("ses-mod", u.ID, t0.Add(24*time.Hour))))
	later := t0.Add(time.Hour)
	written, err := st.ModifyUser(ctx, u.ID, func(v *store.User) (bool, error) {
		if v.FirstName != u.FirstName {
			t.Errorf("fn sees firstName %q, want %q", v.FirstName, u.FirstName)
		}
		v.ID = "00uother" // the id is not fn's to change
		v.FirstName, v.Status, v.Updated = "Changed", store.UserSuspended, later
		return true, nil
	})
	mustNil(t, "ModifyUser", err)
	u.FirstName, u.Status, u.Updated = "Changed", store.UserSuspended, later
	diff(t, "user ModifyUser returns", normUser(written), normUser(u))
	got, _ = st.GetUser(ctx, u.ID)
	diff(t, "user ModifyUser wrote", normUser(got), normUser(u))
	_, _, err = st.GetSession(ctx, "ses-mod", t0)
	wantErr(t, "session after ModifyUser ending sessions", err, store.ErrNotFound)
}

// testModifyUserRace races profile updates, failed sign-ins and a
// deactivation on one user: each must see the others' writes, so none is
// lost and the deactivation sticks.
func testModifyUserRace(t *testing.T, st store.Store) {
	ctx := context.Background()
	u := newUser("00urace", "racer")
	u.Profile = map[string]any{"edits": float64(0)}
	mustNil(t, "CreateUser", st.CreateUser(ctx, u))

	const edits, failures = 20, 5
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, edits+failures+1)
	for i := range edits {
		wg.Go(func() {
			<-start
			_, err := st.ModifyUser(ctx, u.ID, func(v *store.User) (bool, error) {
				v.FirstName = fmt.Sprintf("Edit %d", i)
				v.Profile["edits"] = v.Profile["edits"].(float64) + 1
				return false, nil
			})
			errs <- err
		})
	}
	for range failures {
		wg.Go(func() {
			<-start
			_, err := st.RecordFailedSignIn(ctx, u.ID, t0, 100)
			errs <- err
		})
	}
	wg.Go(func() {
		<-start
		_, err := st.ModifyUser(ctx, u.ID, func(v *store.User) (bool, error) {
			v.Status = store.UserDeprovisioned
			return true, nil
		})
		errs <- err
	})
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		mustNil(t, "racing write", err)
	}
	got, err := st.GetUser(ctx, u.ID)
	mustNil(t, "GetUser", err)
	if got.Status != store.UserDeprovisioned || got.Profile["edits"] != float64(edits) || got.FailedSignIns != failures {
		t.Fatalf("after the race: status %s, %v edits, %d failed sign-ins; want %s, %d, %d",
			got.Status, got.Profile["edits"], got.FailedSignIns, store.UserDeprovisioned, edits, failures)
	}
}

// testFilterCaseFolding checks that the database and Go agree on case:
// only ASCII letters fold, so a user whose name starts with the Kelvin
// sign (which Unicode lower-cases to "k") matches exactly one of a
// comparison and its negation.
func testFilterCaseFolding(t *testing.T, st store.Store) {
	ctx := context.Background()
	kelvin := newUser("00ukelvin", "\u212Aelvin")
	kelvin.FirstName, kelvin.LastName = "\u212Aelvin", "ÉCLAIR"
	mustNil(t, "CreateUser", st.CreateUser(ctx, kelvin))
	has := func(f *store.Filter) bool {
		t.Helper()
		users, _, err := st.ListUsers(ctx, store.UserQuery{Filter: f, Page: store.Page{Limit: 200}})
		mustNil(t, "ListUsers", err)
		for _, u := range users {
			if u.ID == kelvin.ID {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		attr  string
		op    store.FilterOp
		value string
		match bool
	}{
		{"profile.firstName", store.OpEq, "kelvin", false},
		{"profile.firstName", store.OpEq, "\u212AELVIN", true},
		{"profile.firstName", store.OpSw, "k", false},
		{"profile.firstName", store.OpCo, "ELV", true},
		{"profile.login", store.OpEq, "kelvin", false},
		{"profile.login", store.OpEq, "\u212AElvin", true},
		{"profile.login", store.OpSw, "\u212Ae", true},
		{"profile.lastName", store.OpEq, "éclair", false}, // É is not ASCII: no folding
		{"profile.lastName", store.OpEq, "Éclair", true},
		{"profile.lastName", store.OpCo, "CLAI", true},
	} {
		f := &store.Filter{Op: c.op, Attr: c.attr, Value: c.value}
		not := &store.Filter{Op: store.OpNot, Args: []*store.Filter{f}}
		if got, gotNot := has(f), has(not); got != c.match || gotNot == got {
			t.Errorf("%s %s %q: match %v, its negation %v; want %v and %v", c.attr, c.op, c.value, got, gotNot, c.match, !c.match)
		}
	}
}

// testBoundedScan checks that a filter SQL cannot decide examines a
// bounded number of rows per call and says where to go on from.
func testBoundedScan(t *testing.T, st store.Store) {
	ctx := context.Background()
	const n = 1100
	budget := store.MaxExamined(1)
	if budget >= n {
		t.Fatalf("budget %d does not cut %d rows short", budget, n)
	}
	marked := map[int]bool{5: true, n - 1: true}
	for i := range n {
		u := newUser(fmt.Sprintf("00uscan%04d", i), fmt.Sprintf("scan%04d", i))
		if marked[i] {
			u.Profile = map[string]any{"scanMark": "hit"}
		}
		mustNil(t, "CreateUser", st.CreateUser(ctx, u))
	}
	custom := &store.Filter{Op: store.OpEq, Attr: "profile.scanMark", Value: "hit"}
	// Every user created before sorts ahead of these; rows examined on
	// the first call therefore stop before the last marked user.
	var got []string
	var nexts []string
	after := ""
	for calls := 0; ; calls++ {
		if calls > 10 {
			t.Fatal("the scan does not end")
		}
		users, next, err := st.ListUsers(ctx, store.UserQuery{Filter: custom, Page: store.Page{Limit: 1, After: after}})
		mustNil(t, "ListUsers", err)
		if len(users) > 1 {
			t.Fatalf("a page of %d users, limit 1", len(users))
		}
		for _, u := range users {
			got = append(got, u.ID)
		}
		nexts = append(nexts, next)
		if next == "" {
			break
		}
		if next <= after {
			t.Fatalf("cursor %q does not move past %q", next, after)
		}
		after = next
	}
	diff(t, "users found across pages", got, []string{"00uscan0005", fmt.Sprintf("00uscan%04d", n-1)})
	if len(nexts) < 2 || nexts[0] == "00uscan0005" || nexts[0] >= fmt.Sprintf("00uscan%04d", n-1) {
		t.Errorf("cursors %q: the first page should stop at the last row examined, before the end", nexts)
	}
}
