package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// columnKind says how a filterable property is held, which decides what
// SQL can test it.
type columnKind int

const (
	colExact columnKind = iota // text compared as is (ids)
	colUpper                   // upper-case text (statuses, types)
	colLower                   // text kept lower-cased (login_lower, name_lower)
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
	if !isASCII(v) { // SQL and Go may fold non-ASCII case differently
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
			return col.expr + " = ?", []any{strings.ToUpper(v)}, true
		}
		return keepAll()
	}
	expr := col.expr
	if col.kind == colText {
		expr = "LOWER(" + expr + ")"
	}
	v = strings.ToLower(v)
	switch f.Op {
	case store.OpEq:
		return present + " AND " + expr + " = ?", []any{v}, true
	case store.OpSw:
		return present + " AND " + expr + ` LIKE ? ESCAPE '\'`, []any{escapeLike(v) + "%"}, true
	case store.OpCo:
		return present + " AND " + expr + ` LIKE ? ESCAPE '\'`, []any{"%" + escapeLike(v) + "%"}, true
	}
	// Text ranges depend on collation, which differs between databases.
	return keepAll()
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// listFiltered reads a page of rows in id order: query takes the cursor,
// then args, then a row limit. keep returns a row's id and whether it
// belongs on the page. When the SQL condition is not exact, rows are read
// in batches until the page is full or the table ends.
func listFiltered[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args []any,
	exact bool, p store.Page, keep func(T) (string, bool)) ([]T, error) {
	want := p.Limit + 1
	batch := want
	if !exact {
		batch = max(want, userListBatch)
	}
	after := p.After
	out := []T{}
	for {
		qargs := append(append([]any{after}, args...), batch)
		rows, err := queryAll(ctx, s, scan, query, qargs...)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			id, ok := keep(row)
			after = id
			if ok {
				if out = append(out, row); len(out) == want {
					return out, nil
				}
			}
		}
		if len(rows) < batch {
			return out, nil
		}
	}
}
