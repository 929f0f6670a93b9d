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
	// Ping reports whether the backend can serve requests (for /readyz).
	Ping(ctx context.Context) error
	// DeleteExpired removes expired codes (kept an hour past expiry for
	// replay detection), sessions, revocation records and used client
	// assertion ids, at most limit rows of each kind per call, and reports
	// how many rows went.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
	Close() error
}

// AuthServers holds the authorization servers (the org server and custom ones).
type AuthServers interface {
	CreateAuthServer(ctx context.Context, as AuthServer) error
	GetAuthServer(ctx context.Context, id string) (AuthServer, error)
	ListAuthServers(ctx context.Context) ([]AuthServer, error)
	// SetAuthServerSigningAlg records the algorithm of the keys the server
	// generates from now on ("" or "RS256", "ES256", "EdDSA"); keys already
	// made keep theirs. An unknown server is ErrNotFound.
	SetAuthServerSigningAlg(ctx context.Context, id, alg string) error
}

// Apps holds OAuth client applications.
type Apps interface {
	CreateApp(ctx context.Context, app App) error
	// GetApp finds an app by its client id.
	GetApp(ctx context.Context, clientID string) (App, error)
	ListApps(ctx context.Context) ([]App, error)
}

// Users holds the directory.
type Users interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByLogin matches the login case-insensitively.
	GetUserByLogin(ctx context.Context, login string) (User, error)
}

// Sessions holds browser sign-in sessions, keyed by the hash of the cookie value.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the unexpired session with this id hash, with its
	// user, in one round trip.
	GetSession(ctx context.Context, idHash string, now time.Time) (Session, User, error)
	DeleteSession(ctx context.Context, idHash string) error
}

// Codes holds authorization codes, keyed by the hash of the code value.
type Codes interface {
	CreateCode(ctx context.Context, c Code) error
	// RedeemCode marks the code used and returns it with its user, atomically.
	// Exactly one caller of any number racing on one code succeeds. Later
	// callers get ErrAlreadyUsed together with the code record (so that the
	// caller can revoke what the first redemption issued); an unknown or
	// expired code gets ErrNotFound.
	RedeemCode(ctx context.Context, hash string, now time.Time) (Code, User, error)
}

// SigningKeys holds the JSON Web Keys that sign tokens, per authorization server.
type SigningKeys interface {
	// CreateSigningKey stores a key; a second "current" or "next" key for
	// the same server is ErrConflict, so replicas starting together create
	// exactly one of each.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	ListSigningKeys(ctx context.Context, authServerID string) ([]SigningKey, error)
	// RotateSigningKeys moves the server's keys one step, atomically: the
	// previous key is dropped, current becomes previous, next becomes
	// current and newNext is stored as next. When notAfter is not zero the
	// rotation happens only if the current key was created before it, so
	// that replicas rotating on a timer rotate once; rotated reports
	// whether this call did it.
	RotateSigningKeys(ctx context.Context, authServerID string, newNext SigningKey, notAfter time.Time) (rotated bool, err error)
}

// RefreshTokens holds refresh tokens, keyed by the hash of their value.
type RefreshTokens interface {
	// CreateRefreshToken stores a token; it is ErrAlreadyUsed when its
	// family was revoked already (a code replay that raced the exchange).
	CreateRefreshToken(ctx context.Context, rt RefreshToken) error
	// GetRefreshToken returns the token whatever its state.
	GetRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken retires the live token with this hash, issued to
	// clientID by authServerID, and stores next in its family, atomically,
	// returning the retired token and its user. next inherits the grant
	// (family, server, client, user, scopes, amr, auth_time, absolute end)
	// from the retired token; the caller supplies its hash, access token
	// and times. A token retired less than grace ago may be rotated again
	// (retries of a lost answer); the successor its first use made is then
	// revoked, so a family has one live token. Unknown, expired or foreign
	// tokens, and tokens of an ended family, get ErrNotFound. A token
	// retired longer ago, or revoked by such a retry while its family lives
	// on, is a replay: the call revokes its whole family (and the access
	// tokens issued with it) and returns ErrAlreadyUsed.
	RotateRefreshToken(ctx context.Context, hash, clientID, authServerID string, next RefreshToken, now time.Time, grace time.Duration) (RefreshToken, User, error)
	// RevokeRefreshFamily revokes every token of the family and records the
	// access tokens issued with them as revoked.
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error
}

// Scopes holds the custom scopes of authorization servers.
type Scopes interface {
	CreateScope(ctx context.Context, sc Scope) error
	ListScopes(ctx context.Context, authServerID string) ([]Scope, error)
}

// RevokedTokens records revoked self-contained tokens (JWT access tokens) by
// jti until they would have expired anyway.
type RevokedTokens interface {
	RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error
	IsTokenRevoked(ctx context.Context, jti string) (bool, error)
}

// ClientAssertions remembers the jti of every client assertion (RFC 7523
// §3, private_key_jwt and client_secret_jwt) until the assertion expires,
// so that each is used once.
type ClientAssertions interface {
	// UseClientAssertion records that clientID used the assertion with this
	// jti, valid until expiresAt. Exactly one caller of any number racing on
	// one (clientID, jti) succeeds; the others, and any later caller while
	// the record is kept, get ErrAlreadyUsed. Records are kept until
	// DeleteExpired finds them past expiresAt.
	UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt time.Time) error
}
