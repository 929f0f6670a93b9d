package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// filterUser is a user the expression tests match against.
var filterUser = store.User{
	ID: "00uabc", Login: "Alice@Example.com", Email: "alice@example.com", FirstName: "Alice", LastName: "Anders",
	Department: "Engineering", Status: store.UserActive, Updated: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
	Profile: map[string]any{"level": float64(3), "remote": true, "tags": []any{"go", "sql"}, "costCode": "X-1"},
}

func TestParseUserSearch(t *testing.T) {
	for _, c := range []struct {
		expr  string
		match bool
	}{
		{`status eq "ACTIVE"`, true},
		{`STATUS eq "ACTIVE"`, false}, // property names are case-sensitive: refused below
		{`status EQ "active"`, true},
		{`profile.department eq "engineering" and status eq "ACTIVE"`, true},
		{`profile.department sw "Eng" or profile.department sw "Sal"`, true},
		{`profile.login co "@example"`, true},
		{`profile.level gt 2 and profile.level lt 4`, true},
		{`profile.level ge 3.5`, false},
		{`profile.remote eq true`, true},
		{`profile.remote eq false`, false},
		{`profile.tags eq "sql"`, true},
		{`profile.costCode pr`, true},
		{`profile.nickName pr`, false},
		{`not (status eq "SUSPENDED")`, true},
		{`not status eq "ACTIVE" or profile.level eq 3`, true},
		{`lastUpdated gt "2024-05-31T00:00:00.000Z" and lastUpdated lt "2024-06-01T12:00:00.001Z"`, true},
		{`lastUpdated eq "2024-06-01T12:00:00.000Z"`, true},
		{`lastLogin pr`, false},
		{`id eq "00UABC"`, false}, // ids are compared exactly
		{`profile.firstName eq "Al\"ice"`, false},
	} {
		f, err := domain.ParseUserSearch(c.expr)
		if c.expr == `STATUS eq "ACTIVE"` {
			var se *domain.SearchError
			if !errors.As(err, &se) {
				t.Errorf("%s: %v, want a SearchError", c.expr, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := f.Match(filterUser.Attr); got != c.match {
			t.Errorf("%s matched %v, want %v", c.expr, got, c.match)
		}
	}
}

func TestParseFilterRefusals(t *testing.T) {
	deep := strings.Repeat("(", 40) + `status eq "ACTIVE"` + strings.Repeat(")", 40)
	many := strings.Repeat(`status eq "ACTIVE" or `, 70) + `status eq "ACTIVE"`
	for _, c := range []struct {
		name  string
		parse func(string) (*store.Filter, error)
		expr  string
	}{
		{"empty", domain.ParseUserSearch, "  "},
		{"unknown property", domain.ParseUserFilter, `profile.department eq "x"`},
		{"sw in a filter", domain.ParseUserFilter, `profile.login sw "a"`},
		{"not in a filter", domain.ParseUserFilter, `not status eq "ACTIVE"`},
		{"range on text", domain.ParseUserFilter, `status gt "A"`},
		{"bad date", domain.ParseUserFilter, `lastUpdated gt "yesterday"`},
		{"unquoted value", domain.ParseUserFilter, `status eq ACTIVE`},
		{"number on text", domain.ParseUserSearch, `profile.login eq 3`},
		{"sw with a number", domain.ParseUserSearch, `profile.level sw 3`},
		{"missing value", domain.ParseUserSearch, `status eq`},
		{"missing operator", domain.ParseUserSearch, `status`},
		{"dangling and", domain.ParseUserSearch, `status eq "ACTIVE" and`},
		{"unbalanced", domain.ParseUserSearch, `(status eq "ACTIVE"`},
		{"extra paren", domain.ParseUserSearch, `status eq "ACTIVE")`},
		{"unterminated string", domain.ParseUserSearch, `status eq "ACTIVE`},
		{"bad character", domain.ParseUserSearch, `status = "ACTIVE"`},
		{"bad attribute name", domain.ParseUserSearch, `profile.a-b eq "x"`},
		{"too deep", domain.ParseUserSearch, deep},
		{"too many comparisons", domain.ParseUserSearch, many},
		{"group property on users", domain.ParseUserSearch, `type eq "OKTA_GROUP"`},
		{"user property on groups", domain.ParseGroupFilter, `status eq "ACTIVE"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := c.parse(c.expr)
			var se *domain.SearchError
			if !errors.As(err, &se) || f != nil || !strings.HasPrefix(se.Message, "Invalid search criteria") {
				t.Fatalf("%s: %v, %v; want a SearchError", c.expr, f, err)
			}
		})
	}
}

func TestParseGroupFilter(t *testing.T) {
	g := store.Group{ID: "00g1", Name: "Engineers", Type: store.GroupTypeOkta,
		LastUpdated: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
	for expr, want := range map[string]bool{
		`type eq "OKTA_GROUP"`:                         true,
		`type eq "BUILT_IN" or id eq "00g1"`:           true,
		`lastUpdated gt "2024-01-01T00:00:00.000Z"`:    true,
		`lastMembershipUpdated pr`:                     false,
		`(type eq "OKTA_GROUP") and (id eq "00g2")`:    false,
		`lastUpdated lt "2024-01-01T00:00:00.000000Z"`: false,
	} {
		f, err := domain.ParseGroupFilter(expr)
		if err != nil {
			f, err = domain.ParseGroupSearch(expr)
		}
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got := f.Match(g.Attr); got != want {
			t.Errorf("%s matched %v, want %v", expr, got, want)
		}
	}
	if _, err := domain.ParseGroupSearch(`profile.name sw "eng" and not (profile.description pr)`); err != nil {
		t.Errorf("group search: %v", err)
	}
}

// FuzzUserFilter checks that no input makes the parsers or the matcher
// panic, and that every refusal is a SearchError.
func FuzzUserFilter(f *testing.F) {
	for _, seed := range []string{
		`status eq "ACTIVE"`,
		`profile.login eq "a@b.com" and (status eq "ACTIVE" or status eq "STAGED")`,
		`lastUpdated gt "2024-01-01T00:00:00.000Z"`,
		`not (profile.level ge 3) or profile.remote eq true`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		for _, parse := range []func(string) (*store.Filter, error){
			domain.ParseUserFilter, domain.ParseUserSearch, domain.ParseGroupFilter, domain.ParseGroupSearch,
		} {
			flt, err := parse(expr)
			if err != nil {
				var se *domain.SearchError
				if !errors.As(err, &se) || flt != nil {
					t.Fatalf("%q: %v (%T)", expr, err, err)
				}
				continue
			}
			flt.Match(filterUser.Attr)
			flt.Match(store.Group{ID: "00g1", Name: "x"}.Attr)
		}
	})
}
