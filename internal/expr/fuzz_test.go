package expr_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/expr"
)

// FuzzExpr parses and evaluates arbitrary input: it must never panic, must
// finish, must fail only with the package's typed errors, and any value it
// produces must be JSON (a claim value goes into a token).
func FuzzExpr(f *testing.F) {
	for _, seed := range []string{
		`user.email`,
		`user.firstName + " " + user.lastName`,
		`user.nickName ?: String.substringBefore(user.login, "@")`,
		`isMemberOfGroupName("Admins") ? "admin" : "user"`,
		`String.replace(Groups.startsWith("OKTA", "SSO-", 100), "SSO-", "")`,
		`Arrays.flatten({1, {2, {3}}}, Arrays.add(user.roles, 'x'))`,
		`isMemberOfGroupNameRegex("/.*(min|dev).*/")`,
		`Convert.toInt("12") * 3 % 5 - -2 >= 1.5 AND NOT false || null`,
		`String.stringSwitch(user.department, "none", "Eng", "E", "Sales", "S")`,
		`getFilteredGroups({"00gadmins"}, "group.name", 10)`,
		`String.join(",", session.amr, app.clientId, org.name)`,
		`user.getInternalProperty("id") == 'x' eq true`,
		`'it''s' + "a ""b"""`,
		`((((((1))))))`,
		`String.substring(user.login, 0, String.len(user.login) - 4)`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := expr.Parse(src)
		if err != nil {
			var se *expr.SyntaxError
			if !errors.As(err, &se) || se.Pos < 1 || se.Pos > len(src)+1 && !errors.Is(err, expr.ErrTooComplex) {
				t.Fatalf("Parse(%q): %v (%T)", src, err, err)
			}
			return
		}
		v, err := p.Eval(testEnv())
		if err != nil {
			var ee *expr.EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Eval(%q): %v (%T)", src, err, err)
			}
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("Eval(%q) = %#v: not JSON: %v", src, v, err)
		}
	})
}
