package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
)

// Events stored before 00013 (whole event in the body, targets in
// log_event_targets) are still listed, read back whole and found by every
// kind of filter after it, beside events written since.
func TestEventsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db := migratedTo(t, path, 12)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old := []store.Event{
		{UUID: "old1", Published: at, EventType: "app.oauth2.as.token.grant.access_token", Severity: "INFO",
			DisplayMessage: "OAuth2 access token is granted", Actor: store.EventObject{ID: "00ualice", Type: "User", AlternateID: "alice"},
			Outcome: "SUCCESS", ClientIP: "10.0.0.1", UserAgent: "curl/8", RequestID: "req1",
			Targets: []store.EventObject{{ID: "0oaweb", Type: "PublicClientApp", AlternateID: "Web", DisplayName: "Web App"},
				{ID: "AT.old", Type: "access_token"}},
			Debug: map[string]string{"grantType": "client_credentials"}},
		{UUID: "old2", Published: at.Add(time.Second), EventType: "user.session.start", Severity: "WARN", Outcome: "FAILURE",
			Reason: "INVALID_CREDENTIALS", Actor: store.EventObject{ID: "unknown", Type: "User"}},
	}
	for _, e := range old { // as 00010's code wrote them
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO log_events (uuid, published, event_type, severity, actor_id, outcome, body,
			actor_type, actor_alternate_id, actor_display_name, outcome_reason, client_ip, request_id, display_message, search_text)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, e.UUID, e.Published.UnixMilli(), e.EventType, e.Severity, e.Actor.ID,
			e.Outcome, string(body), e.Actor.Type, e.Actor.AlternateID, e.Actor.DisplayName, e.Reason, e.ClientIP, e.RequestID,
			e.DisplayMessage, strings.ToLower(e.EventType+"\n"+e.DisplayMessage)); err != nil {
			t.Fatal(err)
		}
		for pos, o := range e.Targets {
			if _, err := db.Exec(`INSERT INTO log_event_targets (event_uuid, position, id, type, alternate_id, display_name)
				VALUES (?,?,?,?,?,?)`, e.UUID, pos, o.ID, o.Type, o.AlternateID, o.DisplayName); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()

	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fresh := store.Event{UUID: "new1", Published: at.Add(2 * time.Second), EventType: "app.oauth2.as.token.grant.access_token",
		Severity: "INFO", Outcome: "SUCCESS", Actor: store.EventObject{ID: "00ualice", Type: "User"},
		Targets: []store.EventObject{{ID: "0oaweb", Type: "PublicClientApp"}, {ID: "AT.new", Type: "access_token"}}}
	if err := st.AppendEvents(ctx, []store.Event{fresh}); err != nil {
		t.Fatal(err)
	}
	all := store.EventQuery{Since: at.Add(-time.Hour), Until: at.Add(time.Hour), Limit: 10}
	got, err := st.ListEvents(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(old), fresh)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after migrating, events read back as\n%+v\nwant\n%+v", got, want)
	}
	for _, c := range []struct {
		name string
		f    store.EventFilter
		want []string
	}{
		{"target.id eq", store.EventFilter{Attr: "target.id", Op: "eq", Value: "0oaweb"}, []string{"old1", "new1"}},
		{"target.id of an old event", store.EventFilter{Attr: "target.id", Op: "eq", Value: "AT.old"}, []string{"old1"}},
		{"target.type sw ignores case", store.EventFilter{Attr: "target.type", Op: "sw", Value: "ACCESS"}, []string{"old1", "new1"}},
		{"target.displayName co", store.EventFilter{Attr: "target.displayName", Op: "co", Value: "web"}, []string{"old1"}},
		{"target.alternateId pr", store.EventFilter{Attr: "target.alternateId", Op: "pr"}, []string{"old1"}},
		{"target.id ne: some target differs", store.EventFilter{Attr: "target.id", Op: "ne", Value: "0oaweb"}, []string{"old1", "new1"}},
		{"not target.id pr: no targets", store.EventFilter{Logic: "not", Operands: []store.EventFilter{{Attr: "target.id", Op: "pr"}}}, []string{"old2"}},
		{"outcome.reason", store.EventFilter{Attr: "outcome.reason", Op: "eq", Value: "INVALID_CREDENTIALS"}, []string{"old2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := all
			q.Filter = &c.f
			got, err := st.ListEvents(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if ids := uuids(got); !slices.Equal(ids, c.want) {
				t.Fatalf("got %v, want %v", ids, c.want)
			}
		})
	}
}

// A batch larger than the biggest prepared INSERT is written whole and
// listed in order, its targets found.
func TestAppendEventsManyChunks(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var events []store.Event
	for i := range 150 {
		events = append(events, store.Event{UUID: fmt.Sprintf("e%03d", i), Published: at.Add(time.Duration(i) * time.Millisecond),
			EventType: "app.oauth2.as.token.grant.access_token", Severity: "INFO", Outcome: "SUCCESS",
			Targets: []store.EventObject{{ID: "0oaweb", Type: "PublicClientApp"}, {ID: fmt.Sprintf("AT.%03d", i), Type: "access_token"}}})
	}
	if err := st.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	got, err := st.ListEvents(ctx, store.EventQuery{Since: at, Until: at.Add(time.Hour), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(uuids(got), uuids(events)) || !reflect.DeepEqual(got[149], events[149]) {
		t.Fatalf("listed %d events %v…, want the 150 written in order", len(got), uuids(got)[:min(3, len(got))])
	}
	one, err := st.ListEvents(ctx, store.EventQuery{Since: at, Until: at.Add(time.Hour), Limit: 10,
		Filter: &store.EventFilter{Attr: "target.id", Op: "eq", Value: "AT.149"}})
	if err != nil || !slices.Equal(uuids(one), []string{"e149"}) {
		t.Fatalf("the last event's target: %v %v", uuids(one), err)
	}
	// A repeated uuid refuses the whole batch, and the store stays usable.
	if err := st.AppendEvents(ctx, append([]store.Event{{UUID: "fresh", Published: at, EventType: "x"}}, events[70])); err == nil {
		t.Fatal("a batch repeating a uuid was stored")
	}
	if err := st.AppendEvents(ctx, []store.Event{{UUID: "fresh", Published: at, EventType: "x"}}); err != nil {
		t.Fatalf("after a refused batch: %v", err)
	}
}

func uuids(events []store.Event) []string {
	out := []string{}
	for _, e := range events {
		out = append(out, e.UUID)
	}
	return out
}
