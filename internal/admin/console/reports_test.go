package console_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

var (
	sysLogJSONRe  = regexp.MustCompile(`(?s)<pre>(.*?)</pre>`)
	sysLogOlderRe = regexp.MustCompile(`<a href="/admin/logs\?([^"]+)" id="older-events">`)
)

// sysLogEvents reads the events a System Log page shows, as the JSON each
// expands to, in page order.
func sysLogEvents(t *testing.T, body string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range sysLogJSONRe.FindAllStringSubmatch(body, -1) {
		var e map[string]any
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &e); err != nil {
			t.Fatalf("an event's JSON does not parse: %v\n%s", err, m[1])
		}
		out = append(out, e)
	}
	return out
}

func sysLogTypes(events []map[string]any) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i], _ = e["eventType"].(string)
	}
	return out
}

func sysLogFieldError(t *testing.T, body, field string) string {
	t.Helper()
	m := regexp.MustCompile(`<p class="error" id="e-` + field + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error next to %s in:\n%s", field, body)
	}
	return html.UnescapeString(m[1])
}

// sysLogFailedSignIn signs in as login with a wrong password.
func sysLogFailedSignIn(t *testing.T, s *testkit.Server, login string) {
	t.Helper()
	b := testkit.Browser()
	resp, err := b.Get(s.URL + "/admin/signin")
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.ParseSignInForm(readAll(t, resp))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = s.SubmitSignIn(b, f, login, "wrong password")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("failed sign-in: %d", resp.StatusCode)
	}
}

func TestConsoleSystemLog(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	sysLogFailedSignIn(t, s, "mallory@example.com")
	if p := admin.Post(t, "/admin/apps", url.Values{"name": {"Logged App"}, "type": {"web"},
		"grant_types": {"authorization_code"}, "redirect_uris": {"https://l.example.com/cb"}, "assignment": {"skip"}}); p.Status != http.StatusCreated {
		t.Fatalf("create app: %d", p.Status)
	}

	// The events show at once, newest first, each with the JSON the API returns.
	p := admin.Get(t, "/admin/logs")
	if p.Status != http.StatusOK {
		t.Fatalf("System Log: %d", p.Status)
	}
	events := sysLogEvents(t, p.Body)
	types := sysLogTypes(events)
	if len(types) < 3 || types[0] != "application.lifecycle.create" {
		t.Fatalf("events %v: want the app's creation first", types)
	}
	for i := 1; i < len(events); i++ {
		if events[i-1]["published"].(string) < events[i]["published"].(string) {
			t.Fatalf("events not newest first: %v then %v", events[i-1]["published"], events[i]["published"])
		}
	}
	if !strings.Contains(p.Body, "Logged App") || !strings.Contains(p.Body, "mallory@example.com") {
		t.Error("the page does not show the app's name or the failed login")
	}
	api := s.API(t, http.MethodGet, "/api/v1/logs?sortOrder=DESCENDING&limit=1", nil)
	var fromAPI []map[string]any
	api.JSON(t, &fromAPI)
	if len(fromAPI) != 1 || !reflect.DeepEqual(fromAPI[0], events[0]) {
		t.Fatalf("the console's JSON differs from the API's:\nconsole %v\napi     %v", events[0], fromAPI)
	}

	// Filters narrow the list.
	filters := []struct {
		name  string
		query url.Values
		want  func(types []string, events []map[string]any) bool
	}{
		{"event type prefix", url.Values{"type": {"application.lifecycle"}}, func(types []string, _ []map[string]any) bool {
			return len(types) == 1 && types[0] == "application.lifecycle.create"
		}},
		{"free text", url.Values{"q": {"mallory"}}, func(types []string, events []map[string]any) bool {
			return len(types) == 1 && types[0] == "user.session.start" && events[0]["outcome"].(map[string]any)["result"] == "FAILURE"
		}},
		{"advanced filter", url.Values{"filter": {`outcome.result eq "FAILURE"`}}, func(types []string, _ []map[string]any) bool {
			return len(types) == 1 && types[0] == "user.session.start"
		}},
		{"type and text", url.Values{"type": {"user.session"}, "q": {"root"}}, func(types []string, events []map[string]any) bool {
			return len(types) == 1 && events[0]["actor"].(map[string]any)["alternateId"] == "root@example.com"
		}},
		{"time range in the future", url.Values{"since": {time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")},
			"until": {time.Now().UTC().Add(2 * time.Hour).Format("2006-01-02T15:04")}},
			func(types []string, _ []map[string]any) bool { return len(types) == 0 }},
		{"time range around now", url.Values{"since": {time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")},
			"until": {time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")}},
			func(types []string, _ []map[string]any) bool { return len(types) >= 3 }},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Get(t, "/admin/logs?"+tc.query.Encode())
			if p.Status != http.StatusOK {
				t.Fatalf("status %d", p.Status)
			}
			events := sysLogEvents(t, p.Body)
			if !tc.want(sysLogTypes(events), events) {
				t.Fatalf("events %v", sysLogTypes(events))
			}
			for k, v := range tc.query {
				if !strings.Contains(p.Body, `value="`+html.EscapeString(v[0])+`"`) {
					t.Errorf("the form lost %s=%q", k, v[0])
				}
			}
		})
	}

	// Bad input: 400, the error next to its field.
	bad := []struct {
		name, query, field, want string
	}{
		{"bad since", "since=yesterday", "since", "not an ISO 8601 timestamp"},
		{"bad until", "until=2026-13-45T00:00", "until", "not an ISO 8601 timestamp"},
		{"since after until", "since=2026-01-02T00:00&until=2026-01-01T00:00", "since", "must not be after until"},
		{"bad filter", url.Values{"filter": {"eventType eq"}}.Encode(), "filter", ""},
		{"unknown attribute", url.Values{"filter": {`password eq "x"`}}.Encode(), "filter", ""},
		{"too many keywords", url.Values{"q": {"a b c d e f g h i j k"}}.Encode(), "q", "at most 10 keywords"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Get(t, "/admin/logs?"+tc.query)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := sysLogFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.want) {
				t.Errorf("error %q, want %q", got, tc.want)
			}
			if len(sysLogEvents(t, p.Body)) != 0 {
				t.Error("a refused search still lists events")
			}
		})
	}
	if p := admin.Get(t, "/admin/logs?after=not-a-cursor"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="alert"`) {
		t.Fatalf("bad cursor: %d", p.Status)
	}

	// A read-only administrator reads the log too.
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	if p := ro.Get(t, "/admin/logs?type=application"); p.Status != http.StatusOK || len(sysLogEvents(t, p.Body)) != 1 {
		t.Fatalf("read-only System Log: %d", p.Status)
	}
}

func TestConsoleSystemLogPages(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	const total = 57
	for i := 0; i < total; i++ {
		s.Events.Record(ctx, store.Event{EventType: "test.paging.event", DisplayMessage: "Paging test", Outcome: "SUCCESS"})
	}
	seen := map[string]bool{}
	path := "/admin/logs?type=test.paging"
	var pages []int
	for path != "" {
		p := admin.Get(t, path)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.Status)
		}
		events := sysLogEvents(t, p.Body)
		pages = append(pages, len(events))
		for _, e := range events {
			id := e["uuid"].(string)
			if seen[id] {
				t.Fatalf("event %s shown twice", id)
			}
			seen[id] = true
		}
		path = ""
		if m := sysLogOlderRe.FindStringSubmatch(p.Body); m != nil {
			path = "/admin/logs?" + html.UnescapeString(m[1])
			if !strings.Contains(path, "type=test.paging") {
				t.Fatalf("the Older events link %q lost the filter", path)
			}
		}
		if len(pages) > 3 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != total || len(pages) != 2 || pages[0] != 50 {
		t.Fatalf("pages %v, %d events seen, want 50 then 7", pages, len(seen))
	}
}
