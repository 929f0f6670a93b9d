package expr

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// function is one entry of the fixed function table.
type function struct {
	name     string
	min, max int // max < 0: any number
	// groups: the function reads the user's groups.
	groups bool
	// regexArg is the index of an argument holding a regular expression,
	// compiled at parse time when it is a literal; -1 for none.
	regexArg int
	// each: when the first argument is an array, apply to each element.
	each bool
	impl func(ev *evaluator, c *call, args []any) (any, error)
}

type impl = func(ev *evaluator, c *call, args []any) (any, error)

func def(min, max int, f impl) *function { return &function{min: min, max: max, regexArg: -1, impl: f} }

func (f *function) perElement() *function { f.each = true; return f }
func (f *function) readsGroups() *function {
	f.groups = true
	return f
}
func (f *function) pattern(i int) *function { f.regexArg = i; return f }

// functions is the table of every callable function, by qualified name.
var functions = map[string]*function{}

func init() {
	for name, f := range map[string]*function{
		"String.append":          def(2, 2, strAppend).perElement(),
		"String.join":            def(1, -1, strJoin),
		"String.len":             def(1, 1, strLen),
		"String.removeSpaces":    def(1, 1, strMap(removeSpaces)).perElement(),
		"String.replace":         def(3, 3, strReplace(-1)).perElement(),
		"String.replaceFirst":    def(3, 3, strReplace(1)).perElement(),
		"String.stringContains":  def(2, 2, strContains),
		"String.stringSwitch":    def(2, -1, strSwitch),
		"String.substring":       def(2, 3, strSubstring).perElement(),
		"String.substringAfter":  def(2, 2, strSubstringAfter).perElement(),
		"String.substringBefore": def(2, 2, strSubstringBefore).perElement(),
		"String.toUpperCase":     def(1, 1, strMap(strings.ToUpper)).perElement(),
		"String.toLowerCase":     def(1, 1, strMap(strings.ToLower)).perElement(),

		"Arrays.add":         def(2, 2, arrAdd),
		"Arrays.remove":      def(2, 2, arrRemove),
		"Arrays.clear":       def(1, 1, arrClear),
		"Arrays.get":         def(2, 2, arrGet),
		"Arrays.flatten":     def(0, -1, arrFlatten),
		"Arrays.contains":    def(2, 2, arrContains),
		"Arrays.size":        def(1, 1, arrSize),
		"Arrays.isEmpty":     def(1, 1, arrIsEmpty),
		"Arrays.toCsvString": def(1, 1, arrToCsv),

		"Convert.toInt": def(1, 1, convToInt),
		"Convert.toNum": def(1, 1, convToNum),

		"isMemberOfGroup":               def(1, 1, memberBy(func(g Group, s string) bool { return g.ID == s })).readsGroups(),
		"isMemberOfGroupName":           def(1, 1, memberBy(func(g Group, s string) bool { return g.Name == s })).readsGroups(),
		"isMemberOfGroupNameStartsWith": def(1, 1, memberBy(func(g Group, s string) bool { return strings.HasPrefix(g.Name, s) })).readsGroups(),
		"isMemberOfGroupNameContains":   def(1, 1, memberBy(func(g Group, s string) bool { return strings.Contains(g.Name, s) })).readsGroups(),
		"isMemberOfAnyGroup":            def(1, -1, memberOfAny).readsGroups(),
		"isMemberOfGroupNameRegex":      def(1, 1, memberByRegex).readsGroups().pattern(0),
		"Groups.startsWith":             def(3, 3, groupsMatching(strings.HasPrefix)).readsGroups(),
		"Groups.contains":               def(3, 3, groupsMatching(strings.Contains)).readsGroups(),
		"Groups.endsWith":               def(3, 3, groupsMatching(strings.HasSuffix)).readsGroups(),
		"getFilteredGroups":             def(3, 3, filteredGroups).readsGroups(),

		"user.getInternalProperty": def(1, 1, internalProperty),
	} {
		f.name = name
		functions[name] = f
	}
	// The deprecated bare forms.
	for _, name := range []string{"toUpperCase", "toLowerCase", "substring", "substringBefore", "substringAfter"} {
		functions[name] = functions["String."+name]
	}
}

// callFunction runs c's function, over each element of an array first
// argument when the function works per element.
func (ev *evaluator) callFunction(c *call, args []any) (any, error) {
	if arr, ok := firstArray(args); ok && c.fn.each {
		out := make([]any, len(arr))
		for i, v := range arr {
			if err := ev.charge(1); err != nil {
				return nil, err
			}
			one := append([]any{v}, args[1:]...)
			r, err := c.fn.impl(ev, c, one)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return ev.array(out)
	}
	return c.fn.impl(ev, c, args)
}

func firstArray(args []any) ([]any, bool) {
	if len(args) == 0 {
		return nil, false
	}
	a, ok := args[0].([]any)
	return a, ok
}

// text reads argument i as a string; null is ("", false).
func text(args []any, i int, fn string) (string, bool, error) {
	switch v := args[i].(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	}
	return "", false, evalErr("%s: argument %d must be a string, not %s", fn, i+1, typeName(args[i]))
}

// integer reads argument i as an integer.
func integer(args []any, i int, fn string) (int64, error) {
	switch v := args[i].(type) {
	case int64:
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), nil
		}
	}
	return 0, evalErr("%s: argument %d must be an integer, not %s", fn, i+1, typeName(args[i]))
}

// --- String ---

func strAppend(ev *evaluator, c *call, args []any) (any, error) {
	a, _, err := text(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	b, _, err := text(args, 1, c.fn.name)
	if err != nil {
		return nil, err
	}
	if len(a)+len(b) > MaxString {
		return nil, errTooLong()
	}
	return ev.str(a + b)
}

func strJoin(ev *evaluator, c *call, args []any) (any, error) {
	sep, _, err := text(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	var parts []any
	for _, a := range args[1:] {
		if arr, ok := a.([]any); ok {
			parts = append(parts, arr...)
		} else {
			parts = append(parts, a)
		}
	}
	if err := ev.charge(len(parts)); err != nil {
		return nil, err
	}
	var b strings.Builder
	for i, p := range parts {
		s, err := concatText(p)
		if err != nil {
			return nil, evalErr("%s: %v", c.fn.name, err)
		}
		if i > 0 {
			b.WriteString(sep)
		}
		if b.Len()+len(s) > MaxString {
			return nil, errTooLong()
		}
		b.WriteString(s)
	}
	return ev.str(b.String())
}

func strLen(_ *evaluator, c *call, args []any) (any, error) {
	s, _, err := text(args, 0, c.fn.name)
	return int64(utf8.RuneCountInString(s)), err
}

func removeSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// strMap applies f to a string; null stays null.
func strMap(f func(string) string) impl {
	return func(ev *evaluator, c *call, args []any) (any, error) {
		s, ok, err := text(args, 0, c.fn.name)
		if err != nil || !ok {
			return nil, err
		}
		return ev.str(f(s))
	}
}

// strReplace replaces n (-1: every) occurrences of literal text.
func strReplace(n int) impl {
	return func(ev *evaluator, c *call, args []any) (any, error) {
		s, ok, err := text(args, 0, c.fn.name)
		if err != nil || !ok {
			return nil, err
		}
		match, _, err := text(args, 1, c.fn.name)
		if err != nil {
			return nil, err
		}
		repl, _, err := text(args, 2, c.fn.name)
		if err != nil {
			return nil, err
		}
		count := strings.Count(s, match)
		if n >= 0 {
			count = min(count, n)
		}
		if len(s)+count*(len(repl)-len(match)) > MaxString {
			return nil, errTooLong()
		}
		return ev.str(strings.Replace(s, match, repl, n))
	}
}

func strContains(_ *evaluator, c *call, args []any) (any, error) {
	s, sok, err := text(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	x, xok, err := text(args, 1, c.fn.name)
	return sok && xok && strings.Contains(s, x), err
}

// strSwitch returns the value of the first key that is a substring of the
// input, else the default.
func strSwitch(ev *evaluator, c *call, args []any) (any, error) {
	if len(args)%2 != 0 {
		return nil, evalErr("%s needs key and value pairs after the default", c.fn.name)
	}
	in, ok, err := text(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	for i := 2; i+1 < len(args) && ok; i += 2 {
		key, kok, err := text(args, i, c.fn.name)
		if err != nil {
			return nil, err
		}
		if err := ev.charge(1); err != nil {
			return nil, err
		}
		if kok && strings.Contains(in, key) {
			return args[i+1], nil
		}
	}
	return args[1], nil
}

func strSubstring(_ *evaluator, c *call, args []any) (any, error) {
	s, ok, err := text(args, 0, c.fn.name)
	if err != nil || !ok {
		return nil, err
	}
	runes := []rune(s)
	start, err := integer(args, 1, c.fn.name)
	if err != nil {
		return nil, err
	}
	end := int64(len(runes))
	if len(args) == 3 {
		if end, err = integer(args, 2, c.fn.name); err != nil {
			return nil, err
		}
	}
	if start < 0 || end > int64(len(runes)) || start > end {
		return nil, evalErr("%s: index out of range (start %d, end %d, length %d)", c.fn.name, start, end, len(runes))
	}
	return string(runes[start:end]), nil
}

// strSubstringAfter is the text after the first separator, "" when there
// is none (Apache StringUtils.substringAfter).
func strSubstringAfter(_ *evaluator, c *call, args []any) (any, error) {
	s, ok, err := text(args, 0, c.fn.name)
	if err != nil || !ok {
		return nil, err
	}
	sep, sepOK, err := text(args, 1, c.fn.name)
	if err != nil || s == "" {
		return s, err
	}
	if !sepOK {
		return "", nil
	}
	if _, after, found := strings.Cut(s, sep); found {
		return after, nil
	}
	return "", nil
}

// strSubstringBefore is the text before the first separator, all of it
// when there is none (Apache StringUtils.substringBefore).
func strSubstringBefore(_ *evaluator, c *call, args []any) (any, error) {
	s, ok, err := text(args, 0, c.fn.name)
	if err != nil || !ok {
		return nil, err
	}
	sep, sepOK, err := text(args, 1, c.fn.name)
	if err != nil || s == "" || !sepOK {
		return s, err
	}
	if sep == "" {
		return "", nil
	}
	before, _, _ := strings.Cut(s, sep)
	return before, nil
}

// --- Arrays ---

// list reads argument i as an array; null is (nil, false).
func list(args []any, i int, fn string) ([]any, bool, error) {
	switch v := args[i].(type) {
	case nil:
		return nil, false, nil
	case []any:
		return v, true, nil
	}
	return nil, false, evalErr("%s: argument %d must be an array, not %s", fn, i+1, typeName(args[i]))
}

func arrAdd(ev *evaluator, c *call, args []any) (any, error) {
	a, _, err := list(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	return ev.array(append(append(make([]any, 0, len(a)+1), a...), args[1]))
}

func arrRemove(ev *evaluator, c *call, args []any) (any, error) {
	a, _, err := list(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a))
	for _, v := range a {
		if !equal(v, args[1]) {
			out = append(out, v)
		}
	}
	return ev.array(out)
}

func arrClear(ev *evaluator, c *call, args []any) (any, error) {
	if _, _, err := list(args, 0, c.fn.name); err != nil {
		return nil, err
	}
	return []any{}, nil
}

func arrGet(_ *evaluator, c *call, args []any) (any, error) {
	a, _, err := list(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	i, err := integer(args, 1, c.fn.name)
	if err != nil || i < 0 || i >= int64(len(a)) {
		return nil, err
	}
	return a[i], nil
}

func arrFlatten(ev *evaluator, _ *call, args []any) (any, error) {
	var out []any
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		if err := ev.charge(1); err != nil {
			return err
		}
		arr, ok := v.([]any)
		if !ok {
			if len(out) >= MaxArray {
				return &EvalError{Msg: "an array has too many elements", limit: true}
			}
			out = append(out, v)
			return nil
		}
		if depth > MaxDepth {
			return evalErr("arrays are nested too deeply")
		}
		for _, x := range arr {
			if err := walk(x, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(args, 0); err != nil {
		return nil, err
	}
	return ev.array(out)
}

func arrContains(ev *evaluator, c *call, args []any) (any, error) {
	a, _, err := list(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	if err := ev.charge(len(a)); err != nil {
		return nil, err
	}
	for _, v := range a {
		if equal(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func arrSize(_ *evaluator, c *call, args []any) (any, error) {
	a, _, err := list(args, 0, c.fn.name)
	return int64(len(a)), err
}

func arrIsEmpty(_ *evaluator, c *call, args []any) (any, error) {
	a, _, err := list(args, 0, c.fn.name)
	return len(a) == 0, err
}

func arrToCsv(ev *evaluator, c *call, args []any) (any, error) {
	a, ok, err := list(args, 0, c.fn.name)
	if err != nil || !ok {
		return nil, err
	}
	return strJoin(ev, c, []any{",", a})
}

// --- Convert ---

// convToInt converts a string or a number to an integer, rounding half up
// as Java's Math.round does.
func convToInt(_ *evaluator, c *call, args []any) (any, error) {
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case int64:
		return v, nil
	case float64:
		r := math.Floor(v + 0.5)
		if math.Abs(r) >= 1<<63 {
			return nil, evalErr("%s: number out of range", c.fn.name)
		}
		return int64(r), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, evalErr("%s: the string is not an integer", c.fn.name)
		}
		return n, nil
	}
	return nil, evalErr("%s: cannot convert %s", c.fn.name, typeName(args[0]))
}

func convToNum(_ *evaluator, c *call, args []any) (any, error) {
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case int64:
		return float64(v), nil
	case float64:
		return v, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, evalErr("%s: the string is not a number", c.fn.name)
		}
		return f, nil
	}
	return nil, evalErr("%s: cannot convert %s", c.fn.name, typeName(args[0]))
}

// errorsIsLimit reports whether err comes from a limit.
func errorsIsLimit(err error) bool { return errors.Is(err, ErrTooComplex) }
