package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// RunManagement runs the suites of what the Management API administers.
func RunManagement(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, newStore(t)) })
	t.Run("EveryoneGroup", func(t *testing.T) { testEveryoneGroup(t, newStore(t)) })
	t.Run("Directory", func(t *testing.T) { testDirectory(t, newStore(t)) })
	t.Run("AppsAdmin", func(t *testing.T) { testAppsAdmin(t, newStore(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, newStore(t)) })
	t.Run("EventRetention", func(t *testing.T) { testEventRetention(t, newStore(t)) })
	t.Run("Authorization", func(t *testing.T) { testAuthorization(t, newStore(t)) })
	t.Run("Claims", func(t *testing.T) { testClaims(t, newStore(t)) })
	t.Run("Console", func(t *testing.T) { testConsole(t, newStore) })
}

func testAPITokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	tok := store.APIToken{ID: "00Ttoken1", Name: "ci", UserID: "00uadmin", Hash: "h1", Window: 30 * 24 * time.Hour,
		ExpiresAt: t0.Add(30 * 24 * time.Hour), Created: t0, LastUpdated: t0}
	if err := st.CreateAPIToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAPIToken(ctx, store.APIToken{ID: "00Ttoken2", Name: "dup", Hash: "h1", ExpiresAt: t0, Created: t0, LastUpdated: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate hash: %v, want ErrConflict", err)
	}
	got, err := st.GetAPITokenByHash(ctx, "h1", t0)
	if err != nil || got.ID != tok.ID || got.Window != tok.Window || !got.LastUsed.IsZero() || !got.ExpiresAt.Equal(tok.ExpiresAt.Truncate(time.Second)) {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	if _, err := st.GetAPITokenByHash(ctx, "h1", tok.ExpiresAt.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired token found: %v", err)
	}
	// A use moves the expiry a window past the use.
	used := tok.ExpiresAt.Add(30 * time.Minute) // past the first expiry, before the moved one
	if err := st.TouchAPIToken(ctx, tok.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetAPITokenByHash(ctx, "h1", used); err != nil {
		t.Fatalf("token used 1 h after creation should live 30 days past that: %v", err)
	}
	got, _ = st.GetAPIToken(ctx, tok.ID)
	if !got.LastUsed.Equal(t0.Add(time.Hour).Truncate(time.Second)) {
		t.Fatalf("last used %v", got.LastUsed)
	}
	if list, err := st.ListAPITokens(ctx); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := st.DeleteAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteAPIToken(ctx, tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := st.GetAPITokenByHash(ctx, "h1", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token found: %v", err)
	}
}

func testEveryoneGroup(t *testing.T, st store.Store) {
	groups, err := st.ListUserGroups(context.Background(), "00usomeone")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].ID != store.EveryoneGroupID || groups[0].Type != store.GroupTypeBuiltIn || groups[0].Name != "Everyone" {
		t.Fatalf("groups of a user in no group: %+v", groups)
	}
}
