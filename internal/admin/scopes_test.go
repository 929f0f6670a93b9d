package admin_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

type scopeBody struct {
	ID, Name, DisplayName, Description, Consent, MetadataPublish string
	Default, Optional, System                                    bool
}

func TestScopes(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		base := asPath + "/default/scopes"
		r := s.API(t, "POST", base, map[string]any{"name": "orders:read", "displayName": "Read orders",
			"description": "Read your orders", "consent": "REQUIRED", "metadataPublish": "ALL_CLIENTS", "default": true})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var sc scopeBody
		r.JSON(t, &sc)
		if !strings.HasPrefix(sc.ID, "scp") || sc.Name != "orders:read" || sc.Consent != "REQUIRED" || !sc.Default || sc.System ||
			sc.MetadataPublish != "ALL_CLIENTS" || sc.DisplayName != "Read orders" {
			t.Fatalf("created %+v", sc)
		}
		// ALL_CLIENTS scopes appear in discovery at once.
		if !discoveryScopes(t, s, "default", "orders:read") {
			t.Fatal("orders:read not in scopes_supported")
		}

		var list []scopeBody
		s.API(t, "GET", base, nil).JSON(t, &list)
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
			if x.System != (x.Name != "orders:read") {
				t.Errorf("scope %s system=%v", x.Name, x.System)
			}
		}
		if !slices.Contains(names, "openid") || !slices.Contains(names, "orders:read") || !slices.Contains(names, "offline_access") {
			t.Fatalf("list %v", names)
		}
		s.API(t, "GET", base+"?q=ORDERS", nil).JSON(t, &list)
		if len(list) != 1 || list[0].ID != sc.ID {
			t.Fatalf("q: %+v", list)
		}
		s.API(t, "GET", base+`?filter=name+eq+"openid"`, nil).JSON(t, &list)
		if len(list) != 1 || list[0].Name != "openid" || !list[0].System {
			t.Fatalf("filter: %+v", list)
		}
		wantOktaError(t, s.API(t, "GET", base+"?filter=nonsense", nil), http.StatusBadRequest, "E0000031")
		openid := list[0]
		var one scopeBody
		if r := s.API(t, "GET", base+"/"+openid.ID, nil); r.Status != http.StatusOK {
			t.Fatalf("get system scope: %d", r.Status)
		}

		r = s.API(t, "PUT", base+"/"+sc.ID, map[string]any{"name": "orders:list", "metadataPublish": "NO_CLIENTS"})
		r.JSON(t, &one)
		if r.Status != http.StatusOK || one.Name != "orders:list" || one.Consent != "IMPLICIT" || one.Default || one.ID != sc.ID {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		if discoveryScopes(t, s, "default", "orders:read") || discoveryScopes(t, s, "default", "orders:list") {
			t.Fatal("a NO_CLIENTS scope is in scopes_supported")
		}
		s.API(t, "GET", base+"/"+sc.ID, nil).JSON(t, &one)
		if one.Name != "orders:list" {
			t.Fatalf("get after replace: %+v", one)
		}

		for _, tc := range []struct {
			name, method, path string
			body               any
			status             int
			code               string
		}{
			{"no name", "POST", base, map[string]any{"description": "x"}, 400, "E0000001"},
			{"OIDC name", "POST", base, map[string]any{"name": "openid"}, 400, "E0000001"},
			{"taken name", "POST", base, map[string]any{"name": "orders:list"}, 400, "E0000001"},
			{"bad consent", "POST", base, map[string]any{"name": "a", "consent": "SOMETIMES"}, 400, "E0000001"},
			{"bad publish", "POST", base, map[string]any{"name": "a", "metadataPublish": "SOME"}, 400, "E0000001"},
			{"space in name", "POST", base, map[string]any{"name": "a b"}, 400, "E0000001"},
			{"edit a system scope", "PUT", base + "/" + openid.ID, map[string]any{"name": "x"}, 400, "E0000001"},
			{"delete a system scope", "DELETE", base + "/" + openid.ID, nil, 400, "E0000001"},
			{"unknown scope", "GET", base + "/scpnothere", nil, 404, "E0000007"},
			{"replace unknown scope", "PUT", base + "/scpnothere", map[string]any{"name": "x"}, 404, "E0000007"},
			{"unknown server", "GET", asPath + "/ausnothere/scopes", nil, 404, "E0000007"},
			{"org server", "POST", asPath + "/org/scopes", map[string]any{"name": "x"}, 404, "E0000007"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantOktaError(t, s.API(t, tc.method, tc.path, tc.body), tc.status, tc.code)
			})
		}

		if r := s.API(t, "DELETE", base+"/"+sc.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "DELETE", base+"/"+sc.ID, nil), http.StatusNotFound, "E0000007")
		wantEvents(t, s, "oauth2.scope.created", "oauth2.scope.updated", "oauth2.scope.deleted")
	})
}

// discoveryScopes reports whether the server's discovery lists scope.
func discoveryScopes(t *testing.T, s *testkit.Server, asID, scope string) bool {
	t.Helper()
	resp, err := http.Get(s.URL + "/oauth2/" + asID + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		ScopesSupported []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return slices.Contains(doc.ScopesSupported, scope)
}
