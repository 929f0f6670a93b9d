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
	"maps"
	"reflect"
	"slices"
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

func normAuthServer(a store.AuthServer) store.AuthServer {
	a.Created = secs(a.Created)
	if a.LastUpdated.IsZero() { // stored as Created when not given
		a.LastUpdated = a.Created
	}
	if a.IssuerMode == "" {
		a.IssuerMode = "ORG_URL"
	}
	a.LastUpdated = secs(a.LastUpdated)
	return a
}

func normApp(a store.App) store.App {
	a.Created = secs(a.Created)
	if a.LastUpdated.IsZero() { // CreateApp stores the creation time
		a.LastUpdated = a.Created
	}
	a.LastUpdated = secs(a.LastUpdated)
	if len(a.SecretHashes) == 0 && a.SecretHash != "" { // reads list the one secret CreateApp stored
		a.SecretHashes = []string{a.SecretHash}
	}
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

func normScope(sc store.Scope) store.Scope {
	sc.Created = secs(sc.Created)
	if sc.LastUpdated.IsZero() { // stored as Created when not given
		sc.LastUpdated = sc.Created
	}
	sc.LastUpdated = secs(sc.LastUpdated)
	return sc
}

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
	revoked, err := isRevoked(context.Background(), st, "AT."+rt.AccessTokenJTI)
	mustNil(t, "revoked AT."+rt.AccessTokenJTI, err)
	return revoked
}

// isRevoked looks one jti up.
func isRevoked(ctx context.Context, st store.Store, jti string) (bool, error) {
	revoked, err := st.RevokedAmong(ctx, []string{jti})
	return revoked[jti], err
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
	revoked, err := isRevoked(ctx, st, "AT.one")
	mustNil(t, "revoked before", err)
	if revoked {
		t.Fatal("a token nobody revoked is reported revoked")
	}
	mustNil(t, "RevokeToken", st.RevokeToken(ctx, "AT.one", t0.Add(time.Hour)))
	mustNil(t, "RevokeToken again (idempotent)", st.RevokeToken(ctx, "AT.one", t0.Add(2*time.Hour)))
	for jti, want := range map[string]bool{"AT.one": true, "AT.two": false, "at.one": false, "AT.on": false} {
		got, err := isRevoked(ctx, st, jti)
		mustNil(t, "revoked "+jti, err)
		if got != want {
			t.Errorf("revoked(%q) = %v, want %v", jti, got, want)
		}
	}
	mustNil(t, "RevokeToken three", st.RevokeToken(ctx, "AT.three", t0.Add(time.Hour)))
	for _, jtis := range [][]string{
		nil,
		{"AT.one"},
		{"AT.two", "AT.one", "at.one"},
		{"AT.x1", "AT.x2", "AT.x3", "AT.x4", "AT.x5", "AT.three"}, // padded to 8
		{"AT.one", "AT.one", "AT.three"},
	} {
		got, err := st.RevokedAmong(ctx, jtis)
		mustNil(t, "RevokedAmong", err)
		want := map[string]bool{}
		for _, jti := range jtis {
			if jti == "AT.one" || jti == "AT.three" {
				want[jti] = true
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("RevokedAmong(%q) = %v, want %v", jtis, got, want)
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
		if revoked, err := isRevoked(ctx, st, jti); err != nil || revoked {
			t.Errorf("expired revocation %s survived (revoked=%v, err=%v)", jti, revoked, err)
		}
	}
	if revoked, err := isRevoked(ctx, st, "AT.live"); err != nil || !revoked {
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

// --- scopes ---

func testScopes(t *testing.T, st store.Store) {
	ctx := context.Background()
	list, err := st.ListScopes(ctx, "default")
	mustNil(t, "ListScopes empty", err)
	if len(list) != 0 {
		t.Fatalf("ListScopes on an empty store = %+v", list)
	}
	// Created out of name order; names sort the same in any collation.
	write := store.Scope{ID: "scpwrite", AuthServerID: "default", Name: "orders.write", Description: "Place orders",
		Consent: "REQUIRED", Default: false, MetadataPublish: "ALL_CLIENTS", Created: t0}
	read := store.Scope{ID: "scpread", AuthServerID: "default", Name: "orders.read", Description: "Read \"your\" orders ✓",
		Consent: "IMPLICIT", Default: true, MetadataPublish: "NO_CLIENTS", Created: t0.Add(time.Second)}
	admin := store.Scope{ID: "scpadmin", AuthServerID: "default", Name: "admin", Consent: "FLEXIBLE", Default: false,
		MetadataPublish: "NO_CLIENTS", Created: t0.Add(2 * time.Second)}
	for _, sc := range []store.Scope{write, read, admin} {
		mustNil(t, "CreateScope "+sc.Name, st.CreateScope(ctx, sc))
	}
	dup := read
	dup.ID, dup.Description, dup.Default, dup.Created = "scpdup", "another", false, t0.Add(time.Hour)
	wantErr(t, "CreateScope duplicate name on one server", st.CreateScope(ctx, dup), store.ErrConflict)
	elsewhere := read
	elsewhere.ID, elsewhere.AuthServerID, elsewhere.Description, elsewhere.Default = "scpelsewhere", "aus2", "on another server", false
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
