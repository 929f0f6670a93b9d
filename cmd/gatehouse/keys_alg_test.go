package main

import (
	"strings"
	"testing"
)

// TestKeysRotateAlg: `keys rotate --alg` publishes a next key of the new
// algorithm; the following rotation makes it sign.
func TestKeysRotateAlg(t *testing.T) {
	db := tempDB(t)
	env := map[string]string{"GATEHOUSE_MASTER_KEY": "cli-test-master-key-0123456789abcdef"}
	keysCmd := func(args ...string) result {
		t.Helper()
		return gatehouse(t, env, "", append([]string{"keys", args[0], "--database", db}, args[1:]...)...)
	}
	algOf := func(list, status string) string {
		t.Helper()
		for _, line := range strings.Split(list, "\n") {
			if f := strings.Fields(line); len(f) == 4 && f[1] == status {
				return f[2]
			}
		}
		t.Fatalf("no %s key in:\n%s", status, list)
		return ""
	}
	r := keysCmd("list")
	if r.code != 0 || algOf(r.stdout, "current") != "RS256" || algOf(r.stdout, "next") != "RS256" {
		t.Fatalf("keys list: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := keysCmd("rotate", "--alg", "HS256", "--force"); r.code == 0 || !strings.Contains(r.stderr, "unsupported signing algorithm") {
		t.Errorf("--alg HS256: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = keysCmd("rotate", "--alg", "ES256", "--force")
	if r.code != 0 || !strings.Contains(r.stdout, "(RS256) now signs") || !strings.Contains(r.stdout, "ES256 key is published as next") {
		t.Fatalf("rotate --alg ES256: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = keysCmd("list")
	if algOf(r.stdout, "current") != "RS256" || algOf(r.stdout, "next") != "ES256" || algOf(r.stdout, "previous") != "RS256" {
		t.Errorf("after rotate --alg ES256:\n%s", r.stdout)
	}
	r = keysCmd("rotate", "--force")
	if r.code != 0 || !strings.Contains(r.stdout, "(ES256) now signs") {
		t.Fatalf("second rotation: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = keysCmd("list")
	if algOf(r.stdout, "current") != "ES256" || algOf(r.stdout, "next") != "ES256" || algOf(r.stdout, "previous") != "RS256" {
		t.Errorf("after the second rotation:\n%s", r.stdout)
	}
}
