package store

import (
	"strings"
	"time"
)

// FilterOp is an operator of a filter expression.
type FilterOp string

// The operators of Okta's filter and search expressions.
const (
	OpAnd FilterOp = "and"
	OpOr  FilterOp = "or"
	OpNot FilterOp = "not"
	OpEq  FilterOp = "eq"
	OpSw  FilterOp = "sw" // starts with
	OpCo  FilterOp = "co" // contains
	OpPr  FilterOp = "pr" // present (not empty)
	OpGt  FilterOp = "gt"
	OpGe  FilterOp = "ge"
	OpLt  FilterOp = "lt"
	OpLe  FilterOp = "le"
)

// Filter is a parsed filter or search expression (Okta's SCIM-like
// syntax) over an object's properties. String comparisons ignore the
// case of ASCII letters (see FoldASCII), except on id.
type Filter struct {
	Op FilterOp
	// Attr is the property a comparison tests, such as status or
	// profile.department.
	Attr string
	// Value is a string, float64, bool or time.Time; nil for pr.
	Value any
	// Args are the operands of and, or (two) and not (one).
	Args []*Filter
}

// Match reports whether an object satisfies f; attr returns the object's
// properties and whether each is present.
func (f *Filter) Match(attr func(name string) (any, bool)) bool {
	switch f.Op {
	case OpAnd:
		for _, a := range f.Args {
			if !a.Match(attr) {
				return false
			}
		}
		return true
	case OpOr:
		for _, a := range f.Args {
			if a.Match(attr) {
				return true
			}
		}
		return false
	case OpNot:
		return len(f.Args) == 1 && !f.Args[0].Match(attr)
	}
	have, ok := attr(f.Attr)
	if !ok {
		return false
	}
	if f.Op == OpPr {
		return true
	}
	if list, isList := have.([]any); isList { // an array attribute matches when any element does
		for _, v := range list {
			if f.compare(v) {
				return true
			}
		}
		return false
	}
	return f.compare(have)
}

func (f *Filter) compare(have any) bool {
	switch h := have.(type) {
	case string:
		w, ok := f.Value.(string)
		if !ok {
			return false
		}
		hl, wl := h, w
		if f.Attr != "id" {
			hl, wl = FoldASCII(h), FoldASCII(w)
		}
		switch f.Op {
		case OpSw:
			return strings.HasPrefix(hl, wl)
		case OpCo:
			return strings.Contains(hl, wl)
		}
		return f.ordered(strings.Compare(hl, wl))
	case float64:
		w, ok := f.Value.(float64)
		if !ok {
			return false
		}
		return f.ordered(cmpFloat(h, w))
	case bool:
		w, ok := f.Value.(bool)
		return ok && f.Op == OpEq && h == w
	case time.Time:
		w, ok := f.Value.(time.Time)
		if !ok {
			return false
		}
		return f.ordered(h.Compare(w))
	}
	return false
}

// ordered applies an ordering operator to a comparison result (sw and co
// apply to strings only).
func (f *Filter) ordered(c int) bool {
	switch f.Op {
	case OpEq:
		return c == 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FoldASCII lower-cases the ASCII letters of s and leaves every other
// character as it is. Filters compare text this way because every
// database can do the same in SQL: full Unicode folding (where the Kelvin
// sign matches "k") differs between Go, SQLite and PostgreSQL locales, and
// a row must never match both a comparison and its negation.
func FoldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
