package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// RunFamilyTombstone checks that a revoked refresh family accepts no new
// token: a code replay that revokes the grant while the first exchange is
// still creating its refresh token must leave no live token behind.
func RunFamilyTombstone(t *testing.T, newStore func(t *testing.T) store.Store) {
	st := newStore(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	if err := st.RevokeRefreshFamily(ctx, "fam-replayed", now); err != nil {
		t.Fatal(err)
	}
	rt := store.RefreshToken{
		Hash: "late-token", FamilyID: "fam-replayed", AuthServerID: "default", ClientID: "0oaclient", UserID: "00uuser",
		Scopes: []string{"openid", "offline_access"}, AMR: []string{"pwd"}, AuthTime: now, AccessTokenJTI: "AT.late",
		AccessTokenExpiresAt: now.Add(time.Hour), Created: now, IdleExpiresAt: now.Add(24 * time.Hour),
	}
	if err := st.CreateRefreshToken(ctx, rt); !errors.Is(err, store.ErrAlreadyUsed) {
		t.Fatalf("CreateRefreshToken in a revoked family: %v, want ErrAlreadyUsed", err)
	}
	if _, err := st.GetRefreshToken(ctx, rt.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused token was stored (%v)", err)
	}
	rt.Hash, rt.FamilyID = "other-token", "fam-live"
	if err := st.CreateRefreshToken(ctx, rt); err != nil {
		t.Errorf("CreateRefreshToken in a live family: %v", err)
	}
}
