package store

import (
	"context"
	"time"
)

// AuthServers holds the authorization servers (the org server and custom ones).
type AuthServers interface {
	// The access policies of custom servers live with the servers.
	AccessPolicies
	CreateAuthServer(ctx context.Context, as AuthServer) error
	GetAuthServer(ctx context.Context, id string) (AuthServer, error)
	ListAuthServers(ctx context.Context) ([]AuthServer, error)
	// SetAuthServerSigningAlg records the algorithm of the keys the server
	// generates from now on ("" or "RS256", "ES256", "EdDSA"); keys already
	// made keep theirs. An unknown server is ErrNotFound.
	SetAuthServerSigningAlg(ctx context.Context, id, alg string) error
	// UpdateAuthServer replaces the name, description, audience, issuer
	// mode, status and LastUpdated of a server. An unknown id is
	// ErrNotFound; a name another server has is ErrConflict.
	UpdateAuthServer(ctx context.Context, as AuthServer) error
	// DeleteAuthServer deletes a server with its scopes, access policies,
	// rules and signing keys, in one transaction. An unknown id is
	// ErrNotFound.
	DeleteAuthServer(ctx context.Context, id string) error
}

// AuthServer is an authorization server. The org server has ID OrgServerID;
// custom servers have an "aus…" id or "default".
type AuthServer struct {
	ID          string
	Name        string
	Description string
	Audience    string
	Status      string
	// IssuerMode is Okta's issuerMode (ORG_URL, CUSTOM_URL or DYNAMIC);
	// Gatehouse stores it and always issues with its base URL.
	IssuerMode  string
	Created     time.Time
	LastUpdated time.Time
	// SigningAlg is the algorithm of the signing keys the server generates:
	// "ES256" (ECDSA P-256) or "EdDSA" (Ed25519). Empty means RS256, the
	// default and the only algorithm Okta signs with; the store keeps it as
	// "RS256" and reports it as empty. Use Alg for the effective value.
	SigningAlg string
}

// DefaultSigningAlg is the signing algorithm of a server with no other.
const DefaultSigningAlg = "RS256"

// Alg is the server's signing algorithm: SigningAlg, or RS256 when empty.
func (as AuthServer) Alg() string {
	if as.SigningAlg == "" {
		return DefaultSigningAlg
	}
	return as.SigningAlg
}

// OrgServerID is the internal id of the org authorization server, which is
// served at /oauth2/v1 and never by id.
const OrgServerID = "org"

// Scopes holds the custom scopes of authorization servers.
type Scopes interface {
	// CreateScope stores a scope; a name or id the server already has is
	// ErrConflict.
	CreateScope(ctx context.Context, sc Scope) error
	// ListScopes lists a server's scopes ordered by name.
	ListScopes(ctx context.Context, authServerID string) ([]Scope, error)
	// GetScope finds a scope of the server by id.
	GetScope(ctx context.Context, authServerID, id string) (Scope, error)
	// UpdateScope replaces every field of the scope with sc.ID but its
	// server and Created; a name taken by another scope is ErrConflict.
	UpdateScope(ctx context.Context, sc Scope) error
	// DeleteScope deletes a scope; an unknown one is ErrNotFound.
	DeleteScope(ctx context.Context, authServerID, id string) error
}

// Scope is a custom scope defined on an authorization server.
type Scope struct {
	ID              string // scp…
	AuthServerID    string
	Name            string
	DisplayName     string
	Description     string
	Consent         string // IMPLICIT, REQUIRED, FLEXIBLE
	Default         bool
	Optional        bool
	MetadataPublish string // NO_CLIENTS, ALL_CLIENTS
	Created         time.Time
	LastUpdated     time.Time
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

// SigningKey is one private key of an authorization server.
type SigningKey struct {
	KID          string
	AuthServerID string
	Alg          string
	// PrivateKey is the key in PKCS#8 DER form.
	PrivateKey []byte
	Status     string // current, next, previous
	Created    time.Time
}

// Key statuses.
const (
	KeyCurrent  = "current"
	KeyNext     = "next"
	KeyPrevious = "previous"
)
