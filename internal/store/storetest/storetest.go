// Package storetest is the conformance suite every storage backend passes.
// A backend's test calls Run and RunConcurrency with a constructor that
// returns a fresh, empty, migrated store; each subtest builds its own.
//
// Backends keep times as unix seconds, so the suite compares times at that
// resolution and treats a nil list and an empty list as the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// t0 is the suite's reference instant. It has a sub-second part on purpose:
// a backend may drop it, and comparisons are made at second resolution.
var t0 = time.Unix(1_750_000_000, 250_000_000).UTC()

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("AuthServers", func(t *testing.T) { testAuthServers(t, newStore(t)) })
	t.Run("Apps", func(t *testing.T) { testApps(t, newStore(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, newStore(t)) })
	t.Run("Codes", func(t *testing.T) { testCodes(t, newStore(t)) })
	t.Run("SigningKeys", func(t *testing.T) { testSigningKeys(t, newStore(t)) })
	t.Run("RevokedTokens", func(t *testing.T) { testRevokedTokens(t, newStore(t)) })
	t.Run("DeleteExpired", func(t *testing.T) { testDeleteExpired(t, newStore(t)) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefreshTokens(t, newStore(t)) })
	t.Run("RefreshTokenRotation", func(t *testing.T) { testRefreshRotation(t, newStore(t)) })
	t.Run("RefreshTokenRefused", func(t *testing.T) { testRefreshRefused(t, newStore(t)) })
	t.Run("RefreshTokenReplay", func(t *testing.T) { testRefreshReplay(t, newStore(t)) })
	t.Run("RevokeRefreshFamily", func(t *testing.T) { testRevokeRefreshFamily(t, newStore(t)) })
	t.Run("DeleteExpiredRefreshTokens", func(t *testing.T) { testDeleteExpiredRefresh(t, newStore(t)) })
	t.Run("Scopes", func(t *testing.T) { testScopes(t, newStore(t)) })
	t.Run("SigningKeyRotation", func(t *testing.T) { testRotateSigningKeys(t, newStore(t)) })
	t.Run("Ping", func(t *testing.T) {
		if err := newStore(t).Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// RunConcurrency runs the races that the store's atomic methods must settle
// with exactly one winner.
func RunConcurrency(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("RedeemCodeRace", func(t *testing.T) { testRedeemRace(t, newStore(t)) })
	t.Run("FirstSigningKeyRace", func(t *testing.T) { testSigningKeyRace(t, newStore(t)) })
	t.Run("RotateRefreshTokenRace", func(t *testing.T) { testRefreshRotateRace(t, newStore(t)) })
	t.Run("RotateSigningKeysRace", func(t *testing.T) { testRotateSigningKeysRace(t, newStore(t)) })
}

// --- helpers ---

func secs(v time.Time) time.Time { return time.Unix(v.Unix(), 0).UTC() }

func norm(l []string) []string {
	if len(l) == 0 {
		return []string{}
	}
	return l
}

func mustNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func normAuthServer(a store.AuthServer) store.AuthServer { a.Created = secs(a.Created); return a }

func normApp(a store.App) store.App {
	a.Created = secs(a.Created)
	a.RedirectURIs, a.PostLogoutRedirectURIs = norm(a.RedirectURIs), norm(a.PostLogoutRedirectURIs)
	a.GrantTypes, a.ResponseTypes = norm(a.GrantTypes), norm(a.ResponseTypes)
	return a
}

func normUser(u store.User) store.User {
	u.Created, u.Updated = secs(u.Created), secs(u.Updated)
	return u
}

func normSession(s store.Session) store.Session {
	s.AuthTime, s.Created, s.ExpiresAt = secs(s.AuthTime), secs(s.Created), secs(s.ExpiresAt)
	s.AMR = norm(s.AMR)
	return s
}

func normCode(c store.Code) store.Code {
	c.AuthTime, c.ExpiresAt, c.Created = secs(c.AuthTime), secs(c.ExpiresAt), secs(c.Created)
	c.Scopes, c.AMR = norm(c.Scopes), norm(c.AMR)
	return c
}

func normKey(k store.SigningKey) store.SigningKey { k.Created = secs(k.Created); return k }

// normRefresh truncates the times that are set to seconds; a zero time must
// come back zero, so it is left alone.
func normRefresh(rt store.RefreshToken) store.RefreshToken {
	for _, p := range []*time.Time{&rt.AuthTime, &rt.AccessTokenExpiresAt, &rt.Created, &rt.ExpiresAt,
		&rt.IdleExpiresAt, &rt.RotatedAt, &rt.RevokedAt} {
		if !p.IsZero() {
			*p = secs(*p)
		}
	}
	rt.Scopes, rt.AMR = norm(rt.Scopes), norm(rt.AMR)
	return rt
}

func normScope(sc store.Scope) store.Scope { sc.Created = secs(sc.Created); return sc }

// newRefresh is a live token of family familyID issued at created, with an
// access token that lives an hour, an idle end a week and an absolute end
// ninety days later.
func newRefresh(hash, familyID, userID string, created time.Time) store.RefreshToken {
	return store.RefreshToken{
		Hash: hash, FamilyID: familyID, AuthServerID: "default", ClientID: "0oaclient", UserID: userID,
		Scopes: []string{"openid", "offline_access", "orders:read"}, AMR: []string{"pwd", "mfa"},
		AuthTime: created.Add(-time.Hour), AccessTokenJTI: "jti-" + hash, AccessTokenExpiresAt: created.Add(time.Hour),
		Created: created, ExpiresAt: created.Add(90 * 24 * time.Hour), IdleExpiresAt: created.Add(7 * 24 * time.Hour),
	}
}

// child is what the store keeps when next replaces old: next inherits the
// grant (family, server, client, user, scopes, amr, auth_time, absolute end)
// from old; its hash, access token and other times are the caller's.
func child(next, old store.RefreshToken) store.RefreshToken {
	next.FamilyID, next.AuthServerID, next.ClientID, next.UserID = old.FamilyID, old.AuthServerID, old.ClientID, old.UserID
	next.Scopes, next.AMR, next.AuthTime, next.ExpiresAt = old.Scopes, old.AMR, old.AuthTime, old.ExpiresAt
	next.RotatedAt, next.RevokedAt = time.Time{}, time.Time{}
	return next
}

// getRefresh returns the stored token, normalised.
func getRefresh(t *testing.T, st store.Store, hash string) store.RefreshToken {
	t.Helper()
	rt, err := st.GetRefreshToken(context.Background(), hash)
	mustNil(t, "GetRefreshToken "+hash, err)
	return normRefresh(rt)
}

// refreshAbsent checks that no token with this hash is stored.
func refreshAbsent(t *testing.T, st store.Store, what, hash string) {
	t.Helper()
	rt, err := st.GetRefreshToken(context.Background(), hash)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: GetRefreshToken(%s) = %+v, %v; want ErrNotFound", what, hash, rt, err)
	}
}

// atRevoked reports whether the access token issued with rt is recorded as revoked.
func atRevoked(t *testing.T, st store.Store, rt store.RefreshToken) bool {
	t.Helper()
	revoked, err := st.IsTokenRevoked(context.Background(), "AT."+rt.AccessTokenJTI)
	mustNil(t, "IsTokenRevoked AT."+rt.AccessTokenJTI, err)
	return revoked
}

func newUser(id, login string) store.User {
	return store.User{
		ID: id, Login: login, Email: login + "@example.com", FirstName: "First " + id, LastName: "Last " + id,
		DisplayName: "Display " + id, MobilePhone: "+1 555 0100", StreetAddr: "1 Main St", City: "Springfield",
		State: "IL", ZipCode: "62701", CountryCode: "US", Locale: "en-US", TimeZone: "America/Chicago",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", Status: store.StatusActive,
		Created: t0, Updated: t0.Add(90 * time.Second),
	}
}

func seedUser(t *testing.T, st store.Store, id, login string) store.User {
	t.Helper()
	u := newUser(id, login)
	mustNil(t, "CreateUser "+id, st.CreateUser(context.Background(), u))
	return u
}

func newCode(hash, userID string, expires time.Time) store.Code {
	return store.Code{
		Hash: hash, AuthServerID: "default", ClientID: "0oaclient", UserID: userID, SessionIDHash: "ses-" + hash,
		RedirectURI: "https://app.example.com/callback?x=1", Scopes: []string{"openid", "profile", "email"},
		Nonce: "nonce-" + hash, CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256", AuthTime: expires.Add(-10 * time.Minute), AMR: []string{"pwd", "mfa"},
		AccessTokenJTI: "jti-" + hash, ExpiresAt: expires, Created: expires.Add(-5 * time.Minute),
	}
}

func newSession(idHash, userID string, expires time.Time) store.Session {
	return store.Session{
		IDHash: idHash, UserID: userID, AuthTime: expires.Add(-2 * time.Hour), AMR: []string{"pwd"},
		Created: expires.Add(-2 * time.Hour), ExpiresAt: expires,
	}
}

// --- authorization servers ---

func testAuthServers(t *testing.T, st store.Store) {
	ctx := context.Background()
	org := store.AuthServer{ID: store.OrgServerID, Name: "Org Authorization Server", Description: "The org server",
		Audience: "", Status: store.StatusActive, Created: t0}
	def := store.AuthServer{ID: "default", Name: "default", Description: "Default Authorization Server",
		Audience: "api://default", Status: store.StatusInactive, Created: t0.Add(time.Second)}
	mustNil(t, "CreateAuthServer org", st.CreateAuthServer(ctx, org))
	mustNil(t, "CreateAuthServer default", st.CreateAuthServer(ctx, def))

	got, err := st.GetAuthServer(ctx, "default")
	mustNil(t, "GetAuthServer", err)
	diff(t, "GetAuthServer(default)", normAuthServer(got), normAuthServer(def))

	_, err = st.GetAuthServer(ctx, "aus-missing")
	wantErr(t, "GetAuthServer unknown", err, store.ErrNotFound)

	dup := def
	dup.Name = "another name"
	wantErr(t, "CreateAuthServer duplicate id", st.CreateAuthServer(ctx, dup), store.ErrConflict)

	list, err := st.ListAuthServers(ctx)
	mustNil(t, "ListAuthServers", err)
	byID := map[string]store.AuthServer{}
	for _, as := range list {
		byID[as.ID] = normAuthServer(as)
	}
	if len(list) != 2 {
		t.Fatalf("ListAuthServers returned %d servers, want 2: %+v", len(list), list)
	}
	diff(t, "listed org", byID[store.OrgServerID], normAuthServer(org))
	diff(t, "listed default (unchanged by the refused duplicate)", byID["default"], normAuthServer(def))
}

// --- apps ---

func testApps(t *testing.T, st store.Store) {
	ctx := context.Background()
	web := store.App{
		ClientID: "0oaweb", Name: "Web App", Type: "web", TokenEndpointAuthMethod: "client_secret_basic",
		SecretHash:             "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		RedirectURIs:           []string{"https://app.example.com/callback", "http://localhost:8080/cb?x=1&y=2"},
		PostLogoutRedirectURIs: []string{"https://app.example.com/"},
		GrantTypes:             []string{"authorization_code", "refresh_token"},
		ResponseTypes:          []string{"code"}, PKCERequired: false, Status: store.StatusActive, Created: t0,
	}
	spa := store.App{
		ClientID: "0oaspa", Name: "SPA \"quoted\" ünïcode", Type: "browser", TokenEndpointAuthMethod: "none",
		RedirectURIs: []string{"https://spa.example.com/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, PKCERequired: true, Status: store.StatusInactive, Created: t0.Add(time.Second),
		// PostLogoutRedirectURIs left nil: it must come back empty.
	}
	mustNil(t, "CreateApp web", st.CreateApp(ctx, web))
	mustNil(t, "CreateApp spa", st.CreateApp(ctx, spa))

	for _, want := range []store.App{web, spa} {
		got, err := st.GetApp(ctx, want.ClientID)
		mustNil(t, "GetApp "+want.ClientID, err)
		diff(t, "GetApp "+want.ClientID, normApp(got), normApp(want))
	}

	_, err := st.GetApp(ctx, "0oamissing")
	wantErr(t, "GetApp unknown", err, store.ErrNotFound)
	_, err = st.GetApp(ctx, "0OAWEB")
	wantErr(t, "GetApp is case-sensitive", err, store.ErrNotFound)

	dup := spa
	dup.ClientID = web.ClientID
	wantErr(t, "CreateApp duplicate client id", st.CreateApp(ctx, dup), store.ErrConflict)

	list, err := st.ListApps(ctx)
	mustNil(t, "ListApps", err)
	if len(list) != 2 {
		t.Fatalf("ListApps returned %d apps, want 2", len(list))
	}
	for _, got := range list {
		want := web
		if got.ClientID == spa.ClientID {
			want = spa
		}
		diff(t, "ListApps "+got.ClientID, normApp(got), normApp(want))
	}
}

// --- users ---

func testUsers(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := newUser("00ualice", "Alice.Smith@Example.com")
	bob := newUser("00ubob", "bob")
	bob.Email, bob.MobilePhone, bob.PasswordHash, bob.Status = "", "", "", store.StatusInactive
	mustNil(t, "CreateUser alice", st.CreateUser(ctx, alice))
	mustNil(t, "CreateUser bob", st.CreateUser(ctx, bob))

	got, err := st.GetUser(ctx, alice.ID)
	mustNil(t, "GetUser", err)
	diff(t, "GetUser alice", normUser(got), normUser(alice))
	if got.Login != alice.Login {
		t.Errorf("login case not kept: got %q, want %q", got.Login, alice.Login)
	}
	got, err = st.GetUser(ctx, bob.ID)
	mustNil(t, "GetUser bob", err)
	diff(t, "GetUser bob", normUser(got), normUser(bob))

	_, err = st.GetUser(ctx, "00umissing")
	wantErr(t, "GetUser unknown", err, store.ErrNotFound)

	for _, login := range []string{"Alice.Smith@Example.com", "alice.smith@example.com", "ALICE.SMITH@EXAMPLE.COM"} {
		got, err := st.GetUserByLogin(ctx, login)
		if err != nil {
			t.Errorf("GetUserByLogin(%q): %v", login, err)
			continue
		}
		if got.ID != alice.ID {
			t.Errorf("GetUserByLogin(%q) = %s, want %s", login, got.ID, alice.ID)
		}
	}
	got, err = st.GetUserByLogin(ctx, "BOB")
	mustNil(t, "GetUserByLogin BOB", err)
	diff(t, "GetUserByLogin bob", normUser(got), normUser(bob))
	for _, login := range []string{"alice", "alice.smith@example.co", "", "%", "_ob"} {
		_, err = st.GetUserByLogin(ctx, login)
		wantErr(t, fmt.Sprintf("GetUserByLogin(%q)", login), err, store.ErrNotFound)
	}

	dupLogin := newUser("00uother", "ALICE.smith@example.COM")
	wantErr(t, "CreateUser duplicate login (other case)", st.CreateUser(ctx, dupLogin), store.ErrConflict)
	dupID := newUser(alice.ID, "someone-else")
	wantErr(t, "CreateUser duplicate id", st.CreateUser(ctx, dupID), store.ErrConflict)
	_, err = st.GetUser(ctx, "00uother")
	wantErr(t, "refused user is not stored", err, store.ErrNotFound)
}

// --- sessions ---

func testSessions(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	expires := t0.Add(time.Hour)
	ses := newSession("hash-live", alice.ID, expires)
	ses.AMR = []string{"pwd", "otp"}
	mustNil(t, "CreateSession", st.CreateSession(ctx, ses))
	wantErr(t, "CreateSession duplicate", st.CreateSession(ctx, newSession("hash-live", alice.ID, expires)), store.ErrConflict)

	gotS, gotU, err := st.GetSession(ctx, ses.IDHash, t0)
	mustNil(t, "GetSession", err)
	diff(t, "GetSession session", normSession(gotS), normSession(ses))
	diff(t, "GetSession user", normUser(gotU), normUser(alice))

	// Just before expiry the session is live; after it, gone.
	_, _, err = st.GetSession(ctx, ses.IDHash, expires.Add(-time.Second))
	mustNil(t, "GetSession a second before expiry", err)
	_, _, err = st.GetSession(ctx, ses.IDHash, expires.Add(time.Second))
	wantErr(t, "GetSession after expiry", err, store.ErrNotFound)
	_, _, err = st.GetSession(ctx, ses.IDHash, expires.Add(24*time.Hour))
	wantErr(t, "GetSession long after expiry", err, store.ErrNotFound)

	_, _, err = st.GetSession(ctx, "hash-unknown", t0)
	wantErr(t, "GetSession unknown", err, store.ErrNotFound)

	// Another session stays when one is deleted.
	other := newSession("hash-other", alice.ID, expires)
	mustNil(t, "CreateSession other", st.CreateSession(ctx, other))
	mustNil(t, "DeleteSession", st.DeleteSession(ctx, ses.IDHash))
	_, _, err = st.GetSession(ctx, ses.IDHash, t0)
	wantErr(t, "GetSession after DeleteSession", err, store.ErrNotFound)
	_, _, err = st.GetSession(ctx, other.IDHash, t0)
	mustNil(t, "GetSession of the other session", err)
	// Sign-in ends whatever session cookie the browser sent, known or not.
	mustNil(t, "DeleteSession unknown", st.DeleteSession(ctx, "hash-unknown"))
	mustNil(t, "DeleteSession twice", st.DeleteSession(ctx, ses.IDHash))
}

// --- codes ---

func testCodes(t *testing.T, st store.Store) {
	ctx := context.Background()
	alice := seedUser(t, st, "00ualice", "alice")
	now := t0
	c := newCode("code-1", alice.ID, now.Add(5*time.Minute))
	mustNil(t, "CreateCode", st.CreateCode(ctx, c))
	wantErr(t, "CreateCode duplicate hash", st.CreateCode(ctx, newCode("code-1", alice.ID, now.Add(time.Minute))), store.ErrConflict)

	gotC, gotU, err := st.RedeemCode(ctx, c.Hash, now)
	mustNil(t, "RedeemCode first", err)
	diff(t, "redeemed code", normCode(gotC), normCode(c))
	diff(t, "redeemed user", normUser(gotU), normUser(alice))

	for i, at := range []time.Time{now, now.Add(time.Minute), c.ExpiresAt.Add(10 * time.Minute)} {
		// A replay, even after expiry (the row is kept for replay
		// detection), returns the record so the caller can revoke.
		gotC, _, err = st.RedeemCode(ctx, c.Hash, at)
		wantErr(t, fmt.Sprintf("RedeemCode replay %d", i), err, store.ErrAlreadyUsed)
		diff(t, fmt.Sprintf("record returned with replay %d", i), normCode(gotC), normCode(c))
	}

	_, _, err = st.RedeemCode(ctx, "code-unknown", now)
	wantErr(t, "RedeemCode unknown", err, store.ErrNotFound)

	expired := newCode("code-expired", alice.ID, now.Add(-time.Second))
	mustNil(t, "CreateCode expired", st.CreateCode(ctx, expired))
	_, _, err = st.RedeemCode(ctx, expired.Hash, now)
	wantErr(t, "RedeemCode expired", err, store.ErrNotFound)
	// A refused expired code did not become "used".
	_, _, err = st.RedeemCode(ctx, expired.Hash, now)
	wantErr(t, "RedeemCode expired again", err, store.ErrNotFound)

	// Expiry is judged against the caller's clock: the same code is good
	// a second before it expires and gone a second after.
	late := newCode("code-late", alice.ID, now.Add(time.Minute))
	mustNil(t, "CreateCode late", st.CreateCode(ctx, late))
	_, _, err = st.RedeemCode(ctx, late.Hash, late.ExpiresAt.Add(time.Second))
	wantErr(t, "RedeemCode a second after expiry", err, store.ErrNotFound)
	_, _, err = st.RedeemCode(ctx, late.Hash, late.ExpiresAt.Add(-time.Second))
	mustNil(t, "RedeemCode a second before expiry", err)

	// Codes are independent: redeeming one leaves another redeemable.
	minimal := store.Code{Hash: "code-min", AuthServerID: store.OrgServerID, ClientID: "0oaspa", UserID: alice.ID,
		RedirectURI: "https://spa.example.com/cb", Scopes: []string{"openid"}, AuthTime: now,
		AccessTokenJTI: "jti-min", ExpiresAt: now.Add(time.Minute), Created: now}
	mustNil(t, "CreateCode minimal", st.CreateCode(ctx, minimal))
	gotC, _, err = st.RedeemCode(ctx, minimal.Hash, now)
	mustNil(t, "RedeemCode minimal", err)
	diff(t, "minimal code", normCode(gotC), normCode(minimal))
}

// --- signing keys ---

func testSigningKeys(t *testing.T, st store.Store) {
	ctx := context.Background()
	key := func(kid, as, status string, created time.Time) store.SigningKey {
		return store.SigningKey{KID: kid, AuthServerID: as, Alg: "RS256",
			PrivateKey: []byte{0x01, 0x00, 0xff, 0x7f, byte(len(kid))}, Status: status, Created: created}
	}
	cur := key("kid-current", "default", store.KeyCurrent, t0)
	next := key("kid-next", "default", store.KeyNext, t0.Add(time.Second))
	prev := key("kid-previous", "default", store.KeyPrevious, t0.Add(-time.Hour))
	orgCur := key("kid-org", store.OrgServerID, store.KeyCurrent, t0)

	keys, err := st.ListSigningKeys(ctx, "default")
	mustNil(t, "ListSigningKeys empty", err)
	if len(keys) != 0 {
		t.Fatalf("ListSigningKeys on an empty store = %d keys", len(keys))
	}
	for _, k := range []store.SigningKey{cur, next, prev, orgCur} {
		mustNil(t, "CreateSigningKey "+k.KID, st.CreateSigningKey(ctx, k))
	}
	wantErr(t, "second current key for one server",
		st.CreateSigningKey(ctx, key("kid-current-2", "default", store.KeyCurrent, t0)), store.ErrConflict)
	wantErr(t, "duplicate kid",
		st.CreateSigningKey(ctx, key("kid-next", "default", store.KeyNext, t0)), store.ErrConflict)

	keys, err = st.ListSigningKeys(ctx, "default")
	mustNil(t, "ListSigningKeys", err)
	got := map[string]store.SigningKey{}
	for _, k := range keys {
		got[k.KID] = normKey(k)
	}
	want := map[string]store.SigningKey{cur.KID: normKey(cur), next.KID: normKey(next), prev.KID: normKey(prev)}
	diff(t, "keys of default", got, want)

	keys, err = st.ListSigningKeys(ctx, store.OrgServerID)
	mustNil(t, "ListSigningKeys org", err)
	if len(keys) != 1 || keys[0].KID != orgCur.KID {
		t.Errorf("keys of org = %+v, want only %s", keys, orgCur.KID)
	}
	keys, err = st.ListSigningKeys(ctx, "aus-none")
	mustNil(t, "ListSigningKeys of a server without keys", err)
	if len(keys) != 0 {
		t.Errorf("keys of a server without keys = %+v", keys)
	}

	// One next key per server too; another server has its own.
	wantErr(t, "second next key for one server",
		st.CreateSigningKey(ctx, key("kid-next-2", "default", store.KeyNext, t0.Add(2*time.Second))), store.ErrConflict)
	orgNext := key("kid-org-next", store.OrgServerID, store.KeyNext, t0.Add(time.Second))
	mustNil(t, "next key for another server", st.CreateSigningKey(ctx, orgNext))
	keys, err = st.ListSigningKeys(ctx, "default")
	mustNil(t, "ListSigningKeys", err)
	got = map[string]store.SigningKey{}
	for _, k := range keys {
		got[k.KID] = normKey(k)
	}
	diff(t, "keys of default after the refused second next key", got, want)
	keys, err = st.ListSigningKeys(ctx, store.OrgServerID)
	mustNil(t, "ListSigningKeys org", err)
	got = map[string]store.SigningKey{}
	for _, k := range keys {
		got[k.KID] = normKey(k)
	}
	diff(t, "keys of org", got, map[string]store.SigningKey{orgCur.KID: normKey(orgCur), orgNext.KID: normKey(orgNext)})
}

// keysByStatus lists a server's keys by status, failing on two of one status.
func keysByStatus(t *testing.T, st store.Store, authServerID string) map[string]store.SigningKey {
	t.Helper()
	keys, err := st.ListSigningKeys(context.Background(), authServerID)
	mustNil(t, "ListSigningKeys "+authServerID, err)
	out := map[string]store.SigningKey{}
	for _, k := range keys {
		if prev, dup := out[k.Status]; dup {
			t.Fatalf("server %s has two %q keys: %s and %s (all: %+v)", authServerID, k.Status, prev.KID, k.KID, keys)
		}
		out[k.Status] = normKey(k)
	}
	return out
}

func testRotateSigningKeys(t *testing.T, st store.Store) {
	ctx := context.Background()
	key := func(kid, as, status string, created time.Time) store.SigningKey {
		return store.SigningKey{KID: kid, AuthServerID: as, Alg: "RS256",
			PrivateKey: []byte("der-" + kid), Status: status, Created: created}
	}
	as := func(k store.SigningKey, status string, created time.Time) store.SigningKey {
		k.Status, k.Created = status, created
		return normKey(k)
	}
	prev := key("kid-prev", "default", store.KeyPrevious, t0.Add(-3*time.Hour))
	cur := key("kid-cur", "default", store.KeyCurrent, t0.Add(-2*time.Hour))
	next := key("kid-next", "default", store.KeyNext, t0.Add(-time.Hour))
	orgCur := key("kid-org-cur", store.OrgServerID, store.KeyCurrent, t0.Add(-2*time.Hour))
	orgNext := key("kid-org-next", store.OrgServerID, store.KeyNext, t0.Add(-time.Hour))
	for _, k := range []store.SigningKey{prev, cur, next, orgCur, orgNext} {
		mustNil(t, "CreateSigningKey "+k.KID, st.CreateSigningKey(ctx, k))
	}
	orgKeys := keysByStatus(t, st, store.OrgServerID)

	// An unconditional rotation moves every key one step. The promoted
	// key's Created becomes the new next key's: "current since".
	new1 := key("kid-new-1", "default", store.KeyNext, t0)
	rotated, err := st.RotateSigningKeys(ctx, "default", new1, time.Time{})
	mustNil(t, "RotateSigningKeys (zero notAfter)", err)
	if !rotated {
		t.Error("RotateSigningKeys with zero notAfter reported rotated=false")
	}
	want := map[string]store.SigningKey{
		store.KeyPrevious: as(cur, store.KeyPrevious, cur.Created),
		store.KeyCurrent:  as(next, store.KeyCurrent, new1.Created),
		store.KeyNext:     normKey(new1),
	}
	diff(t, "keys after the first rotation", keysByStatus(t, st, "default"), want)

	// notAfter earlier than (or at) the current key's Created: rotated
	// recently, perhaps by another replica; nothing changes.
	for _, notAfter := range []time.Time{new1.Created.Add(-time.Minute), secs(new1.Created)} {
		skip := key("kid-skipped", "default", store.KeyNext, t0.Add(time.Hour))
		rotated, err = st.RotateSigningKeys(ctx, "default", skip, notAfter)
		mustNil(t, "RotateSigningKeys (not due)", err)
		if rotated {
			t.Errorf("RotateSigningKeys with notAfter %v, current key created %v: rotated=true", notAfter, new1.Created)
		}
		diff(t, fmt.Sprintf("keys after a rotation not due (notAfter %v)", notAfter), keysByStatus(t, st, "default"), want)
	}

	// notAfter later than the current key's Created: due, so it rotates.
	new2 := key("kid-new-2", "default", store.KeyNext, t0.Add(2*time.Hour))
	rotated, err = st.RotateSigningKeys(ctx, "default", new2, new1.Created.Add(time.Second))
	mustNil(t, "RotateSigningKeys (due)", err)
	if !rotated {
		t.Error("RotateSigningKeys with notAfter after the current key's Created reported rotated=false")
	}
	want = map[string]store.SigningKey{
		store.KeyPrevious: as(next, store.KeyPrevious, new1.Created),
		store.KeyCurrent:  as(new1, store.KeyCurrent, new2.Created),
		store.KeyNext:     normKey(new2),
	}
	diff(t, "keys after the second rotation", keysByStatus(t, st, "default"), want)

	// Another server's keys never move.
	diff(t, "org keys after rotating default", keysByStatus(t, st, store.OrgServerID), orgKeys)
}

// --- revoked tokens ---

func testRevokedTokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	revoked, err := st.IsTokenRevoked(ctx, "AT.one")
	mustNil(t, "IsTokenRevoked before", err)
	if revoked {
		t.Fatal("a token nobody revoked is reported revoked")
	}
	mustNil(t, "RevokeToken", st.RevokeToken(ctx, "AT.one", t0.Add(time.Hour)))
	mustNil(t, "RevokeToken again (idempotent)", st.RevokeToken(ctx, "AT.one", t0.Add(2*time.Hour)))
	for jti, want := range map[string]bool{"AT.one": true, "AT.two": false, "at.one": false, "AT.on": false} {
		got, err := st.IsTokenRevoked(ctx, jti)
		mustNil(t, "IsTokenRevoked "+jti, err)
		if got != want {
			t.Errorf("IsTokenRevoked(%q) = %v, want %v", jti, got, want)
		}
	}
}

// --- cleanup ---

func testDeleteExpired(t *testing.T, st store.Store) {
	ctx := context.Background()
	now := t0
	alice := seedUser(t, st, "00ualice", "alice")

	var expiredSessions, liveSessions []string
	for i := range 5 {
		s := newSession(fmt.Sprintf("ses-expired-%d", i), alice.ID, now.Add(-time.Duration(i+1)*time.Minute))
		mustNil(t, "CreateSession", st.CreateSession(ctx, s))
		expiredSessions = append(expiredSessions, s.IDHash)
	}
	for i := range 2 {
		s := newSession(fmt.Sprintf("ses-live-%d", i), alice.ID, now.Add(time.Hour))
		mustNil(t, "CreateSession", st.CreateSession(ctx, s))
		liveSessions = append(liveSessions, s.IDHash)
	}
	for i := range 3 {
		mustNil(t, "RevokeToken", st.RevokeToken(ctx, fmt.Sprintf("AT.expired-%d", i), now.Add(-time.Duration(i+1)*time.Second)))
	}
	mustNil(t, "RevokeToken", st.RevokeToken(ctx, "AT.live", now.Add(time.Minute)))

	// Codes stay an hour past expiry (replay detection); then they go,
	// used or not.
	oldCodes := []store.Code{
		newCode("code-old-1", alice.ID, now.Add(-2*time.Hour)),
		newCode("code-old-2", alice.ID, now.Add(-61*time.Minute)),
		newCode("code-old-3", alice.ID, now.Add(-30*time.Hour)),
	}
	usedOld := newCode("code-old-used", alice.ID, now.Add(-2*time.Hour))
	recent := newCode("code-recently-expired", alice.ID, now.Add(-10*time.Minute))
	live := newCode("code-live", alice.ID, now.Add(4*time.Minute))
	for _, c := range append(slices.Clone(oldCodes), usedOld, recent, live) {
		mustNil(t, "CreateCode "+c.Hash, st.CreateCode(ctx, c))
	}
	_, _, err := st.RedeemCode(ctx, usedOld.Hash, usedOld.Created)
	mustNil(t, "RedeemCode (to mark used)", err)

	// sessionExists probes with a clock before every expiry.
	sessionExists := func(idHash string) bool {
		t.Helper()
		_, _, err := st.GetSession(ctx, idHash, now.Add(-24*time.Hour))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetSession: %v", err)
		}
		return err == nil
	}

	const limit = 2
	n, err := st.DeleteExpired(ctx, now, limit)
	mustNil(t, "DeleteExpired", err)
	if n <= 0 || n > 3*limit {
		t.Fatalf("first DeleteExpired(limit %d) removed %d rows; want 1..%d (a batch per kind at most)", limit, n, 3*limit)
	}
	left := 0
	for _, h := range expiredSessions {
		if sessionExists(h) {
			left++
		}
	}
	if left < len(expiredSessions)-limit {
		t.Errorf("one DeleteExpired(limit %d) removed %d of %d expired sessions", limit, len(expiredSessions)-left, len(expiredSessions))
	}
	total := n
	for range 20 {
		n, err = st.DeleteExpired(ctx, now, limit)
		mustNil(t, "DeleteExpired", err)
		if n > 3*limit {
			t.Fatalf("DeleteExpired(limit %d) removed %d rows", limit, n)
		}
		total += n
		if n == 0 {
			break
		}
	}
	if n != 0 {
		t.Fatal("DeleteExpired never reached zero")
	}
	if want := len(expiredSessions) + 3 + len(oldCodes) + 1; total != want {
		t.Errorf("DeleteExpired removed %d rows in all, want %d", total, want)
	}

	for _, h := range expiredSessions {
		if sessionExists(h) {
			t.Errorf("expired session %s survived", h)
		}
	}
	for _, h := range liveSessions {
		if !sessionExists(h) {
			t.Errorf("live session %s was deleted", h)
		}
	}
	for i := range 3 {
		jti := fmt.Sprintf("AT.expired-%d", i)
		if revoked, err := st.IsTokenRevoked(ctx, jti); err != nil || revoked {
			t.Errorf("expired revocation %s survived (revoked=%v, err=%v)", jti, revoked, err)
		}
	}
	if revoked, err := st.IsTokenRevoked(ctx, "AT.live"); err != nil || !revoked {
		t.Errorf("live revocation was deleted (revoked=%v, err=%v)", revoked, err)
	}
	// Probe codes with their own creation time, when each was redeemable.
	for _, c := range append(oldCodes, usedOld) {
		_, _, err := st.RedeemCode(ctx, c.Hash, c.Created)
		wantErr(t, "code past the replay window "+c.Hash, err, store.ErrNotFound)
	}
	for _, c := range []store.Code{recent, live} {
		_, _, err := st.RedeemCode(ctx, c.Hash, c.Created)
		mustNil(t, "code within the replay window "+c.Hash, err)
	}
}

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

// --- scopes ---

func testScopes(t *testing.T, st store.Store) {
	ctx := context.Background()
	list, err := st.ListScopes(ctx, "default")
	mustNil(t, "ListScopes empty", err)
	if len(list) != 0 {
		t.Fatalf("ListScopes on an empty store = %+v", list)
	}
	// Created out of name order; names sort the same in any collation.
	write := store.Scope{AuthServerID: "default", Name: "orders.write", Description: "Place orders",
		Consent: "REQUIRED", Default: false, MetadataPublish: "ALL_CLIENTS", Created: t0}
	read := store.Scope{AuthServerID: "default", Name: "orders.read", Description: "Read \"your\" orders ✓",
		Consent: "IMPLICIT", Default: true, MetadataPublish: "NO_CLIENTS", Created: t0.Add(time.Second)}
	admin := store.Scope{AuthServerID: "default", Name: "admin", Consent: "FLEXIBLE", Default: false,
		MetadataPublish: "NO_CLIENTS", Created: t0.Add(2 * time.Second)}
	for _, sc := range []store.Scope{write, read, admin} {
		mustNil(t, "CreateScope "+sc.Name, st.CreateScope(ctx, sc))
	}
	dup := read
	dup.Description, dup.Default, dup.Created = "another", false, t0.Add(time.Hour)
	wantErr(t, "CreateScope duplicate name on one server", st.CreateScope(ctx, dup), store.ErrConflict)
	elsewhere := read
	elsewhere.AuthServerID, elsewhere.Description, elsewhere.Default = "aus2", "on another server", false
	mustNil(t, "CreateScope same name on another server", st.CreateScope(ctx, elsewhere))

	list, err = st.ListScopes(ctx, "default")
	mustNil(t, "ListScopes default", err)
	var got []store.Scope
	for _, sc := range list {
		got = append(got, normScope(sc))
	}
	diff(t, "ListScopes default (sorted by name)", got,
		[]store.Scope{normScope(admin), normScope(read), normScope(write)})

	list, err = st.ListScopes(ctx, "aus2")
	mustNil(t, "ListScopes aus2", err)
	if len(list) != 1 {
		t.Fatalf("ListScopes aus2 = %+v, want one scope", list)
	}
	diff(t, "ListScopes aus2", normScope(list[0]), normScope(elsewhere))

	list, err = st.ListScopes(ctx, "aus-none")
	mustNil(t, "ListScopes of a server without scopes", err)
	if len(list) != 0 {
		t.Errorf("ListScopes of a server without scopes = %+v", list)
	}
}

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
