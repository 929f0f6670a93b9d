package expr_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/expr"
)

func testEnv() *expr.Env {
	return &expr.Env{
		User: map[string]any{
			"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
			"department": "Engineering", "costCenter": 42, "score": 2.5, "roles": []string{"admin", "dev"},
			"empty": "",
		},
		UserInternal: map[string]any{"id": "00u1", "status": "ACTIVE"},
		ClientID:     "0oaclient",
		Org:          map[string]any{"name": "Acme"},
		AMR:          []string{"pwd", "mfa"},
		Groups: func() ([]expr.Group, error) {
			return []expr.Group{
				{ID: "00gadmins", Name: "Admins"}, {ID: "00geveryone", Name: "Everyone"},
				{ID: "00gsso1", Name: "SSO-Finance"}, {ID: "00gsso2", Name: "SSO-Sales"},
			}, nil
		},
	}
}

func TestEval(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want any
	}{
		// Attributes and literals.
		{`user.email`, "ada@example.com"},
		{`user.profile.firstName`, "Ada"},
		{`appuser.lastName`, "Lovelace"},
		{`user.nickName`, nil},
		{`user.costCenter`, int64(42)},
		{`user.roles`, []any{"admin", "dev"}},
		{`app.clientId`, "0oaclient"},
		{`app.other`, nil},
		{`org.name`, "Acme"},
		{`session.amr`, []any{"pwd", "mfa"}},
		{`user.getInternalProperty("id")`, "00u1"},
		{`'it''s'`, "it's"},
		{`"say ""hi"""`, `say "hi"`},
		{`'a\b'`, `a\b`},
		{`12`, int64(12)},
		{`3.25`, 3.25},
		{`TRUE`, true},
		{`null`, nil},
		{`{1, 'two', {3}}`, []any{int64(1), "two", []any{int64(3)}}},
		{`{}`, []any{}},
		// Operators.
		{`user.firstName + " " + user.lastName`, "Ada Lovelace"},
		{`user.nickName + "x"`, "x"},
		{`"x" + user.nickName`, "x"},
		{`user.nickName + user.middleName`, nil},
		{`user.nickName + 1`, nil},
		{`"n" + 1 + 2`, "n12"},
		{`"n" + (1 + 2)`, "n3"},
		{`"v" + 2.0`, "v2.0"},
		{`"v" + true`, "vtrue"},
		{`1 + 2 * 3 - 4 / 2`, int64(5)},
		{`7 % 3`, int64(1)},
		{`1 + 0.5`, 1.5},
		{`-user.costCenter`, int64(-42)},
		{`1 == 1.0`, true},
		{`'a' == 'a'`, true},
		{`'a' != "a"`, false},
		{`user.nickName == null`, true},
		{`1 == '1'`, false},
		{`'abc' < 'abd'`, true},
		{`2 >= 2`, true},
		{`user.nickName < 3`, false},
		{`3 gt 2 and 1 lt 2`, true},
		{`true AND false`, false},
		{`true && !false`, true},
		{`false OR true`, true},
		{`false || user.nickName`, false},
		{`NOT true`, false},
		{`true || 1`, true}, // short circuit: the right side is not read
		{`false && 1`, false},
		{`user.costCenter > 40 ? "big" : "small"`, "big"},
		{`user.nickName != null ? user.nickName : user.firstName`, "Ada"},
		{`user.nickName ?: "anon"`, "anon"},
		{`user.empty ?: "blank"`, "blank"},
		{`user.firstName ?: "anon"`, "Ada"},
		{`true ? false ? 1 : 2 : 3`, int64(2)},
		// String functions.
		{`String.append("This is", " a test")`, "This is a test"},
		{`String.join(",", "This", "is", "a", "test")`, "This,is,a,test"},
		{`String.join("-", user.roles, "x")`, "admin-dev-x"},
		{`String.len("This")`, int64(4)},
		{`String.len(user.nickName)`, int64(0)},
		{`String.removeSpaces("This is a test")`, "Thisisatest"},
		{`String.replace("This is a test", "is", "at")`, "That at a test"},
		{`String.replaceFirst("This is a test", "is", "at")`, "That is a test"},
		{`String.replace("a.b", ".", "")`, "ab"}, // literal, not a regex
		{`String.stringContains("This is a test", "test")`, true},
		{`String.stringContains(user.nickName, "x")`, false},
		{`String.stringSwitch("This is a test", "default", "key1", "value1")`, "default"},
		{`String.stringSwitch("First match wins", "default", "absent", "value1", "wins", "value2", "match", "value3")`, "value2"},
		{`String.substring("This is a test", 2, 9)`, "is is a"},
		{`String.substring(user.login, String.len(user.login) - 3, String.len(user.login))`, "com"},
		{`String.substringAfter("abc@okta.com", "@")`, "okta.com"},
		{`String.substringAfter("abc", "@")`, ""},
		{`String.substringBefore("abc@okta.com", "@")`, "abc"},
		{`String.substringBefore("abc", "@")`, "abc"},
		{`String.toUpperCase("This")`, "THIS"},
		{`String.toLowerCase(user.nickName)`, nil},
		{`toUpperCase(user.firstName)`, "ADA"},
		{`toLowerCase("ABC")`, "abc"},
		{`substringBefore(user.email, "@")`, "ada"},
		{`substringAfter(user.email, "@")`, "example.com"},
		{`substring("abcdef", 1, 3)`, "bc"},
		{`String.toUpperCase(user.roles)`, []any{"ADMIN", "DEV"}},
		{`String.replace(Groups.startsWith("OKTA", "SSO-", 10), "SSO-", "")`, []any{"Finance", "Sales"}},
		// Arrays and Convert.
		{`Arrays.contains(user.roles, "admin")`, true},
		{`Arrays.contains(user.nickName, "admin")`, false},
		{`Arrays.size(user.roles)`, int64(2)},
		{`Arrays.size(user.nickName)`, int64(0)},
		{`Arrays.isEmpty(user.nickName)`, true},
		{`Arrays.isEmpty({1})`, false},
		{`Arrays.toCsvString({"a", 1, true})`, "a,1,true"},
		{`Arrays.add(user.roles, "ops")`, []any{"admin", "dev", "ops"}},
		{`Arrays.remove(user.roles, "admin")`, []any{"dev"}},
		{`Arrays.clear(user.roles)`, []any{}},
		{`Arrays.get(user.roles, 1)`, "dev"},
		{`Arrays.get(user.roles, 5)`, nil},
		{`Arrays.flatten({1, {2, {3}}}, 4)`, []any{int64(1), int64(2), int64(3), int64(4)}},
		{`Convert.toInt("1234")`, int64(1234)},
		{`Convert.toInt(2.5)`, int64(3)},
		{`Convert.toInt(-2.5)`, int64(-2)},
		{`Convert.toNum("3.5")`, 3.5},
		{`Convert.toInt(user.nickName)`, nil},
		// Groups.
		{`isMemberOfGroup("00gadmins")`, true},
		{`isMemberOfGroup("00gnope")`, false},
		{`isMemberOfGroupName("Admins")`, true},
		{`isMemberOfGroupName("admins")`, false},
		{`isMemberOfAnyGroup("00gnope", "00gsso2")`, true},
		{`isMemberOfAnyGroup({"00gnope", "00gother"})`, false},
		{`isMemberOfGroupNameStartsWith("SSO-")`, true},
		{`isMemberOfGroupNameContains("Fin")`, true},
		{`isMemberOfGroupNameRegex("/.*min.*/")`, true},
		{`isMemberOfGroupNameRegex("min")`, false}, // the whole name must match
		{`isMemberOfGroupNameRegex("/SSO-(Finance|HR)/")`, true},
		{`Groups.startsWith("OKTA", "sso", 10)`, []any{"SSO-Finance", "SSO-Sales"}},
		{`Groups.startsWith("OKTA", "sso", 1)`, []any{"SSO-Finance"}},
		{`Groups.contains("OKTA", "ALES", 100)`, []any{"SSO-Sales"}},
		{`Groups.endsWith("OKTA", "one", 100)`, []any{"Everyone"}},
		{`Groups.startsWith("0oaotherapp", "", 100)`, []any{}},
		{`getFilteredGroups({"00gadmins", "00gnope", "00gsso1"}, "group.name", 100)`, []any{"Admins", "SSO-Finance"}},
		{`user.email != null && isMemberOfGroupName("Admins") ? "admin" : "user"`, "admin"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			got, err := expr.Eval(tc.src, testEnv())
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		src     string
		pos     int
		message string
	}{
		{``, 1, "empty"},
		{`user.`, 6, "expected a name"},
		{`user.email +`, 13, "unexpected end"},
		{`(1 + 2`, 7, "expected ')'"},
		{`'open`, 1, "unterminated"},
		{`foo`, 1, "unknown name"},
		{`foo.bar`, 1, "unknown name"},
		{`String.nope(1)`, 1, "unknown function"},
		{`nope(1)`, 1, "unknown function"},
		{`String.len()`, 1, "takes 1 argument"},
		{`String.substring("a")`, 1, "takes 2 to 3 arguments"},
		{`user.email.length`, 11, "nested properties"},
		{`user.email.toLowerCase()`, 11, "nested properties"},
		{`user.email(1)`, 11, "unknown function"},
		{`1 2`, 3, "unexpected number 2"},
		{`a = 1`, 3, "unexpected character '='"},
		{`user.email = 'x'`, 12, "unexpected character '='"},
		{`12abc`, 3, "unexpected character in number"},
		{`99999999999999999999`, 1, "too large"},
		{`isMemberOfGroupNameRegex("/(a)\1/")`, 26, "invalid regular expression"},
		{`isMemberOfGroupNameRegex("(?=a)")`, 26, "invalid regular expression"},
		{`{1, 2`, 6, "expected ',' or '}'"},
		{`true ? 1`, 9, "expected ':'"},
		{`user.email #`, 12, "unexpected character"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			_, err := expr.Parse(tc.src)
			var se *expr.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a SyntaxError", err)
			}
			if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.message) {
				t.Fatalf("got %q at %d, want %q at %d", se.Msg, se.Pos, tc.message, tc.pos)
			}
			if errors.Is(err, expr.ErrTooComplex) {
				t.Fatalf("%v counted as a limit", err)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	for _, tc := range []struct{ src, message string }{
		{`1 / 0`, "division by zero"},
		{`1 % 0`, "division by zero"},
		{`1.0 / 0`, "out of range"},
		{`9223372036854775807 + 1`, "out of range"},
		{`9223372036854775807 * 2`, "out of range"},
		{`-9223372036854775807 - 2`, "out of range"},
		{`'a' < 1`, "cannot compare"},
		{`'a' ? 1 : 2`, "not a boolean"},
		{`1 && true`, "not a boolean"},
		{`!'a'`, "not a boolean"},
		{`-'a'`, "cannot negate"},
		{`{1} + 'a'`, "cannot concatenate"},
		{`true + 1`, "arithmetic"},
		{`String.len(1)`, "must be a string"},
		{`String.substring("abc", 2, 9)`, "out of range"},
		{`String.substring("abc", "x", 1)`, "must be an integer"},
		{`String.stringSwitch("a", "d", "k")`, "pairs"},
		{`Arrays.size("abc")`, "must be an array"},
		{`Convert.toInt("abc")`, "not an integer"},
		{`Convert.toNum("NaN")`, "not a number"},
		{`Groups.startsWith("OKTA", "a", 101)`, "limit must be 1 to 100"},
		{`Groups.startsWith("OKTA", "a", 0)`, "limit must be 1 to 100"},
		{`getFilteredGroups({"00g1"}, "group.desc", 10)`, "group.name"},
		{`isMemberOfGroupNameRegex("(" + "a")`, "invalid regular expression"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			v, err := expr.Eval(tc.src, testEnv())
			var ee *expr.EvalError
			if !errors.As(err, &ee) || !strings.Contains(ee.Msg, tc.message) {
				t.Fatalf("got %v, %v; want an EvalError about %q", v, err, tc.message)
			}
		})
	}
}

func TestGroupsLoadedOnlyWhenNeeded(t *testing.T) {
	calls := 0
	env := testEnv()
	inner := env.Groups
	env.Groups = expr.LazyGroups(func() ([]expr.Group, error) { calls++; return inner() })
	for _, src := range []string{`user.email`, `String.toUpperCase(user.login)`} {
		p, err := expr.Parse(src)
		if err != nil || p.UsesGroups() {
			t.Fatalf("%s: uses groups %v, err %v", src, p.UsesGroups(), err)
		}
		if _, err := p.Eval(env); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 0 {
		t.Fatalf("groups loaded %d times for expressions without group functions", calls)
	}
	for range 3 {
		p, _ := expr.Parse(`isMemberOfGroupName("Admins") || isMemberOfGroup("x")`)
		if !p.UsesGroups() {
			t.Fatal("UsesGroups is false for a group function")
		}
		if v, err := p.Eval(env); err != nil || v != true {
			t.Fatalf("got %v %v", v, err)
		}
	}
	if calls != 1 {
		t.Fatalf("groups loaded %d times, want once", calls)
	}
	failing := &expr.Env{Groups: func() ([]expr.Group, error) { return nil, errors.New("db down") }}
	if _, err := expr.Eval(`isMemberOfGroup("x")`, failing); err == nil || !strings.Contains(err.Error(), "db down") {
		t.Fatalf("a failing group lookup gave %v", err)
	}
}

func TestNoUser(t *testing.T) {
	env := &expr.Env{ClientID: "0oasvc"}
	for src, want := range map[string]any{
		`user.email`:                         nil,
		`app.clientId`:                       "0oasvc",
		`"svc:" + app.clientId`:              "svc:0oasvc",
		`session.amr`:                        nil,
		`isMemberOfGroupName("Admins")`:      false,
		`Groups.startsWith("OKTA", "a", 10)`: []any{},
	} {
		got, err := expr.Eval(src, env)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, %v; want %#v", src, got, err, want)
		}
	}
	if v, err := expr.Eval(`user.email`, nil); err != nil || v != nil {
		t.Errorf("nil env: %v %v", v, err)
	}
}

func TestLimits(t *testing.T) {
	long := `"` + strings.Repeat("a", expr.MaxLength) + `"`
	deep := strings.Repeat("(", expr.MaxDepth+1) + "1" + strings.Repeat(")", expr.MaxDepth+1)
	wide := strings.TrimSuffix(strings.Repeat("1+", expr.MaxNodes), "+")
	for _, src := range []string{long, deep, wide, strings.Repeat("!", 100) + "true",
		`isMemberOfGroupNameRegex("` + strings.Repeat("a", expr.MaxPattern+1) + `")`} {
		_, err := expr.Parse(src)
		var se *expr.SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, expr.ErrTooComplex) {
			t.Errorf("%.40s…: got %v, want a syntax error from a limit", src, err)
		}
	}
	// Evaluations that would build too much stop with a limit error.
	big := `String.replace(String.replace(String.replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a", "aaaaaaaaaaaaaaaa"), "a", "aaaaaaaaaaaaaaaa"), "a", "aaaaaaaaaaaaaaaa")`
	for _, src := range []string{
		big,
		`String.replace("` + strings.Repeat("ab", 200) + `", "", "` + strings.Repeat("c", 200) + `")`,
		`Arrays.flatten(` + strings.Repeat(`Groups.startsWith("OKTA", "", 100), `, 11) + `1)`,
	} {
		_, err := expr.Eval(src, manyGroups(200))
		var ee *expr.EvalError
		if !errors.As(err, &ee) || !errors.Is(err, expr.ErrTooComplex) {
			t.Errorf("%.40s…: got %v, want an evaluation limit error", src, err)
		}
	}
	// A user in very many groups makes group scans cost steps, not time.
	if _, err := expr.Eval(`isMemberOfGroupNameRegex("x.*")`, manyGroups(30000)); !errors.Is(err, expr.ErrTooComplex) {
		t.Errorf("scan of 30000 groups: %v, want a step limit", err)
	}
}

// manyGroups is an environment whose user is in n groups.
func manyGroups(n int) *expr.Env {
	many := make([]expr.Group, n)
	for i := range many {
		many[i] = expr.Group{ID: "g", Name: "name"}
	}
	return &expr.Env{Groups: func() ([]expr.Group, error) { return many, nil }}
}
