package domain_test

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	argon2id "golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

var now = time.Unix(1_750_000_000, 0).UTC()

// memStore is the part of a store the domain functions use.
type memStore struct {
	apps  map[string]store.App
	users map[string]store.User
}

func newMem() *memStore {
	return &memStore{apps: map[string]store.App{}, users: map[string]store.User{}}
}

func (m *memStore) CreateApp(_ context.Context, a store.App) error {
	if _, ok := m.apps[a.ClientID]; ok {
		return store.ErrConflict
	}
	m.apps[a.ClientID] = a
	return nil
}

func (m *memStore) GetApp(_ context.Context, id string) (store.App, error) {
	a, ok := m.apps[id]
	if !ok {
		return a, store.ErrNotFound
	}
	return a, nil
}

func (m *memStore) ListApps(context.Context) ([]store.App, error) { return nil, nil }

func (m *memStore) CreateUser(_ context.Context, u store.User) error {
	for _, o := range m.users {
		if strings.EqualFold(o.Login, u.Login) {
			return store.ErrConflict
		}
	}
	m.users[u.ID] = u
	return nil
}

func (m *memStore) GetUser(_ context.Context, id string) (store.User, error) {
	u, ok := m.users[id]
	if !ok {
		return u, store.ErrNotFound
	}
	return u, nil
}

func (m *memStore) GetUserByLogin(_ context.Context, login string) (store.User, error) {
	for _, u := range m.users {
		if strings.EqualFold(u.Login, login) {
			return u, nil
		}
	}
	return store.User{}, store.ErrNotFound
}

// problemFields returns the fields a ValidationError names, failing when
// err is not one.
func problemFields(t *testing.T, err error) []string {
	t.Helper()
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T) is not a *domain.ValidationError", err, err)
	}
	var fields []string
	for _, p := range v.Problems {
		if p.Message == "" {
			t.Errorf("problem with field %q has no message", p.Field)
		}
		if !strings.Contains(v.Error(), p.Field+": "+p.Message) {
			t.Errorf("Error() %q omits %s: %s", v.Error(), p.Field, p.Message)
		}
		fields = append(fields, p.Field)
	}
	return fields
}

func TestCreateAppValidation(t *testing.T) {
	web := domain.AppTypeWeb
	cb := []string{"https://app.example.com/cb"}
	cases := []struct {
		name   string
		p      domain.NewAppParams
		fields []string // every field that must have a problem
	}{
		{"empty name", domain.NewAppParams{Name: "", Type: web, RedirectURIs: cb}, []string{"name"}},
		{"blank name", domain.NewAppParams{Name: " \t ", Type: web, RedirectURIs: cb}, []string{"name"}},
		{"long name", domain.NewAppParams{Name: strings.Repeat("n", 101), Type: web, RedirectURIs: cb}, []string{"name"}},
		{"no type", domain.NewAppParams{Name: "A", RedirectURIs: cb}, []string{"type"}},
		{"unknown type", domain.NewAppParams{Name: "A", Type: "spa", RedirectURIs: cb}, []string{"type"}},
		{"service with a user grant", domain.NewAppParams{Name: "A", Type: domain.AppTypeService, GrantTypes: []string{"authorization_code"}}, []string{"grant_types"}},
		{"unknown grant", domain.NewAppParams{Name: "A", Type: domain.AppTypeWeb, RedirectURIs: []string{"https://a.example/cb"}, GrantTypes: []string{"password"}}, []string{"grant_types"}},
		{"refresh without code", domain.NewAppParams{Name: "A", Type: domain.AppTypeWeb, GrantTypes: []string{"refresh_token", "client_credentials"}}, []string{"grant_types"}},
		{"browser with client credentials", domain.NewAppParams{Name: "A", Type: domain.AppTypeBrowser, RedirectURIs: []string{"https://a.example/cb"}, GrantTypes: []string{"client_credentials"}}, []string{"grant_types"}},
		{"no redirect URI", domain.NewAppParams{Name: "A", Type: web}, []string{"redirect_uris"}},
		{"no redirect URI, browser", domain.NewAppParams{Name: "A", Type: domain.AppTypeBrowser, RedirectURIs: []string{}}, []string{"redirect_uris"}},
		{"relative redirect", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"/callback"}}, []string{"redirect_uris"}},
		{"scheme-relative redirect", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"//app.example.com/cb"}}, []string{"redirect_uris"}},
		{"empty redirect", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{""}}, []string{"redirect_uris"}},
		{"fragment", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https://app.example.com/cb#frag"}}, []string{"redirect_uris"}},
		{"empty fragment", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https://app.example.com/cb#"}}, []string{"redirect_uris"}},
		{"no host", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https:///cb"}}, []string{"redirect_uris"}},
		{"opaque https", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https:app.example.com"}}, []string{"redirect_uris"}},
		{"malformed", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https://app example.com/%zz"}}, []string{"redirect_uris"}},
		{"too long", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https://app.example.com/" + strings.Repeat("p", 1024)}}, []string{"redirect_uris"}},
		{"custom scheme, web", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"com.example.app:/callback"}}, []string{"redirect_uris"}},
		{"custom scheme, browser", domain.NewAppParams{Name: "A", Type: domain.AppTypeBrowser, RedirectURIs: []string{"com.example.app:/callback"}}, []string{"redirect_uris"}},
		{"javascript scheme, web", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"javascript:alert(1)"}}, []string{"redirect_uris"}},
		{"javascript scheme, native", domain.NewAppParams{Name: "A", Type: domain.AppTypeNative, RedirectURIs: []string{"javascript:alert(1)"}}, []string{"redirect_uris"}},
		{"JavaScript scheme, native", domain.NewAppParams{Name: "A", Type: domain.AppTypeNative, RedirectURIs: []string{"JavaScript://%0aalert(1)"}}, []string{"redirect_uris"}},
		{"data scheme, native", domain.NewAppParams{Name: "A", Type: domain.AppTypeNative, RedirectURIs: []string{"data:text/html,<script>alert(1)</script>"}}, []string{"redirect_uris"}},
		{"vbscript scheme, native", domain.NewAppParams{Name: "A", Type: domain.AppTypeNative, RedirectURIs: []string{"vbscript:msgbox(1)"}}, []string{"redirect_uris"}},
		{"one bad among good", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: []string{"https://a.example.com/cb", "/rel"}}, []string{"redirect_uris"}},
		{"bad post-logout URI", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: cb, PostLogoutRedirectURIs: []string{"https://a.example.com/#x"}}, []string{"post_logout_redirect_uris"}},
		{"public app with a secret method", domain.NewAppParams{Name: "A", Type: domain.AppTypeBrowser, RedirectURIs: cb, AuthMethod: domain.AuthMethodBasic}, []string{"token_endpoint_auth_method"}},
		{"native app with post", domain.NewAppParams{Name: "A", Type: domain.AppTypeNative, RedirectURIs: []string{"com.example.app:/cb"}, AuthMethod: domain.AuthMethodPost}, []string{"token_endpoint_auth_method"}},
		{"web app with none", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: cb, AuthMethod: domain.AuthMethodNone}, []string{"token_endpoint_auth_method"}},
		{"unknown method", domain.NewAppParams{Name: "A", Type: web, RedirectURIs: cb, AuthMethod: "private_key_jwt"}, []string{"token_endpoint_auth_method"}},
		{"every problem at once", domain.NewAppParams{Name: "", Type: web, RedirectURIs: []string{"/rel"}, PostLogoutRedirectURIs: []string{"x"}, AuthMethod: "bogus"},
			[]string{"name", "redirect_uris", "post_logout_redirect_uris", "token_endpoint_auth_method"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newMem()
			got, err := domain.CreateApp(context.Background(), st, c.p, now)
			if err == nil {
				t.Fatalf("CreateApp accepted %+v: %+v", c.p, got.App)
			}
			fields := problemFields(t, err)
			for _, f := range c.fields {
				if !slices.Contains(fields, f) {
					t.Errorf("no problem reported for %q; problems: %v", f, err)
				}
			}
			for _, f := range fields {
				if !slices.Contains(c.fields, f) {
					t.Errorf("unexpected problem for %q: %v", f, err)
				}
			}
			if len(st.apps) != 0 || got.ClientSecret != "" {
				t.Error("a refused app was stored or got a secret")
			}
		})
	}
}

func TestCreateServiceApp(t *testing.T) {
	st := newMem()
	got, err := domain.CreateApp(context.Background(), st, domain.NewAppParams{Name: "Batch", Type: domain.AppTypeService}, now)
	if err != nil {
		t.Fatal(err)
	}
	a := got.App
	if !slices.Equal(a.GrantTypes, []string{domain.GrantClientCredentials}) || len(a.ResponseTypes) != 0 ||
		a.TokenEndpointAuthMethod != domain.AuthMethodBasic || got.ClientSecret == "" || a.PKCERequired {
		t.Errorf("service app %+v (secret %q)", a, got.ClientSecret)
	}
}

func TestCreateAppDefaults(t *testing.T) {
	cases := []struct {
		name       string
		p          domain.NewAppParams
		method     string
		pkce       bool
		wantSecret bool
	}{
		{"web", domain.NewAppParams{Name: " Web ", Type: domain.AppTypeWeb, RedirectURIs: []string{"https://a.example.com/cb", "http://localhost:8080/cb"}},
			domain.AuthMethodBasic, false, true},
		{"web with post", domain.NewAppParams{Name: "Web", Type: domain.AppTypeWeb, RedirectURIs: []string{"https://a.example.com/cb"}, AuthMethod: domain.AuthMethodPost},
			domain.AuthMethodPost, false, true},
		{"browser", domain.NewAppParams{Name: "SPA", Type: domain.AppTypeBrowser, RedirectURIs: []string{"https://spa.example.com/cb"}},
			domain.AuthMethodNone, true, false},
		{"browser, explicit none", domain.NewAppParams{Name: "SPA", Type: domain.AppTypeBrowser, RedirectURIs: []string{"https://spa.example.com/cb"}, AuthMethod: domain.AuthMethodNone},
			domain.AuthMethodNone, true, false},
		{"native, custom scheme", domain.NewAppParams{Name: "App", Type: domain.AppTypeNative, RedirectURIs: []string{"com.example.app:/oauth2/callback", "http://127.0.0.1:51000/cb"},
			PostLogoutRedirectURIs: []string{"com.example.app:/logout"}},
			domain.AuthMethodNone, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newMem()
			got, err := domain.CreateApp(context.Background(), st, c.p, now)
			if err != nil {
				t.Fatal(err)
			}
			a := got.App
			if a.TokenEndpointAuthMethod != c.method || a.PKCERequired != c.pkce {
				t.Errorf("method %q, PKCE %v; want %q, %v", a.TokenEndpointAuthMethod, a.PKCERequired, c.method, c.pkce)
			}
			if c.wantSecret {
				if len(got.ClientSecret) < 43 {
					t.Errorf("client secret %q is shorter than 256 bits of base64url", got.ClientSecret)
				}
				if !domain.SecretMatches(got.ClientSecret, a.SecretHash) || a.SecretHash == got.ClientSecret {
					t.Error("stored hash does not match the returned secret, or is the secret itself")
				}
			} else if got.ClientSecret != "" || a.SecretHash != "" {
				t.Errorf("public app got secret %q / hash %q", got.ClientSecret, a.SecretHash)
			}
			if !strings.HasPrefix(a.ClientID, domain.PrefixApp) || len(a.ClientID) != 20 {
				t.Errorf("client id %q", a.ClientID)
			}
			if a.Name != strings.TrimSpace(c.p.Name) || a.Type != c.p.Type || a.Status != store.StatusActive || !a.Created.Equal(now) {
				t.Errorf("app %+v does not reflect %+v", a, c.p)
			}
			if !slices.Equal(a.GrantTypes, []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}) || !slices.Equal(a.ResponseTypes, []string{"code"}) {
				t.Errorf("grant types %v, response types %v", a.GrantTypes, a.ResponseTypes)
			}
			if !slices.Equal(a.RedirectURIs, c.p.RedirectURIs) || !slices.Equal(a.PostLogoutRedirectURIs, c.p.PostLogoutRedirectURIs) {
				t.Errorf("redirect URIs %v / %v, want %v / %v", a.RedirectURIs, a.PostLogoutRedirectURIs, c.p.RedirectURIs, c.p.PostLogoutRedirectURIs)
			}
			stored, err := st.GetApp(context.Background(), a.ClientID)
			if err != nil || stored.SecretHash != a.SecretHash {
				t.Errorf("stored app %+v, %v", stored, err)
			}
		})
	}
}

func TestCreateAppStoreError(t *testing.T) {
	// Two apps never share a client id or a secret.
	st := newMem()
	p := domain.NewAppParams{Name: "Web", Type: domain.AppTypeWeb, RedirectURIs: []string{"https://a.example.com/cb"}}
	a, err := domain.CreateApp(context.Background(), st, p, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := domain.CreateApp(context.Background(), st, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if a.App.ClientID == b.App.ClientID || a.ClientSecret == b.ClientSecret {
		t.Error("two apps share a client id or a secret")
	}
	// A store failure comes back as is, with no secret handed out.
	failing := failingApps{err: store.ErrConflict}
	got, err := domain.CreateApp(context.Background(), failing, p, now)
	if !errors.Is(err, store.ErrConflict) || got.ClientSecret != "" {
		t.Errorf("CreateApp with a failing store = %+v, %v", got, err)
	}
}

type failingApps struct {
	store.Apps
	err error
}

func (f failingApps) CreateApp(context.Context, store.App) error { return f.err }

func TestCreateUserValidation(t *testing.T) {
	cases := []struct {
		name   string
		p      domain.NewUserParams
		fields []string
	}{
		{"empty login", domain.NewUserParams{Login: ""}, []string{"login"}},
		{"blank login", domain.NewUserParams{Login: "   "}, []string{"login"}},
		{"login with a space", domain.NewUserParams{Login: "alice smith"}, []string{"login"}},
		{"login with a tab", domain.NewUserParams{Login: "alice\tsmith"}, []string{"login"}},
		{"login with a non-breaking space", domain.NewUserParams{Login: "alice\u00a0smith"}, []string{"login"}},
		{"long login", domain.NewUserParams{Login: strings.Repeat("l", 101)}, []string{"login"}},
		{"email without @", domain.NewUserParams{Login: "alice", Email: "alice.example.com"}, []string{"email"}},
		{"long email", domain.NewUserParams{Login: "alice", Email: strings.Repeat("e", 95) + "@x.com"}, []string{"email"}},
		{"long login that is an email", domain.NewUserParams{Login: strings.Repeat("a", 95) + "@x.com"}, []string{"login", "email"}},
		{"short password", domain.NewUserParams{Login: "alice", Password: "1234567"}, []string{"password"}},
		{"everything", domain.NewUserParams{Login: "a b", Email: "nope", Password: "short"}, []string{"login", "email", "password"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newMem()
			u, err := domain.CreateUser(context.Background(), st, c.p, now)
			if err == nil {
				t.Fatalf("CreateUser accepted %+v: %+v", c.p, u)
			}
			fields := problemFields(t, err)
			if !slices.Equal(sortedCopy(fields), sortedCopy(c.fields)) {
				t.Errorf("problems for %v, want %v (%v)", fields, c.fields, err)
			}
			if len(st.users) != 0 {
				t.Error("a refused user was stored")
			}
		})
	}
}

func sortedCopy(v []string) []string {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	st := newMem()
	u, err := domain.CreateUser(ctx, st, domain.NewUserParams{
		Login: "  Alice@Example.com ", FirstName: " Alice ", LastName: " Anders", Password: "correct horse",
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.User{Login: "Alice@Example.com", Email: "Alice@Example.com", FirstName: "Alice", LastName: "Anders",
		DisplayName: "Alice Anders", Status: store.StatusActive, Created: now, Updated: now,
		Activated: now, StatusChanged: now, PasswordChanged: now}
	got := u
	got.ID, got.PasswordHash = "", ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("user\n got %+v\nwant %+v", got, want)
	}
	if !strings.HasPrefix(u.ID, domain.PrefixUser) || len(u.ID) != 20 {
		t.Errorf("user id %q", u.ID)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || !domain.CheckPassword("correct horse", u.PasswordHash) {
		t.Errorf("password hash %q does not check", u.PasswordHash)
	}
	if _, err := st.GetUser(ctx, u.ID); err != nil {
		t.Errorf("user not stored: %v", err)
	}

	// No password: no hash, and so no password sign-in. No email when the
	// login is not an address; a given email is kept.
	bob, err := domain.CreateUser(ctx, st, domain.NewUserParams{Login: "bob", LastName: "Brown"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if bob.PasswordHash != "" || bob.Email != "" || bob.DisplayName != "Brown" {
		t.Errorf("bob = %+v", bob)
	}
	carol, err := domain.CreateUser(ctx, st, domain.NewUserParams{Login: "carol@corp.example", Email: "carol@home.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if carol.Email != "carol@home.example" {
		t.Errorf("carol's email = %q", carol.Email)
	}

	// The store's conflict on a login comes back as is.
	_, err = domain.CreateUser(ctx, st, domain.NewUserParams{Login: "ALICE@example.com"}, now)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate login: %v, want ErrConflict", err)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	st := newMem()
	alice, err := domain.CreateUser(ctx, st, domain.NewUserParams{Login: "alice@example.com", Password: "correct horse"}, now)
	if err != nil {
		t.Fatal(err)
	}
	inactive, err := domain.CreateUser(ctx, st, domain.NewUserParams{Login: "ivan", Password: "correct horse"}, now)
	if err != nil {
		t.Fatal(err)
	}
	inactive.Status = store.StatusInactive
	st.users[inactive.ID] = inactive
	if _, err := domain.CreateUser(ctx, st, domain.NewUserParams{Login: "nopass"}, now); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		login, password string
		ok              bool
	}{
		{"alice@example.com", "correct horse", true},
		{"  ALICE@example.com ", "correct horse", true},
		{"alice@example.com", "correct horse ", false},
		{"alice@example.com", "", false},
		{"mallory", "correct horse", false},
		{"ivan", "correct horse", false},
		{"nopass", "", false},
	}
	for _, c := range cases {
		u, ok, err := domain.Authenticate(ctx, st, c.login, c.password, nil)
		if err != nil {
			t.Fatalf("Authenticate(%q): %v", c.login, err)
		}
		if ok != c.ok || (ok && u.ID != alice.ID) || (!ok && u.ID != "") {
			t.Errorf("Authenticate(%q, %q) = %s, %v; want ok=%v", c.login, c.password, u.ID, ok, c.ok)
		}
	}
}

func TestPasswords(t *testing.T) {
	const pw = "correct horse battery staple"
	argon, err := domain.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	argon2, err := domain.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if argon == argon2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !strings.HasPrefix(argon, "$argon2id$v=19$") || strings.Contains(argon, pw) {
		t.Errorf("hash %q is not an argon2id PHC string", argon)
	}
	if _, err := domain.HashPassword("1234567"); !errors.Is(err, domain.ErrWeakPassword) {
		t.Errorf("HashPassword of a 7-character password: %v, want ErrWeakPassword", err)
	}
	bc, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	bcrypt2y := "$2y$" + strings.TrimPrefix(string(bc), "$2a$")
	if !strings.Contains(argon, "$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not use m=19456,t=2,p=1", argon)
	}
	salt := []byte("sixteen byte salt")[:16]
	earlierArgon := "$argon2id$v=19$m=65536,t=3,p=2$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(argon2id.IDKey([]byte(pw), salt, 3, 65536, 2, 32))

	cases := []struct {
		name, password, hash string
		ok                   bool
	}{
		{"argon2id", pw, argon, true},
		{"argon2id, other salt", pw, argon2, true},
		{"argon2id, wrong password", pw + "!", argon, false},
		{"argon2id, empty password", "", argon, false},
		{"bcrypt $2a$", pw, string(bc), true},
		{"bcrypt $2y$ (PHP)", pw, bcrypt2y, true},
		{"bcrypt, wrong password", "Correct horse battery staple", string(bc), false},
		{"empty hash", pw, "", false},
		{"empty hash and password", "", "", false},
		{"plaintext stored as hash", pw, pw, false},
		{"unknown scheme", pw, "$1$salt$hash", false},
		{"argon2i, not id", pw, strings.Replace(argon, "$argon2id$", "$argon2i$", 1), false},
		{"argon2id, truncated", pw, argon[:strings.LastIndex(argon, "$")], false},
		{"argon2id, empty key", pw, argon[:strings.LastIndex(argon, "$")+1], false},
		{"argon2id, wrong version", pw, strings.Replace(argon, "v=19", "v=16", 1), false},
		{"argon2id, bad parameters", pw, replacePart(argon, 3, "m=x"), false},
		// A hash made with the parameters Gatehouse used before (64 MiB,
		// three passes, two lanes) still verifies: hashes carry their own.
		{"argon2id, earlier parameters", pw, earlierArgon, true},
		{"argon2id, earlier parameters, wrong password", "Correct horse battery staple", earlierArgon, false},
		{"argon2id, bad salt", pw, replacePart(argon, 4, "!!"), false},
		{"argon2id, bad key", pw, replacePart(argon, 5, "!!"), false},
		{"bcrypt, truncated", pw, string(bc)[:20], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := domain.CheckPassword(c.password, c.hash); got != c.ok {
				t.Errorf("CheckPassword = %v, want %v (hash %q)", got, c.ok, c.hash)
			}
		})
	}
}

// replacePart replaces the i-th '$'-separated part of a PHC string.
func replacePart(phc string, i int, v string) string {
	parts := strings.Split(phc, "$")
	parts[i] = v
	return strings.Join(parts, "$")
}

func TestSecretMatches(t *testing.T) {
	secret := domain.RandomToken(32)
	hash := domain.HashSecret(secret)
	if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		t.Errorf("HashSecret = %q, want 64 lowercase hex digits", hash)
	}
	if hash != domain.HashSecret(secret) {
		t.Error("HashSecret is not deterministic")
	}
	cases := []struct {
		name, value, stored string
		ok                  bool
	}{
		{"match", secret, hash, true},
		{"wrong value", secret + "x", hash, false},
		{"prefix of value", secret[:len(secret)-1], hash, false},
		{"empty value", "", hash, false},
		{"empty stored hash", secret, "", false},
		{"both empty", "", "", false},
		{"plaintext stored", secret, secret, false},
		{"truncated hash", secret, hash[:32], false},
	}
	for _, c := range cases {
		if got := domain.SecretMatches(c.value, c.stored); got != c.ok {
			t.Errorf("%s: SecretMatches = %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestNewID(t *testing.T) {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for _, prefix := range []string{domain.PrefixApp, domain.PrefixUser, domain.PrefixAuthServer, ""} {
		seen := map[string]bool{}
		for range 500 {
			id := domain.NewID(prefix)
			if len(id) != 20 || !strings.HasPrefix(id, prefix) {
				t.Fatalf("NewID(%q) = %q, want %q plus %d characters", prefix, id, prefix, 20-len(prefix))
			}
			if rest := id[len(prefix):]; strings.Trim(rest, base62) != "" {
				t.Fatalf("NewID(%q) = %q has characters outside base62", prefix, id)
			}
			if seen[id] {
				t.Fatalf("NewID(%q) repeated %q", prefix, id)
			}
			seen[id] = true
		}
	}
}

func TestRandomToken(t *testing.T) {
	a, b := domain.RandomToken(32), domain.RandomToken(32)
	if len(a) != 43 || a == b {
		t.Errorf("RandomToken(32) = %q, %q", a, b)
	}
	if strings.ContainsAny(a, "+/=") {
		t.Errorf("RandomToken is not unpadded base64url: %q", a)
	}
}
