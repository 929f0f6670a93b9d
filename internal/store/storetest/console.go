package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// testConsole runs the suites of what the Admin Console keeps: the
// administrators' roles and the org's branding.
func testConsole(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Roles", func(t *testing.T) { testRoles(t, newStore(t)) })
	t.Run("RolesOfDeletedUser", func(t *testing.T) { testRolesOfDeletedUser(t, newStore(t)) })
	t.Run("Branding", func(t *testing.T) { testBranding(t, newStore(t)) })
}

func normRole(a store.RoleAssignment) store.RoleAssignment { a.Created = secs(a.Created); return a }

func normRoles(list []store.RoleAssignment) []store.RoleAssignment {
	out := []store.RoleAssignment{}
	for _, a := range list {
		out = append(out, normRole(a))
	}
	return out
}

func roleHolders(t *testing.T, st store.Store) []store.RoleAssignment {
	t.Helper()
	list, err := st.ListRoleHolders(context.Background())
	mustNil(t, "ListRoleHolders", err)
	return normRoles(list)
}

func userRoles(t *testing.T, st store.Store, userID string) []store.RoleAssignment {
	t.Helper()
	list, err := st.ListUserRoles(context.Background(), userID)
	mustNil(t, "ListUserRoles "+userID, err)
	return normRoles(list)
}

func testRoles(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	bob := seedUser(t, st, "00ubob", "bob")
	diff(t, "roles of a user without any", userRoles(t, st, alice.ID), []store.RoleAssignment{})
	diff(t, "role holders of an empty org", roleHolders(t, st), []store.RoleAssignment{})

	// Added out of creation order, with ids in neither order: lists go
	// oldest first.
	aliceRead := store.RoleAssignment{ID: "ra1b", UserID: alice.ID, Type: "READ_ONLY_ADMIN", Created: t0.Add(2 * time.Second)}
	aliceSuper := store.RoleAssignment{ID: "ra1c", UserID: alice.ID, Type: "SUPER_ADMIN", Created: t0}
	bobSuper := store.RoleAssignment{ID: "ra1a", UserID: bob.ID, Type: "SUPER_ADMIN", Created: t0.Add(time.Second)}
	for _, a := range []store.RoleAssignment{aliceRead, aliceSuper, bobSuper} {
		mustNil(t, "AddUserRole "+a.ID, st.AddUserRole(ctx, a))
	}
	diff(t, "alice's roles, oldest first", userRoles(t, st, alice.ID),
		[]store.RoleAssignment{normRole(aliceSuper), normRole(aliceRead)})
	diff(t, "bob's roles", userRoles(t, st, bob.ID), []store.RoleAssignment{normRole(bobSuper)})
	diff(t, "role holders, oldest first", roleHolders(t, st),
		[]store.RoleAssignment{normRole(aliceSuper), normRole(bobSuper), normRole(aliceRead)})

	again := store.RoleAssignment{ID: "ra1d", UserID: alice.ID, Type: "SUPER_ADMIN", Created: t0.Add(time.Hour)}
	wantErr(t, "AddUserRole of a role held already", st.AddUserRole(ctx, again), store.ErrConflict)
	stranger := store.RoleAssignment{ID: "ra1e", UserID: "00unobody", Type: "SUPER_ADMIN", Created: t0}
	wantErr(t, "AddUserRole for an unknown user", st.AddUserRole(ctx, stranger), store.ErrNotFound)
	diff(t, "role holders after refused adds", roleHolders(t, st),
		[]store.RoleAssignment{normRole(aliceSuper), normRole(bobSuper), normRole(aliceRead)})

	wantErr(t, "DeleteUserRole unknown id", st.DeleteUserRole(ctx, alice.ID, "ra1nothere"), store.ErrNotFound)
	wantErr(t, "DeleteUserRole of another user's assignment", st.DeleteUserRole(ctx, alice.ID, bobSuper.ID), store.ErrNotFound)
	mustNil(t, "DeleteUserRole", st.DeleteUserRole(ctx, alice.ID, aliceSuper.ID))
	wantErr(t, "DeleteUserRole twice", st.DeleteUserRole(ctx, alice.ID, aliceSuper.ID), store.ErrNotFound)
	diff(t, "alice's roles after the delete", userRoles(t, st, alice.ID), []store.RoleAssignment{normRole(aliceRead)})
	diff(t, "bob's roles after alice's delete", userRoles(t, st, bob.ID), []store.RoleAssignment{normRole(bobSuper)})

	// The deleted role can be held again.
	mustNil(t, "AddUserRole after the delete", st.AddUserRole(ctx, again))
	diff(t, "alice's roles after adding again", userRoles(t, st, alice.ID),
		[]store.RoleAssignment{normRole(aliceRead), normRole(again)})
}

func testRolesOfDeletedUser(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	bob := seedUser(t, st, "00ubob", "bob")
	aliceRole := store.RoleAssignment{ID: "ra1alice", UserID: alice.ID, Type: "SUPER_ADMIN", Created: t0}
	bobRole := store.RoleAssignment{ID: "ra1bob", UserID: bob.ID, Type: "READ_ONLY_ADMIN", Created: t0}
	mustNil(t, "AddUserRole alice", st.AddUserRole(ctx, aliceRole))
	mustNil(t, "AddUserRole bob", st.AddUserRole(ctx, bobRole))

	mustNil(t, "DeleteUser bob", st.DeleteUser(ctx, bob.ID))
	diff(t, "role holders after bob's deletion", roleHolders(t, st), []store.RoleAssignment{normRole(aliceRole)})
	diff(t, "roles of the deleted user", userRoles(t, st, bob.ID), []store.RoleAssignment{})
	// A new user who reuses the login inherits nothing.
	carol := seedUser(t, st, "00ucarol", "bob")
	diff(t, "roles of a new user with the deleted login", userRoles(t, st, carol.ID), []store.RoleAssignment{})
}

func testBranding(t *testing.T, st store.Store) {
	ctx := context.Background()
	got, err := st.GetBranding(ctx)
	mustNil(t, "GetBranding unset", err)
	diff(t, "branding never set", got, store.Branding{})

	// Logo bytes of every value, a zero byte and invalid UTF-8 included.
	logo := append([]byte("\x89PNG\r\n\x1a\n\x00\xff"), bytes.Repeat([]byte{0, 0xfe, 'x'}, 4000)...)
	first := store.Branding{Title: "Acme \"Sign-in\" ✓", PrimaryColor: "#1a2b3c", BackgroundColor: "#ffffff",
		Logo: logo, LogoType: "image/png", Updated: t0}
	mustNil(t, "SetBranding", st.SetBranding(ctx, first))
	got, err = st.GetBranding(ctx)
	mustNil(t, "GetBranding", err)
	want := first
	want.Updated = secs(want.Updated)
	diff(t, "branding after the first set", got, want)

	// A replacement replaces every field: the logo goes, the colours reset.
	second := store.Branding{Title: "Acme", Updated: t0.Add(time.Hour)}
	mustNil(t, "SetBranding replace", st.SetBranding(ctx, second))
	got, err = st.GetBranding(ctx)
	mustNil(t, "GetBranding after replace", err)
	want = second
	want.Updated = secs(want.Updated)
	diff(t, "branding after the replacement", got, want)
	if got.Logo != nil {
		t.Errorf("a removed logo reads back as %v, want nil", got.Logo)
	}

	// An empty, non-nil logo is no logo.
	third := store.Branding{Title: "Acme", Logo: []byte{}, Updated: t0.Add(2 * time.Hour)}
	mustNil(t, "SetBranding empty logo", st.SetBranding(ctx, third))
	got, err = st.GetBranding(ctx)
	mustNil(t, "GetBranding after an empty logo", err)
	if got.Logo != nil || !got.Updated.Equal(secs(third.Updated)) {
		t.Errorf("branding after an empty logo: %+v", got)
	}
}
