package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// System Log search bounds, as Okta documents them.
const (
	LogDefaultWindow = 7 * 24 * time.Hour
	logMaxKeywords   = 10
	logMaxKeywordLen = 40
	maxEventTypeLen  = 200
	logFlushWait     = 2 * time.Second
)

// LogSearch is a System Log search as a reader asks for it: the
// Management API's since, until, filter and q parameters, and the
// console's event type. Empty fields select everything.
type LogSearch struct {
	// Since and Until are ISO 8601 timestamps (or a browser's
	// datetime-local value); without a zone they are UTC. Until defaults
	// to now and Since to LogDefaultWindow before Until.
	Since, Until string
	// Filter is a SCIM filter expression (see ParseLogFilter).
	Filter string
	// EventType selects events whose type starts with it
	// ("user.session" selects user.session.start and user.session.end).
	EventType string
	// Q holds keywords that must each occur in the event's text.
	Q          string
	Descending bool
}

// LogSearchError refuses a System Log search. Field is since, until,
// filter, eventType or q.
type LogSearchError struct {
	Field   string
	Message string
	// Date tells a bad time (Okta: E0000030) from a bad search (E0000031).
	Date bool
}

func (e *LogSearchError) Error() string { return e.Field + ": " + e.Message }

var errLogTime = errors.New("not an ISO 8601 timestamp such as 2026-01-31T12:00:00.000Z")

// ParseLogTime reads an ISO 8601 timestamp; one without a zone is UTC, as
// is a bare date. Seconds may be left out, as a datetime-local input does.
func ParseLogTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errLogTime
}

// LogQuery turns a search into a store query (without its page).
func (s *Service) LogQuery(p LogSearch) (store.EventQuery, error) {
	q := store.EventQuery{Until: s.now(), Descending: p.Descending}
	if p.Until != "" {
		t, err := ParseLogTime(p.Until)
		if err != nil {
			return q, &LogSearchError{Field: "until", Message: err.Error(), Date: true}
		}
		q.Until = t
	}
	q.Since = q.Until.Add(-LogDefaultWindow)
	if p.Since != "" {
		t, err := ParseLogTime(p.Since)
		if err != nil {
			return q, &LogSearchError{Field: "since", Message: err.Error(), Date: true}
		}
		q.Since = t
	}
	if q.Since.After(q.Until) {
		return q, &LogSearchError{Field: "since", Message: "must not be after until", Date: true}
	}
	if p.Filter != "" {
		f, err := ParseLogFilter(p.Filter)
		if err != nil {
			return q, &LogSearchError{Field: "filter", Message: err.Error()}
		}
		q.Filter = f
	}
	if t := strings.TrimSpace(p.EventType); t != "" {
		if len(t) > maxEventTypeLen {
			return q, &LogSearchError{Field: "eventType", Message: fmt.Sprintf("must be at most %d characters", maxEventTypeLen)}
		}
		byType := store.EventFilter{Attr: "eventType", Op: "sw", Value: t}
		if q.Filter == nil {
			q.Filter = &byType
		} else {
			q.Filter = &store.EventFilter{Logic: "and", Operands: []store.EventFilter{byType, *q.Filter}}
		}
	}
	q.Keywords = strings.Fields(p.Q)
	if len(q.Keywords) > logMaxKeywords {
		return q, &LogSearchError{Field: "q", Message: fmt.Sprintf("at most %d keywords", logMaxKeywords)}
	}
	for _, k := range q.Keywords {
		if len([]rune(k)) > logMaxKeywordLen {
			return q, &LogSearchError{Field: "q", Message: fmt.Sprintf("a keyword is longer than %d characters", logMaxKeywordLen)}
		}
	}
	return q, nil
}

// SystemLog returns the events q selects (at most q.Limit+1, as
// store.Events does). It first writes what this replica still holds, so
// that a reader sees the events of what was just done.
func (s *Service) SystemLog(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	if f, ok := s.Events.(eventlog.Flusher); ok {
		fctx, cancel := context.WithTimeout(ctx, logFlushWait)
		if err := f.Flush(fctx); err != nil {
			slog.WarnContext(ctx, "system log flush before read did not finish", "error", err)
		}
		cancel()
	}
	return s.Store.ListEvents(ctx, q)
}
