package sqlstore

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// columnKind says how a filterable property is held, which decides what
// SQL can test it.
type columnKind int

const (
	colExact columnKind = iota // text compared as is (ids)
	colUpper                   // upper-case text (statuses, types)
	colLower                   // a copy lower-cased by strings.ToLower (name_lower): narrows only
	colText                    // text compared ignoring case
	colTime                    // unix seconds, 0 for never
)

type column struct {
	expr string
	kind columnKind
}

// compileFilter turns f into a SQL condition that every matching row
// satisfies. exact reports that the condition also excludes every row
// that does not match; either way, rows are checked again with f.Match,
// so a test SQL cannot make exactly (a custom attribute, a range over
// text) compiles to a condition that keeps every row.
func compileFilter(f *store.Filter, cols map[string]column) (where string, args []any, exact bool) {
	if f == nil {
		return "1=1", nil, true
	}
	switch f.Op {
	case store.OpAnd, store.OpOr:
		parts := make([]string, 0, len(f.Args))
		exact = true
		for _, a := range f.Args {
			w, as, ex := compileFilter(a, cols)
			parts, args, exact = append(parts, "("+w+")"), append(args, as...), exact && ex
		}
		if len(parts) == 0 {
			return "1=1", nil, f.Op == store.OpAnd
		}
		return strings.Join(parts, " "+strings.ToUpper(string(f.Op))+" "), args, exact
	case store.OpNot:
		if len(f.Args) != 1 {
			return "1=0", nil, true
		}
		w, as, ex := compileFilter(f.Args[0], cols)
		if !ex {
			return keepAll()
		}
		return "NOT (" + w + ")", as, true
	}
	col, ok := cols[f.Attr]
	if !ok {
		return keepAll()
	}
	if col.kind == colTime {
		return compileTime(f, col)
	}
	present := col.expr + " <> ''"
	if f.Op == store.OpPr {
		return present, nil, true
	}
	v, ok := f.Value.(string)
	if !ok {
		return "1=0", nil, true // a text property never equals a number, date or boolean
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) { // text a database may refuse to compare
		return keepAll()
	}
	switch col.kind {
	case colExact:
		if f.Op == store.OpEq {
			return col.expr + " = ?", []any{v}, true
		}
		return keepAll()
	case colUpper:
		if f.Op == store.OpEq {
			return col.expr + " = ?", []any{upperASCII(v)}, true
		}
		return keepAll()
	case colLower:
		return compileLowered(f.Op, col.expr, v)
	}
	// Both sides fold ASCII letters only, exactly as Filter.Match does:
	// SQL LOWER() follows the database's locale, which Go cannot match.
	expr, v := foldASCII(col.expr), store.FoldASCII(v)
	switch f.Op {
	case store.OpEq:
		narrow := ""
		if lc, ok := loweredCopies[col.expr]; ok { // an indexed copy finds the candidates fast
			narrow, args = lc+" = ? AND ", []any{strings.ToLower(f.Value.(string))}
		}
		return narrow + present + " AND " + expr + " = ?", append(args, v), true
	case store.OpSw:
		return present + " AND " + expr + ` LIKE ? ESCAPE '\'`, []any{escapeLike(v) + "%"}, true
	case store.OpCo:
		return present + " AND " + expr + ` LIKE ? ESCAPE '\'`, []any{"%" + escapeLike(v) + "%"}, true
	}
	// Text ranges depend on collation, which differs between databases.
	return keepAll()
}

// loweredCopies maps a text column to its copy lower-cased by Go's
// strings.ToLower, which the database indexes.
var loweredCopies = map[string]string{"u.login": "u.login_lower"}

// compileLowered tests a copy lower-cased by Go's strings.ToLower, which
// folds more than ASCII. Two strings equal but for ASCII case have equal
// lower-cased copies, so the condition keeps every matching row, but it
// may keep others too (the Kelvin sign lower-cases to "k"): not exact.
func compileLowered(op store.FilterOp, expr, v string) (string, []any, bool) {
	v = strings.ToLower(v)
	switch op {
	case store.OpEq:
		return expr + " = ?", []any{v}, false
	case store.OpSw:
		return expr + ` LIKE ? ESCAPE '\'`, []any{escapeLike(v) + "%"}, false
	case store.OpCo:
		return expr + ` LIKE ? ESCAPE '\'`, []any{"%" + escapeLike(v) + "%"}, false
	}
	return keepAll()
}

// foldASCII is a SQL expression lower-casing the ASCII letters of expr and
// nothing else, the same in every database and locale.
func foldASCII(expr string) string {
	for c := 'A'; c <= 'Z'; c++ {
		expr = "REPLACE(" + expr + ", '" + string(c) + "', '" + string(c+'a'-'A') + "')"
	}
	return expr
}

// upperASCII upper-cases the ASCII letters of s only.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func keepAll() (string, []any, bool) { return "1=1", nil, false }

// compileTime compares a unix-seconds column with a time that may hold
// milliseconds: for an integer c, c > v exactly when c > floor(v), and
// c >= v exactly when c >= ceil(v).
func compileTime(f *store.Filter, col column) (string, []any, bool) {
	present := col.expr + " <> 0"
	if f.Op == store.OpPr {
		return present, nil, true
	}
	v, ok := f.Value.(time.Time)
	if !ok {
		return "1=0", nil, true
	}
	floor, ceil := v.Unix(), v.Unix()
	if v.Nanosecond() != 0 {
		ceil++
	}
	switch f.Op {
	case store.OpEq:
		if floor != ceil {
			return "1=0", nil, true
		}
		return present + " AND " + col.expr + " = ?", []any{floor}, true
	case store.OpGt:
		return present + " AND " + col.expr + " > ?", []any{floor}, true
	case store.OpGe:
		return present + " AND " + col.expr + " >= ?", []any{ceil}, true
	case store.OpLt:
		return present + " AND " + col.expr + " < ?", []any{ceil}, true
	case store.OpLe:
		return present + " AND " + col.expr + " <= ?", []any{floor}, true
	}
	return "1=0", nil, true // sw and co never match a time
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// filterBatch is how many rows a list reads at a time when its filter
// cannot be decided in SQL alone.
const filterBatch = 500

// pageFiltered reads a page of rows in id order and the cursor of the
// next page: query takes the cursor, then args, then a row limit; keep
// returns a row's id and whether it belongs on the page. When the SQL
// condition is not exact it reads batches, but examines at most budget
// rows: a page cut short that way ends at the last row examined, with a
// cursor to go on from there.
func pageFiltered[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args []any,
	exact bool, p store.Page, budget int, keep func(T) (string, bool)) ([]T, string, error) {
	limit := max(p.Limit, 1)
	batch := limit + 1 // an exact condition: one more row tells whether more remain
	if !exact {
		batch = min(max(batch, filterBatch), budget)
	} else {
		budget = batch
	}
	after, lastKept := p.After, ""
	out := []T{}
	for examined := 0; examined < budget; {
		n := min(batch, budget-examined)
		rows, err := queryAll(ctx, s, scan, query, append(append([]any{after}, args...), n)...)
		if err != nil {
			return nil, "", err
		}
		for _, row := range rows {
			id, ok := keep(row)
			after = id
			examined++
			if !ok {
				continue
			}
			if len(out) == limit { // one match more than the page holds
				return out, lastKept, nil
			}
			out, lastKept = append(out, row), id
		}
		if len(rows) < n {
			return out, "", nil
		}
	}
	return out, after, nil
}
