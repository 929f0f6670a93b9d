package domain_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func cmp(attr, op, value string) store.EventFilter {
	return store.EventFilter{Attr: attr, Op: op, Value: value}
}

func TestParseLogFilter(t *testing.T) {
	cases := []struct {
		in   string
		want store.EventFilter
	}{
		{`eventType eq "user.session.start"`, cmp("eventType", "eq", "user.session.start")},
		{`EVENTTYPE SW "app.oauth2"`, cmp("eventType", "sw", "app.oauth2")},
		{`target.id pr`, store.EventFilter{Attr: "target.id", Op: "pr"}},
		{`outcome.result eq "FAILURE" and actor.id eq "00u1"`, store.EventFilter{Logic: "and", Operands: []store.EventFilter{
			cmp("outcome.result", "eq", "FAILURE"), cmp("actor.id", "eq", "00u1")}}},
		// and binds tighter than or.
		{`severity eq "WARN" or severity eq "ERROR" and actor.id eq "x"`, store.EventFilter{Logic: "or", Operands: []store.EventFilter{
			cmp("severity", "eq", "WARN"),
			{Logic: "and", Operands: []store.EventFilter{cmp("severity", "eq", "ERROR"), cmp("actor.id", "eq", "x")}}}}},
		{`(severity eq "WARN" or severity eq "ERROR") and actor.id eq "x"`, store.EventFilter{Logic: "and", Operands: []store.EventFilter{
			{Logic: "or", Operands: []store.EventFilter{cmp("severity", "eq", "WARN"), cmp("severity", "eq", "ERROR")}},
			cmp("actor.id", "eq", "x")}}},
		{`not (eventType sw "user.")`, store.EventFilter{Logic: "not", Operands: []store.EventFilter{cmp("eventType", "sw", "user.")}}},
		{`displayMessage co "say \"hi\" \/ \u00e9"`, cmp("displayMessage", "co", `say "hi" / é`)},
		{"  uuid   eq\t\"a\"  ", cmp("uuid", "eq", "a")},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := domain.ParseLogFilter(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Fatalf("got %+v\nwant %+v", *got, c.want)
			}
		})
	}
}

func TestParseLogFilterRejects(t *testing.T) {
	for _, in := range []string{
		``, `eventType`, `eventType eq`, `eventType eq user.session.start`, `eventType equals "x"`,
		`password eq "x"`, `eventType eq "x" and`, `(eventType eq "x"`, `eventType eq "x")`,
		`emails[type eq "work"]`, `eventType eq "unterminated`, `eventType eq "x" or or actor.id eq "y"`,
		`not eventType eq "x"`, `eventType eq "bad \q escape"`, "eventType eq \"\xff\"",
		strings.Repeat("(", 40) + `uuid eq "x"` + strings.Repeat(")", 40),
		strings.Repeat(`uuid eq "x" or `, 60) + `uuid eq "x"`,
		`uuid eq "` + strings.Repeat("a", 3000) + `"`,
	} {
		t.Run(in[:min(len(in), 40)], func(t *testing.T) {
			_, err := domain.ParseLogFilter(in)
			var fe *domain.SearchError
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Fatalf("ParseLogFilter(%q) = %v, want a SearchError", in, err)
			}
		})
	}
}

// renderFilter writes f back as filter text.
func renderFilter(f store.EventFilter) string {
	switch f.Logic {
	case "and", "or":
		parts := make([]string, len(f.Operands))
		for i, o := range f.Operands {
			parts[i] = "(" + renderFilter(o) + ")"
		}
		return strings.Join(parts, " "+f.Logic+" ")
	case "not":
		return "not (" + renderFilter(f.Operands[0]) + ")"
	}
	if f.Op == "pr" {
		return f.Attr + " pr"
	}
	return f.Attr + " " + f.Op + " " + strconv.Quote(f.Value)
}

// FuzzLogFilter checks that no input panics, that every failure is a
// SearchError, and that whatever parses renders back to the same tree.
func FuzzLogFilter(f *testing.F) {
	for _, s := range []string{
		`eventType eq "user.session.start"`, `outcome.result eq "FAILURE" and (actor.id eq "a" or target.id eq "b")`,
		`not (severity pr)`, `displayMessage co "\u00e9\""`, `a[b eq "c"]`, `((`, `eventType eq "x" or`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := domain.ParseLogFilter(in)
		if err != nil {
			var fe *domain.SearchError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a SearchError", err)
			}
			return
		}
		again, err := domain.ParseLogFilter(renderFilter(*got))
		if err != nil {
			// A rendering adds parentheses: it may nest deeper or run
			// longer than the input did.
			var fe *domain.SearchError
			if errors.As(err, &fe) && (strings.Contains(fe.Message, "nests deeper") || strings.Contains(fe.Message, "longer than")) {
				return
			}
			t.Fatalf("rendering of %q does not parse: %v", in, err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("%q parsed to %+v, its rendering to %+v", in, got, again)
		}
	})
}
