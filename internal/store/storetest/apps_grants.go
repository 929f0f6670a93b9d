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

// testAppSecretRaces runs the secret rules from many goroutines at once:
// the store decides them in the transaction that writes, so parallel
// requests cannot pass a check together and break the rule together.
func testAppSecretRaces(t *testing.T, st store.Store) {
	ctx := context.Background()
	app := store.App{ClientID: "0oaraces", Name: "Races", Type: "service", TokenEndpointAuthMethod: "client_secret_basic",
		SecretHash: "r0", Status: store.StatusActive, Created: t0}
	mustNil(t, "CreateApp", st.CreateApp(ctx, app))

	const n = 10
	run := func(fn func(i int) error) (ok int, errs []error) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				results[i] = fn(i)
			})
		}
		close(start)
		wg.Wait()
		for _, err := range results {
			if err == nil {
				ok++
			} else {
				errs = append(errs, err)
			}
		}
		return ok, errs
	}

	// The app holds one secret: of n parallel creations, one fits.
	ok, errs := run(func(i int) error {
		return st.CreateAppSecret(ctx, store.AppSecret{ID: fmt.Sprintf("ocsrace%02d", i), ClientID: app.ClientID,
			Hash: fmt.Sprintf("h%d", i), Status: store.StatusActive, Created: t0, LastUpdated: t0}, 2)
	})
	for _, err := range errs {
		if !errors.Is(err, store.ErrSecretLimit) {
			t.Errorf("parallel create: %v, want ErrSecretLimit", err)
		}
	}
	secrets, err := st.ListAppSecrets(ctx, app.ClientID)
	mustNil(t, "ListAppSecrets", err)
	if ok != 1 || len(secrets) != 2 {
		t.Fatalf("%d parallel creations: %d succeeded, the app holds %d secrets; want 1 and 2", n, ok, len(secrets))
	}

	// Both secrets are active: deactivating both at once leaves one.
	ok, errs = run(func(i int) error {
		return st.SetAppSecretStatus(ctx, app.ClientID, secrets[i%2].ID, store.StatusInactive, t0.Add(time.Minute))
	})
	for _, err := range errs {
		if !errors.Is(err, store.ErrLastActiveSecret) {
			t.Errorf("parallel deactivate: %v, want ErrLastActiveSecret", err)
		}
	}
	got, _ := st.GetApp(ctx, app.ClientID)
	if len(got.SecretHashes) != 1 || ok == 0 {
		t.Fatalf("parallel deactivations: %d succeeded, active secrets %v; want exactly one left", ok, got.SecretHashes)
	}
}

// testDeleteAppEndsGrants checks that deleting an app ends what it was
// granted: its refresh tokens and codes are gone, their live access
// tokens are revoked, an exchange still running gets no refresh token, and
// an app made again with the same client id inherits none of it. Another
// client's grants stay.
func testDeleteAppEndsGrants(t *testing.T, st store.Store, user store.User) {
	ctx := context.Background()
	now := time.Now()
	app := store.App{ClientID: "0oaclient", Name: "Gone", Type: "web", TokenEndpointAuthMethod: "client_secret_basic",
		SecretHash: "g0", RedirectURIs: []string{"https://app.example.com/callback?x=1"},
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		Status: store.StatusActive, Created: t0}
	mustNil(t, "CreateApp", st.CreateApp(ctx, app))

	live := newRefresh("rt-gone-live", "fam-gone", user.ID, now)
	mustNil(t, "CreateRefreshToken live", st.CreateRefreshToken(ctx, live))
	other := newRefresh("rt-other-client", "fam-other", user.ID, now)
	other.ClientID = "0oaother"
	mustNil(t, "CreateRefreshToken other client", st.CreateRefreshToken(ctx, other))
	used := newCode("code-gone-used", user.ID, now.Add(5*time.Minute))
	mustNil(t, "CreateCode used", st.CreateCode(ctx, used))
	_, _, err := st.RedeemCode(ctx, used.Hash, now)
	mustNil(t, "RedeemCode", err)
	unused := newCode("code-gone-unused", user.ID, now.Add(5*time.Minute))
	mustNil(t, "CreateCode unused", st.CreateCode(ctx, unused))

	mustNil(t, "DeleteApp", st.DeleteApp(ctx, app.ClientID, now))
	mustNil(t, "CreateApp with the same client id", st.CreateApp(ctx, app))

	refreshAbsent(t, st, "refresh token of a deleted app", live.Hash)
	if !atRevoked(t, st, live) {
		t.Error("the access token of a deleted app's refresh token is not revoked")
	}
	if revoked, err := isRevoked(ctx, st, "AT."+used.AccessTokenJTI); err != nil || !revoked {
		t.Errorf("the access token of a deleted app's redeemed code: revoked %v, %v", revoked, err)
	}
	_, _, err = st.RedeemCode(ctx, unused.Hash, now)
	wantErr(t, "RedeemCode of a deleted app", err, store.ErrNotFound)
	// The exchange of the redeemed code, still running, cannot start a family.
	late := newRefresh("rt-gone-late", used.Hash, user.ID, now)
	wantErr(t, "refresh token of an exchange that outlived its app", st.CreateRefreshToken(ctx, late), store.ErrAlreadyUsed)

	if got := getRefresh(t, st, other.Hash); !got.RevokedAt.IsZero() || atRevoked(t, st, other) {
		t.Errorf("another client's grant was ended: %+v", got)
	}
	mustNil(t, "DeleteApp again", st.DeleteApp(ctx, app.ClientID, now))
}
