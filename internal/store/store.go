package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends translate driver errors into these so that no
// caller imports a driver.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrConflict    = errors.New("store: conflict")
	ErrAlreadyUsed = errors.New("store: already used")
	// ErrUnavailable means the database cannot be reached or is too busy
	// now; the request may succeed later (HTTP 503).
	ErrUnavailable = errors.New("store: database unavailable")
)

// Store is every capability a backend provides.
type Store interface {
	AuthServers
	Apps
	Users
	Sessions
	Codes
	SigningKeys
	RevokedTokens
	RefreshTokens
	Scopes
	ClientAssertions
	Groups
	APITokens
	Events
	Claims
	Roles
	Brandings
	// Ping reports whether the backend can serve requests (for /readyz).
	Ping(ctx context.Context) error
	// DeleteExpired removes expired codes (kept an hour past expiry for
	// replay detection), sessions, revocation records and used client
	// assertion ids, at most limit rows of each kind per call, and reports
	// how many rows went.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
	Close() error
}

// Status values shared by apps, users and authorization servers, spelled as
// Okta spells them.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"
)
