package store

import (
	"context"
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
	// Debug holds request details Okta puts in debugContext.debugData
	// (grantType, requestedScopes, clientAuthType, …).
	Debug map[string]string
}

// EventObject is an actor or a target of an event.
type EventObject struct {
	ID          string
	Type        string // User, PublicClientApp, AppInstance, AuthorizationServer, UserGroup, …
	AlternateID string
	DisplayName string
}

// Events holds the System Log.
type Events interface {
	// AppendEvents stores events, all or none.
	AppendEvents(ctx context.Context, events []Event) error
}
