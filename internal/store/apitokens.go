package store

import (
	"context"
	"time"
)

// APIToken is a Management API token (Okta: an SSWS API token). Only the
// hash of its value is kept; the value is shown once, when it is made.
type APIToken struct {
	ID     string
	Name   string
	UserID string // the administrator it acts for
	Hash   string // hex SHA-256 of the token value
	// Window is how long the token lives without use (Okta's tokenWindow,
	// 30 days by default); ExpiresAt moves forward as it is used.
	Window      time.Duration
	ExpiresAt   time.Time
	LastUsed    time.Time
	Created     time.Time
	LastUpdated time.Time
}

// APITokens holds Management API tokens.
type APITokens interface {
	CreateAPIToken(ctx context.Context, t APIToken) error
	GetAPIToken(ctx context.Context, id string) (APIToken, error)
	// GetAPITokenByHash finds an unexpired token by the hash of its value.
	GetAPITokenByHash(ctx context.Context, hash string, now time.Time) (APIToken, error)
	ListAPITokens(ctx context.Context) ([]APIToken, error)
	// TouchAPIToken records a use: LastUsed = now, ExpiresAt = now + Window.
	TouchAPIToken(ctx context.Context, id string, now time.Time) error
	// DeleteAPIToken revokes a token; an unknown id is ErrNotFound.
	DeleteAPIToken(ctx context.Context, id string) error
}
