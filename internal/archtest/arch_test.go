// Package archtest keeps Gatehouse's import graph one-way: the layering in
// the README's architecture section is enforced here, not just described.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/gatehouse-auth/gatehouse/"

// forbidden lists, per package, what must never appear among its
// (transitive) dependencies.
var forbidden = map[string][]string{
	"internal/store":          {"net/http", "database/sql", mod + "internal/domain", mod + "internal/oauth"},
	"internal/store/sqlite":   {"net/http", mod + "internal/domain", mod + "internal/oauth"},
	"internal/store/sqlstore": {"net/http", mod + "internal/domain", mod + "internal/oauth"},
	"internal/store/postgres": {"net/http", mod + "internal/domain", mod + "internal/oauth"},
	"internal/domain":         {"net/http", "database/sql", mod + "internal/oauth", mod + "internal/keys", mod + "internal/login"},
	"internal/keys":           {"net/http", "database/sql", mod + "internal/oauth/wire"},
	"internal/token":          {"net/http", "database/sql"},
	"internal/oauth/wire":     {mod + "internal/"},
	"internal/httpx":          {mod + "internal/"},
	"internal/oauth":          {"database/sql", mod + "internal/store/sqlite", mod + "internal/server"},
	"internal/login":          {"database/sql", mod + "internal/oauth", mod + "internal/server"},
	"internal/server":         {"database/sql", mod + "internal/store/sqlite", mod + "cmd/"},
	// The load tool speaks only HTTP, so that it measures any OIDC server.
	"internal/loadtest": {mod + "internal/", mod + "cmd/", "database/sql"},
	// Public packages for resource servers: nothing of Gatehouse's inside.
	"verifier":                 {mod + "internal/", mod + "cmd/"},
	"verifier/verifiertest":    {mod + "internal/", mod + "cmd/"},
	"examples/resource-server": {mod + "internal/", mod + "cmd/"},
}

func TestImportsGoOneWay(t *testing.T) {
	for pkg, bans := range forbidden {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == mod+pkg {
				continue
			}
			for _, ban := range bans {
				if dep == ban || (strings.HasSuffix(ban, "/") && strings.HasPrefix(dep, ban)) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

// TestVerifierDependencies keeps the public verifier packages on the
// standard library and go-jose, so that an API importing them pulls in
// nothing else.
func TestVerifierDependencies(t *testing.T) {
	for _, pkg := range []string{"verifier", "verifier/verifiertest"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", mod+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !strings.HasPrefix(dep, mod+"verifier") && !strings.HasPrefix(dep, "github.com/go-jose/go-jose/v4") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
