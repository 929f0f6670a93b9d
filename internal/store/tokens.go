package store

import (
	"context"
	"time"
)

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

// The prefixes of the jti claims Gatehouse mints. A revocation record
// names an access token by its whole jti, prefix included.
const (
	AccessTokenPrefix = "AT."
	IDTokenPrefix     = "ID."
)

// RevokedTokens records revoked self-contained tokens (JWT access tokens) by
// jti until they would have expired anyway.
type RevokedTokens interface {
	RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error
	// RevokedAmong returns which of jtis are revoked, in one query.
	RevokedAmong(ctx context.Context, jtis []string) (map[string]bool, error)
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

// Session is a browser sign-in session.
type Session struct {
	IDHash    string
	UserID    string
	AuthTime  time.Time
	AMR       []string
	Created   time.Time
	ExpiresAt time.Time
}

// Code is an authorization code and everything it was bound to at /authorize.
type Code struct {
	Hash                string
	AuthServerID        string
	ClientID            string
	UserID              string
	SessionIDHash       string
	RedirectURI         string
	Scopes              []string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	AuthTime            time.Time
	AMR                 []string
	// AccessTokenJTI is chosen when the code is made, so that a replayed code
	// can revoke the access token its first redemption issued without a
	// second write on the token path.
	AccessTokenJTI string
	ExpiresAt      time.Time
	Created        time.Time
}

// RefreshToken is one refresh token of a grant. Every use rotates it: the
// presented token is retired (RotatedAt) and a new one of the same family
// takes its place. A retired token presented again after the grace period
// is taken as stolen and ends the whole family.
type RefreshToken struct {
	Hash         string
	FamilyID     string // the grant: the code's hash for authorization_code grants
	AuthServerID string
	ClientID     string
	UserID       string
	Scopes       []string
	AMR          []string
	AuthTime     time.Time
	// AccessTokenJTI and AccessTokenExpiresAt name the access token issued
	// with this refresh token, so that ending the family revokes it too.
	AccessTokenJTI       string
	AccessTokenExpiresAt time.Time
	Created              time.Time
	ExpiresAt            time.Time // absolute end; zero means none
	IdleExpiresAt        time.Time // ends unless rotated before
	RotatedAt            time.Time // zero while it is the family's live token
	RevokedAt            time.Time // zero unless revoked
}
