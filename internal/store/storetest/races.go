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

// --- races ---

func testRedeemRace(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	c := newCode("code-race", alice.ID, time.Now().Add(5*time.Minute))
	mustNil(t, "CreateCode", st.CreateCode(ctx, c))

	const n = 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	codes := make([]store.Code, n)
	for i := range n {
		wg.Go(func() {
			<-start
			codes[i], _, errs[i] = st.RedeemCode(ctx, c.Hash, time.Now())
		})
	}
	close(start)
	wg.Wait()
	wins, used := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, store.ErrAlreadyUsed):
			used++
			if codes[i].AccessTokenJTI != c.AccessTokenJTI {
				t.Errorf("loser %d got record %+v without the code's access token jti", i, codes[i])
			}
		default:
			t.Errorf("redeemer %d: unexpected error %v", i, err)
		}
	}
	if wins != 1 || used != n-1 {
		t.Fatalf("%d redeemers: %d won and %d got ErrAlreadyUsed; want 1 and %d", n, wins, used, n-1)
	}
}

func testSigningKeyRace(t *testing.T, st store.Store) {
	ctx := context.Background()
	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = st.CreateSigningKey(ctx, store.SigningKey{KID: fmt.Sprintf("kid-%d", i), AuthServerID: "default",
				Alg: "RS256", PrivateKey: []byte{byte(i)}, Status: store.KeyCurrent, Created: time.Now()})
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, store.ErrConflict):
		default:
			t.Errorf("creator %d: unexpected error %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d creators of the first current key: %d succeeded, want exactly 1", n, wins)
	}
	keys, err := st.ListSigningKeys(ctx, "default")
	mustNil(t, "ListSigningKeys", err)
	if len(keys) != 1 || keys[0].Status != store.KeyCurrent {
		t.Fatalf("after the race the server has keys %+v, want one current key", keys)
	}
}

func testRefreshRotateRace(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	now := t0
	rt := newRefresh("rt-race", "fam-race", alice.ID, now.Add(-time.Minute))
	mustNil(t, "CreateRefreshToken", st.CreateRefreshToken(ctx, rt))

	const n = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			_, _, errs[i] = st.RotateRefreshToken(ctx, rt.Hash, rt.ClientID, rt.AuthServerID,
				newRefresh(fmt.Sprintf("rt-race-next-%d", i), "", alice.ID, now), now, 0)
		})
	}
	close(start)
	wg.Wait()
	winner, used := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("rotators %d and %d both succeeded", winner, i)
			}
			winner = i
		case errors.Is(err, store.ErrAlreadyUsed):
			used++
		case errors.Is(err, store.ErrNotFound): // the family was already revoked by a replay
		default:
			t.Errorf("rotator %d: unexpected error %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("%d rotators of one token: none succeeded (%v)", n, errs)
	}
	// The first loser to see the retired token is a replay, which ends the
	// family, the winner's new token included.
	if used == 0 {
		t.Errorf("%d rotators: one won and none got ErrAlreadyUsed", n)
	}
	for i := range n {
		h := fmt.Sprintf("rt-race-next-%d", i)
		if i != winner {
			refreshAbsent(t, st, fmt.Sprintf("next token of losing rotator %d", i), h)
			continue
		}
		got := getRefresh(t, st, h)
		if got.FamilyID != rt.FamilyID || got.RevokedAt.IsZero() || !atRevoked(t, st, got) {
			t.Errorf("winner's token after the race: family %q, RevokedAt %v, access token revoked %v; "+
				"want family %q, revoked with its access token", got.FamilyID, got.RevokedAt, atRevoked(t, st, got), rt.FamilyID)
		}
	}
	if got := getRefresh(t, st, rt.Hash); got.RotatedAt.IsZero() || got.RevokedAt.IsZero() || !atRevoked(t, st, rt) {
		t.Errorf("raced token afterwards: RotatedAt %v, RevokedAt %v, access token revoked %v; want all set",
			got.RotatedAt, got.RevokedAt, atRevoked(t, st, rt))
	}
}

func testRotateSigningKeysRace(t *testing.T, st store.Store) {
	ctx := context.Background()
	key := func(kid, status string, created time.Time) store.SigningKey {
		return store.SigningKey{KID: kid, AuthServerID: "default", Alg: "RS256", PrivateKey: []byte(kid),
			Status: status, Created: created}
	}
	prev := key("kid-prev", store.KeyPrevious, t0.Add(-72*time.Hour))
	cur := key("kid-cur", store.KeyCurrent, t0.Add(-48*time.Hour))
	next := key("kid-next", store.KeyNext, t0.Add(-47*time.Hour))
	for _, k := range []store.SigningKey{prev, cur, next} {
		mustNil(t, "CreateSigningKey "+k.KID, st.CreateSigningKey(ctx, k))
	}

	// Replicas on a one-day timer all find the current key due, on each of
	// several days: every day exactly one of them rotates.
	const n, days = 10, 4
	for day := range days {
		now := t0.Add(time.Duration(day) * 48 * time.Hour)
		notAfter := now.Add(-24 * time.Hour)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		rotated := make([]bool, n)
		for i := range n {
			wg.Go(func() {
				<-start
				rotated[i], errs[i] = st.RotateSigningKeys(ctx, "default",
					key(fmt.Sprintf("kid-day%d-%d", day, i), store.KeyNext, now), notAfter)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i := range n {
			if errs[i] != nil {
				t.Errorf("day %d: rotator %d: %v", day, i, errs[i])
			}
			if rotated[i] {
				if winner >= 0 {
					t.Errorf("day %d: rotators %d and %d both rotated", day, winner, i)
				}
				winner = i
			}
		}
		keys, err := st.ListSigningKeys(ctx, "default")
		mustNil(t, "ListSigningKeys", err)
		count := map[string]int{}
		kids := map[string]string{}
		for _, k := range keys {
			count[k.Status]++
			kids[k.Status] = k.KID
		}
		if len(keys) != 3 || count[store.KeyCurrent] != 1 || count[store.KeyNext] != 1 || count[store.KeyPrevious] != 1 {
			t.Fatalf("day %d: after %d racing rotations the server has keys %+v; want one current, one next, one previous",
				day, n, keys)
		}
		if winner < 0 {
			t.Fatalf("day %d: %d racing rotations, none reported rotated=true", day, n)
		}
		want := map[string]string{store.KeyPrevious: cur.KID, store.KeyCurrent: next.KID,
			store.KeyNext: fmt.Sprintf("kid-day%d-%d", day, winner)}
		diff(t, fmt.Sprintf("day %d: keys after the race (status → kid)", day), kids, want)
		cur, next = next, key(want[store.KeyNext], store.KeyNext, now)
	}
}
