package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// sysLogEvent is the part of Okta's LogEvent the tests read.
type sysLogEvent struct {
	UUID            string  `json:"uuid"`
	Published       string  `json:"published"`
	EventType       string  `json:"eventType"`
	Version         string  `json:"version"`
	Severity        string  `json:"severity"`
	LegacyEventType *string `json:"legacyEventType"`
	DisplayMessage  string  `json:"displayMessage"`
	Actor           struct {
		ID          string `json:"id"`
		Type        string `json:"type"`
		AlternateID string `json:"alternateId"`
		DisplayName string `json:"displayName"`
	} `json:"actor"`
	Client struct {
		UserAgent struct {
			RawUserAgent string `json:"rawUserAgent"`
			OS           string `json:"os"`
			Browser      string `json:"browser"`
		} `json:"userAgent"`
		Device    string  `json:"device"`
		IPAddress *string `json:"ipAddress"`
	} `json:"client"`
	Outcome struct {
		Result string  `json:"result"`
		Reason *string `json:"reason"`
	} `json:"outcome"`
	DebugContext struct {
		DebugData map[string]string `json:"debugData"`
	} `json:"debugContext"`
	Transaction struct {
		Type   string         `json:"type"`
		ID     string         `json:"id"`
		Detail map[string]any `json:"detail"`
	} `json:"transaction"`
	Request struct {
		IPChain []struct {
			IP      string `json:"ip"`
			Version string `json:"version"`
		} `json:"ipChain"`
	} `json:"request"`
	Target []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"target"`
}

var oktaTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// seedLogEvents records events at fixed instants before now through the
// server's own writer.
func seedLogEvents(t *testing.T, s *testkit.Server, base time.Time) {
	t.Helper()
	ctx := eventlog.WithRequest(context.Background(), eventlog.Request{ID: "req-seed", IP: "192.0.2.7",
		UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"})
	user := store.EventObject{ID: "00useed", Type: "User", AlternateID: "seed@example.com", DisplayName: "Seed User"}
	for i, e := range []store.Event{
		{EventType: "user.session.start", DisplayMessage: "User login to Okta", Actor: user},
		{EventType: "user.session.start", DisplayMessage: "User login to Okta", Outcome: "FAILURE", Reason: "INVALID_CREDENTIALS",
			Severity: "WARN", Actor: store.EventObject{ID: "unknown", Type: "User", AlternateID: "Mallory@Example.com"}},
		{EventType: "app.oauth2.as.token.grant.access_token", DisplayMessage: "OAuth2 access token is granted", Actor: user,
			Targets: []store.EventObject{{ID: "0oaseed", Type: "PublicClientApp"}, {ID: "AT.seed", Type: "access_token"}},
			Debug:   map[string]string{"grantType": "authorization_code"}, ClientIP: "2001:db8::1"},
		{EventType: "group.lifecycle.create", DisplayMessage: "Create Okta group", Targets: []store.EventObject{{ID: "00gseed", Type: "UserGroup", DisplayName: "Auditors"}}},
	} {
		e.Published = base.Add(time.Duration(i) * time.Minute)
		s.Events.Record(ctx, e)
	}
}

func listLogs(t *testing.T, s *testkit.Server, params url.Values) ([]sysLogEvent, testkit.APIResponse) {
	t.Helper()
	r := s.API(t, http.MethodGet, "/api/v1/logs?"+params.Encode(), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/logs?%s: %d %s", params.Encode(), r.Status, r.Body)
	}
	var out []sysLogEvent
	r.JSON(t, &out)
	return out, r
}

func logOutcomes(events []sysLogEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.EventType+"/"+e.Outcome.Result)
	}
	return out
}

// logLinks returns the Link header's URLs by relation.
func logLinks(r testkit.APIResponse) map[string]string {
	out := map[string]string{}
	for _, l := range r.Header.Values("Link") {
		m := regexp.MustCompile(`^<([^>]+)>; rel="(\w+)"$`).FindStringSubmatch(l)
		if m != nil {
			out[m[2]] = m[1]
		}
	}
	return out
}

func TestListLogs(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
		seedLogEvents(t, s, base)
		window := url.Values{"since": {base.Add(-time.Second).Format(time.RFC3339Nano)}, "until": {base.Add(10 * time.Minute).Format(time.RFC3339)}}
		with := func(kv ...string) url.Values {
			q := url.Values{}
			for k, v := range window {
				q[k] = v
			}
			for i := 0; i < len(kv); i += 2 {
				q.Set(kv[i], kv[i+1])
			}
			return q
		}
		cases := []struct {
			name   string
			params url.Values
			want   []string
		}{
			{"window, ascending", with(), []string{"user.session.start/SUCCESS", "user.session.start/FAILURE",
				"app.oauth2.as.token.grant.access_token/SUCCESS", "group.lifecycle.create/SUCCESS"}},
			{"descending", with("sortOrder", "DESCENDING"), []string{"group.lifecycle.create/SUCCESS",
				"app.oauth2.as.token.grant.access_token/SUCCESS", "user.session.start/FAILURE", "user.session.start/SUCCESS"}},
			{"eventType eq", with("filter", `eventType eq "user.session.start"`), []string{"user.session.start/SUCCESS", "user.session.start/FAILURE"}},
			{"outcome and", with("filter", `eventType eq "user.session.start" and outcome.result eq "FAILURE"`), []string{"user.session.start/FAILURE"}},
			{"sw or target.id", with("filter", `(eventType sw "app.oauth2") or target.id eq "00gseed"`),
				[]string{"app.oauth2.as.token.grant.access_token/SUCCESS", "group.lifecycle.create/SUCCESS"}},
			{"actor.id and severity", with("filter", `actor.id eq "00useed" and not (severity eq "WARN")`),
				[]string{"user.session.start/SUCCESS", "app.oauth2.as.token.grant.access_token/SUCCESS"}},
			{"q ignores case", with("q", "MALLORY@example.COM"), []string{"user.session.start/FAILURE"}},
			{"q keywords all match", with("q", "seed access_token"), []string{"app.oauth2.as.token.grant.access_token/SUCCESS"}},
			{"q target name", with("q", "auditors"), []string{"group.lifecycle.create/SUCCESS"}},
			{"until bounds", with("until", base.Add(30*time.Second).Format(time.RFC3339Nano)), []string{"user.session.start/SUCCESS"}},
			{"since bounds", with("since", base.Add(150*time.Second).Format(time.RFC3339Nano)), []string{"group.lifecycle.create/SUCCESS"}},
			{"nothing matches", with("filter", `eventType eq "user.lifecycle.create"`), nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, r := listLogs(t, s, c.params)
				if !slices.Equal(logOutcomes(got), c.want) {
					t.Fatalf("got %v\nwant %v", logOutcomes(got), c.want)
				}
				if l := logLinks(r); l["self"] == "" || l["next"] != "" {
					t.Fatalf("bounded query links %v: want self only", r.Header.Values("Link"))
				}
			})
		}

		t.Run("Okta shape", func(t *testing.T) {
			got, r := listLogs(t, s, with("filter", `eventType eq "app.oauth2.as.token.grant.access_token"`))
			if len(got) != 1 {
				t.Fatalf("%s", r.Body)
			}
			e := got[0]
			if !oktaTimestamp.MatchString(e.Published) || e.Version != "0" || e.LegacyEventType != nil || e.Severity != "INFO" ||
				e.DisplayMessage != "OAuth2 access token is granted" || len(e.UUID) != 36 {
				t.Fatalf("event header %+v", e)
			}
			if e.Actor.ID != "00useed" || e.Actor.Type != "User" || e.Actor.AlternateID != "seed@example.com" || e.Actor.DisplayName != "Seed User" {
				t.Fatalf("actor %+v", e.Actor)
			}
			if e.Client.UserAgent.OS != "Mac OS X" || e.Client.UserAgent.Browser != "CHROME" || e.Client.Device != "Computer" ||
				e.Client.IPAddress == nil || *e.Client.IPAddress != "2001:db8::1" {
				t.Fatalf("client %+v", e.Client)
			}
			if len(e.Request.IPChain) != 1 || e.Request.IPChain[0].Version != "V6" {
				t.Fatalf("ipChain %+v", e.Request.IPChain)
			}
			if e.Transaction.Type != "WEB" || e.Transaction.ID != "req-seed" || e.Transaction.Detail == nil ||
				e.DebugContext.DebugData["requestId"] != "req-seed" || e.DebugContext.DebugData["grantType"] != "authorization_code" {
				t.Fatalf("transaction %+v debug %+v", e.Transaction, e.DebugContext)
			}
			if e.Outcome.Result != "SUCCESS" || e.Outcome.Reason != nil || len(e.Target) != 2 || e.Target[1].ID != "AT.seed" {
				t.Fatalf("outcome %+v targets %+v", e.Outcome, e.Target)
			}
			// Every member of Okta's LogEvent is present, null or not.
			var raw []map[string]any
			r.JSON(t, &raw)
			for _, k := range []string{"uuid", "published", "eventType", "version", "severity", "legacyEventType", "displayMessage",
				"actor", "client", "authenticationContext", "outcome", "securityContext", "debugContext", "transaction", "request", "target"} {
				if _, ok := raw[0][k]; !ok {
					t.Errorf("LogEvent lacks %q", k)
				}
			}
			client := raw[0]["client"].(map[string]any)
			for _, k := range []string{"userAgent", "zone", "device", "id", "ipAddress", "geographicalContext"} {
				if _, ok := client[k]; !ok {
					t.Errorf("client lacks %q", k)
				}
			}
			if raw[0]["actor"].(map[string]any)["detailEntry"] != nil {
				t.Error("actor.detailEntry is not null")
			}
		})

		t.Run("failure reason", func(t *testing.T) {
			got, _ := listLogs(t, s, with("filter", `outcome.result eq "FAILURE"`))
			if len(got) != 1 || got[0].Outcome.Reason == nil || *got[0].Outcome.Reason != "INVALID_CREDENTIALS" || got[0].Severity != "WARN" {
				t.Fatalf("%+v", got)
			}
		})

		t.Run("pages follow next links", func(t *testing.T) {
			for _, order := range []string{"ASCENDING", "DESCENDING"} {
				q := with("limit", "3", "sortOrder", order)
				var all []string
				path := "/api/v1/logs?" + q.Encode()
				for range 5 {
					r := s.API(t, http.MethodGet, path, nil)
					var page []sysLogEvent
					r.JSON(t, &page)
					all = append(all, logOutcomes(page)...)
					next := logLinks(r)["next"]
					if next == "" {
						break
					}
					if len(page) != 3 || !strings.HasPrefix(next, s.URL+"/api/v1/logs?") {
						t.Fatalf("page of %d with next %q", len(page), next)
					}
					path = strings.TrimPrefix(next, s.URL)
				}
				want := []string{"user.session.start/SUCCESS", "user.session.start/FAILURE", "app.oauth2.as.token.grant.access_token/SUCCESS", "group.lifecycle.create/SUCCESS"}
				if order == "DESCENDING" {
					slices.Reverse(want)
				}
				if !slices.Equal(all, want) {
					t.Fatalf("%s pages %v, want %v", order, all, want)
				}
			}
		})

		t.Run("polling feed always links next", func(t *testing.T) {
			q := url.Values{"since": window["since"], "limit": {"10"}}
			got, r := listLogs(t, s, q)
			next := logLinks(r)["next"]
			if len(got) < 4 || next == "" {
				t.Fatalf("first poll: %d events, next %q", len(got), next)
			}
			// Caught up: an empty page that still links the next poll.
			path := strings.TrimPrefix(next, s.URL)
			r = s.API(t, http.MethodGet, path, nil)
			var empty []sysLogEvent
			r.JSON(t, &empty)
			again := logLinks(r)["next"]
			if r.Status != http.StatusOK || len(empty) != 0 || again == "" || string(r.Body) != "[]\n" {
				t.Fatalf("caught-up poll: %d %s, next %q", r.Status, r.Body, again)
			}
			// A new event appears on the next poll.
			s.Events.Record(context.Background(), store.Event{EventType: "user.session.end", DisplayMessage: "User logout from Okta"})
			got, r = listLogs(t, s, queryOfPath(t, strings.TrimPrefix(again, s.URL)))
			if !slices.Equal(logOutcomes(got), []string{"user.session.end/SUCCESS"}) || logLinks(r)["next"] == "" {
				t.Fatalf("poll after a new event: %v", logOutcomes(got))
			}
		})

		t.Run("default window is the last 7 days", func(t *testing.T) {
			old := store.Event{EventType: "user.session.expire", Published: time.Now().Add(-8 * 24 * time.Hour)}
			s.Events.Record(context.Background(), old)
			got, _ := listLogs(t, s, url.Values{"filter": {`eventType sw "user.session"`}})
			for _, e := range got {
				if e.EventType == "user.session.expire" {
					t.Fatal("an 8-day-old event is in the default window")
				}
			}
			got, _ = listLogs(t, s, url.Values{"filter": {`eventType eq "user.session.expire"`}, "since": {time.Now().Add(-9 * 24 * time.Hour).Format(time.RFC3339)}})
			if len(got) != 1 {
				t.Fatalf("with since 9 days back: %v", logOutcomes(got))
			}
		})
	})
}

func queryOfPath(t *testing.T, path string) url.Values {
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestListLogsErrors(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		cases := []struct {
			name   string
			query  string
			status int
			code   string
		}{
			{"bad since", "since=yesterday", 400, "E0000030"},
			{"bad until", "until=2026-13-45T00:00:00Z", 400, "E0000030"},
			{"since after until", "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", 400, "E0000030"},
			{"bad filter syntax", url.Values{"filter": {`eventType eq`}}.Encode(), 400, "E0000031"},
			{"unknown attribute", url.Values{"filter": {`password eq "x"`}}.Encode(), 400, "E0000031"},
			{"value path", url.Values{"filter": {`target[type eq "User"]`}}.Encode(), 400, "E0000031"},
			{"too many keywords", url.Values{"q": {"a b c d e f g h i j k"}}.Encode(), 400, "E0000031"},
			{"keyword too long", url.Values{"q": {strings.Repeat("x", 41)}}.Encode(), 400, "E0000031"},
			{"bad sortOrder", "sortOrder=SIDEWAYS", 400, "E0000002"},
			{"bad limit", "limit=many", 400, "E0000002"},
			{"bad cursor", "after=not-a-cursor!", 400, "E0000002"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, http.MethodGet, "/api/v1/logs?"+c.query, nil), c.status, c.code)
				if c.code == "E0000031" && (len(e.ErrorCauses) == 0 || e.ErrorSummary != "Invalid search criteria.") {
					t.Fatalf("want the reason in errorCauses: %+v", e)
				}
			})
		}
		t.Run("no token", func(t *testing.T) {
			wantOktaError(t, s.APIWith(t, "", http.MethodGet, "/api/v1/logs", nil), http.StatusUnauthorized, "E0000011")
		})
		t.Run("limit is clamped to 1000", func(t *testing.T) {
			if r := s.API(t, http.MethodGet, "/api/v1/logs?limit=5000", nil); r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	})
}
