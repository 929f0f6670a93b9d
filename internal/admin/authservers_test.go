package admin_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const asPath = "/api/v1/authorizationServers"

type authServerBody struct {
	ID, Name, Description, Issuer, IssuerMode, Status, Created, LastUpdated string
	Audiences                                                               []string
	Credentials                                                             struct {
		Signing struct{ RotationMode, Kid, LastRotated, NextRotation, Use string }
	}
	Links map[string]any `json:"_links"`
}

// createServer makes a custom server through the API.
func createServer(t *testing.T, s *testkit.Server, name, audience string) authServerBody {
	t.Helper()
	r := s.API(t, "POST", asPath, map[string]any{"name": name, "description": name + " API", "audiences": []string{audience}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	var as authServerBody
	r.JSON(t, &as)
	return as
}

// eventTypes lists the System Log event types recorded so far whose
// first target is targetID (any target when it is empty).
func eventTypes(t *testing.T, s *testkit.Server, targetID string) []string {
	t.Helper()
	events, err := s.Store.ListEvents(t.Context(), store.EventQuery{Until: time.Now().Add(time.Hour), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		if targetID == "" || len(e.Targets) > 0 && e.Targets[0].ID == targetID {
			out = append(out, e.EventType)
		}
	}
	return out
}

// eventWait bounds how long a test waits for the System Log, which is
// written asynchronously after the answer.
const eventWait = 10 * time.Second

// waitForEvents polls the System Log until every one of types has been
// recorded (for targetID, when set), comparing distinct types so that
// repeated events do not count twice, and answers what it last saw.
func waitForEvents(t *testing.T, s *testkit.Server, targetID string, types ...string) ([]string, bool) {
	t.Helper()
	deadline := time.Now().Add(eventWait)
	for {
		got := eventTypes(t, s, targetID)
		if !slices.ContainsFunc(types, func(ty string) bool { return !slices.Contains(got, ty) }) {
			return got, true
		}
		if time.Now().After(deadline) {
			return got, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func wantEvents(t *testing.T, s *testkit.Server, types ...string) {
	t.Helper()
	if got, ok := waitForEvents(t, s, "", types...); !ok {
		t.Errorf("System Log has %v, want every one of %v", got, types)
	}
}

func TestAuthServerCRUD(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		as := createServer(t, s, "Orders", "https://orders.example.com")
		if !strings.HasPrefix(as.ID, "aus") || len(as.ID) != 20 || as.Issuer != s.URL+"/oauth2/"+as.ID ||
			as.IssuerMode != "ORG_URL" || as.Status != "ACTIVE" || as.Audiences[0] != "https://orders.example.com" ||
			as.Credentials.Signing.Kid == "" || as.Credentials.Signing.RotationMode != "AUTO" || as.Credentials.Signing.Use != "sig" {
			t.Fatalf("created server %+v", as)
		}
		for _, l := range []string{"scopes", "claims", "policies", "self", "metadata", "rotateKey", "deactivate"} {
			if as.Links[l] == nil {
				t.Errorf("no %s link in %v", l, as.Links)
			}
		}
		if md, _ := as.Links["metadata"].([]any); len(md) != 2 {
			t.Errorf("metadata links %v", as.Links["metadata"])
		}
		// Its keys exist at once: the published key set signs with the kid shown.
		jwks, err := http.Get(as.Issuer + "/v1/keys")
		if err != nil || jwks.StatusCode != http.StatusOK {
			t.Fatalf("keys of the new server: %v %v", jwks, err)
		}
		jwks.Body.Close()

		var got authServerBody
		s.API(t, "GET", asPath+"/"+as.ID, nil).JSON(t, &got)
		if got.ID != as.ID || got.Name != "Orders" || got.Credentials.Signing.Kid != as.Credentials.Signing.Kid {
			t.Fatalf("get %+v", got)
		}
		r := s.API(t, "GET", asPath+"/default", nil)
		r.JSON(t, &got)
		if r.Status != http.StatusOK || got.ID != "default" || got.Audiences[0] != "api://default" || got.Issuer != s.Issuer() {
			t.Fatalf("default: %d %s", r.Status, r.Body)
		}

		r = s.API(t, "PUT", asPath+"/"+as.ID, map[string]any{"name": "Orders v2", "description": "new",
			"audiences": []string{"api://orders"}, "issuerMode": "CUSTOM_URL"})
		r.JSON(t, &got)
		if r.Status != http.StatusOK || got.Name != "Orders v2" || got.Audiences[0] != "api://orders" || got.IssuerMode != "CUSTOM_URL" ||
			got.Issuer != as.Issuer || got.Status != "ACTIVE" {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}

		// Lifecycle: an inactive server's OAuth endpoints are unknown at once.
		discovery := as.Issuer + "/.well-known/openid-configuration"
		if code := httpStatus(t, discovery); code != http.StatusOK {
			t.Fatalf("discovery of an active server: %d", code)
		}
		wantOktaError(t, s.API(t, "DELETE", asPath+"/"+as.ID, nil), http.StatusForbidden, "E0000038")
		if r := s.API(t, "POST", asPath+"/"+as.ID+"/lifecycle/deactivate", nil); r.Status != http.StatusNoContent {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		if code := httpStatus(t, discovery); code != http.StatusNotFound {
			t.Fatalf("discovery of an inactive server: %d, want 404", code)
		}
		s.API(t, "GET", asPath+"/"+as.ID, nil).JSON(t, &got)
		if got.Status != "INACTIVE" || got.Links["activate"] == nil {
			t.Fatalf("deactivated server %+v", got)
		}
		if r := s.API(t, "POST", asPath+"/"+as.ID+"/lifecycle/activate", nil); r.Status != http.StatusNoContent {
			t.Fatalf("activate: %d", r.Status)
		}
		if code := httpStatus(t, discovery); code != http.StatusOK {
			t.Fatalf("discovery after activation: %d", code)
		}
		s.API(t, "POST", asPath+"/"+as.ID+"/lifecycle/deactivate", nil)
		if r := s.API(t, "DELETE", asPath+"/"+as.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "GET", asPath+"/"+as.ID, nil), http.StatusNotFound, "E0000007")
		wantEvents(t, s, "oauth2.as.created", "oauth2.as.updated", "oauth2.as.deactivated", "oauth2.as.activated", "oauth2.as.deleted")
	})
}

func httpStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAuthServerErrors(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		createServer(t, s, "Taken", "api://taken")
		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
			cause  string
		}{
			{"no name", map[string]any{"audiences": []string{"api://x"}}, 400, "E0000001", "name"},
			{"no audience", map[string]any{"name": "x"}, 400, "E0000001", "audiences"},
			{"two audiences", map[string]any{"name": "x", "audiences": []string{"a", "b"}}, 400, "E0000001", "audiences"},
			{"audience not a URI", map[string]any{"name": "x", "audiences": []string{"api:// bad"}}, 400, "E0000001", "audiences"},
			{"taken name", map[string]any{"name": "Taken", "audiences": []string{"api://y"}}, 400, "E0000001", "name"},
			{"unknown issuer mode", map[string]any{"name": "x", "audiences": []string{"y"}, "issuerMode": "NOPE"}, 400, "E0000001", "issuerMode"},
			{"bad status", map[string]any{"name": "x", "audiences": []string{"y"}, "status": "DELETED"}, 400, "E0000001", "status"},
			{"audiences not an array", `{"name":"x","audiences":"api://y"}`, 400, "E0000001", "audiences"},
			{"not JSON", `{"name":`, 400, "E0000003", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, "POST", asPath, tc.body), tc.status, tc.code)
				if tc.cause != "" && (len(e.ErrorCauses) == 0 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, tc.cause+":")) {
					t.Errorf("causes %+v, want one on %s", e.ErrorCauses, tc.cause)
				}
			})
		}
		// The org server is not one of the custom servers.
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			wantOktaError(t, s.API(t, m, asPath+"/org", map[string]any{"name": "x", "audiences": []string{"y"}}), http.StatusNotFound, "E0000007")
		}
		wantOktaError(t, s.API(t, "GET", asPath+"/ausnothere", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "POST", asPath+"/ausnothere/lifecycle/activate", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "PUT", asPath+"/default", map[string]any{"name": "Taken", "audiences": []string{"api://default"}}),
			http.StatusBadRequest, "E0000001")
	})
}

func TestAuthServerList(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		createServer(t, s, "Alpha", "api://alpha")
		createServer(t, s, "Beta", "api://beta")
		var list []authServerBody
		r := s.API(t, "GET", asPath, nil)
		r.JSON(t, &list)
		var names []string
		for _, as := range list {
			names = append(names, as.Name)
		}
		// Oldest first, but creation times are kept in seconds and servers
		// made within one second follow their ids: the test server's
		// default and these two may come in any order.
		if !slices.Equal(slices.Sorted(slices.Values(names)), []string{"Alpha", "Beta", "default"}) {
			t.Fatalf("list %v (the org server must not be listed)", names)
		}
		s.API(t, "GET", asPath+"?q=BET", nil).JSON(t, &list)
		if len(list) != 1 || list[0].Name != "Beta" {
			t.Fatalf("q=BET: %+v", list)
		}
		s.API(t, "GET", asPath+"?q=api://alp", nil).JSON(t, &list)
		if len(list) != 1 || list[0].Name != "Alpha" {
			t.Fatalf("q on audience: %+v", list)
		}
		// Paging: one per page, following the next links.
		var seen []string
		next := s.URL + asPath + "?limit=1"
		for next != "" {
			u, _ := url.Parse(next)
			r := s.API(t, "GET", u.RequestURI(), nil)
			r.JSON(t, &list)
			if len(list) != 1 && len(seen) < 3 {
				t.Fatalf("page %s: %s", next, r.Body)
			}
			for _, as := range list {
				seen = append(seen, as.Name)
			}
			next = ""
			for _, l := range r.Header.Values("Link") {
				if strings.HasSuffix(l, `rel="next"`) {
					next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
				}
			}
		}
		if !slices.Equal(seen, names) {
			t.Fatalf("paged %v", seen)
		}
		wantOktaError(t, s.API(t, "GET", asPath+"?limit=0", nil), http.StatusBadRequest, "E0000002")
	})
}

// A server created or replaced with a status gets it in the same write:
// one created INACTIVE is never served, and the System Log tells its
// creation, not a deactivation that did not happen.
func TestAuthServerStatusInOneWrite(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		r := s.API(t, "POST", asPath, map[string]any{"name": "Dormant", "audiences": []string{"api://dormant"}, "status": "INACTIVE"})
		var as authServerBody
		r.JSON(t, &as)
		if r.Status != http.StatusCreated || as.Status != "INACTIVE" || as.Links["activate"] == nil {
			t.Fatalf("create inactive: %d %s", r.Status, r.Body)
		}
		if code := httpStatus(t, as.Issuer+"/.well-known/openid-configuration"); code != http.StatusNotFound {
			t.Fatalf("discovery of a server created inactive: %d, want 404", code)
		}
		got, _ := waitForEvents(t, s, as.ID, "oauth2.as.created")
		if !slices.Equal(got, []string{"oauth2.as.created"}) {
			t.Errorf("events of a server created inactive: %v, want only its creation", got)
		}
		// Replacing with ACTIVE activates it, and says so.
		r = s.API(t, "PUT", asPath+"/"+as.ID, map[string]any{"name": "Dormant", "audiences": []string{"api://dormant"}, "status": "ACTIVE"})
		r.JSON(t, &as)
		if r.Status != http.StatusOK || as.Status != "ACTIVE" {
			t.Fatalf("replace with ACTIVE: %d %s", r.Status, r.Body)
		}
		if code := httpStatus(t, as.Issuer+"/.well-known/openid-configuration"); code != http.StatusOK {
			t.Fatalf("discovery after activation by replace: %d", code)
		}
		if got, ok := waitForEvents(t, s, as.ID, "oauth2.as.updated", "oauth2.as.activated"); !ok {
			t.Errorf("events after replace: %v", got)
		}
		// Without a status, a replace keeps the one it has.
		r = s.API(t, "PUT", asPath+"/"+as.ID, map[string]any{"name": "Dormant 2", "audiences": []string{"api://dormant"}})
		r.JSON(t, &as)
		if r.Status != http.StatusOK || as.Status != "ACTIVE" {
			t.Fatalf("replace without status: %d %s", r.Status, r.Body)
		}
	})
}
