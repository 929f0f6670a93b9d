// Package eventlog writes the System Log: every sign-in, token grant,
// revocation and administrative change becomes a store.Event in Okta's
// LogEvent terms. Handlers describe what happened; the Log fills in when,
// the event id, and the request's client, actor and id from the context.
// A failure to record is logged and never fails the request it describes.
package eventlog

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Recorder records events. *Log is the real one; tests may use others.
type Recorder interface {
	Record(ctx context.Context, e store.Event)
}

// Request is what the System Log knows of the request being served.
type Request struct {
	ID        string
	IP        string
	UserAgent string
	// Actor is who acts: the administrator behind an API token, or the
	// signed-in user. An event that names its own actor keeps it.
	Actor store.EventObject
}

type ctxKey struct{}

// WithRequest returns ctx carrying req.
func WithRequest(ctx context.Context, req Request) context.Context {
	return context.WithValue(ctx, ctxKey{}, req)
}

// RequestFrom returns the request ctx carries (the zero Request if none).
func RequestFrom(ctx context.Context) Request {
	req, _ := ctx.Value(ctxKey{}).(Request)
	return req
}

// WithActor returns ctx with the request's actor set to a.
func WithActor(ctx context.Context, a store.EventObject) context.Context {
	req := RequestFrom(ctx)
	req.Actor = a
	return WithRequest(ctx, req)
}

// Log records events in a store.
type Log struct {
	st  store.Events
	now func() time.Time
}

// New returns a Log writing to st.
func New(st store.Events, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{st: st, now: now}
}

// Record completes e from the context and stores it.
func (l *Log) Record(ctx context.Context, e store.Event) {
	l.complete(ctx, &e)
	if err := l.st.AppendEvents(context.WithoutCancel(ctx), []store.Event{e}); err != nil {
		slog.WarnContext(ctx, "system log write failed", "event_type", e.EventType, "error", err)
	}
}

func (l *Log) complete(ctx context.Context, e *store.Event) {
	req := RequestFrom(ctx)
	if e.UUID == "" {
		e.UUID = uuid.Must(uuid.NewV7()).String()
	}
	if e.Published.IsZero() {
		e.Published = l.now().UTC()
	}
	if e.Actor.ID == "" {
		e.Actor = req.Actor
	}
	if e.ClientIP == "" {
		e.ClientIP = req.IP
	}
	if e.UserAgent == "" {
		e.UserAgent = req.UserAgent
	}
	if e.RequestID == "" {
		e.RequestID = req.ID
	}
	if e.Severity == "" {
		e.Severity = "INFO"
	}
	if e.Outcome == "" {
		e.Outcome = "SUCCESS"
	}
}
