package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Apps holds OAuth client applications, their client secrets and who is
// assigned to them.
type Apps interface {
	// CreateApp stores a new app, its first client secret (SecretHash, when
	// set) and its GroupIDs assignments in one transaction.
	CreateApp(ctx context.Context, app App) error
	// GetApp finds an app by its client id.
	GetApp(ctx context.Context, clientID string) (App, error)
	// ListApps returns every app, oldest first.
	ListApps(ctx context.Context) ([]App, error)
	// SearchApps returns one page of the apps that match f, ordered by
	// client id (Limit+1 rows, so that the caller can tell whether another
	// page follows).
	SearchApps(ctx context.Context, f AppFilter, p Page) ([]App, error)
	// UpdateApp replaces an app's settings: everything but its client id,
	// status, creation time and secrets. When newSecret is not nil, it
	// replaces every secret of the app, in the same transaction. Unknown
	// apps are ErrNotFound.
	UpdateApp(ctx context.Context, app App, newSecret *AppSecret) error
	// SetAppStatus changes an app's status.
	SetAppStatus(ctx context.Context, clientID, status string, now time.Time) error
	// DeleteApp removes an app with its secrets and assignments and ends
	// its grants, in one transaction: its refresh tokens and codes are
	// deleted and the access tokens they issued that are still live at now
	// are recorded as revoked, so that an app made again with the same
	// client id does not revive them.
	DeleteApp(ctx context.Context, clientID string, now time.Time) error
	AppSecrets
	AppAssignments
}

// App is an OAuth 2.0 client application (Okta: an OIDC app integration).
type App struct {
	ClientID                string
	Name                    string // Okta's label
	Type                    string // web, native, browser, service
	TokenEndpointAuthMethod string // client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, none
	// SecretHash is the hex SHA-256 of a client secret. CreateApp stores it
	// as the app's first secret; reads set it to the newest ACTIVE secret's
	// hash, or "" for an app without one (public and private_key_jwt apps).
	SecretHash string
	// SecretHashes holds every ACTIVE secret's hash, newest first, as reads
	// load them: the token endpoint accepts any of them, so that a secret
	// can be rotated without downtime.
	SecretHashes           []string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	ResponseTypes          []string
	PKCERequired           bool
	Status                 string
	Created                time.Time
	LastUpdated            time.Time
	// SecretSealed is the client secret itself, sealed with the master key
	// (additional data: the client id). Only client_secret_jwt apps have it:
	// verifying their HMAC-signed assertions needs the secret, not a hash.
	SecretSealed []byte
	// JWKS (a JSON Web Key Set of public keys) or JWKSURI (where the client
	// publishes one) holds the keys of a private_key_jwt client; both are
	// empty for other clients.
	JWKS    string
	JWKSURI string
	// Settings are the Okta app settings Gatehouse keeps so that they
	// round-trip through the Management API.
	Settings AppSettings
	// GroupIDs are groups CreateApp assigns the new app to in its
	// transaction (the command line and the demo assign Everyone). Reads
	// leave it empty: ListAppGroups lists assignments.
	GroupIDs []string
}

// AppSettings are an app's descriptive Okta settings (settings.oauthClient
// and the app profile). Empty fields take Okta's defaults when shown.
type AppSettings struct {
	ConsentMethod    string `json:"consent_method,omitempty"` // TRUSTED or REQUIRED
	IssuerMode       string `json:"issuer_mode,omitempty"`    // ORG_URL, CUSTOM_URL or DYNAMIC
	ClientURI        string `json:"client_uri,omitempty"`
	LogoURI          string `json:"logo_uri,omitempty"`
	PolicyURI        string `json:"policy_uri,omitempty"`
	TosURI           string `json:"tos_uri,omitempty"`
	InitiateLoginURI string `json:"initiate_login_uri,omitempty"`
	// RefreshRotation (ROTATE or STATIC) and RefreshLeeway (seconds) are
	// Okta's settings.oauthClient.refresh_token.
	RefreshRotation string `json:"refresh_rotation,omitempty"`
	RefreshLeeway   *int   `json:"refresh_leeway,omitempty"`
	// AutoKeyRotation is credentials.oauthClient.autoKeyRotation (nil: true).
	AutoKeyRotation *bool `json:"auto_key_rotation,omitempty"`
	// Profile is the app's free-form profile object.
	Profile json.RawMessage `json:"profile,omitempty"`
}

// AppFilter narrows SearchApps; empty fields match every app.
type AppFilter struct {
	// LabelPrefix matches apps whose label starts with it, ignoring case.
	LabelPrefix string
	Status      string
	// UserID matches apps the user is assigned to, directly or through a
	// group (Everyone included).
	UserID string
	// GroupID matches apps assigned to the group.
	GroupID string
}

// AppSecrets holds apps' client secrets (Okta: OAuth2ClientSecret).
type AppSecrets interface {
	// ListAppSecrets returns an app's secrets, oldest first; an unknown
	// app has none.
	ListAppSecrets(ctx context.Context, clientID string) ([]AppSecret, error)
	GetAppSecret(ctx context.Context, clientID, secretID string) (AppSecret, error)
	// CreateAppSecret adds a secret to an existing app (ErrNotFound
	// otherwise) unless the app already holds max secrets, ACTIVE or not
	// (ErrSecretLimit; max 0 means no limit). The count and the write are
	// one transaction: parallel creations cannot overshoot.
	CreateAppSecret(ctx context.Context, s AppSecret, max int) error
	// SetAppSecretStatus changes a secret's status. Deactivating the app's
	// last ACTIVE secret is ErrLastActiveSecret, decided in the transaction
	// that writes: parallel deactivations leave one ACTIVE secret.
	SetAppSecretStatus(ctx context.Context, clientID, secretID, status string, now time.Time) error
	// DeleteAppSecret deletes an INACTIVE secret; an ACTIVE one is
	// ErrActiveSecret.
	DeleteAppSecret(ctx context.Context, clientID, secretID string) error
}

// Errors of the client secret rules, which the store enforces in the
// transaction that writes.
var (
	// ErrSecretLimit: the app already holds the most secrets allowed.
	ErrSecretLimit = errors.New("store: the app holds the most client secrets allowed")
	// ErrLastActiveSecret: the change would leave the app no ACTIVE secret.
	ErrLastActiveSecret = errors.New("store: the app's last active client secret")
	// ErrActiveSecret: an ACTIVE secret cannot be deleted.
	ErrActiveSecret = errors.New("store: the client secret is active")
)

// AppSecret is one client secret of an app, kept as a hash.
type AppSecret struct {
	ID       string
	ClientID string
	Hash     string // hex SHA-256 of the secret
	// HintKey is a random key, never shown, under which the Management
	// API's secret_hash hint is computed. Writes fill in an empty one.
	HintKey     string
	Status      string // ACTIVE or INACTIVE
	Created     time.Time
	LastUpdated time.Time
}

// AppAssignments records which users and groups may use an app.
type AppAssignments interface {
	// AssignAppUser assigns a user directly, or updates the assignment's
	// user name and profile; an unknown user is ErrNotFound.
	AssignAppUser(ctx context.Context, u AppUser) error
	// GetAppUser finds a user's assignment: the direct one (scope USER) or,
	// failing that, one through a group (scope GROUP).
	GetAppUser(ctx context.Context, clientID, userID string) (AppUser, error)
	// ListAppUsers returns one page of an app's users, direct and through
	// groups, ordered by user id (Limit+1 rows).
	ListAppUsers(ctx context.Context, clientID string, p Page) ([]AppUser, error)
	// UnassignAppUser removes a direct assignment.
	UnassignAppUser(ctx context.Context, clientID, userID string) error
	// AssignAppGroup assigns a group, or updates the assignment's priority
	// and profile; an unknown group is ErrNotFound.
	AssignAppGroup(ctx context.Context, g AppGroup) error
	GetAppGroup(ctx context.Context, clientID, groupID string) (AppGroup, error)
	// ListAppGroups returns one page of an app's group assignments ordered
	// by group id (Limit+1 rows).
	ListAppGroups(ctx context.Context, clientID string, p Page) ([]AppGroup, error)
	UnassignAppGroup(ctx context.Context, clientID, groupID string) error
	// UserAssigned reports whether a user may use an app: assigned
	// directly, or through a group they belong to or Everyone.
	UserAssigned(ctx context.Context, clientID, userID string) (bool, error)
}

// App assignment scopes, as Okta spells them.
const (
	AssignmentScopeUser  = "USER"
	AssignmentScopeGroup = "GROUP"
)

// AppUser is a user's assignment to an app (Okta: AppUser).
type AppUser struct {
	ClientID string
	UserID   string
	Scope    string // USER (direct) or GROUP (through a group)
	// UserName is credentials.userName; reads default it to the login.
	UserName    string
	Profile     json.RawMessage // a JSON object
	Created     time.Time
	LastUpdated time.Time
}

// AppGroup is a group's assignment to an app (Okta: ApplicationGroupAssignment).
type AppGroup struct {
	ClientID    string
	GroupID     string
	Priority    int
	Profile     json.RawMessage // a JSON object
	Created     time.Time
	LastUpdated time.Time
}
