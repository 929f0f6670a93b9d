package store

import "time"

// Status values shared by apps, users and authorization servers, spelled as
// Okta spells them.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"
)

// AuthServer is an authorization server. The org server has ID OrgServerID;
// custom servers have an "aus…" id or "default".
type AuthServer struct {
	ID          string
	Name        string
	Description string
	Audience    string
	Status      string
	Created     time.Time
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

// App is an OAuth 2.0 client application (Okta: an OIDC app integration).
type App struct {
	ClientID                string
	Name                    string
	Type                    string // web, native, browser, service
	TokenEndpointAuthMethod string // client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, none
	// SecretHash is the hex SHA-256 of the client secret; empty for public
	// clients and private_key_jwt clients, which have no secret.
	SecretHash             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	ResponseTypes          []string
	PKCERequired           bool
	Status                 string
	Created                time.Time
	// SecretSealed is the client secret itself, sealed with the master key
	// (additional data: the client id). Only client_secret_jwt apps have it:
	// verifying their HMAC-signed assertions needs the secret, not a hash.
	SecretSealed []byte
	// JWKS (a JSON Web Key Set of public keys) or JWKSURI (where the client
	// publishes one) holds the keys of a private_key_jwt client; both are
	// empty for other clients.
	JWKS    string
	JWKSURI string
}

// User is a person in the directory.
type User struct {
	ID           string
	Login        string
	Email        string
	FirstName    string
	LastName     string
	DisplayName  string
	MobilePhone  string
	StreetAddr   string
	City         string
	State        string
	ZipCode      string
	CountryCode  string
	Locale       string
	TimeZone     string
	PasswordHash string
	Status       string
	Created      time.Time
	Updated      time.Time
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

// Scope is a custom scope defined on an authorization server.
type Scope struct {
	AuthServerID    string
	Name            string
	Description     string
	Consent         string // IMPLICIT, REQUIRED, FLEXIBLE
	Default         bool
	MetadataPublish string // NO_CLIENTS, ALL_CLIENTS
	Created         time.Time
}
