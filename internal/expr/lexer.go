package expr

import (
	"errors"
	"fmt"
	"strings"
)

// Limits on an expression and its evaluation.
const (
	MaxLength  = 1024 // source bytes
	MaxDepth   = 32   // nesting of parentheses, calls, operators
	MaxNodes   = 256  // nodes of the parsed tree
	MaxSteps   = 20000
	MaxString  = 8192 // bytes of any string built
	MaxArray   = 1000 // elements of any array built
	MaxPattern = 256  // bytes of a regular expression
)

// ErrTooComplex is wrapped by errors caused by a limit.
var ErrTooComplex = errors.New("expression too complex")

// SyntaxError is an expression that cannot be parsed.
type SyntaxError struct {
	// Pos is the 1-based byte position of the problem.
	Pos int
	Msg string
	// limit is set when a limit, not the grammar, refused the expression.
	limit bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at position %d: %s", e.Pos, e.Msg)
}

// Unwrap reports ErrTooComplex for a limit.
func (e *SyntaxError) Unwrap() error {
	if e.limit {
		return ErrTooComplex
	}
	return nil
}

// EvalError is an expression that parsed but could not be evaluated.
type EvalError struct {
	Msg   string
	limit bool
}

func (e *EvalError) Error() string { return "evaluation error: " + e.Msg }

// Unwrap reports ErrTooComplex for a limit.
func (e *EvalError) Unwrap() error {
	if e.limit {
		return ErrTooComplex
	}
	return nil
}

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tInt
	tFloat
	tDot
	tComma
	tLParen
	tRParen
	tLBrace
	tRBrace
	tQuestion
	tColon
	tElvis // ?:
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tNot
	tAnd
	tOr
	tEq
	tNe
	tLt
	tGt
	tLe
	tGe
)

type token struct {
	kind tokenKind
	text string // identifier name or string value or number text
	pos  int    // 0-based byte offset
}

// lex splits src into tokens. Keyword operators (and, or, not, eq, …) are
// turned into operator tokens here, case-insensitively.
func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			word := src[start:i]
			kind := tIdent
			switch strings.ToLower(word) {
			case "and":
				kind = tAnd
			case "or":
				kind = tOr
			case "not":
				kind = tNot
			case "eq":
				kind = tEq
			case "ne":
				kind = tNe
			case "lt":
				kind = tLt
			case "gt":
				kind = tGt
			case "le":
				kind = tLe
			case "ge":
				kind = tGe
			}
			out = append(out, token{kind: kind, text: word, pos: start})
			continue
		case c >= '0' && c <= '9':
			for i < len(src) && isDigit(src[i]) {
				i++
			}
			kind := tInt
			if i+1 < len(src) && src[i] == '.' && isDigit(src[i+1]) {
				kind = tFloat
				i++
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
			if i < len(src) && isIdentPart(src[i]) {
				return nil, &SyntaxError{Pos: i + 1, Msg: "unexpected character in number"}
			}
			out = append(out, token{kind: kind, text: src[start:i], pos: start})
			continue
		case c == '\'' || c == '"':
			s, next, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tString, text: s, pos: start})
			i = next
			continue
		}
		kind, width := operator(src[i:])
		if width == 0 {
			return nil, &SyntaxError{Pos: i + 1, Msg: fmt.Sprintf("unexpected character %q", rune(c))}
		}
		out = append(out, token{kind: kind, text: src[i : i+width], pos: start})
		i += width
	}
	return append(out, token{kind: tEOF, pos: len(src)}), nil
}

// lexString reads a quoted string starting at src[i]; a doubled quote
// stands for one quote, as in SpEL.
func lexString(src string, i int) (string, int, error) {
	q := src[i]
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		if src[j] == q {
			if j+1 < len(src) && src[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(src[j])
		j++
	}
	return "", 0, &SyntaxError{Pos: i + 1, Msg: "unterminated string"}
}

// operator recognises the punctuation token at the start of s.
func operator(s string) (tokenKind, int) {
	if len(s) >= 2 {
		if k, ok := twoCharOps[s[:2]]; ok {
			return k, 2
		}
	}
	if k, ok := oneCharOps[s[0]]; ok {
		return k, 1
	}
	return tEOF, 0
}

var twoCharOps = map[string]tokenKind{"?:": tElvis, "&&": tAnd, "||": tOr, "==": tEq, "!=": tNe, "<=": tLe, ">=": tGe}

var oneCharOps = map[byte]tokenKind{'.': tDot, ',': tComma, '(': tLParen, ')': tRParen, '{': tLBrace, '}': tRBrace,
	'?': tQuestion, ':': tColon, '+': tPlus, '-': tMinus, '*': tStar, '/': tSlash, '%': tPercent,
	'!': tNot, '<': tLt, '>': tGt}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
