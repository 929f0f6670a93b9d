package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// --- refresh tokens ---

func testRefreshTokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	full := newRefresh("rt-full", "fam-full", alice.ID, t0)
	// No absolute end, no access token, nil lists: zero and empty come back so.
	minimal := store.RefreshToken{Hash: "rt-min", FamilyID: "fam-min", AuthServerID: store.OrgServerID,
		ClientID: "0oaspa", UserID: alice.ID, AuthTime: t0, Created: t0, IdleExpiresAt: t0.Add(time.Hour)}
	mustNil(t, "CreateRefreshToken full", st.CreateRefreshToken(ctx, full))
	mustNil(t, "CreateRefreshToken minimal", st.CreateRefreshToken(ctx, minimal))
	wantErr(t, "CreateRefreshToken duplicate hash",
		st.CreateRefreshToken(ctx, newRefresh("rt-full", "fam-other", alice.ID, t0.Add(time.Minute))), store.ErrConflict)

	for _, want := range []store.RefreshToken{full, minimal} {
		got := getRefresh(t, st, want.Hash)
		diff(t, "GetRefreshToken "+want.Hash, got, normRefresh(want))
		if !got.RotatedAt.IsZero() || !got.RevokedAt.IsZero() {
			t.Errorf("new token %s: RotatedAt %v, RevokedAt %v; want both zero", want.Hash, got.RotatedAt, got.RevokedAt)
		}
	}
	got := getRefresh(t, st, minimal.Hash)
	if !got.ExpiresAt.IsZero() || !got.AccessTokenExpiresAt.IsZero() {
		t.Errorf("zero ExpiresAt/AccessTokenExpiresAt came back as %v/%v", got.ExpiresAt, got.AccessTokenExpiresAt)
	}

	_, err := st.GetRefreshToken(ctx, "rt-unknown")
	wantErr(t, "GetRefreshToken unknown", err, store.ErrNotFound)
	_, err = st.GetRefreshToken(ctx, "RT-FULL")
	wantErr(t, "GetRefreshToken is case-sensitive", err, store.ErrNotFound)
}

func testRefreshRotation(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	seedUser(t, st, "00ubob", "bob")
	rt1 := newRefresh("rt-1", "fam-1", alice.ID, t0)
	mustNil(t, "CreateRefreshToken", st.CreateRefreshToken(ctx, rt1))

	// next names another grant altogether: the store takes the grant from
	// the retired token and only hash, access token and times from next.
	now := t0.Add(10 * time.Minute)
	next := store.RefreshToken{Hash: "rt-2", FamilyID: "fam-from-elsewhere", AuthServerID: store.OrgServerID,
		ClientID: "0oaother", UserID: "00ubob", Scopes: []string{"openid"}, AMR: []string{"swk"}, AuthTime: now,
		AccessTokenJTI: "jti-rt-2", AccessTokenExpiresAt: now.Add(time.Hour), Created: now,
		ExpiresAt: now.Add(24 * time.Hour), IdleExpiresAt: now.Add(7 * 24 * time.Hour)}
	old, user, err := st.RotateRefreshToken(ctx, rt1.Hash, rt1.ClientID, rt1.AuthServerID, next, now, time.Minute)
	mustNil(t, "RotateRefreshToken", err)
	if !old.RotatedAt.IsZero() && !secs(old.RotatedAt).Equal(secs(now)) {
		t.Errorf("returned token's RotatedAt = %v, want zero or %v", old.RotatedAt, secs(now))
	}
	gotOld := normRefresh(old)
	gotOld.RotatedAt = time.Time{}
	diff(t, "token returned by RotateRefreshToken", gotOld, normRefresh(rt1))
	diff(t, "user returned by RotateRefreshToken", normUser(user), normUser(alice))

	diff(t, "stored next token", getRefresh(t, st, next.Hash), normRefresh(child(next, rt1)))
	wantOld := rt1
	wantOld.RotatedAt = now
	diff(t, "retired token", getRefresh(t, st, rt1.Hash), normRefresh(wantOld))

	// The new token is live and rotates in turn.
	now2 := now.Add(time.Hour)
	third := newRefresh("rt-3", "", alice.ID, now2)
	// It belongs to the retired token's client and server, not to those next named.
	_, _, err = st.RotateRefreshToken(ctx, next.Hash, next.ClientID, next.AuthServerID, third, now2, time.Minute)
	wantErr(t, "RotateRefreshToken of the new token with the client and server next named", err, store.ErrNotFound)
	old, _, err = st.RotateRefreshToken(ctx, next.Hash, rt1.ClientID, rt1.AuthServerID, third, now2, time.Minute)
	mustNil(t, "RotateRefreshToken of the new token", err)
	if old.Hash != next.Hash || old.FamilyID != rt1.FamilyID {
		t.Errorf("second rotation returned %s of family %s, want %s of family %s", old.Hash, old.FamilyID, next.Hash, rt1.FamilyID)
	}
	diff(t, "third token", getRefresh(t, st, third.Hash), normRefresh(child(third, rt1)))
	if got := getRefresh(t, st, next.Hash); !got.RotatedAt.Equal(secs(now2)) || !got.RevokedAt.IsZero() {
		t.Errorf("second token after its rotation: RotatedAt %v, RevokedAt %v; want %v and zero", got.RotatedAt, got.RevokedAt, secs(now2))
	}
	// The first token's retirement is not touched by later rotations.
	diff(t, "first token after the second rotation", getRefresh(t, st, rt1.Hash), normRefresh(wantOld))

	// The user comes from the stored token, not from next.
	bobs := newRefresh("rt-bob", "fam-bob", "00ubob", t0)
	mustNil(t, "CreateRefreshToken bob", st.CreateRefreshToken(ctx, bobs))
	_, user, err = st.RotateRefreshToken(ctx, bobs.Hash, bobs.ClientID, bobs.AuthServerID,
		newRefresh("rt-bob-2", "", alice.ID, now), now, time.Minute)
	mustNil(t, "RotateRefreshToken bob", err)
	if user.ID != "00ubob" {
		t.Errorf("rotation of bob's token returned user %s", user.ID)
	}
	if got := getRefresh(t, st, "rt-bob-2"); got.UserID != "00ubob" {
		t.Errorf("bob's next token stored for user %s", got.UserID)
	}

	// A grant without an absolute end keeps none, whatever next says.
	open := newRefresh("rt-open", "fam-open", alice.ID, t0)
	open.ExpiresAt = time.Time{}
	mustNil(t, "CreateRefreshToken without absolute end", st.CreateRefreshToken(ctx, open))
	openNext := newRefresh("rt-open-2", "", alice.ID, now)
	_, _, err = st.RotateRefreshToken(ctx, open.Hash, open.ClientID, open.AuthServerID, openNext, now, time.Minute)
	mustNil(t, "RotateRefreshToken without absolute end", err)
	diff(t, "next token of a grant without absolute end", getRefresh(t, st, openNext.Hash), normRefresh(child(openNext, open)))
}

func testRefreshRefused(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	now := t0
	live := newRefresh("rt-live", "fam-live", alice.ID, now)
	idle := newRefresh("rt-idle", "fam-idle", alice.ID, now)
	idle.IdleExpiresAt, idle.ExpiresAt = now.Add(time.Hour), now.Add(24*time.Hour)
	abs := newRefresh("rt-abs", "fam-abs", alice.ID, now)
	abs.ExpiresAt, abs.IdleExpiresAt = now.Add(time.Hour), now.Add(2*time.Hour)
	for _, rt := range []store.RefreshToken{live, idle, abs} {
		mustNil(t, "CreateRefreshToken "+rt.Hash, st.CreateRefreshToken(ctx, rt))
	}

	later := now.Add(time.Hour + time.Second)
	for i, a := range []struct {
		name, hash, clientID, authServerID string
		at                                 time.Time
	}{
		{"wrong client", live.Hash, "0oaother", live.AuthServerID, now},
		{"wrong auth server", live.Hash, live.ClientID, store.OrgServerID, now},
		{"unknown hash", "rt-unknown", live.ClientID, live.AuthServerID, now},
		{"idle-expired", idle.Hash, idle.ClientID, idle.AuthServerID, later},
		{"idle-expired long ago", idle.Hash, idle.ClientID, idle.AuthServerID, now.Add(30 * 24 * time.Hour)},
		{"absolute-expired (idle end still ahead)", abs.Hash, abs.ClientID, abs.AuthServerID, later},
	} {
		next := newRefresh(fmt.Sprintf("rt-refused-%d", i), "", alice.ID, a.at)
		_, _, err := st.RotateRefreshToken(ctx, a.hash, a.clientID, a.authServerID, next, a.at, time.Minute)
		wantErr(t, "RotateRefreshToken "+a.name, err, store.ErrNotFound)
		refreshAbsent(t, st, "next token of a refused rotation ("+a.name+")", next.Hash)
	}
	for _, rt := range []store.RefreshToken{live, idle, abs} {
		diff(t, "after refused rotations, "+rt.Hash, getRefresh(t, st, rt.Hash), normRefresh(rt))
		if atRevoked(t, st, rt) {
			t.Errorf("a refused rotation revoked the access token of %s", rt.Hash)
		}
	}

	// Expiry is judged against the caller's clock: a second before its
	// end each token still rotates.
	for _, rt := range []store.RefreshToken{idle, abs} {
		at := rt.IdleExpiresAt
		if !rt.ExpiresAt.IsZero() && rt.ExpiresAt.Before(at) {
			at = rt.ExpiresAt
		}
		at = at.Add(-time.Second)
		_, _, err := st.RotateRefreshToken(ctx, rt.Hash, rt.ClientID, rt.AuthServerID,
			newRefresh(rt.Hash+"-next", "", alice.ID, at), at, time.Minute)
		mustNil(t, "RotateRefreshToken a second before the end of "+rt.Hash, err)
	}

	// A retired token presented by another client or to another server is
	// foreign, not a replay: the family lives on.
	_, _, err := st.RotateRefreshToken(ctx, live.Hash, live.ClientID, live.AuthServerID,
		newRefresh("rt-live-2", "", alice.ID, now), now, time.Minute)
	mustNil(t, "RotateRefreshToken live", err)
	replayAt := now.Add(time.Hour)
	for _, a := range []struct{ name, clientID, authServerID string }{
		{"wrong client", "0oaother", live.AuthServerID},
		{"wrong auth server", live.ClientID, store.OrgServerID},
	} {
		_, _, err := st.RotateRefreshToken(ctx, live.Hash, a.clientID, a.authServerID,
			newRefresh("rt-foreign", "", alice.ID, replayAt), replayAt, 0)
		wantErr(t, "retired token presented with the "+a.name, err, store.ErrNotFound)
	}
	refreshAbsent(t, st, "next token of a foreign replay", "rt-foreign")
	for _, h := range []string{live.Hash, "rt-live-2"} {
		if got := getRefresh(t, st, h); !got.RevokedAt.IsZero() || atRevoked(t, st, got) {
			t.Errorf("a foreign replay revoked %s (RevokedAt %v)", h, got.RevokedAt)
		}
	}
}

func testRefreshReplay(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	now := t0
	g1 := newRefresh("g-1", "fam-g", alice.ID, now)
	other := newRefresh("o-1", "fam-other", alice.ID, now) // another grant of the same user and client
	mustNil(t, "CreateRefreshToken g-1", st.CreateRefreshToken(ctx, g1))
	mustNil(t, "CreateRefreshToken o-1", st.CreateRefreshToken(ctx, other))

	const grace = time.Minute
	// g-2's access token expires before the replay: there is no need to
	// record its revocation.
	g2 := newRefresh("g-2", "", alice.ID, now)
	g2.AccessTokenExpiresAt = now.Add(time.Minute)
	_, _, err := st.RotateRefreshToken(ctx, g1.Hash, g1.ClientID, g1.AuthServerID, g2, now, grace)
	mustNil(t, "RotateRefreshToken g-1", err)

	// Within grace (the client lost the answer and retries) the retired
	// token rotates again, and the successor of its first use is revoked:
	// the family keeps one live token.
	retry := now.Add(30 * time.Second)
	g3 := newRefresh("g-3", "fam-from-elsewhere", alice.ID, retry)
	old, user, err := st.RotateRefreshToken(ctx, g1.Hash, g1.ClientID, g1.AuthServerID, g3, retry, grace)
	mustNil(t, "RotateRefreshToken g-1 again within grace", err)
	if old.Hash != g1.Hash || user.ID != alice.ID {
		t.Errorf("retry within grace returned token %s of user %s", old.Hash, user.ID)
	}
	diff(t, "second child", getRefresh(t, st, g3.Hash), normRefresh(child(g3, g1)))
	if got := getRefresh(t, st, g2.Hash); !got.RevokedAt.Equal(secs(retry)) || !atRevoked(t, st, g2) {
		t.Errorf("the first successor after a retry: RevokedAt %v (want %v), access token revoked %v",
			got.RevokedAt, secs(retry), atRevoked(t, st, g2))
	}
	// The retirement time stays the first use, so retries cannot stretch grace.
	if got := getRefresh(t, st, g1.Hash); !got.RotatedAt.Equal(secs(now)) {
		t.Errorf("retired token's RotatedAt after a retry = %v, want %v", got.RotatedAt, secs(now))
	}

	// Past grace it is a replay: ErrAlreadyUsed, and the whole family ends.
	replayAt := now.Add(2 * time.Minute)
	_, _, err = st.RotateRefreshToken(ctx, g1.Hash, g1.ClientID, g1.AuthServerID,
		newRefresh("g-4", "", alice.ID, replayAt), replayAt, grace)
	wantErr(t, "RotateRefreshToken past grace", err, store.ErrAlreadyUsed)
	refreshAbsent(t, st, "next token of a replay", "g-4")
	revokedAt := map[string]time.Time{g1.Hash: replayAt, g2.Hash: retry, g3.Hash: replayAt}
	for _, rt := range []store.RefreshToken{g1, g2, g3} {
		got := getRefresh(t, st, rt.Hash)
		if !got.RevokedAt.Equal(secs(revokedAt[rt.Hash])) {
			t.Errorf("after the replay %s has RevokedAt %v, want %v", rt.Hash, got.RevokedAt, secs(revokedAt[rt.Hash]))
		}
		wantAT := rt.AccessTokenExpiresAt.After(revokedAt[rt.Hash])
		if got := atRevoked(t, st, rt); got != wantAT {
			t.Errorf("after the replay, access token of %s (expires %v) revoked = %v, want %v",
				rt.Hash, rt.AccessTokenExpiresAt, got, wantAT)
		}
	}
	if got := getRefresh(t, st, g1.Hash); !got.RotatedAt.Equal(secs(now)) {
		t.Errorf("revocation changed g-1's RotatedAt to %v", got.RotatedAt)
	}
	diff(t, "the other family after the replay", getRefresh(t, st, other.Hash), normRefresh(other))
	if atRevoked(t, st, other) {
		t.Error("the replay revoked the other family's access token")
	}

	// Revoked tokens, live or retired, are not found; trying changes nothing.
	for _, rt := range []store.RefreshToken{g1, g2, g3} {
		at := replayAt.Add(time.Second)
		_, _, err := st.RotateRefreshToken(ctx, rt.Hash, rt.ClientID, rt.AuthServerID,
			newRefresh(rt.Hash+"-after", "", alice.ID, at), at, grace)
		wantErr(t, "RotateRefreshToken of revoked "+rt.Hash, err, store.ErrNotFound)
		refreshAbsent(t, st, "next token of a revoked token", rt.Hash+"-after")
		if got := getRefresh(t, st, rt.Hash); !got.RevokedAt.Equal(secs(revokedAt[rt.Hash])) {
			t.Errorf("%s RevokedAt changed to %v", rt.Hash, got.RevokedAt)
		}
	}

	// With no grace, any second use is a replay, however soon.
	h1 := newRefresh("h-1", "fam-h", alice.ID, now)
	mustNil(t, "CreateRefreshToken h-1", st.CreateRefreshToken(ctx, h1))
	h2 := newRefresh("h-2", "", alice.ID, now)
	_, _, err = st.RotateRefreshToken(ctx, h1.Hash, h1.ClientID, h1.AuthServerID, h2, now, 0)
	mustNil(t, "RotateRefreshToken h-1", err)
	at := now.Add(time.Second)
	_, _, err = st.RotateRefreshToken(ctx, h1.Hash, h1.ClientID, h1.AuthServerID, newRefresh("h-3", "", alice.ID, at), at, 0)
	wantErr(t, "second use with grace 0", err, store.ErrAlreadyUsed)
	refreshAbsent(t, st, "next token of a replay", "h-3")
	for _, rt := range []store.RefreshToken{h1, h2} {
		if got := getRefresh(t, st, rt.Hash); !got.RevokedAt.Equal(secs(at)) || !atRevoked(t, st, rt) {
			t.Errorf("after the grace-0 replay %s has RevokedAt %v (want %v), access token revoked %v",
				rt.Hash, got.RevokedAt, secs(at), atRevoked(t, st, rt))
		}
	}
	diff(t, "the other family after the second replay", getRefresh(t, st, other.Hash), normRefresh(other))
}

func testRevokeRefreshFamily(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	r1 := newRefresh("r-1", "fam-r", alice.ID, t0)
	s1 := newRefresh("s-1", "fam-s", alice.ID, t0)
	mustNil(t, "CreateRefreshToken r-1", st.CreateRefreshToken(ctx, r1))
	mustNil(t, "CreateRefreshToken s-1", st.CreateRefreshToken(ctx, s1))
	r2 := newRefresh("r-2", "", alice.ID, t0.Add(time.Minute))
	r2.AccessTokenExpiresAt = t0.Add(2 * time.Minute) // passed by the revocation
	_, _, err := st.RotateRefreshToken(ctx, r1.Hash, r1.ClientID, r1.AuthServerID, r2, r2.Created, time.Minute)
	mustNil(t, "RotateRefreshToken r-1", err)

	at := t0.Add(5 * time.Minute)
	mustNil(t, "RevokeRefreshFamily", st.RevokeRefreshFamily(ctx, r1.FamilyID, at))
	check := func(when string) {
		t.Helper()
		for _, rt := range []store.RefreshToken{r1, r2} {
			if got := getRefresh(t, st, rt.Hash); !got.RevokedAt.Equal(secs(at)) {
				t.Errorf("%s: %s RevokedAt = %v, want %v", when, rt.Hash, got.RevokedAt, secs(at))
			}
		}
		if !atRevoked(t, st, r1) {
			t.Errorf("%s: access token of r-1 is not revoked", when)
		}
		if atRevoked(t, st, r2) {
			t.Errorf("%s: access token of r-2, expired before the revocation, was recorded", when)
		}
		diff(t, when+": the other family", getRefresh(t, st, s1.Hash), normRefresh(s1))
		if atRevoked(t, st, s1) {
			t.Errorf("%s: the other family's access token was revoked", when)
		}
	}
	check("after RevokeRefreshFamily")

	_, _, err = st.RotateRefreshToken(ctx, r2.Hash, r2.ClientID, r2.AuthServerID,
		newRefresh("r-3", "", alice.ID, at), at, time.Minute)
	wantErr(t, "RotateRefreshToken of a revoked token", err, store.ErrNotFound)
	refreshAbsent(t, st, "next token of a revoked token", "r-3")

	// Idempotent: again, later, changes nothing.
	mustNil(t, "RevokeRefreshFamily again", st.RevokeRefreshFamily(ctx, r1.FamilyID, at.Add(time.Hour)))
	check("after RevokeRefreshFamily twice")
}

func testDeleteExpiredRefresh(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	now := t0
	mk := func(hash string, created, idleEnd time.Time) store.RefreshToken {
		rt := newRefresh(hash, "fam-"+hash, alice.ID, created)
		rt.IdleExpiresAt = idleEnd
		mustNil(t, "CreateRefreshToken "+hash, st.CreateRefreshToken(ctx, rt))
		return rt
	}
	rotate := func(rt store.RefreshToken, next store.RefreshToken, at time.Time) {
		t.Helper()
		_, _, err := st.RotateRefreshToken(ctx, rt.Hash, rt.ClientID, rt.AuthServerID, next, at, time.Minute)
		mustNil(t, "RotateRefreshToken "+rt.Hash, err)
	}
	var expired, kept []string
	for i := range 3 {
		rt := mk(fmt.Sprintf("e-%d", i), now.Add(-2*time.Hour), now.Add(-time.Duration(i+1)*time.Minute))
		expired = append(expired, rt.Hash)
	}
	// A retired token past its idle end goes; its live child stays.
	eRetired := mk("e-retired", now.Add(-2*time.Hour), now.Add(-time.Hour))
	eChild := newRefresh("e-child", "", alice.ID, now.Add(-90*time.Minute))
	eChild.IdleExpiresAt = now.Add(time.Hour)
	rotate(eRetired, eChild, now.Add(-90*time.Minute))
	eRevoked := mk("e-revoked", now.Add(-2*time.Hour), now.Add(-10*time.Second))
	mustNil(t, "RevokeRefreshFamily", st.RevokeRefreshFamily(ctx, eRevoked.FamilyID, now.Add(-time.Hour)))
	expired = append(expired, eRetired.Hash, eRevoked.Hash)

	// Kept: live, retired but within its idle end (so that its replay is
	// still recognised), and revoked but within its idle end.
	kLive := mk("k-live", now.Add(-time.Hour), now.Add(time.Hour))
	kRetired := mk("k-retired", now.Add(-10*time.Minute), now.Add(time.Minute))
	kChild := newRefresh("k-child", "", alice.ID, now.Add(-5*time.Minute))
	rotate(kRetired, kChild, now.Add(-5*time.Minute))
	kRevoked := mk("k-revoked", now.Add(-time.Hour), now.Add(time.Hour))
	mustNil(t, "RevokeRefreshFamily", st.RevokeRefreshFamily(ctx, kRevoked.FamilyID, now.Add(-time.Minute)))
	kept = append(kept, eChild.Hash, kLive.Hash, kRetired.Hash, kChild.Hash, kRevoked.Hash)

	const limit = 2
	total := 0
	n := -1
	for i := 0; i < 20 && n != 0; i++ {
		var err error
		n, err = st.DeleteExpired(ctx, now, limit)
		mustNil(t, "DeleteExpired", err)
		if n > limit {
			t.Fatalf("DeleteExpired(limit %d) removed %d rows from a store holding only refresh tokens", limit, n)
		}
		if i == 0 && n == 0 {
			t.Fatal("DeleteExpired removed no expired refresh token")
		}
		total += n
	}
	if n != 0 {
		t.Fatal("DeleteExpired never reached zero")
	}
	if total != len(expired) {
		t.Errorf("DeleteExpired removed %d rows in all, want %d", total, len(expired))
	}
	for _, h := range expired {
		refreshAbsent(t, st, "refresh token past its idle end", h)
	}
	for _, h := range kept {
		if _, err := st.GetRefreshToken(ctx, h); err != nil {
			t.Errorf("refresh token %s within its idle end: %v", h, err)
		}
	}
	// The kept retired token still gives its replay away.
	_, _, err := st.RotateRefreshToken(ctx, kRetired.Hash, kRetired.ClientID, kRetired.AuthServerID,
		newRefresh("k-replay", "", alice.ID, now), now, 0)
	wantErr(t, "replay of a retired token after DeleteExpired", err, store.ErrAlreadyUsed)
}
