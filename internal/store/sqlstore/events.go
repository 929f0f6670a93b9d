package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// eventChunkRows are the row counts of the multi-row INSERTs a batch is
// cut into, largest first. With a few fixed sizes the statements are
// prepared once and kept (Store.writeStmts), where one sized to each batch
// was parsed anew every time: on SQLite that took as long as running it.
// The largest keeps far below both backends' limits on bound parameters.
var eventChunkRows = []int{64, 16, 4, 1}

// eventInsert describes the multi-row INSERT of one table.
type eventInsert struct {
	cols int
	// queries holds, by row count (one for each of eventChunkRows), the
	// INSERT and the INSERT OR ROLLBACK.
	queries, orRollback map[int]string
}

func newEventInsert(into string, cols int) eventInsert {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	ins := eventInsert{cols: cols, queries: map[int]string{}, orRollback: map[int]string{}}
	for _, n := range eventChunkRows {
		rest := " INTO " + into + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
		ins.queries[n], ins.orRollback[n] = "INSERT"+rest, "INSERT OR ROLLBACK"+rest
	}
	return ins
}

var (
	logEventsInsert = newEventInsert(`log_events (uuid, published, event_type, severity, actor_id, outcome,
		actor_type, actor_alternate_id, actor_display_name, outcome_reason, client_ip, request_id,
		display_message, search_text, body)`, 15)
	logEventTargetsInsert = newEventInsert(`log_event_targets (event_uuid, position, id, type, alternate_id,
		display_name)`, 6)
)

// eventQueries are the dialect's INSERTs of ins. On SQLite a conflict
// (a repeated uuid) rolls the whole transaction back, which AppendEvents
// would do anyway: as no statement can then fail alone, SQLite keeps no
// statement journal of the pages a batch changes, which cost a tenth of
// its CPU.
func (s *Store) eventQueries(ins eventInsert) map[int]string {
	if s.dialect.InsertOrRollback {
		return ins.orRollback
	}
	return ins.queries
}

// chunks calls fn with the query and values of each chunk of the rows
// whose values args holds.
func (ins eventInsert) chunks(queries map[int]string, args []any, fn func(query string, args []any) error) error {
	for _, n := range eventChunkRows {
		for size := n * ins.cols; len(args) >= size; args = args[size:] {
			if err := fn(queries[n], args[:size]); err != nil {
				return err
			}
		}
	}
	return nil
}

// pendingInsert is the rows of one table a batch inserts.
type pendingInsert struct {
	ins     eventInsert
	queries map[int]string
	args    []any
}

// AppendEvents stores events in one transaction, with multi-row INSERTs
// of fixed sizes into log_events and log_event_targets.
func (s *Store) AppendEvents(ctx context.Context, events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	withTargets := !s.dialect.EventTargetsInBody
	eventArgs, targetArgs := eventRows(events, withTargets)
	inserts := []pendingInsert{{logEventsInsert, s.eventQueries(logEventsInsert), eventArgs}}
	if withTargets {
		inserts = append(inserts, pendingInsert{logEventTargetsInsert, s.eventQueries(logEventTargetsInsert), targetArgs})
	}
	// Prepare the statements before the transaction: on SQLite it holds
	// the write pool's only connection, which preparing needs.
	for _, in := range inserts {
		for _, q := range in.queries {
			s.writeStmts.get(ctx, s.rebind(q))
		}
	}
	return s.inTx(ctx, func(t tx) error {
		exec := func(query string, args []any) error {
			_, err := t.exec(ctx, query, args...)
			return s.translate(err)
		}
		for _, in := range inserts {
			if err := in.ins.chunks(in.queries, in.args, exec); err != nil {
				return err
			}
		}
		return nil
	})
}

// eventRows lays out the values of the log_events rows and the
// log_event_targets rows of events. The bodies and search texts share one
// string, so a batch allocates it once.
func eventRows(events []store.Event, withTargets bool) (eventArgs, targetArgs []any) {
	size, nTargets := 0, 0
	for i := range events {
		size += eventTextSize(&events[i])
		if withTargets {
			nTargets += len(events[i].Targets)
		}
	}
	buf := make([]byte, 0, size)
	ends := make([]int, 0, 2*len(events)) // where each search text, then body, ends in buf
	for i := range events {
		e := &events[i]
		buf = appendSearchText(buf, e)
		ends = append(ends, len(buf))
		buf = appendEventBody(buf, e)
		ends = append(ends, len(buf))
	}
	text := string(buf)
	eventArgs = make([]any, 0, len(events)*logEventsInsert.cols)
	targetArgs = make([]any, 0, nTargets*logEventTargetsInsert.cols)
	start := 0
	for i := range events {
		e := &events[i]
		search, body := text[start:ends[2*i]], text[ends[2*i]:ends[2*i+1]]
		start = ends[2*i+1]
		eventArgs = append(eventArgs, e.UUID, e.Published.UnixMilli(), e.EventType, e.Severity, e.Actor.ID, e.Outcome,
			e.Actor.Type, e.Actor.AlternateID, e.Actor.DisplayName, e.Reason, e.ClientIP, e.RequestID,
			e.DisplayMessage, search, body)
		if withTargets {
			for pos, o := range e.Targets {
				targetArgs = append(targetArgs, e.UUID, pos, o.ID, o.Type, o.AlternateID, o.DisplayName)
			}
		}
	}
	return eventArgs, targetArgs
}

// eventTextSize is about the size of e's search text and body, to size
// their buffer: every string they hold and room for the JSON around them.
func eventTextSize(e *store.Event) int {
	n := 64 + len(e.EventType) + len(e.DisplayMessage) + len(e.Actor.ID) + len(e.Actor.AlternateID) +
		len(e.Actor.DisplayName) + len(e.UserAgent) + len(e.RequestURI)
	for _, o := range e.Targets {
		n += 64 + 2*(len(o.ID)+len(o.AlternateID)+len(o.DisplayName)) + len(o.Type)
	}
	for k, v := range e.Debug {
		n += 8 + len(k) + len(v)
	}
	return n
}

// appendSearchText appends the lower-cased text q keywords are matched
// against: type, message, and the ids and names of actor and targets,
// one a line.
func appendSearchText(b []byte, e *store.Event) []byte {
	b = appendLower(b, e.EventType)
	for _, s := range []string{e.DisplayMessage, e.Actor.ID, e.Actor.AlternateID, e.Actor.DisplayName} {
		b = appendLower(append(b, '\n'), s)
	}
	for _, o := range e.Targets {
		b = appendLower(append(b, '\n'), o.ID)
		b = appendLower(append(b, '\n'), o.AlternateID)
		b = appendLower(append(b, '\n'), o.DisplayName)
	}
	return b
}

// appendLower appends strings.ToLower(s), without allocating for ASCII.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// appendEventBody appends the body column: what of e the other columns do
// not hold (targets, user agent, request URI, debug data), as the JSON of
// a store.Event, so that decoding it over the columns restores e. Empty
// strings and nil lists and maps are left out. Bodies written before
// 00013 hold the whole event, which decodes the same way.
func appendEventBody(b []byte, e *store.Event) []byte {
	b = append(b, '{')
	sep := func(b []byte) []byte {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		return b
	}
	if e.Targets != nil {
		b = append(b, `"Targets":[`...)
		for i, o := range e.Targets {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			for _, f := range [...]struct{ key, value string }{
				{`"ID":`, o.ID}, {`"Type":`, o.Type}, {`"AlternateID":`, o.AlternateID}, {`"DisplayName":`, o.DisplayName},
			} {
				if f.value != "" {
					b = appendJSONString(append(sep(b), f.key...), f.value)
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.UserAgent != "" {
		b = appendJSONString(append(sep(b), `"UserAgent":`...), e.UserAgent)
	}
	if e.RequestURI != "" {
		b = appendJSONString(append(sep(b), `"RequestURI":`...), e.RequestURI)
	}
	if e.Debug != nil {
		b = append(sep(b), `"Debug":{`...)
		keys := make([]string, 0, 8) // on the stack for the usual few
		for k := range e.Debug {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the order encoding/json writes
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(append(appendJSONString(b, k), ':'), e.Debug[k])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		// Anything encoding/json might escape or replace takes its path.
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always encodes
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// ListEvents returns the events q selects, at most q.Limit+1.
func (s *Store) ListEvents(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	var w whereClause
	w.add("published >= ?", q.Since.UnixMilli())
	w.add("published <= ?", q.Until.UnixMilli())
	order, cmp := "ASC", ">"
	if q.Descending {
		order, cmp = "DESC", "<"
	}
	if q.After != nil {
		ms := q.After.Published.UnixMilli()
		w.add("(published "+cmp+" ? OR (published = ? AND uuid "+cmp+" ?))", ms, ms, q.After.UUID)
	}
	for _, kw := range q.Keywords {
		w.add(`search_text LIKE ? ESCAPE '\'`, "%"+escapeEventLike(strings.ToLower(kw))+"%")
	}
	if q.Filter != nil {
		cond, args, err := filterSQL(*q.Filter, s.dialect.EventTargetsInBody)
		if err != nil {
			return nil, err
		}
		w.add(cond, args...)
	}
	query := `SELECT ` + eventColumnsSelected + ` FROM log_events WHERE ` + strings.Join(w.conds, " AND ") +
		` ORDER BY published ` + order + `, uuid ` + order + ` LIMIT ?`
	return queryAll(ctx, s, scanEvent, query, append(w.args, q.Limit+1)...)
}

// eventColumnsSelected are the columns scanEvent reads.
const eventColumnsSelected = `uuid, published, event_type, severity, actor_id, outcome, actor_type, actor_alternate_id,
	actor_display_name, outcome_reason, client_ip, request_id, display_message, body`

// scanEvent reads an event from its columns and then its body, which holds
// the rest (or, written before 00013, the whole event).
func scanEvent(row scanner) (store.Event, error) {
	var e store.Event
	var published int64
	var body string
	if err := row.Scan(&e.UUID, &published, &e.EventType, &e.Severity, &e.Actor.ID, &e.Outcome, &e.Actor.Type,
		&e.Actor.AlternateID, &e.Actor.DisplayName, &e.Reason, &e.ClientIP, &e.RequestID, &e.DisplayMessage, &body); err != nil {
		return e, err
	}
	e.Published = time.UnixMilli(published)
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return e, fmt.Errorf("decode event: %w", err)
	}
	e.Published = e.Published.UTC()
	return e, nil
}

type whereClause struct {
	conds []string
	args  []any
}

func (w *whereClause) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eventColumns maps filter attributes onto log_events columns; target
// attributes onto log_event_targets columns.
var (
	eventColumns = map[string]string{
		"uuid": "uuid", "eventType": "event_type", "severity": "severity", "displayMessage": "display_message",
		"outcome.result": "outcome", "outcome.reason": "outcome_reason",
		"actor.id": "actor_id", "actor.type": "actor_type", "actor.alternateId": "actor_alternate_id",
		"actor.displayName": "actor_display_name", "client.ipAddress": "client_ip",
		"transaction.id": "request_id", "debugContext.debugData.requestId": "request_id",
	}
	targetColumns = map[string]targetColumn{
		"target.id": {"id", "ID"}, "target.type": {"type", "Type"}, "target.alternateId": {"alternate_id", "AlternateID"},
		"target.displayName": {"display_name", "DisplayName"},
	}
)

// targetColumn is where a target attribute is: a log_event_targets column,
// or a key of the body's Targets objects (left out when empty).
type targetColumn struct{ column, key string }

// filterSQL turns a parsed filter into a condition on log_events. Values
// are always bound, never spliced into the SQL. targetsInBody tests target
// attributes on the body's Targets rather than on log_event_targets.
func filterSQL(f store.EventFilter, targetsInBody bool) (string, []any, error) {
	switch f.Logic {
	case "and", "or":
		if len(f.Operands) < 2 {
			return "", nil, fmt.Errorf("filter: %s needs two operands", f.Logic)
		}
		var parts []string
		var args []any
		for _, o := range f.Operands {
			c, a, err := filterSQL(o, targetsInBody)
			if err != nil {
				return "", nil, err
			}
			parts = append(parts, c)
			args = append(args, a...)
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(f.Logic)+" ") + ")", args, nil
	case "not":
		if len(f.Operands) != 1 {
			return "", nil, fmt.Errorf("filter: not needs one operand")
		}
		c, a, err := filterSQL(f.Operands[0], targetsInBody)
		if err != nil {
			return "", nil, err
		}
		return "(NOT " + c + ")", a, nil
	case "":
	default:
		return "", nil, fmt.Errorf("filter: unknown logic %q", f.Logic)
	}
	if col, ok := eventColumns[f.Attr]; ok {
		return comparisonSQL(col, f.Op, f.Value)
	}
	col, ok := targetColumns[f.Attr]
	if !ok {
		return "", nil, fmt.Errorf("filter: unknown attribute %q", f.Attr)
	}
	if targetsInBody {
		// json_each yields one row per target; type 'object' skips the
		// null an old body holds for an event without targets.
		c, args, err := comparisonSQL("COALESCE(tg.value ->> '$."+col.key+"', '')", f.Op, f.Value)
		if err != nil {
			return "", nil, err
		}
		return "EXISTS (SELECT 1 FROM json_each(log_events.body, '$.Targets') tg WHERE tg.type = 'object' AND " + c + ")", args, nil
	}
	c, args, err := comparisonSQL("tg."+col.column, f.Op, f.Value)
	if err != nil {
		return "", nil, err
	}
	return "EXISTS (SELECT 1 FROM log_event_targets tg WHERE tg.event_uuid = log_events.uuid AND " + c + ")", args, nil
}

func comparisonSQL(col, op, value string) (string, []any, error) {
	switch op {
	case "eq":
		return col + " = ?", []any{value}, nil
	case "ne":
		return col + " <> ?", []any{value}, nil
	case "gt":
		return col + " > ?", []any{value}, nil
	case "ge":
		return col + " >= ?", []any{value}, nil
	case "lt":
		return col + " < ?", []any{value}, nil
	case "le":
		return col + " <= ?", []any{value}, nil
	case "pr":
		return col + " <> ''", nil, nil
	case "sw", "co", "ew":
		// Substring operators ignore case, as SCIM's do for
		// case-insensitive attributes.
		p := escapeEventLike(strings.ToLower(value))
		switch op {
		case "sw":
			p += "%"
		case "co":
			p = "%" + p + "%"
		case "ew":
			p = "%" + p
		}
		return "LOWER(" + col + `) LIKE ? ESCAPE '\'`, []any{p}, nil
	}
	return "", nil, fmt.Errorf("filter: unknown operator %q", op)
}

// escapeEventLike makes s match itself literally in a LIKE pattern.
func escapeEventLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
