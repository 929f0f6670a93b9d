package expr

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxGroupLimit is the largest limit Groups.* and getFilteredGroups take.
const MaxGroupLimit = 100

// memberBy reports whether any of the user's groups matches the string
// argument.
func memberBy(match func(Group, string) bool) impl {
	return func(ev *evaluator, c *call, args []any) (any, error) {
		s, ok, err := text(args, 0, c.fn.name)
		if err != nil || !ok {
			return false, err
		}
		groups, err := ev.userGroups()
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if match(g, s) {
				return true, nil
			}
		}
		return false, nil
	}
}

// memberOfAny takes group ids as arguments or arrays of them.
func memberOfAny(ev *evaluator, c *call, args []any) (any, error) {
	ids := map[string]bool{}
	for i, a := range args {
		vals := []any{a}
		if arr, ok := a.([]any); ok {
			vals = arr
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok && v != nil {
				return nil, evalErr("%s: argument %d must hold group ids, not %s", c.fn.name, i+1, typeName(v))
			}
			ids[s] = true
		}
	}
	groups, err := ev.userGroups()
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if ids[g.ID] {
			return true, nil
		}
	}
	return false, nil
}

func memberByRegex(ev *evaluator, c *call, args []any) (any, error) {
	re, err := ev.pattern(c, args, 0)
	if err != nil || re == nil {
		return false, err
	}
	groups, err := ev.userGroups()
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if err := ev.charge(1 + len(g.Name)/32); err != nil {
			return nil, err
		}
		if re.MatchString(g.Name) {
			return true, nil
		}
	}
	return false, nil
}

// pattern is c's compiled regular expression: compiled at parse time for
// a literal, here for a computed one.
func (ev *evaluator) pattern(c *call, args []any, i int) (*regexp.Regexp, error) {
	if c.re != nil {
		return c.re, nil
	}
	s, ok, err := text(args, i, c.fn.name)
	if err != nil || !ok {
		return nil, err
	}
	if err := ev.charge(len(s)); err != nil {
		return nil, err
	}
	re, err := CompilePattern(s)
	if err != nil {
		return nil, &EvalError{Msg: err.Error(), limit: errorsIsLimit(err)}
	}
	return re, nil
}

// CompilePattern compiles an Okta regular expression ("/re/" or "re") to
// match a whole name, as Java's matches() does: RE2 syntax, at most
// MaxPattern bytes.
func CompilePattern(s string) (*regexp.Regexp, error) {
	if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
		s = s[1 : len(s)-1]
	}
	if len(s) > MaxPattern {
		return nil, fmt.Errorf("regular expression is longer than %d characters: %w", MaxPattern, ErrTooComplex)
	}
	re, err := regexp.Compile(`^(?:` + s + `)$`)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression (RE2 syntax; backreferences and lookaround are not supported): %v", err)
	}
	return re, nil
}

// groupsMatching is Groups.startsWith/contains/endsWith(source, pattern,
// limit): the names of the user's groups that match, case-insensitively,
// at most limit of them. Only the "OKTA" source has groups.
func groupsMatching(match func(name, pattern string) bool) impl {
	return func(ev *evaluator, c *call, args []any) (any, error) {
		source, _, err := text(args, 0, c.fn.name)
		if err != nil {
			return nil, err
		}
		pattern, _, err := text(args, 1, c.fn.name)
		if err != nil {
			return nil, err
		}
		limit, err := groupLimit(args, 2, c.fn.name)
		if err != nil {
			return nil, err
		}
		out := []any{}
		if !strings.EqualFold(source, "OKTA") {
			return out, nil
		}
		groups, err := ev.userGroups()
		if err != nil {
			return nil, err
		}
		pattern = strings.ToLower(pattern)
		for _, g := range groups {
			if len(out) == limit {
				break
			}
			if match(strings.ToLower(g.Name), pattern) {
				out = append(out, g.Name)
			}
		}
		return ev.array(out)
	}
}

func groupLimit(args []any, i int, fn string) (int, error) {
	n, err := integer(args, i, fn)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > MaxGroupLimit {
		return 0, evalErr("%s: limit must be 1 to %d", fn, MaxGroupLimit)
	}
	return int(n), nil
}

// filteredGroups is getFilteredGroups(allowlist, "group.name", limit): the
// user's groups whose ids are in the allowlist, as names (or ids with
// "group.id"), at most limit of them.
func filteredGroups(ev *evaluator, c *call, args []any) (any, error) {
	allow, _, err := list(args, 0, c.fn.name)
	if err != nil {
		return nil, err
	}
	attr, _, err := text(args, 1, c.fn.name)
	if err != nil {
		return nil, err
	}
	limit, err := groupLimit(args, 2, c.fn.name)
	if err != nil {
		return nil, err
	}
	byName := true
	switch attr {
	case "group.name", "group.profile.name":
	case "group.id":
		byName = false
	default:
		return nil, evalErr("%s: argument 2 must be \"group.name\" or \"group.id\"", c.fn.name)
	}
	ids := map[string]bool{}
	for _, v := range allow {
		if s, ok := v.(string); ok { // an array is unhashable: only ids count
			ids[s] = true
		}
	}
	groups, err := ev.userGroups()
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, g := range groups {
		if len(out) == limit {
			break
		}
		if ids[g.ID] {
			if byName {
				out = append(out, g.Name)
			} else {
				out = append(out, g.ID)
			}
		}
	}
	return ev.array(out)
}

// internalProperty is user.getInternalProperty(name): id, status, ….
func internalProperty(ev *evaluator, c *call, args []any) (any, error) {
	name, ok, err := text(args, 0, c.fn.name)
	if err != nil || !ok {
		return nil, err
	}
	return ev.normalize(ev.env.UserInternal[name], 0)
}
