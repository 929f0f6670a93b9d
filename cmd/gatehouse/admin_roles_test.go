package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// rolesOf opens db and returns the role types held by the user with login.
func rolesOf(t *testing.T, db, login string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.GetUserByLogin(ctx, login)
	if err != nil {
		t.Fatalf("user %s: %v", login, err)
	}
	roles, err := st.ListUserRoles(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	types := []string{}
	for _, r := range roles {
		types = append(types, r.Type)
	}
	return types
}

// TestUsersCreateAdmin: --admin and --read-only-admin give the new user
// that role, which the store then holds; no flag gives none.
func TestUsersCreateAdmin(t *testing.T) {
	db := tempDB(t)
	for _, tc := range []struct {
		name, login, flag, role string
	}{
		{"super admin", "root@example.com", "--admin", domain.RoleSuperAdmin},
		{"read-only admin", "auditor@example.com", "--read-only-admin", domain.RoleReadOnlyAdmin},
		{"no role", "plain@example.com", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"users", "create", "--database", db, "--login", tc.login, "--password-stdin", "--json"}
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			r := gatehouse(t, nil, "long-enough-password\n", args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var out map[string]string
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out["role"] != tc.role {
				t.Fatalf("printed %s (%v), want role %q", r.stdout, err, tc.role)
			}
			want := []string{}
			if tc.role != "" {
				want = []string{tc.role}
			}
			if got := rolesOf(t, db, tc.login); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("store holds roles %v, want %v", got, want)
			}
		})
	}

	t.Run("human-readable output names the role", func(t *testing.T) {
		r := gatehouse(t, nil, "long-enough-password\n", "users", "create", "--database", db, "--login", "ops@example.com",
			"--password-stdin", "--admin")
		if r.code != 0 || !strings.Contains(r.stdout, domain.RoleSuperAdmin) || !strings.Contains(r.stdout, "/admin") {
			t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("both flags", func(t *testing.T) {
		r := gatehouse(t, nil, "long-enough-password\n", "users", "create", "--database", db, "--login", "both@example.com",
			"--password-stdin", "--admin", "--read-only-admin")
		if r.code != 1 || !strings.Contains(r.stderr, "--admin") || !strings.Contains(r.stderr, "--read-only-admin") {
			t.Fatalf("exit %d stderr %q, want 1 naming both flags", r.code, r.stderr)
		}
		st, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.GetUserByLogin(context.Background(), "both@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused user was created (err %v)", err)
		}
	})
}

// TestTokensCreateForAdministrator: `tokens create --user` makes a token
// only for an administrator, and the token acts with their access.
func TestTokensCreateForAdministrator(t *testing.T) {
	db := tempDB(t)
	for _, u := range []struct{ login, flag string }{
		{"root@example.com", "--admin"}, {"auditor@example.com", "--read-only-admin"}, {"plain@example.com", ""},
	} {
		args := []string{"users", "create", "--database", db, "--login", u.login, "--password-stdin"}
		if u.flag != "" {
			args = append(args, u.flag)
		}
		if r := gatehouse(t, nil, "long-enough-password\n", args...); r.code != 0 {
			t.Fatalf("create %s: exit %d %s", u.login, r.code, r.stderr)
		}
	}

	r := gatehouse(t, nil, "", "tokens", "create", "--database", db, "--name", "x", "--user", "plain@example.com")
	if r.code != 1 || !strings.Contains(r.stderr, "plain@example.com is not an administrator") {
		t.Fatalf("token for a user without a role: exit %d stderr %q", r.code, r.stderr)
	}

	for _, tc := range []struct {
		login string
		want  domain.AdminAccess
	}{
		{"root@example.com", domain.FullAccess},
		{"auditor@example.com", domain.ReadOnlyAccess},
	} {
		t.Run(tc.login, func(t *testing.T) {
			r := gatehouse(t, nil, "", "tokens", "create", "--database", db, "--name", "ci", "--user", tc.login, "--json")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var made struct{ Token string }
			if err := json.Unmarshal([]byte(r.stdout), &made); err != nil {
				t.Fatal(err)
			}
			st, err := sqlite.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			caller, err := (&domain.Service{Store: st}).AuthenticateAPIToken(context.Background(), made.Token)
			if err != nil || caller.Access != tc.want {
				t.Fatalf("authenticate: access %v (%v), want %v", caller.Access, err, tc.want)
			}
		})
	}
	// Only the two administrators' tokens were made.
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if tokens, err := st.ListAPITokens(context.Background()); err != nil || len(tokens) != 2 {
		t.Errorf("tokens %+v (%v), want 2", tokens, err)
	}
}
