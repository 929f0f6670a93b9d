// Package eventlog writes the System Log: every sign-in, token grant,
// revocation and administrative change becomes a store.Event in Okta's
// LogEvent terms. Handlers describe what happened; the Log fills in when,
// the event id, and the request's client, actor and id from the context.
// A failure to record is logged and never fails the request it describes.
package eventlog

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Recorder records events. *Log is the real one; tests may use others.
type Recorder interface {
	Record(ctx context.Context, e store.Event)
}

// Flusher is a Recorder that may hold events back: Flush writes every
// event recorded before it was called. *Log is one.
type Flusher interface {
	Flush(ctx context.Context) error
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
