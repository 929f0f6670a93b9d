package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// TestTokens: an API token made from the command line is printed once,
// stored only as a hash, authenticates, is listed without its value and
// stops working when revoked.
func TestTokens(t *testing.T) {
	db := tempDB(t)
	r := gatehouse(t, nil, "", "tokens", "create", "--database", db, "--name", "terraform", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var made struct{ ID, Name, Token string }
	if err := json.Unmarshal([]byte(r.stdout), &made); err != nil || !strings.HasPrefix(made.ID, "00T") ||
		made.Name != "terraform" || !strings.HasPrefix(made.Token, "00") || len(made.Token) < 40 {
		t.Fatalf("created %q (%v)", r.stdout, err)
	}

	check := func(wantOK bool) {
		t.Helper()
		st, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		svc := &domain.Service{Store: st}
		_, err = svc.AuthenticateAPIToken(context.Background(), made.Token)
		if (err == nil) != wantOK {
			t.Fatalf("authenticate: %v, want ok=%v", err, wantOK)
		}
	}
	check(true)

	r = gatehouse(t, nil, "", "tokens", "list", "--database", db)
	if r.code != 0 || !strings.Contains(r.stdout, made.ID) || !strings.Contains(r.stdout, "terraform") {
		t.Fatalf("list: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, made.Token) {
		t.Fatal("list printed the token")
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no name", []string{"tokens", "create", "--database", db}, 1, "name"},
		{"unknown user", []string{"tokens", "create", "--database", db, "--name", "x", "--user", "nobody@example.com"}, 1, "nobody@example.com"},
		{"unknown id", []string{"tokens", "revoke", "--database", db, "--id", "00Tnothere"}, 1, "00Tnothere"},
		{"no subcommand", []string{"tokens"}, 2, "subcommand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gatehouse(t, nil, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d stderr %q, want %d mentioning %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}

	r = gatehouse(t, nil, "", "tokens", "revoke", "--database", db, "--id", made.ID)
	if r.code != 0 {
		t.Fatalf("revoke: exit %d %s", r.code, r.stderr)
	}
	check(false)
}
