package store

import (
	"context"
	"time"
)

// Apps holds OAuth client applications.
type Apps interface {
	CreateApp(ctx context.Context, app App) error
	// GetApp finds an app by its client id.
	GetApp(ctx context.Context, clientID string) (App, error)
	ListApps(ctx context.Context) ([]App, error)
}

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
