package expr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Program is a parsed expression, safe for concurrent evaluation.
type Program struct {
	root       node
	usesGroups bool
}

// UsesGroups reports whether evaluating the program may need the user's
// groups, so that a caller loads them only then.
func (p *Program) UsesGroups() bool { return p.usesGroups }

// The tree.
type (
	// node is one of the types below; eval switches on it.
	node any

	literal struct {
		pos int // for errors about a literal argument, such as a bad pattern
		val any
	}
	// attribute is root.name: user, app, org or session.
	attribute struct {
		root, name string
	}
	unary struct {
		op tokenKind
		x  node
	}
	binary struct {
		op   tokenKind
		l, r node
	}
	ternary struct {
		c, a, b node // b only; c nil for Elvis (a ?: b)
	}
	arrayLit struct {
		elems []node
	}
	call struct {
		fn   *function
		args []node
		// re is the compiled pattern when the regex argument is a literal.
		re *regexp.Regexp
	}
)

// Parse parses src. Errors are *SyntaxError.
func Parse(src string) (*Program, error) {
	if len(src) > MaxLength {
		return nil, &SyntaxError{Pos: MaxLength + 1, Msg: fmt.Sprintf("expression is longer than %d characters", MaxLength), limit: true}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &SyntaxError{Pos: 1, Msg: "expression is empty"}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.expression()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected "+describe(t))
	}
	return &Program{root: root, usesGroups: p.usesGroups}, nil
}

type parser struct {
	toks       []token
	i          int
	depth      int
	nodes      int
	usesGroups bool
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, msg string) *SyntaxError {
	return &SyntaxError{Pos: t.pos + 1, Msg: msg}
}

func (p *parser) expect(k tokenKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.errAt(t, "expected "+what+", found "+describe(t))
	}
	return t, nil
}

// count charges one tree node against MaxNodes.
func (p *parser) count(t token) error {
	p.nodes++
	if p.nodes > MaxNodes {
		return &SyntaxError{Pos: t.pos + 1, Msg: fmt.Sprintf("expression has more than %d parts", MaxNodes), limit: true}
	}
	return nil
}

// enter guards recursion depth; leave must follow.
func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return &SyntaxError{Pos: p.peek().pos + 1, Msg: fmt.Sprintf("expression is nested more than %d levels deep", MaxDepth), limit: true}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expression := or [ "?" expression ":" expression | "?:" expression ]
func (p *parser) expression() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	c, err := p.binaryLevel(0)
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tQuestion:
		p.next()
		a, err := p.expression()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tColon, "':'"); err != nil {
			return nil, err
		}
		b, err := p.expression()
		if err != nil {
			return nil, err
		}
		return &ternary{c: c, a: a, b: b}, p.count(t)
	case tElvis:
		p.next()
		b, err := p.expression()
		if err != nil {
			return nil, err
		}
		return &ternary{a: c, b: b}, p.count(t)
	}
	return c, nil
}

// levels lists the binary operators from the loosest to the tightest.
var levels = [][]tokenKind{
	{tOr},
	{tAnd},
	{tEq, tNe},
	{tLt, tGt, tLe, tGe},
	{tPlus, tMinus},
	{tStar, tSlash, tPercent},
}

// binaryLevel parses left-associative operators of levels[i] and tighter.
func (p *parser) binaryLevel(i int) (node, error) {
	if i == len(levels) {
		return p.unary()
	}
	l, err := p.binaryLevel(i + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if !hasKind(levels[i], t.kind) {
			return l, nil
		}
		p.next()
		r, err := p.binaryLevel(i + 1)
		if err != nil {
			return nil, err
		}
		if err := p.count(t); err != nil {
			return nil, err
		}
		l = &binary{op: t.kind, l: l, r: r}
	}
}

func hasKind(ks []tokenKind, k tokenKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// unary := ("!" | "-") unary | primary
func (p *parser) unary() (node, error) {
	t := p.peek()
	if t.kind != tNot && t.kind != tMinus {
		return p.primary()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &unary{op: t.kind, x: x}, p.count(t)
}

func (p *parser) primary() (node, error) {
	t := p.next()
	if err := p.count(t); err != nil {
		return nil, err
	}
	switch t.kind {
	case tString:
		return &literal{pos: t.pos, val: t.text}, nil
	case tInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, p.errAt(t, "number is too large")
		}
		return &literal{pos: t.pos, val: n}, nil
	case tFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errAt(t, "number is too large")
		}
		return &literal{pos: t.pos, val: f}, nil
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(tRParen, "')'")
		return x, err
	case tLBrace:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		elems, err := p.list(tRBrace, "'}'")
		return &arrayLit{elems: elems}, err
	case tIdent:
		return p.name(t)
	}
	return nil, p.errAt(t, "unexpected "+describe(t))
}

// list parses comma-separated expressions up to the closing token.
func (p *parser) list(end tokenKind, what string) ([]node, error) {
	var out []node
	if p.peek().kind == end {
		p.next()
		return out, nil
	}
	for {
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		t := p.next()
		switch t.kind {
		case tComma:
			continue
		case end:
			return out, nil
		}
		return nil, p.errAt(t, "expected ',' or "+what+", found "+describe(t))
	}
}

// namespaces are the qualifiers of qualified function names.
var namespaces = map[string]bool{"String": true, "Arrays": true, "Convert": true, "Groups": true}

// name parses what starts with an identifier: a keyword literal, a
// function call or an attribute path.
func (p *parser) name(t token) (node, error) {
	switch strings.ToLower(t.text) {
	case "true":
		return &literal{pos: t.pos, val: true}, nil
	case "false":
		return &literal{pos: t.pos, val: false}, nil
	case "null":
		return &literal{pos: t.pos, val: nil}, nil
	}
	if p.peek().kind == tLParen {
		return p.call(t, t.text)
	}
	if p.peek().kind != tDot {
		return nil, p.errAt(t, "unknown name "+strconv.Quote(t.text))
	}
	p.next()
	member, err := p.expect(tIdent, "a name after '.'")
	if err != nil {
		return nil, err
	}
	var n node
	switch root := t.text; {
	case namespaces[root]:
		if p.peek().kind != tLParen {
			return nil, p.errAt(member, "expected '(' after "+root+"."+member.text)
		}
		return p.call(t, root+"."+member.text)
	case root == "user" || root == "appuser":
		switch {
		case member.text == "getInternalProperty" && p.peek().kind == tLParen:
			return p.call(t, "user.getInternalProperty")
		case member.text == "profile" && p.peek().kind == tDot:
			p.next()
			if member, err = p.expect(tIdent, "an attribute name after 'profile.'"); err != nil {
				return nil, err
			}
		}
		n = &attribute{root: "user", name: member.text}
	case root == "app" || root == "org" || root == "session":
		n = &attribute{root: root, name: member.text}
	default:
		return nil, p.errAt(t, "unknown name "+strconv.Quote(t.text))
	}
	switch next := p.peek(); next.kind {
	case tDot:
		return nil, p.errAt(next, "nested properties and method calls on values are not supported")
	case tLParen:
		return nil, p.errAt(next, "unknown function "+strconv.Quote(t.text+"."+member.text))
	}
	return n, nil
}

// call parses the arguments of the function called name and checks them
// against the function table.
func (p *parser) call(t token, name string) (node, error) {
	fn := functions[name]
	if fn == nil {
		return nil, p.errAt(t, "unknown function "+strconv.Quote(name))
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next() // (
	args, err := p.list(tRParen, "')'")
	if err != nil {
		return nil, err
	}
	if len(args) < fn.min || (fn.max >= 0 && len(args) > fn.max) {
		return nil, p.errAt(t, fmt.Sprintf("%s takes %s", name, arity(fn)))
	}
	c := &call{fn: fn, args: args}
	if fn.groups {
		p.usesGroups = true
	}
	if fn.regexArg >= 0 {
		if lit, ok := args[fn.regexArg].(*literal); ok {
			s, ok := lit.val.(string)
			if !ok {
				return nil, p.errAt(t, name+" needs a string pattern")
			}
			if c.re, err = CompilePattern(s); err != nil {
				return nil, &SyntaxError{Pos: lit.pos + 1, Msg: err.Error(), limit: errorsIsLimit(err)}
			}
		}
	}
	return c, nil
}

func arity(fn *function) string {
	switch {
	case fn.max < 0:
		return fmt.Sprintf("at least %d arguments", fn.min)
	case fn.min == fn.max && fn.min == 1:
		return "1 argument"
	case fn.min == fn.max:
		return fmt.Sprintf("%d arguments", fn.min)
	}
	return fmt.Sprintf("%d to %d arguments", fn.min, fn.max)
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "string"
	case tInt, tFloat:
		return "number " + t.text
	}
	return strconv.Quote(t.text)
}
