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

// NewAppParams is what a caller supplies to register an app, or to
// replace an app's settings (Service.UpdateApp): both go through the same
// validation.
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
	// ResponseTypes defaults to code for apps with the authorization_code
	// grant, and to none otherwise.
	ResponseTypes []string
	// PKCERequired defaults to true for public apps, which must require
	// PKCE, and to false for confidential ones.
	PKCERequired *bool
	// JWKS (a JSON Web Key Set of public keys) or JWKSURI (an https URL
	// serving one): exactly one of them for private_key_jwt, neither
	// otherwise.
	JWKS    string
	JWKSURI string
	// Sealer seals the secret of a client_secret_jwt app, which is kept
	// (encrypted with the master key) besides its hash; required for that
	// method only.
	Sealer SecretSealer
	// ClientID chooses the client id (Okta: 6 to 100 characters); empty
	// generates an Okta-style app id. The app id is the client id.
	ClientID string
	// ClientSecret chooses the secret (14 to 100 printable ASCII
	// characters) of an app that has one; empty generates one of 256 bits.
	ClientSecret string
	// Settings are the descriptive Okta settings; empty ones take defaults.
	Settings store.AppSettings
	// Unassigned leaves the new app without assignments, so that only
	// users assigned later may sign in to it. By default CreateApp assigns
	// the Everyone group: every user may.
	Unassigned bool
}

// NewApp is a registered app and its client secret, which is returned only
// here: only its hash is stored (and, for client_secret_jwt, the secret
// sealed with the master key).
type NewApp struct {
	App          store.App
	ClientSecret string
}

// AppCreator stores a new app: what CreateApp needs of a store.
type AppCreator interface {
	CreateApp(ctx context.Context, app store.App) error
}

// CreateApp validates p, generates a client id and (for apps that
// authenticate with a secret) a secret of at least 256 bits, and stores an
// active app with the secret hashed, assigned to Everyone unless
// p.Unassigned. A client_secret_jwt app gets a 384-bit secret of 64
// characters, enough key for HS512 (RFC 7518 §3.2), also stored sealed; a
// private_key_jwt app has no secret at all. It is the bootstrap path
// (command line, demo, tests); the Management API goes through
// Service.CreateApp.
func CreateApp(ctx context.Context, st AppCreator, p NewAppParams, now time.Time) (NewApp, error) {
	return createApp(ctx, st, p, store.StatusActive, now)
}

func createApp(ctx context.Context, st AppCreator, p NewAppParams, status string, now time.Time) (NewApp, error) {
	app, err := buildApp(p, "", now)
	if err != nil {
		return NewApp{}, err
	}
	app.Status, app.Created, app.LastUpdated = status, now, now
	secret := p.ClientSecret
	switch app.TokenEndpointAuthMethod {
	case AuthMethodNone, AuthMethodPrivateKeyJWT:
	case AuthMethodSecretJWT:
		if secret == "" {
			secret = RandomToken(48)
		}
		app.SecretHash = HashSecret(secret)
		app.SecretSealed = p.Sealer.Seal([]byte(secret), app.ClientID)
	default:
		if secret == "" {
			secret = RandomToken(32)
		}
		app.SecretHash = HashSecret(secret)
	}
	if !p.Unassigned {
		app.GroupIDs = []string{store.EveryoneGroupID}
	}
	if err := st.CreateApp(ctx, app); err != nil {
		return NewApp{}, err
	}
	app.GroupIDs = nil
	if app.SecretHash != "" {
		app.SecretHashes = []string{app.SecretHash}
	}
	return NewApp{App: app, ClientSecret: secret}, nil
}

// buildApp validates p and returns the app it describes, with defaults
// filled in: clientID "" takes p.ClientID or a new id; an update passes
// the app's own. Status, times and secrets are the caller's to set.
func buildApp(p NewAppParams, clientID string, now time.Time) (store.App, error) {
	var v ValidationError
	name := strings.TrimSpace(p.Name)
	if name == "" || len(name) > 100 {
		v.add("name", "must be 1 to 100 characters")
	}
	public := p.Type == AppTypeNative || p.Type == AppTypeBrowser
	if p.PostLogoutRedirectURIs == nil {
		p.PostLogoutRedirectURIs = []string{} // stored and shown as an empty list, never null
	}
	if clientID == "" {
		clientID = p.ClientID
		if clientID == "" {
			clientID = NewID(PrefixApp)
		} else if msg := checkClientID(clientID); msg != "" {
			v.add("client_id", msg)
		}
	}
	app := store.App{
		ClientID: clientID, Name: name, Type: p.Type, LastUpdated: now,
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
	if slices.Contains(app.GrantTypes, GrantAuthorizationCode) && len(p.RedirectURIs) == 0 {
		v.add("redirect_uris", "at least one sign-in redirect URI is required")
	}
	app.ResponseTypes = checkResponseTypes(&v, p.ResponseTypes, app.GrantTypes)
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
	if p.PKCERequired != nil {
		if public && !*p.PKCERequired {
			v.add("pkce_required", "must be true for public clients (token_endpoint_auth_method none)")
		}
		app.PKCERequired = *p.PKCERequired || public
	}
	checkClientSecret(&v, p.ClientSecret, app.TokenEndpointAuthMethod)
	checkClientKeys(&v, &app, p)
	app.Settings = checkSettings(&v, p.Settings, p.Type)
	return app, v.err()
}

// checkResponseTypes validates the response types against the grants and
// returns them with the default filled in. Gatehouse answers /authorize
// with codes only; "token" is accepted for client_credentials apps, which
// never call /authorize, because Okta's tools register them so.
func checkResponseTypes(v *ValidationError, given, grants []string) []string {
	code := slices.Contains(grants, GrantAuthorizationCode)
	if len(given) == 0 {
		if code {
			return []string{"code"}
		}
		return []string{}
	}
	out := []string{}
	for _, rt := range given {
		switch {
		case slices.Contains(out, rt):
		case rt == "code" && code, rt == "token" && !code && slices.Contains(grants, GrantClientCredentials):
			out = append(out, rt)
		case rt == "code":
			v.add("response_types", "code needs the authorization_code grant")
		default:
			v.add("response_types", fmt.Sprintf("%q is not supported: Gatehouse issues authorization codes only (no implicit flow)", rt))
		}
	}
	if code && !slices.Contains(out, "code") {
		v.add("response_types", "must include code for the authorization_code grant")
	}
	return out
}

// checkClientID returns why id cannot be a chosen client id, or "" (Okta:
// 6 to 100 of A-Z a-z 0-9 and $-_.+!*'(), and not ALL_CLIENTS).
func checkClientID(id string) string {
	if len(id) < 6 || len(id) > 100 {
		return "must be 6 to 100 characters"
	}
	if id == "ALL_CLIENTS" {
		return "ALL_CLIENTS is reserved"
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("$-_.+!*'(),", c)) {
			return "may hold only letters, digits and $-_.+!*'(),"
		}
	}
	return ""
}

// checkClientSecret validates a chosen secret: only for methods that use
// one, 14 to 100 printable ASCII characters (Okta's rule), and 32 or more
// for client_secret_jwt, whose secret is an HMAC key (RFC 7518 §3.2).
func checkClientSecret(v *ValidationError, secret, method string) {
	switch {
	case secret == "":
	case method == AuthMethodNone || method == AuthMethodPrivateKeyJWT:
		v.add("client_secret", "this app authenticates with "+method+" and has no client secret")
	case len(secret) < 14 || len(secret) > 100:
		v.add("client_secret", "must be 14 to 100 characters")
	case strings.IndexFunc(secret, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0:
		v.add("client_secret", "must hold only printable ASCII characters, no spaces")
	case method == AuthMethodSecretJWT && len(secret) < 32:
		v.add("client_secret", "a client_secret_jwt secret is an HMAC key: at least 32 characters")
	}
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
