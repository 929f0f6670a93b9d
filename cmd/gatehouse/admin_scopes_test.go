package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScopesAddAndList(t *testing.T) {
	db := tempDB(t)
	r := gatehouse(t, nil, "", "scopes", "add", "--database", db, "--name", "orders:read", "--display-name", "Read orders",
		"--metadata-publish", "ALL_CLIENTS", "--default", "--json")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.stderr)
	}
	var added scopeJSON
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(added.ID, "scp") || added.Name != "orders:read" || !added.Default || added.Consent != "IMPLICIT" ||
		added.MetadataPublish != "ALL_CLIENTS" || added.DisplayName != "Read orders" {
		t.Fatalf("added %+v", added)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"taken name", []string{"--name", "orders:read"}},
		{"bad consent", []string{"--name", "x", "--consent", "MAYBE"}},
		{"org server", []string{"--name", "x", "--auth-server", "org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scopes", "add", "--database", db}, tc.args...)
			if r := gatehouse(t, nil, "", args...); r.code == 0 {
				t.Fatalf("accepted: %s", r.stdout)
			}
		})
	}
	r = gatehouse(t, nil, "", "scopes", "list", "--database", db)
	if r.code != 0 || !strings.Contains(r.stdout, added.ID) || !strings.Contains(r.stdout, "orders:read") {
		t.Fatalf("list: %d %s %s", r.code, r.stdout, r.stderr)
	}
}
