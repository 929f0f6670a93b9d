package domain

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// App types, as Okta's application_type / Admin Console names them.
const (
	AppTypeWeb     = "web"     // server-side web app: confidential
	AppTypeNative  = "native"  // mobile or desktop app: public, PKCE
	AppTypeBrowser = "browser" // single-page app: public, PKCE
	AppTypeService = "service" // machine to machine: confidential, no user
)

// Client authentication methods (RFC 7591 §2 names).
const (
	AuthMethodBasic = "client_secret_basic"
	AuthMethodPost  = "client_secret_post"
	AuthMethodNone  = "none"
)

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// grantsByType lists, per app type, the grants it may have; the first
// entries (all but client_credentials for web apps) are its defaults.
var grantsByType = map[string]struct{ allowed, defaults []string }{
	AppTypeWeb:     {[]string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}, []string{GrantAuthorizationCode, GrantRefreshToken}},
	AppTypeNative:  {[]string{GrantAuthorizationCode, GrantRefreshToken}, []string{GrantAuthorizationCode, GrantRefreshToken}},
	AppTypeBrowser: {[]string{GrantAuthorizationCode, GrantRefreshToken}, []string{GrantAuthorizationCode, GrantRefreshToken}},
	AppTypeService: {[]string{GrantClientCredentials}, []string{GrantClientCredentials}},
}

// NewAppParams is what a caller supplies to register an app.
type NewAppParams struct {
	Name                   string
	Type                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// AuthMethod defaults by type: client_secret_basic for confidential
	// apps, none for public ones.
	AuthMethod string
	// GrantTypes defaults by type: authorization_code and refresh_token for
	// apps with users, client_credentials for service apps.
	GrantTypes []string
	// JWKS (a JSON Web Key Set of public keys) or JWKSURI (an https URL
	// serving one): exactly one of them for private_key_jwt, neither
	// otherwise.
	JWKS    string
	JWKSURI string
	// Sealer seals the secret of a client_secret_jwt app, which is kept
	// (encrypted with the master key) besides its hash; required for that
	// method only.
	Sealer SecretSealer
}

// NewApp is a registered app and its client secret, which is returned only
// here: only its hash is stored (and, for client_secret_jwt, the secret
// sealed with the master key).
type NewApp struct {
	App          store.App
	ClientSecret string
}

// CreateApp validates p, generates a client id and (for apps that
// authenticate with a secret) a secret of at least 256 bits, and stores the
// app with the secret hashed. A client_secret_jwt app gets a 384-bit secret
// of 64 characters, enough key for HS512 (RFC 7518 §3.2), also stored
// sealed; a private_key_jwt app has no secret at all.
func CreateApp(ctx context.Context, st store.Apps, p NewAppParams, now time.Time) (NewApp, error) {
	app, err := buildApp(p, now)
	if err != nil {
		return NewApp{}, err
	}
	var secret string
	switch app.TokenEndpointAuthMethod {
	case AuthMethodNone, AuthMethodPrivateKeyJWT:
	case AuthMethodSecretJWT:
		secret = RandomToken(48)
		app.SecretHash = HashSecret(secret)
		app.SecretSealed = p.Sealer.Seal([]byte(secret), app.ClientID)
	default:
		secret = RandomToken(32)
		app.SecretHash = HashSecret(secret)
	}
	if err := st.CreateApp(ctx, app); err != nil {
		return NewApp{}, err
	}
	return NewApp{App: app, ClientSecret: secret}, nil
}

func buildApp(p NewAppParams, now time.Time) (store.App, error) {
	var v ValidationError
	name := strings.TrimSpace(p.Name)
	if name == "" || len(name) > 100 {
		v.add("name", "must be 1 to 100 characters")
	}
	public := p.Type == AppTypeNative || p.Type == AppTypeBrowser
	if p.PostLogoutRedirectURIs == nil {
		p.PostLogoutRedirectURIs = []string{} // stored and shown as an empty list, never null
	}
	app := store.App{
		ClientID: NewID(PrefixApp), Name: name, Type: p.Type, Status: store.StatusActive, Created: now,
		RedirectURIs: p.RedirectURIs, PostLogoutRedirectURIs: p.PostLogoutRedirectURIs,
		PKCERequired: public, TokenEndpointAuthMethod: p.AuthMethod,
	}
	grants, known := grantsByType[p.Type]
	if !known {
		v.add("type", "must be one of web, native, browser, service")
	}
	app.GrantTypes = grants.defaults
	if len(p.GrantTypes) > 0 {
		app.GrantTypes = nil
		for _, g := range p.GrantTypes {
			switch {
			case !slices.Contains(grants.allowed, g):
				v.add("grant_types", fmt.Sprintf("%q is not allowed for %s apps (allowed: %s)", g, p.Type, strings.Join(grants.allowed, ", ")))
			case !slices.Contains(app.GrantTypes, g):
				app.GrantTypes = append(app.GrantTypes, g)
			}
		}
	}
	app.ResponseTypes = []string{}
	if slices.Contains(app.GrantTypes, GrantAuthorizationCode) {
		app.ResponseTypes = []string{"code"}
		if len(p.RedirectURIs) == 0 {
			v.add("redirect_uris", "at least one sign-in redirect URI is required")
		}
	}
	if slices.Contains(app.GrantTypes, GrantRefreshToken) && !slices.Contains(app.GrantTypes, GrantAuthorizationCode) {
		v.add("grant_types", "refresh_token needs authorization_code")
	}
	if app.RedirectURIs == nil {
		app.RedirectURIs = []string{}
	}
	for _, u := range p.RedirectURIs {
		if msg := checkRedirectURI(u, p.Type); msg != "" {
			v.add("redirect_uris", msg)
		}
	}
	for _, u := range p.PostLogoutRedirectURIs {
		if msg := checkRedirectURI(u, p.Type); msg != "" {
			v.add("post_logout_redirect_uris", msg)
		}
	}
	if app.TokenEndpointAuthMethod == "" {
		app.TokenEndpointAuthMethod = AuthMethodBasic
		if public {
			app.TokenEndpointAuthMethod = AuthMethodNone
		}
	}
	switch m := app.TokenEndpointAuthMethod; {
	case public && m != AuthMethodNone:
		v.add("token_endpoint_auth_method", "native and browser apps are public clients: use none")
	case !public && !slices.Contains([]string{AuthMethodBasic, AuthMethodPost, AuthMethodSecretJWT, AuthMethodPrivateKeyJWT}, m):
		v.add("token_endpoint_auth_method", "must be client_secret_basic, client_secret_post, client_secret_jwt or private_key_jwt")
	case m == AuthMethodSecretJWT && p.Sealer == nil:
		v.add("token_endpoint_auth_method", "client_secret_jwt needs the master key: the secret is stored sealed with it")
	}
	checkClientKeys(&v, &app, p)
	return app, v.err()
}

// checkRedirectURI returns why raw cannot be a redirect URI, or "".
// RFC 6749 §3.1.2: absolute, no fragment. Web apps need http(s); native apps
// may use a private-use scheme (RFC 8252 §7.1).
func checkRedirectURI(raw, appType string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "":
		return "must be an absolute URI: " + raw
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment: " + raw
	case len(raw) > 1024:
		return "must be at most 1024 characters"
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			return "must name a host: " + raw
		}
	case u.Scheme == "javascript" || u.Scheme == "data" || u.Scheme == "vbscript" || u.Scheme == "file":
		// Never a private-use scheme: a form_post page would run or load it.
		return "must not use the " + u.Scheme + " scheme: " + raw
	case appType != AppTypeNative:
		return "must use http or https: " + raw
	}
	return ""
}

// checkClientKeys validates the key set of a private_key_jwt app (exactly
// one of jwks and jwks_uri) and refuses keys for other methods.
func checkClientKeys(v *ValidationError, app *store.App, p NewAppParams) {
	jwks, uri := strings.TrimSpace(p.JWKS), strings.TrimSpace(p.JWKSURI)
	if app.TokenEndpointAuthMethod != AuthMethodPrivateKeyJWT {
		if jwks != "" {
			v.add("jwks", "is only for private_key_jwt apps")
		}
		if uri != "" {
			v.add("jwks_uri", "is only for private_key_jwt apps")
		}
		return
	}
	switch {
	case jwks == "" && uri == "":
		v.add("token_endpoint_auth_method", "private_key_jwt needs the client's public keys: a jwks or a jwks_uri")
	case jwks != "" && uri != "":
		v.add("jwks", "give either jwks or jwks_uri, not both")
	case jwks != "":
		if _, err := ParseClientJWKS([]byte(jwks)); err != nil {
			v.add("jwks", err.Error())
		}
	default:
		if msg := checkJWKSURI(uri); msg != "" {
			v.add("jwks_uri", msg)
		}
	}
	app.JWKS, app.JWKSURI = jwks, uri
}
