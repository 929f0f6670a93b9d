package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const claimsPath = "/api/v1/authorizationServers/default/claims"

type claimBody struct {
	ID                   string
	Name                 string
	Status               string
	ClaimType            string
	ValueType            string
	Value                string
	AlwaysIncludeInToken bool
	Conditions           struct{ Scopes []string }
	GroupFilterType      *string `json:"group_filter_type"`
	System               bool
	Links                map[string]struct {
		Href  string
		Hints struct{ Allow []string }
	} `json:"_links"`
}

func TestClaimCRUD(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		// Create: defaults filled in, as Okta does.
		r := s.API(t, "POST", claimsPath, map[string]any{
			"name": "department", "claimType": "RESOURCE", "valueType": "EXPRESSION", "value": "user.department",
		})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var c claimBody
		r.JSON(t, &c)
		if !strings.HasPrefix(c.ID, "ocl") || len(c.ID) != 20 || c.Name != "department" || c.Status != "ACTIVE" ||
			!c.AlwaysIncludeInToken || c.Conditions.Scopes == nil || len(c.Conditions.Scopes) != 0 || c.System ||
			c.GroupFilterType != nil {
			t.Fatalf("created claim %s", r.Body)
		}
		self := c.Links["self"]
		if self.Href != s.URL+claimsPath+"/"+c.ID || strings.Join(self.Hints.Allow, ",") != "GET,PUT,DELETE" {
			t.Errorf("self link %+v", self)
		}

		// A GROUPS identity claim, not always in the ID token, for one scope.
		r = s.API(t, "POST", claimsPath, map[string]any{
			"name": "groups", "status": "INACTIVE", "claimType": "IDENTITY", "valueType": "GROUPS", "value": "Support",
			"group_filter_type": "CONTAINS", "alwaysIncludeInToken": false, "conditions": map[string]any{"scopes": []string{"profile", "profile"}},
		})
		if r.Status != http.StatusCreated {
			t.Fatalf("create groups claim: %d %s", r.Status, r.Body)
		}
		var g claimBody
		r.JSON(t, &g)
		if g.GroupFilterType == nil || *g.GroupFilterType != "CONTAINS" || g.AlwaysIncludeInToken || g.Status != "INACTIVE" ||
			strings.Join(g.Conditions.Scopes, ",") != "profile" {
			t.Fatalf("groups claim %s", r.Body)
		}

		// List and get.
		r = s.API(t, "GET", claimsPath, nil)
		var list []claimBody
		r.JSON(t, &list)
		if r.Status != http.StatusOK || len(list) != 2 || list[0].Name != "department" || list[1].Name != "groups" {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		if got := r.Header.Values("Link"); len(got) != 1 || !strings.Contains(got[0], `rel="self"`) {
			t.Errorf("Link %q", got)
		}
		r = s.API(t, "GET", claimsPath+"/"+c.ID, nil)
		var got claimBody
		r.JSON(t, &got)
		if r.Status != http.StatusOK || got.ID != c.ID || got.Value != "user.department" {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}

		// Replace: every field; access token claims are always included.
		r = s.API(t, "PUT", claimsPath+"/"+c.ID, map[string]any{
			"name": "dept", "claimType": "RESOURCE", "value": `String.toUpperCase(user.department)`,
			"alwaysIncludeInToken": false, "conditions": map[string]any{"scopes": []string{"openid"}},
		})
		if r.Status != http.StatusOK {
			t.Fatalf("replace: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &got)
		if got.ID != c.ID || got.Name != "dept" || got.ValueType != "EXPRESSION" || !got.AlwaysIncludeInToken ||
			strings.Join(got.Conditions.Scopes, ",") != "openid" {
			t.Fatalf("replaced claim %s", r.Body)
		}

		// Delete.
		if r := s.API(t, "DELETE", claimsPath+"/"+c.ID, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		wantOktaError(t, s.API(t, "GET", claimsPath+"/"+c.ID, nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "DELETE", claimsPath+"/"+c.ID, nil), http.StatusNotFound, "E0000007")
		wantEvents(t, s, "oauth2.claim.created", "oauth2.claim.updated", "oauth2.claim.deleted")
	})
}

func TestClaimErrors(t *testing.T) {
	backends(t, func(t *testing.T, s *testkit.Server) {
		valid := func(change map[string]any) map[string]any {
			body := map[string]any{"name": "dept", "claimType": "RESOURCE", "valueType": "EXPRESSION", "value": "user.department"}
			for k, v := range change {
				if v == nil {
					delete(body, k)
				} else {
					body[k] = v
				}
			}
			return body
		}
		if r := s.API(t, "POST", claimsPath, valid(nil)); r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		for _, tc := range []struct {
			name  string
			body  any
			code  string
			cause string
		}{
			{"reserved name", valid(map[string]any{"name": "sub"}), "E0000001", "name: 'sub' is a reserved claim name"},
			{"blank name", valid(map[string]any{"name": " "}), "E0000001", "name: The field cannot be left blank"},
			{"duplicate name and type", valid(nil), "E0000001", "name: A claim with this name"},
			{"syntax error", valid(map[string]any{"value": "user.firstName +"}), "E0000001", "value: invalid expression: syntax error at position 17"},
			{"unknown function", valid(map[string]any{"value": `String.shout(user.email)`}), "E0000001", `unknown function "String.shout"`},
			{"blank value", valid(map[string]any{"value": ""}), "E0000001", "value: The field cannot be left blank"},
			{"no claim type", valid(map[string]any{"claimType": nil}), "E0000001", "claimType: The field cannot be left blank"},
			{"bad claim type", valid(map[string]any{"claimType": "BOTH"}), "E0000001", "claimType: must be RESOURCE or IDENTITY"},
			{"system value type", valid(map[string]any{"valueType": "SYSTEM"}), "E0000001", "valueType: system claims"},
			{"bad status", valid(map[string]any{"status": "DELETED"}), "E0000001", "status: must be ACTIVE or INACTIVE"},
			{"groups without filter type", valid(map[string]any{"valueType": "GROUPS", "value": "Support"}), "E0000001", "group_filter_type"},
			{"bad group regex", valid(map[string]any{"valueType": "GROUPS", "group_filter_type": "REGEX", "value": "(a)\\1"}), "E0000001", "value: invalid regular expression"},
			{"unknown scope", valid(map[string]any{"conditions": map[string]any{"scopes": []string{"nope"}}}), "E0000001", "conditions.scopes: scope 'nope' is not defined"},
			{"wrong JSON type", valid(map[string]any{"value": 12}), "E0000001", "value: must be a string"},
			{"malformed JSON", "{", "E0000003", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantOktaError(t, s.API(t, "POST", claimsPath, tc.body), http.StatusBadRequest, tc.code)
				if tc.cause == "" {
					return
				}
				for _, c := range e.ErrorCauses {
					if strings.Contains(c.ErrorSummary, tc.cause) {
						return
					}
				}
				t.Errorf("causes %+v, want one containing %q", e.ErrorCauses, tc.cause)
			})
		}
		// Unknown servers and claims; the org server has no claims.
		for _, path := range []string{"/api/v1/authorizationServers/ausnothere/claims", "/api/v1/authorizationServers/org/claims"} {
			wantOktaError(t, s.API(t, "GET", path, nil), http.StatusNotFound, "E0000007")
			wantOktaError(t, s.API(t, "POST", path, valid(nil)), http.StatusNotFound, "E0000007")
			wantOktaError(t, s.API(t, "GET", path+"/oclnothere", nil), http.StatusNotFound, "E0000007")
		}
		wantOktaError(t, s.API(t, "GET", claimsPath+"/oclnothere", nil), http.StatusNotFound, "E0000007")
		wantOktaError(t, s.API(t, "PUT", claimsPath+"/oclnothere", valid(nil)), http.StatusNotFound, "E0000007")
		// A replace that fails validation changes nothing.
		r := s.API(t, "GET", claimsPath, nil)
		var list []claimBody
		r.JSON(t, &list)
		if len(list) != 1 {
			t.Fatalf("list %s", r.Body)
		}
		e := wantOktaError(t, s.API(t, "PUT", claimsPath+"/"+list[0].ID, valid(map[string]any{"value": "(("})), http.StatusBadRequest, "E0000001")
		if len(e.ErrorCauses) != 1 || !strings.Contains(e.ErrorCauses[0].ErrorSummary, "position") {
			t.Errorf("causes %+v", e.ErrorCauses)
		}
		r = s.API(t, "GET", claimsPath+"/"+list[0].ID, nil)
		var c claimBody
		r.JSON(t, &c)
		if c.Value != "user.department" {
			t.Fatalf("a refused replace changed the claim: %s", r.Body)
		}
		// Without a token: 401, as everywhere.
		wantOktaError(t, s.APIWith(t, "", "GET", claimsPath, nil), http.StatusUnauthorized, "E0000011")
	})
}
