package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const keysPath = "/admin/api/servers/default/keys"

// keyRows are the kid and status of each row of the Keys tab.
func keyRows(t *testing.T, body string) [][2]string {
	t.Helper()
	var out [][2]string
	re := regexp.MustCompile(`<td><code>([^<]+)</code></td>\s*<td>(\w+)</td>\s*<td><span class="status status-(\w+)">`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if m[2] != "RS256" {
			t.Errorf("key %s: algorithm %s", m[1], m[2])
		}
		out = append(out, [2]string{m[1], m[3]})
	}
	return out
}

// publishedKIDs are the kids of the server's published key set.
func publishedKIDs(t *testing.T, s *testkit.Server) []string {
	t.Helper()
	resp, err := http.Get(s.Issuer() + "/v1/keys")
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal([]byte(readAll(t, resp)), &jwks); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range jwks.Keys {
		out = append(out, k.Kid)
	}
	return out
}

func TestConsoleKeys(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	p := admin.Get(t, keysPath)
	rows := keyRows(t, p.Body)
	published := publishedKIDs(t, s)
	if p.Status != http.StatusOK || len(rows) != 2 || rows[0][1] != "ACTIVE" || rows[1][1] != "NEXT" ||
		len(published) != 2 || rows[0][0] != published[0] || rows[1][0] != published[1] {
		t.Fatalf("keys tab: %d, rows %v, published %v\n%s", p.Status, rows, published, p.Body)
	}
	if !strings.Contains(p.Body, `aria-current="page">Keys`) || !strings.Contains(p.Body, s.Issuer()+"/v1/keys") ||
		!strings.Contains(p.Body, `data-confirm="Rotate the signing keys now?`) {
		t.Errorf("keys tab lacks the tab bar, the JWKS URI or a confirmed rotate form")
	}
	active, next := rows[0][0], rows[1][0]

	p = admin.Post(t, keysPath+"/rotate", nil)
	if p.Status != http.StatusSeeOther || p.Location != keysPath {
		t.Fatalf("rotate: %d %q", p.Status, p.Location)
	}
	p = admin.Get(t, keysPath)
	rows = keyRows(t, p.Body)
	if !strings.Contains(p.Body, "Keys rotated") || len(rows) != 3 || rows[0] != [2]string{next, "ACTIVE"} || rows[1][1] != "NEXT" ||
		rows[2] != [2]string{active, "EXPIRED"} {
		t.Fatalf("after rotation: rows %v", rows)
	}
	// The protocol endpoints publish (and sign with) the promoted key at once.
	if published := publishedKIDs(t, s); len(published) != 3 || published[0] != next {
		t.Fatalf("published after rotation: %v", published)
	}
	polWantEvent(t, s, "app.oauth2.as.key.rollover", admin.Admin.ID)

	for _, path := range []string{"/admin/api/servers/ausnothere/keys", "/admin/api/servers/org/keys"} {
		if p := admin.Get(t, path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
		if p := admin.Post(t, path+"/rotate", nil); p.Status != http.StatusNotFound {
			t.Errorf("POST %s/rotate: %d, want 404", path, p.Status)
		}
	}
}

func TestConsoleKeysReadOnly(t *testing.T) {
	s := testkit.Start(t)
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	p := ro.Get(t, keysPath)
	if p.Status != http.StatusOK || len(keyRows(t, p.Body)) != 2 || strings.Contains(p.Body, "rotate-keys") {
		t.Fatalf("read-only keys tab: %d, offers rotation: %v", p.Status, strings.Contains(p.Body, "rotate-keys"))
	}
	before := publishedKIDs(t, s)
	if p := ro.Post(t, keysPath+"/rotate", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("read-only rotate: %d, want 403", p.Status)
	}
	if after := publishedKIDs(t, s); len(after) != 2 || after[0] != before[0] {
		t.Fatalf("read-only rotate rotated: %v → %v", before, after)
	}
}
