package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// eventsFixture is a small System Log: five events, two of them in the
// same millisecond (ordered by uuid), one with two targets.
func eventsFixture() []store.Event {
	at := func(ms int) time.Time { return t0.Truncate(time.Millisecond).Add(time.Duration(ms) * time.Millisecond) }
	alice := store.EventObject{ID: "00ualice", Type: "User", AlternateID: "alice@example.com", DisplayName: "Alice Anders"}
	app := store.EventObject{ID: "0oaweb", Type: "PublicClientApp", AlternateID: "Web App", DisplayName: "Web App"}
	return []store.Event{
		{UUID: "e1", Published: at(0), EventType: "user.session.start", Severity: "INFO", DisplayMessage: "User login to Okta",
			Actor: alice, Outcome: "SUCCESS", ClientIP: "10.0.0.1", UserAgent: "curl/8", RequestID: "req1", RequestURI: "/oauth2/v1/signin"},
		{UUID: "e2", Published: at(10), EventType: "user.session.start", Severity: "WARN", DisplayMessage: "User login to Okta",
			Actor: store.EventObject{ID: "unknown", Type: "User", AlternateID: "mallory@example.com"}, Outcome: "FAILURE",
			Reason: "INVALID_CREDENTIALS", ClientIP: "10.0.0.2", RequestID: "req2"},
		{UUID: "e3b", Published: at(20), EventType: "app.oauth2.as.token.grant.access_token", Severity: "INFO",
			DisplayMessage: "OAuth2 access token is granted", Actor: alice, Outcome: "SUCCESS", RequestID: "req3",
			Targets: []store.EventObject{app, {ID: "AT.jti1", Type: "access_token", AlternateID: "access token", DisplayName: "Access Token"}},
			Debug:   map[string]string{"grantType": "authorization_code", "requestedScopes": "openid 100%_sure"}},
		{UUID: "e3a", Published: at(20), EventType: "app.oauth2.as.token.grant.id_token", Severity: "INFO",
			DisplayMessage: "OAuth2 id token is granted", Actor: alice, Outcome: "SUCCESS", RequestID: "req3", Targets: []store.EventObject{app}},
		{UUID: "e4", Published: at(3000), EventType: "group.lifecycle.create", Severity: "INFO", DisplayMessage: "Create 100%_Group",
			Actor: store.EventObject{ID: "00Ttok", Type: "Token"}, Outcome: "SUCCESS",
			Targets: []store.EventObject{{ID: "00gadmins", Type: "UserGroup", AlternateID: "Admins", DisplayName: "Admins"}}},
	}
}

func uuidsOf(events []store.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.UUID
	}
	return out
}

func testEvents(t *testing.T, st store.Store) {
	ctx := context.Background()
	fixture := eventsFixture()
	if err := st.AppendEvents(ctx, fixture); err != nil {
		t.Fatal(err)
	}
	all := store.EventQuery{Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour), Limit: 100}

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := st.ListEvents(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Event{fixture[0], fixture[1], fixture[3], fixture[2], fixture[4]} // e3a before e3b
		if !reflect.DeepEqual(uuidsOf(got), uuidsOf(want)) {
			t.Fatalf("order %v, want %v", uuidsOf(got), uuidsOf(want))
		}
		for i := range want {
			if !got[i].Published.Equal(want[i].Published) || got[i].Published.Location() != time.UTC {
				t.Fatalf("%s published %v, want %v in UTC", want[i].UUID, got[i].Published, want[i].Published)
			}
			got[i].Published = want[i].Published
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("event read back\n%+v\nwant\n%+v", got[i], want[i])
			}
		}
	})

	t.Run("AllOrNone", func(t *testing.T) {
		bad := []store.Event{{UUID: "new1", Published: t0, EventType: "x", Severity: "INFO", Outcome: "SUCCESS"}, fixture[0]}
		if err := st.AppendEvents(ctx, bad); err == nil {
			t.Fatal("a batch repeating a uuid was stored")
		}
		got, _ := st.ListEvents(ctx, all)
		if len(got) != len(fixture) {
			t.Fatalf("a failed batch left %d events, want %d", len(got), len(fixture))
		}
	})

	ms := func(n int) time.Time { return t0.Truncate(time.Millisecond).Add(time.Duration(n) * time.Millisecond) }
	queries := []struct {
		name string
		q    store.EventQuery
		want []string
	}{
		{"since and until are inclusive", store.EventQuery{Since: ms(10), Until: ms(20)}, []string{"e2", "e3a", "e3b"}},
		{"descending", store.EventQuery{Descending: true}, []string{"e4", "e3b", "e3a", "e2", "e1"}},
		{"limit reads one more", store.EventQuery{Limit: 2}, []string{"e1", "e2", "e3a"}},
		{"after", store.EventQuery{After: &store.EventCursor{Published: ms(20), UUID: "e3a"}}, []string{"e3b", "e4"}},
		{"after descending", store.EventQuery{Descending: true, After: &store.EventCursor{Published: ms(20), UUID: "e3b"}}, []string{"e3a", "e2", "e1"}},
		{"eventType eq", store.EventQuery{Filter: &store.EventFilter{Attr: "eventType", Op: "eq", Value: "user.session.start"}}, []string{"e1", "e2"}},
		{"eq is exact", store.EventQuery{Filter: &store.EventFilter{Attr: "eventType", Op: "eq", Value: "USER.session.start"}}, nil},
		{"sw ignores case", store.EventQuery{Filter: &store.EventFilter{Attr: "eventType", Op: "sw", Value: "APP.oauth2.AS"}}, []string{"e3a", "e3b"}},
		{"co wildcards are literal", store.EventQuery{Filter: &store.EventFilter{Attr: "displayMessage", Op: "co", Value: "100%_g"}}, []string{"e4"}},
		{"co underscore is literal", store.EventQuery{Filter: &store.EventFilter{Attr: "displayMessage", Op: "co", Value: "login_to"}}, nil},
		{"ew", store.EventQuery{Filter: &store.EventFilter{Attr: "eventType", Op: "ew", Value: "_token"}}, []string{"e3a", "e3b"}},
		{"outcome and reason", store.EventQuery{Filter: &store.EventFilter{Logic: "and", Operands: []store.EventFilter{
			{Attr: "outcome.result", Op: "eq", Value: "FAILURE"}, {Attr: "outcome.reason", Op: "eq", Value: "INVALID_CREDENTIALS"}}}}, []string{"e2"}},
		{"actor.alternateId", store.EventQuery{Filter: &store.EventFilter{Attr: "actor.alternateId", Op: "eq", Value: "mallory@example.com"}}, []string{"e2"}},
		{"target.id", store.EventQuery{Filter: &store.EventFilter{Attr: "target.id", Op: "eq", Value: "AT.jti1"}}, []string{"e3b"}},
		{"target.type or severity", store.EventQuery{Filter: &store.EventFilter{Logic: "or", Operands: []store.EventFilter{
			{Attr: "target.type", Op: "eq", Value: "UserGroup"}, {Attr: "severity", Op: "eq", Value: "WARN"}}}}, []string{"e2", "e4"}},
		{"not target.id pr", store.EventQuery{Filter: &store.EventFilter{Logic: "not", Operands: []store.EventFilter{
			{Attr: "target.id", Op: "pr"}}}}, []string{"e1", "e2"}},
		{"ne", store.EventQuery{Filter: &store.EventFilter{Attr: "actor.id", Op: "ne", Value: "00ualice"}}, []string{"e2", "e4"}},
		{"transaction.id", store.EventQuery{Filter: &store.EventFilter{Attr: "transaction.id", Op: "eq", Value: "req3"}}, []string{"e3a", "e3b"}},
		{"client.ipAddress", store.EventQuery{Filter: &store.EventFilter{Attr: "client.ipAddress", Op: "eq", Value: "10.0.0.2"}}, []string{"e2"}},
		{"keyword ignores case", store.EventQuery{Keywords: []string{"ALICE"}}, []string{"e1", "e3a", "e3b"}},
		{"keywords all match", store.EventQuery{Keywords: []string{"alice", "id_token"}}, []string{"e3a"}},
		{"keyword on a target name", store.EventQuery{Keywords: []string{"admins"}}, []string{"e4"}},
		{"keyword wildcards are literal", store.EventQuery{Keywords: []string{"100%_"}}, []string{"e4"}},
		{"keyword and filter", store.EventQuery{Keywords: []string{"login"}, Filter: &store.EventFilter{Attr: "severity", Op: "eq", Value: "INFO"}}, []string{"e1"}},
	}
	for _, c := range queries {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			if q.Since.IsZero() {
				q.Since, q.Until = all.Since, all.Until
			}
			if q.Limit == 0 {
				q.Limit = 100
			}
			got, err := st.ListEvents(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if ids := uuidsOf(got); !slices.Equal(ids, c.want) {
				t.Fatalf("got %v, want %v", ids, c.want)
			}
		})
	}

	t.Run("PagesCoverAll", func(t *testing.T) {
		for _, desc := range []bool{false, true} {
			q := all
			q.Limit, q.Descending = 2, desc
			var seen []string
			for range 10 {
				page, err := st.ListEvents(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) <= q.Limit {
					seen = append(seen, uuidsOf(page)...)
					break
				}
				page = page[:q.Limit]
				seen = append(seen, uuidsOf(page)...)
				c, err := store.ParseEventCursor(store.CursorOf(page[len(page)-1]).String())
				if err != nil {
					t.Fatal(err)
				}
				q.After = &c
			}
			want := []string{"e1", "e2", "e3a", "e3b", "e4"}
			if desc {
				slices.Reverse(want)
			}
			if !slices.Equal(seen, want) {
				t.Fatalf("descending=%v: pages gave %v, want %v", desc, seen, want)
			}
		}
	})
}

func testEventRetention(t *testing.T, st store.Store) {
	ctx := context.Background()
	now := t0.Add(100 * 24 * time.Hour)
	var events []store.Event
	for i, age := range []time.Duration{store.EventRetention + time.Hour, store.EventRetention + time.Minute, store.EventRetention - time.Minute} {
		events = append(events, store.Event{UUID: fmt.Sprintf("r%d", i), Published: now.Add(-age), EventType: "user.session.start",
			Severity: "INFO", Outcome: "SUCCESS", Targets: []store.EventObject{{ID: fmt.Sprintf("t%d", i), Type: "User"}}})
	}
	if err := st.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteExpired(ctx, now, 100); err != nil {
		t.Fatal(err)
	}
	got, err := st.ListEvents(ctx, store.EventQuery{Since: now.Add(-200 * 24 * time.Hour), Until: now, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if ids := uuidsOf(got); !slices.Equal(ids, []string{"r2"}) {
		t.Fatalf("after cleanup: %v, want only the event within retention", ids)
	}
	// The targets went with their events: their ids can be reused.
	if err := st.AppendEvents(ctx, events[:2]); err != nil {
		t.Fatalf("re-adding deleted events: %v", err)
	}
}
