package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// dashCount reads the count the dashboard shows under id.
func dashCount(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"><span class="n">([^<]+)</span>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s on the dashboard:\n%s", id, body)
	}
	return html.UnescapeString(m[1])
}

func TestConsoleDashboard(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	if p := admin.Post(t, "/admin/apps", url.Values{"name": {"Dashboard App"}, "type": {"web"},
		"grant_types": {"authorization_code"}, "redirect_uris": {"https://d.example.com/cb"}, "assignment": {"skip"}}); p.Status != http.StatusCreated {
		t.Fatalf("create app: %d", p.Status)
	}
	if _, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: "Engineering"}); err != nil {
		t.Fatal(err)
	}

	p := admin.Get(t, "/admin")
	if p.Status != http.StatusOK {
		t.Fatalf("dashboard: %d", p.Status)
	}
	// Seeded: 3 apps, alice; plus the app above, the admin, Everyone and
	// Engineering, and the default authorization server.
	for id, want := range map[string]string{"count-apps": "4", "count-people": "2", "count-groups": "2", "count-servers": "1"} {
		if got := dashCount(t, p.Body, id); got != want {
			t.Errorf("%s = %s, want %s", id, got, want)
		}
	}
	latest := p.Body[strings.Index(p.Body, `id="latest-events"`):]
	if !strings.Contains(latest, "Add application <span class=\"muted\">by root@example.com</span>") {
		t.Errorf("the latest events do not show the admin's actions:\n%s", latest)
	}
	if !strings.Contains(p.Body, `href="/admin/apps/new"`) {
		t.Error("the getting-started list is gone")
	}

	// Past the cap the count says so rather than reading every row.
	for i := 0; i < 500; i++ {
		if _, err := s.Service.CreateGroup(ctx, domain.GroupProfile{Name: fmt.Sprintf("Team %03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := dashCount(t, admin.Get(t, "/admin").Body, "count-groups"); got != "500+" {
		t.Errorf("count-groups = %s, want 500+", got)
	}

	// A read-only administrator sees the dashboard.
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, "/admin"); p.Status != http.StatusOK || dashCount(t, p.Body, "count-people") != "3" {
		t.Fatalf("read-only dashboard: %d", p.Status)
	}
}
