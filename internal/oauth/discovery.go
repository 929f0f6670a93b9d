package oauth

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Claims the OIDC document lists (Okta's set, less what Gatehouse does not issue).
var oidcClaims = []string{"iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce",
	"name", "given_name", "family_name", "preferred_username", "email", "email_verified", "locale", "zoneinfo",
	"address", "phone_number", "updated_at", "at_hash"}

// Client authentication methods, in Okta's order, and the algorithms
// accepted in client assertions (private_key_jwt, client_secret_jwt).
var (
	clientAuthMethods = []string{domain.AuthMethodBasic, domain.AuthMethodPost, domain.AuthMethodSecretJWT,
		domain.AuthMethodPrivateKeyJWT, domain.AuthMethodNone}
	clientAssertionAlgs = slices.Concat(domain.PrivateKeyJWTAlgs, domain.ClientSecretJWTAlgs)
)

// Claims of the access token, listed by the RFC 8414 document as Okta does.
var accessTokenClaims = []string{"ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub"}

func (as *authServer) discovery(oidc bool) wire.Discovery {
	d := wire.Discovery{
		Issuer:                                as.Issuer,
		AuthorizationEndpoint:                 as.Endpoints + "/authorize",
		TokenEndpoint:                         as.Endpoints + "/token",
		JWKSURI:                               as.Endpoints + "/keys",
		ResponseTypesSupported:                []string{"code"},
		ResponseModesSupported:                responseModes,
		GrantTypesSupported:                   []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
		SubjectTypesSupported:                 []string{"public"},
		IDTokenSigningAlgValuesSupported:      []string{"RS256"},
		ScopesSupported:                       domain.StandardScopes,
		TokenEndpointAuthMethodsSupported:     clientAuthMethods,
		ClaimsSupported:                       oidcClaims,
		CodeChallengeMethodsSupported:         []string{"S256"},
		AuthorizationResponseIssParameterSupp: true,
	}
	d.IntrospectionEndpoint, d.RevocationEndpoint = as.Endpoints+"/introspect", as.Endpoints+"/revoke"
	d.EndSessionEndpoint = as.Endpoints + "/logout"
	d.IntrospectionEndpointAuthMethodsSupported = d.TokenEndpointAuthMethodsSupported
	d.RevocationEndpointAuthMethodsSupported = d.TokenEndpointAuthMethodsSupported
	d.TokenEndpointAuthSigningAlgValuesSupported = clientAssertionAlgs
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = d.TokenEndpointAuthSigningAlgValuesSupported
	d.RevocationEndpointAuthSigningAlgValuesSupported = d.TokenEndpointAuthSigningAlgValuesSupported
	if as.ID != store.OrgServerID {
		// Client credentials needs custom scopes, which only custom servers have.
		d.GrantTypesSupported = append(d.GrantTypesSupported, domain.GrantClientCredentials)
	}
	if oidc {
		d.UserinfoEndpoint = as.Endpoints + "/userinfo"
	} else {
		d.ClaimsSupported = accessTokenClaims
	}
	return d
}

// documents renders both discovery documents once per server.
func (as *authServer) documents() (oidc, oauth []byte) {
	as.discoveryOnce.Do(func() {
		as.oidcDoc, _ = json.Marshal(as.discovery(true))
		as.oauthDoc, _ = json.Marshal(as.discovery(false))
	})
	return as.oidcDoc, as.oauthDoc
}

func (h *Handler) openIDConfiguration(w http.ResponseWriter, r *http.Request, as *authServer) {
	doc, _ := as.documents()
	writePublicJSON(w, doc, "")
}

func (h *Handler) oauthMetadata(w http.ResponseWriter, r *http.Request, as *authServer) {
	_, doc := as.documents()
	writePublicJSON(w, doc, "")
}

// writePublicJSON writes a cacheable JSON document.
func writePublicJSON(w http.ResponseWriter, body []byte, etag string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600, must-revalidate")
	if etag != "" {
		h.Set("ETag", etag)
	}
	w.Write(body)
}
