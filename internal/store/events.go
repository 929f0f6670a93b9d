package store

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Event is one System Log entry, in the terms of Okta's LogEvent.
type Event struct {
	UUID           string
	Published      time.Time
	EventType      string // e.g. user.session.start, app.oauth2.as.token.grant.access_token
	Severity       string // DEBUG, INFO, WARN, ERROR
	DisplayMessage string
	Actor          EventObject
	Targets        []EventObject
	ClientIP       string
	UserAgent      string
	Outcome        string // SUCCESS, FAILURE, ALLOW, DENY, …
	Reason         string
	RequestID      string
	// RequestURI is the path of the request that caused the event.
	RequestURI string `json:",omitempty"`
	// Debug holds request details Okta puts in debugContext.debugData
	// (grantType, requestedScopes, clientAuthType, …). It is read-only once
	// recorded.
	Debug map[string]string
}

// EventObject is an actor or a target of an event.
type EventObject struct {
	ID          string
	Type        string // User, PublicClientApp, AppInstance, AuthorizationServer, UserGroup, …
	AlternateID string
	DisplayName string
}

// EventRetention is how long the System Log keeps an event, as Okta does.
const EventRetention = 90 * 24 * time.Hour

// Events holds the System Log.
type Events interface {
	// AppendEvents stores events, all or none.
	AppendEvents(ctx context.Context, events []Event) error
	// ListEvents returns the events q selects in published order (then by
	// uuid), at most q.Limit+1 of them so that the caller knows whether
	// another page follows.
	ListEvents(ctx context.Context, q EventQuery) ([]Event, error)
}

// EventQuery selects System Log events.
type EventQuery struct {
	// Since and Until bound published, both inclusive.
	Since, Until time.Time
	// Filter is a parsed filter expression; nil selects every event.
	Filter *EventFilter
	// Keywords must each occur, case-insensitively, in the event's text:
	// its type, display message, and the ids and names of its actor and
	// targets.
	Keywords []string
	Limit    int
	// After continues a listing past the event it names; nil starts it.
	After      *EventCursor
	Descending bool
}

// EventFilter is a parsed SCIM filter over events: either a logical node
// (Logic "and" or "or" over two or more Operands, "not" over one) or a
// comparison (Logic "" with Attr, Op and, except for "pr", Value).
type EventFilter struct {
	Logic    string
	Operands []EventFilter
	Attr     string // one of EventFilterAttributes
	Op       string // eq, ne, co, sw, ew, gt, ge, lt, le, pr
	Value    string
}

// EventFilterAttributes are the LogEvent attributes a filter may name.
var EventFilterAttributes = []string{
	"uuid", "eventType", "severity", "displayMessage",
	"outcome.result", "outcome.reason",
	"actor.id", "actor.type", "actor.alternateId", "actor.displayName",
	"target.id", "target.type", "target.alternateId", "target.displayName",
	"client.ipAddress", "transaction.id", "debugContext.debugData.requestId",
}

// EventCursor is where a listing of events stopped: the last event's
// published instant (millisecond precision) and uuid.
type EventCursor struct {
	Published time.Time
	UUID      string
}

// ErrBadCursor means an after value is not a cursor this server made.
var ErrBadCursor = errors.New("store: malformed event cursor")

// CursorOf is the cursor that continues a listing after e.
func CursorOf(e Event) EventCursor { return EventCursor{Published: e.Published, UUID: e.UUID} }

// String encodes the cursor as an opaque token.
func (c EventCursor) String() string {
	raw := strconv.FormatInt(c.Published.UnixMilli(), 10) + "." + c.UUID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseEventCursor decodes a token made by EventCursor.String.
func ParseEventCursor(s string) (EventCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) > 200 {
		return EventCursor{}, ErrBadCursor
	}
	ms, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || n < 0 || id == "" {
		return EventCursor{}, ErrBadCursor
	}
	return EventCursor{Published: time.UnixMilli(n).UTC(), UUID: id}, nil
}
