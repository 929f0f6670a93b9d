package domain

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Bounds on a System Log filter, so that one request cannot build an
// arbitrarily large query.
const (
	maxLogFilterLen         = 2048
	maxLogFilterComparisons = 50
	maxLogFilterDepth       = 16
)

// ParseLogFilter parses a SCIM filter over System Log events (Okta's
// "filter" parameter of /api/v1/logs): comparisons `attr op "value"` with
// eq, ne, co, sw, ew, gt, ge, lt, le, or `attr pr`, joined by and / or
// (and binds tighter), negated with not (…), grouped with parentheses.
// Attribute names, operators and keywords ignore case, as in SCIM.
func ParseLogFilter(s string) (*store.EventFilter, error) {
	if len(s) > maxLogFilterLen {
		return nil, &SearchError{fmt.Sprintf("the filter is longer than %d characters", maxLogFilterLen)}
	}
	if !utf8.ValidString(s) {
		return nil, &SearchError{"the filter is not valid UTF-8"}
	}
	toks, err := lexLogFilter(s)
	if err != nil {
		return nil, err
	}
	p := &logFilterParser{toks: toks}
	f, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != logTokEnd {
		return nil, p.fail(t, "unexpected %s", t)
	}
	return &f, nil
}

type logTokKind int

const (
	logTokEnd logTokKind = iota
	logTokWord
	logTokString
	logTokOpen
	logTokClose
)

type logToken struct {
	kind logTokKind
	text string
	pos  int
}

func (t logToken) String() string {
	switch t.kind {
	case logTokEnd:
		return "end of filter"
	case logTokString:
		return strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}

func lexLogFilter(s string) ([]logToken, error) {
	var toks []logToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			k := logTokOpen
			if c == ')' {
				k = logTokClose
			}
			toks = append(toks, logToken{k, string(c), i})
			i++
		case c == '[' || c == ']':
			return nil, &SearchError{fmt.Sprintf("'%c' at position %d: value paths are not supported", c, i)}
		case c == '"':
			end, val, err := lexLogString(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, logToken{logTokString, val, i})
			i = end
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[j])) {
				j++
			}
			toks = append(toks, logToken{logTokWord, s[i:j], i})
			i = j
		}
	}
	return append(toks, logToken{kind: logTokEnd, pos: len(s)}), nil
}

// lexLogString reads the JSON string starting at s[start] and returns the
// index after it and its value.
func lexLogString(s string, start int) (int, string, error) {
	for j := start + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			v, err := strconv.Unquote(s[start : j+1])
			if err != nil {
				// strconv speaks Go, not JSON; the only JSON escape Go lacks is \/.
				v, err = strconv.Unquote(strings.ReplaceAll(s[start:j+1], `\/`, `/`))
			}
			if err != nil {
				return 0, "", &SearchError{fmt.Sprintf("bad string at position %d", start)}
			}
			return j + 1, v, nil
		}
	}
	return 0, "", &SearchError{fmt.Sprintf("unterminated string at position %d", start)}
}

type logFilterParser struct {
	toks        []logToken
	i           int
	comparisons int
}

func (p *logFilterParser) peek() logToken { return p.toks[p.i] }
func (p *logFilterParser) next() logToken { t := p.toks[p.i]; p.i++; return t }

func (p *logFilterParser) fail(t logToken, format string, args ...any) error {
	return &SearchError{fmt.Sprintf(format, args...) + fmt.Sprintf(" at position %d", t.pos)}
}

func (p *logFilterParser) isWord(word string) bool {
	t := p.peek()
	return t.kind == logTokWord && strings.EqualFold(t.text, word)
}

// or := and ("or" and)*
func (p *logFilterParser) or(depth int) (store.EventFilter, error) {
	return p.chain(depth, "or", p.and)
}

// and := factor ("and" factor)*
func (p *logFilterParser) and(depth int) (store.EventFilter, error) {
	return p.chain(depth, "and", p.factor)
}

func (p *logFilterParser) chain(depth int, logic string, operand func(int) (store.EventFilter, error)) (store.EventFilter, error) {
	first, err := operand(depth)
	if err != nil {
		return first, err
	}
	operands := []store.EventFilter{first}
	for p.isWord(logic) {
		p.next()
		f, err := operand(depth)
		if err != nil {
			return f, err
		}
		operands = append(operands, f)
	}
	if len(operands) == 1 {
		return first, nil
	}
	return store.EventFilter{Logic: logic, Operands: operands}, nil
}

// factor := "not"? "(" or ")" | comparison
func (p *logFilterParser) factor(depth int) (store.EventFilter, error) {
	if depth >= maxLogFilterDepth {
		return store.EventFilter{}, p.fail(p.peek(), "the filter nests deeper than %d levels", maxLogFilterDepth)
	}
	negate := false
	if p.isWord("not") && p.toks[p.i+1].kind == logTokOpen {
		p.next()
		negate = true
	}
	if p.peek().kind == logTokOpen {
		p.next()
		f, err := p.or(depth + 1)
		if err != nil {
			return f, err
		}
		if t := p.next(); t.kind != logTokClose {
			return f, p.fail(t, "expected ')' but found %s", t)
		}
		if negate {
			f = store.EventFilter{Logic: "not", Operands: []store.EventFilter{f}}
		}
		return f, nil
	}
	return p.comparison()
}

// comparison := attribute op value | attribute "pr"
func (p *logFilterParser) comparison() (store.EventFilter, error) {
	var f store.EventFilter
	t := p.next()
	if t.kind != logTokWord {
		return f, p.fail(t, "expected an attribute but found %s", t)
	}
	attr, ok := logFilterAttribute(t.text)
	if !ok {
		return f, p.fail(t, "unknown attribute '%s' (known: %s)", t.text, strings.Join(store.EventFilterAttributes, ", "))
	}
	if p.comparisons++; p.comparisons > maxLogFilterComparisons {
		return f, p.fail(t, "the filter has more than %d comparisons", maxLogFilterComparisons)
	}
	o := p.next()
	op := strings.ToLower(o.text)
	switch {
	case o.kind != logTokWord:
		return f, p.fail(o, "expected an operator after %s but found %s", attr, o)
	case op == "pr":
		return store.EventFilter{Attr: attr, Op: op}, nil
	case !isLogFilterOp(op):
		return f, p.fail(o, "unknown operator '%s'", o.text)
	}
	v := p.next()
	if v.kind != logTokString {
		return f, p.fail(v, "expected a quoted string value but found %s", v)
	}
	return store.EventFilter{Attr: attr, Op: op, Value: v.text}, nil
}

func isLogFilterOp(op string) bool {
	switch op {
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
		return true
	}
	return false
}

// logFilterAttribute returns the canonical spelling of a filter attribute.
func logFilterAttribute(name string) (string, bool) {
	for _, a := range store.EventFilterAttributes {
		if strings.EqualFold(a, name) {
			return a, true
		}
	}
	return "", false
}
