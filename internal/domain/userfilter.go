package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// SearchError refuses a filter or search expression (Okta: E0000031).
type SearchError struct{ Message string }

func (e *SearchError) Error() string { return e.Message }

// Bounds on an expression, so that a request cannot make the parser or
// the matcher work without end.
const (
	maxExpressionBytes = 4096
	maxExpressionDepth = 16
	maxComparisons     = 64
)

// attrKind is the type a property's values have.
type attrKind int

const (
	kindText attrKind = iota // a string
	kindTime                 // a timestamp, written as an RFC 3339 string
	kindAny                  // a custom attribute: string, number or boolean
)

// filterSchema is what one kind of expression may name and use.
type filterSchema struct {
	attr func(name string) (attrKind, bool)
	// ops are the comparison operators allowed on text; ranges are always
	// allowed on times and custom attributes when rangesOnAny.
	ops         []store.FilterOp
	rangesOnAny bool
	not         bool
}

var (
	rangeOps  = []store.FilterOp{store.OpGt, store.OpGe, store.OpLt, store.OpLe}
	searchOps = []store.FilterOp{store.OpEq, store.OpSw, store.OpCo, store.OpPr, store.OpGt, store.OpGe, store.OpLt, store.OpLe}
)

func fixedAttrs(m map[string]attrKind) func(string) (attrKind, bool) {
	return func(name string) (attrKind, bool) { k, ok := m[name]; return k, ok }
}

// userFilterSchema is Okta's filter parameter on users: equality on a few
// properties and ranges on lastUpdated.
var userFilterSchema = filterSchema{
	attr: fixedAttrs(map[string]attrKind{
		"status": kindText, "id": kindText, "lastUpdated": kindTime, "created": kindTime,
		"profile.login": kindText, "profile.email": kindText, "profile.firstName": kindText, "profile.lastName": kindText,
	}),
	ops: []store.FilterOp{store.OpEq},
}

var userTimes = map[string]bool{"created": true, "lastUpdated": true, "activated": true, "statusChanged": true,
	"lastLogin": true, "passwordChanged": true}

// userSearchSchema is Okta's search parameter on users: every operator
// over status, the timestamps and any profile attribute.
var userSearchSchema = filterSchema{
	attr: func(name string) (attrKind, bool) {
		switch {
		case name == "id" || name == "status":
			return kindText, true
		case userTimes[name]:
			return kindTime, true
		}
		attr, ok := strings.CutPrefix(name, "profile.")
		if !ok || !validAttrName(attr) {
			return 0, false
		}
		if _, base := store.BaseAttribute(attr); base {
			return kindText, true
		}
		return kindAny, true
	},
	ops: searchOps, rangesOnAny: true, not: true,
}

var groupAttrs = fixedAttrs(map[string]attrKind{
	"id": kindText, "type": kindText, "created": kindTime, "lastUpdated": kindTime,
	"lastMembershipUpdated": kindTime, "profile.name": kindText, "profile.description": kindText,
})

// groupFilterSchema is Okta's filter parameter on groups.
var groupFilterSchema = filterSchema{attr: groupAttrs, ops: []store.FilterOp{store.OpEq}}

// groupSearchSchema is Okta's search parameter on groups.
var groupSearchSchema = filterSchema{attr: groupAttrs, ops: searchOps, not: true}

// ParseUserFilter parses the filter parameter of a user list, such as
// status eq "ACTIVE" and lastUpdated gt "2024-01-01T00:00:00.000Z".
func ParseUserFilter(s string) (*store.Filter, error) { return parseFilter(s, userFilterSchema) }

// ParseUserSearch parses the search parameter of a user list, such as
// profile.department eq "Engineering" and not (status eq "SUSPENDED").
func ParseUserSearch(s string) (*store.Filter, error) { return parseFilter(s, userSearchSchema) }

// ParseGroupFilter parses the filter parameter of a group list, such as
// type eq "OKTA_GROUP".
func ParseGroupFilter(s string) (*store.Filter, error) { return parseFilter(s, groupFilterSchema) }

// ParseGroupSearch parses the search parameter of a group list.
func ParseGroupSearch(s string) (*store.Filter, error) { return parseFilter(s, groupSearchSchema) }

func parseFilter(s string, schema filterSchema) (*store.Filter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &SearchError{"Invalid search criteria: the expression is empty"}
	}
	if len(s) > maxExpressionBytes || !utf8.ValidString(s) {
		return nil, &SearchError{"Invalid search criteria: the expression is too long or not UTF-8"}
	}
	p := &filterParser{src: s, schema: schema}
	p.next()
	f := p.or(0)
	if p.err == nil && p.tok.kind != ftEOF {
		p.fail("unexpected %s", p.tok)
	}
	if p.err != nil {
		return nil, p.err
	}
	return f, nil
}

type filterTokKind int

const (
	ftEOF filterTokKind = iota
	ftWord
	ftString
	ftNumber
	ftLParen
	ftRParen
)

type filterToken struct {
	kind filterTokKind
	text string // a word as written, or a string's decoded value
	pos  int
}

func (t filterToken) String() string {
	switch t.kind {
	case ftEOF:
		return "end of expression"
	case ftString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q at %d", t.text, t.pos)
}

type filterParser struct {
	src    string
	pos    int
	tok    filterToken
	schema filterSchema
	count  int
	err    error
}

func (p *filterParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &SearchError{"Invalid search criteria: " + fmt.Sprintf(format, args...)}
	}
}

// next reads the next filterToken into p.tok.
func (p *filterParser) next() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = filterToken{ftEOF, "", start}
		return
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		p.tok = filterToken{ftLParen, "(", start}
	case c == ')':
		p.pos++
		p.tok = filterToken{ftRParen, ")", start}
	case c == '"':
		p.tok = filterToken{ftString, p.readString(), start}
	case c == '-' || (c >= '0' && c <= '9'):
		for p.pos < len(p.src) && strings.IndexByte("+-.0123456789eE", p.src[p.pos]) >= 0 {
			p.pos++
		}
		p.tok = filterToken{ftNumber, p.src[start:p.pos], start}
	case isWordByte(c):
		for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
			p.pos++
		}
		p.tok = filterToken{ftWord, p.src[start:p.pos], start}
	default:
		_, size := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += size
		p.tok = filterToken{ftWord, p.src[start:p.pos], start}
		p.fail("unexpected %q at %d", p.src[start:p.pos], start)
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// readString reads a double-quoted string with JSON escapes.
func (p *filterParser) readString() string {
	start := p.pos
	p.pos++ // the opening quote
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case '"':
			p.pos++
			v, err := strconv.Unquote(p.src[start:p.pos])
			if err != nil {
				p.fail("bad string at %d", start)
			}
			return v
		}
		p.pos++
	}
	p.fail("unterminated string at %d", start)
	return ""
}

func (p *filterParser) keyword(word string) bool {
	return p.tok.kind == ftWord && strings.EqualFold(p.tok.text, word)
}

func (p *filterParser) or(depth int) *store.Filter {
	f := p.and(depth)
	for p.err == nil && p.keyword("or") {
		p.next()
		f = join(store.OpOr, f, p.and(depth))
	}
	return f
}

func (p *filterParser) and(depth int) *store.Filter {
	f := p.unary(depth)
	for p.err == nil && p.keyword("and") {
		p.next()
		f = join(store.OpAnd, f, p.unary(depth))
	}
	return f
}

// join makes an and/or node, flattening a left operand of the same kind.
func join(op store.FilterOp, left, right *store.Filter) *store.Filter {
	if left != nil && left.Op == op {
		left.Args = append(left.Args, right)
		return left
	}
	return &store.Filter{Op: op, Args: []*store.Filter{left, right}}
}

func (p *filterParser) unary(depth int) *store.Filter {
	if depth > maxExpressionDepth {
		p.fail("the expression nests too deeply")
		return nil
	}
	switch {
	case p.err != nil:
		return nil
	case p.tok.kind == ftLParen:
		p.next()
		f := p.or(depth + 1)
		if p.err == nil && p.tok.kind != ftRParen {
			p.fail("expected ) but found %s", p.tok)
		}
		p.next()
		return f
	case p.keyword("not"):
		if !p.schema.not {
			p.fail("not is not supported here")
			return nil
		}
		p.next()
		return &store.Filter{Op: store.OpNot, Args: []*store.Filter{p.unary(depth + 1)}}
	}
	return p.comparison()
}

func (p *filterParser) comparison() *store.Filter {
	if p.tok.kind != ftWord {
		p.fail("expected a property but found %s", p.tok)
		return nil
	}
	if p.count++; p.count > maxComparisons {
		p.fail("the expression has more than %d comparisons", maxComparisons)
		return nil
	}
	attr := p.tok.text
	kind, ok := p.schema.attr(attr)
	if !ok {
		p.fail("unknown property %q", attr)
		return nil
	}
	p.next()
	if p.tok.kind != ftWord {
		p.fail("expected an operator after %s but found %s", attr, p.tok)
		return nil
	}
	op := store.FilterOp(strings.ToLower(p.tok.text))
	if !p.allowed(op, kind) {
		p.fail("operator %q is not supported on %s", p.tok.text, attr)
		return nil
	}
	p.next()
	f := &store.Filter{Op: op, Attr: attr}
	if op == store.OpPr {
		return f
	}
	f.Value = p.value(attr, kind)
	if (op == store.OpSw || op == store.OpCo) && p.err == nil {
		if _, isString := f.Value.(string); !isString {
			p.fail("%s needs a string on %s", op, attr)
		}
	}
	p.next()
	return f
}

func (p *filterParser) allowed(op store.FilterOp, kind attrKind) bool {
	for _, o := range p.schema.ops {
		if o == op {
			return true
		}
	}
	isRange := false
	for _, o := range rangeOps {
		isRange = isRange || o == op
	}
	return isRange && (kind == kindTime || (kind == kindAny && p.schema.rangesOnAny))
}

// value reads the literal of a comparison, typed for the property.
func (p *filterParser) value(attr string, kind attrKind) any {
	t := p.tok
	switch {
	case t.kind == ftString && kind == kindTime:
		v, err := time.Parse(time.RFC3339Nano, t.text)
		if err != nil {
			p.fail("%s needs a date such as 2024-01-01T00:00:00.000Z, not %q", attr, t.text)
		}
		return v.UTC()
	case t.kind == ftString:
		return t.text
	case kind != kindAny:
		p.fail("%s needs a quoted value but found %s", attr, t)
	case t.kind == ftNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			p.fail("bad number %s", t)
		}
		return v
	case p.keyword("true"), p.keyword("false"):
		return strings.EqualFold(t.text, "true")
	default:
		p.fail("expected a value after %s but found %s", attr, t)
	}
	return nil
}

// validAttrName reports whether name can be a profile attribute: letters,
// digits and underscores, starting with a letter, at most 100 bytes.
func validAttrName(name string) bool {
	if name == "" || len(name) > 100 || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
