package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The body holds what the columns do not, and decodes over them back into
// the event, whatever its strings hold.
func TestEventBodyRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		e    store.Event
	}{
		{"empty", store.Event{}},
		{"targets, user agent, uri, debug", store.Event{UserAgent: "curl/8", RequestURI: "/oauth2/v1/token",
			Targets: []store.EventObject{{ID: "0oaweb", Type: "PublicClientApp", AlternateID: "Web", DisplayName: "Web App"},
				{ID: "AT.jti", Type: "access_token"}},
			Debug: map[string]string{"grantType": "client_credentials", "b": "", "a": "100%_sure"}}},
		{"empty but not nil", store.Event{Targets: []store.EventObject{}, Debug: map[string]string{}}},
		{"strings JSON must escape", store.Event{UserAgent: "a\"b\\c\n\t<>&\u2028é\x01",
			Targets: []store.EventObject{{ID: "\xff\xfe", DisplayName: "Ünïcödé \"quoted\""}},
			Debug:   map[string]string{"k\"ey": "v\\al"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := appendEventBody(nil, &c.e)
			var got store.Event
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			want := store.Event{Targets: c.e.Targets, UserAgent: c.e.UserAgent, RequestURI: c.e.RequestURI, Debug: c.e.Debug}
			// Invalid UTF-8 reads back as encoding/json writes it.
			if raw, _ := json.Marshal(want); json.Unmarshal(raw, &want) != nil {
				t.Fatal("fixture does not encode")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("body %s decoded to\n%#v\nwant\n%#v", body, got, want)
			}
		})
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain ascii", `q"uote`, `back\slash`, "ctl\x00\x1f", "<html>&", "é", "\u2028\u2029", "\xff"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got[1:], want)
		}
	}
}

func TestSearchTextIsLowerCased(t *testing.T) {
	e := store.Event{EventType: "User.Session", DisplayMessage: "ÀB", Actor: store.EventObject{ID: "00U", AlternateID: "A@X", DisplayName: "Al"},
		Targets: []store.EventObject{{ID: "0OA", AlternateID: "App", DisplayName: "ÉCOLE"}}}
	want := "user.session\nàb\n00u\na@x\nal\n0oa\napp\nécole"
	if got := string(appendSearchText(nil, &e)); got != want {
		t.Fatalf("search text %q, want %q", got, want)
	}
}
