package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Env is what an expression can read.
type Env struct {
	// User holds the user's profile attributes by Okta name (login, email,
	// firstName, custom attributes, …); nil when there is no user.
	User map[string]any
	// UserInternal holds what user.getInternalProperty reads (id, status).
	UserInternal map[string]any
	// ClientID is app.clientId.
	ClientID string
	// Org holds org.<attr>.
	Org map[string]any
	// AMR is session.amr.
	AMR []string
	// Groups returns the user's groups. It is called only when an
	// expression needs them; nil means no groups. LazyGroups makes one
	// that loads once for several evaluations.
	Groups func() ([]Group, error)
}

// Group is one group of the user.
type Group struct {
	ID   string
	Name string
}

// LazyGroups wraps load so that it runs at most once, on first use.
// The result is not safe for concurrent use.
func LazyGroups(load func() ([]Group, error)) func() ([]Group, error) {
	var (
		done   bool
		groups []Group
		err    error
	)
	return func() ([]Group, error) {
		if !done {
			groups, err = load()
			done = true
		}
		return groups, err
	}
}

// Eval parses and evaluates src.
func Eval(src string, env *Env) (any, error) {
	p, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return p.Eval(env)
}

// Eval evaluates the program. The result is nil (null), string, int64,
// float64, bool, []any of those, or a map[string]any from an attribute.
// Errors are *EvalError.
func (p *Program) Eval(env *Env) (any, error) {
	if env == nil {
		env = &Env{}
	}
	ev := &evaluator{env: env}
	return ev.eval(p.root)
}

type evaluator struct {
	env    *Env
	steps  int
	groups []Group
	loaded bool
}

func evalErr(format string, args ...any) *EvalError {
	return &EvalError{Msg: fmt.Sprintf(format, args...)}
}

// charge spends n steps of the MaxSteps budget.
func (ev *evaluator) charge(n int) error {
	ev.steps += n
	if ev.steps > MaxSteps {
		return &EvalError{Msg: fmt.Sprintf("evaluation takes more than %d steps", MaxSteps), limit: true}
	}
	return nil
}

// str checks a string the evaluation built against MaxString.
func (ev *evaluator) str(s string) (any, error) {
	if len(s) > MaxString {
		return nil, errTooLong()
	}
	return s, ev.charge(len(s) / 64)
}

func errTooLong() *EvalError {
	return &EvalError{Msg: fmt.Sprintf("a string is longer than %d bytes", MaxString), limit: true}
}

// array checks an array the evaluation built against MaxArray.
func (ev *evaluator) array(a []any) (any, error) {
	if len(a) > MaxArray {
		return nil, &EvalError{Msg: fmt.Sprintf("an array has more than %d elements", MaxArray), limit: true}
	}
	if a == nil {
		a = []any{}
	}
	return a, ev.charge(len(a))
}

func (ev *evaluator) userGroups() ([]Group, error) {
	if !ev.loaded {
		ev.loaded = true
		if ev.env.Groups != nil {
			g, err := ev.env.Groups()
			if err != nil {
				return nil, evalErr("cannot read the user's groups: %v", err)
			}
			ev.groups = g
		}
	}
	return ev.groups, ev.charge(len(ev.groups))
}

func (ev *evaluator) eval(n node) (any, error) {
	if err := ev.charge(1); err != nil {
		return nil, err
	}
	switch n := n.(type) {
	case *literal:
		return n.val, nil
	case *attribute:
		return ev.attribute(n)
	case *arrayLit:
		out := make([]any, 0, len(n.elems))
		for _, e := range n.elems {
			v, err := ev.eval(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return ev.array(out)
	case *unary:
		x, err := ev.eval(n.x)
		if err != nil {
			return nil, err
		}
		if n.op == tNot {
			b, err := truth(x)
			return !b, err
		}
		return negate(x)
	case *binary:
		return ev.binary(n)
	case *ternary:
		if n.c == nil { // Elvis: a unless it is null or empty
			a, err := ev.eval(n.a)
			if err != nil || (a != nil && a != "") {
				return a, err
			}
			return ev.eval(n.b)
		}
		c, err := ev.eval(n.c)
		if err != nil {
			return nil, err
		}
		b, err := truth(c)
		if err != nil {
			return nil, err
		}
		if b {
			return ev.eval(n.a)
		}
		return ev.eval(n.b)
	case *call:
		args := make([]any, len(n.args))
		for i, a := range n.args {
			v, err := ev.eval(a)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		return ev.callFunction(n, args)
	}
	return nil, evalErr("unknown expression node")
}

func (ev *evaluator) attribute(n *attribute) (any, error) {
	var v any
	switch n.root {
	case "user":
		v = ev.env.User[n.name]
	case "org":
		v = ev.env.Org[n.name]
	case "app":
		if n.name == "clientId" && ev.env.ClientID != "" {
			v = ev.env.ClientID
		}
	case "session":
		if n.name == "amr" && ev.env.AMR != nil {
			v = ev.env.AMR
		}
	}
	return ev.normalize(v, 0)
}

// normalize turns a value from the environment into the evaluator's types.
func (ev *evaluator) normalize(v any, depth int) (any, error) {
	switch v := v.(type) {
	case nil, string, bool, int64, map[string]any:
		return v, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil
		}
		return v, nil
	case float32:
		return ev.normalize(float64(v), depth)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, _ := v.Float64()
		return ev.normalize(f, depth)
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return ev.array(out)
	case []any:
		if depth > 4 {
			return nil, evalErr("an attribute is nested too deeply")
		}
		out := make([]any, len(v))
		for i, x := range v {
			var err error
			if out[i], err = ev.normalize(x, depth+1); err != nil {
				return nil, err
			}
		}
		return ev.array(out)
	}
	return nil, evalErr("an attribute has an unsupported type %T", v)
}

func (ev *evaluator) binary(n *binary) (any, error) {
	l, err := ev.eval(n.l)
	if err != nil {
		return nil, err
	}
	switch n.op { // the logical operators do not evaluate what they need not
	case tAnd, tOr:
		lb, err := truth(l)
		if err != nil {
			return nil, err
		}
		if lb == (n.op == tOr) {
			return lb, nil
		}
		r, err := ev.eval(n.r)
		if err != nil {
			return nil, err
		}
		return truth(r)
	}
	r, err := ev.eval(n.r)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case tEq:
		return equal(l, r), nil
	case tNe:
		return !equal(l, r), nil
	case tLt, tGt, tLe, tGe:
		return compare(n.op, l, r)
	case tPlus:
		return ev.plus(l, r)
	}
	return arithmetic(n.op, l, r)
}

// truth is a value in a condition: a boolean, or null (false).
func truth(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case nil:
		return false, nil
	}
	return false, evalErr("%s is not a boolean", typeName(v))
}

func (ev *evaluator) plus(l, r any) (any, error) {
	_, ls := l.(string)
	_, rs := r.(string)
	switch {
	case l == nil && r == nil:
		return nil, nil
	case ls || rs:
		a, err := concatText(l)
		if err != nil {
			return nil, err
		}
		b, err := concatText(r)
		if err != nil {
			return nil, err
		}
		if len(a)+len(b) > MaxString {
			return nil, errTooLong()
		}
		return ev.str(a + b)
	case l == nil || r == nil:
		return nil, nil
	}
	return arithmetic(tPlus, l, r)
}

// concatText is a value written into a concatenation.
func concatText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return formatFloat(v), nil
	}
	return "", evalErr("cannot concatenate %s", typeName(v))
}

// formatFloat writes a decimal as Java's Double.toString does for the
// common cases: 3.0, 2.5.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if math.Abs(f) < 1e7 && !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}

func equal(l, r any) bool {
	if a, aok := number(l); aok {
		if b, bok := number(r); bok {
			return a == b
		}
		return false
	}
	switch l := l.(type) {
	case nil:
		return r == nil
	case string:
		s, ok := r.(string)
		return ok && l == s
	case bool:
		b, ok := r.(bool)
		return ok && l == b
	case []any:
		ra, ok := r.([]any)
		if !ok || len(l) != len(ra) {
			return false
		}
		for i := range l {
			if !equal(l[i], ra[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// number reads an int64 or float64 as a float64 (for comparisons).
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func compare(op tokenKind, l, r any) (any, error) {
	if l == nil || r == nil {
		return false, nil
	}
	var c int
	ls, lok := l.(string)
	rs, rok := r.(string)
	a, aok := number(l)
	b, bok := number(r)
	switch {
	case lok && rok:
		c = strings.Compare(ls, rs)
	case aok && bok:
		li, lint := l.(int64)
		ri, rint := r.(int64)
		switch {
		case lint && rint:
			c = cmpInt(li, ri)
		case a < b:
			c = -1
		case a > b:
			c = 1
		}
	default:
		return nil, evalErr("cannot compare %s with %s", typeName(l), typeName(r))
	}
	switch op {
	case tLt:
		return c < 0, nil
	case tGt:
		return c > 0, nil
	case tLe:
		return c <= 0, nil
	}
	return c >= 0, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func negate(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case int64:
		if v == math.MinInt64 {
			return nil, evalErr("number out of range")
		}
		return -v, nil
	case float64:
		return -v, nil
	}
	return nil, evalErr("cannot negate %s", typeName(v))
}

// arithmetic applies + - * / % to numbers; integers stay integers and
// overflow is an error, as is a result that is not finite.
func arithmetic(op tokenKind, l, r any) (any, error) {
	if l == nil || r == nil {
		return nil, nil
	}
	li, lint := l.(int64)
	ri, rint := r.(int64)
	if lint && rint {
		return intOp(op, li, ri)
	}
	a, aok := number(l)
	b, bok := number(r)
	if !aok || !bok {
		return nil, evalErr("cannot apply an arithmetic operator to %s and %s", typeName(l), typeName(r))
	}
	var f float64
	switch op {
	case tPlus:
		f = a + b
	case tMinus:
		f = a - b
	case tStar:
		f = a * b
	case tSlash:
		f = a / b
	default:
		f = math.Mod(a, b)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, evalErr("number out of range")
	}
	return f, nil
}

func intOp(op tokenKind, a, b int64) (any, error) {
	overflow := evalErr("number out of range")
	switch op {
	case tPlus:
		s := a + b
		if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
			return nil, overflow
		}
		return s, nil
	case tMinus:
		s := a - b
		if (a >= 0 && b < 0 && s < 0) || (a < 0 && b > 0 && s >= 0) {
			return nil, overflow
		}
		return s, nil
	case tStar:
		if a == 0 || b == 0 {
			return int64(0), nil
		}
		s := a * b
		if s/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
			return nil, overflow
		}
		return s, nil
	}
	if b == 0 {
		return nil, evalErr("division by zero")
	}
	if a == math.MinInt64 && b == -1 {
		return nil, overflow
	}
	if op == tSlash {
		return a / b, nil
	}
	return a % b, nil
}
