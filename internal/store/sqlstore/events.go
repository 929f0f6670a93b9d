package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// eventRowsPerInsert bounds one multi-row INSERT, far below both
// backends' limits on bound parameters.
const eventRowsPerInsert = 200

// AppendEvents stores events in one transaction, with one multi-row INSERT
// per eventRowsPerInsert events and another for their targets.
func (s *Store) AppendEvents(ctx context.Context, events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t tx) error {
		for start := 0; start < len(events); start += eventRowsPerInsert {
			if err := s.insertEvents(ctx, t, events[start:min(start+eventRowsPerInsert, len(events))]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) insertEvents(ctx context.Context, t tx, events []store.Event) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO log_events (uuid, published, event_type, severity, actor_id, outcome, body,
		actor_type, actor_alternate_id, actor_display_name, outcome_reason, client_ip, request_id,
		display_message, search_text) VALUES `)
	args := make([]any, 0, len(events)*15)
	var targets []any
	nTargets := 0
	for i, e := range events {
		e.Published = e.Published.Truncate(time.Millisecond) // the published column's precision
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		if i > 0 {
			q.WriteString(",")
		}
		q.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		args = append(args, e.UUID, e.Published.UnixMilli(), e.EventType, e.Severity, e.Actor.ID, e.Outcome, string(body),
			e.Actor.Type, e.Actor.AlternateID, e.Actor.DisplayName, e.Reason, e.ClientIP, e.RequestID,
			e.DisplayMessage, searchText(e))
		for pos, o := range e.Targets {
			targets = append(targets, e.UUID, pos, o.ID, o.Type, o.AlternateID, o.DisplayName)
			nTargets++
		}
	}
	if _, err := t.exec(ctx, q.String(), args...); err != nil {
		return s.translate(err)
	}
	if nTargets == 0 {
		return nil
	}
	tq := `INSERT INTO log_event_targets (event_uuid, position, id, type, alternate_id, display_name) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?),", nTargets), ",")
	if _, err := t.exec(ctx, tq, targets...); err != nil {
		return s.translate(err)
	}
	return nil
}

// searchText is the lower-cased text q keywords are matched against.
func searchText(e store.Event) string {
	parts := []string{e.EventType, e.DisplayMessage, e.Actor.ID, e.Actor.AlternateID, e.Actor.DisplayName}
	for _, o := range e.Targets {
		parts = append(parts, o.ID, o.AlternateID, o.DisplayName)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
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
		cond, args, err := filterSQL(*q.Filter)
		if err != nil {
			return nil, err
		}
		w.add(cond, args...)
	}
	query := `SELECT body FROM log_events WHERE ` + strings.Join(w.conds, " AND ") +
		` ORDER BY published ` + order + `, uuid ` + order + ` LIMIT ?`
	return queryAll(ctx, s, scanEvent, query, append(w.args, q.Limit+1)...)
}

func scanEvent(row scanner) (store.Event, error) {
	var body string
	var e store.Event
	if err := row.Scan(&body); err != nil {
		return e, err
	}
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
	targetColumns = map[string]string{
		"target.id": "id", "target.type": "type", "target.alternateId": "alternate_id", "target.displayName": "display_name",
	}
)

// filterSQL turns a parsed filter into a condition on log_events. Values
// are always bound, never spliced into the SQL.
func filterSQL(f store.EventFilter) (string, []any, error) {
	switch f.Logic {
	case "and", "or":
		if len(f.Operands) < 2 {
			return "", nil, fmt.Errorf("filter: %s needs two operands", f.Logic)
		}
		var parts []string
		var args []any
		for _, o := range f.Operands {
			c, a, err := filterSQL(o)
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
		c, a, err := filterSQL(f.Operands[0])
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
	c, args, err := comparisonSQL("tg."+col, f.Op, f.Value)
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
