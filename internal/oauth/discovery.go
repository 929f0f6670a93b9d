package oauth

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
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

// discovery renders a document; algs are the algorithms of the server's
// published keys (keys.Set.Algs), the current key's first: tokens may
// carry any of them while a server switches algorithms (previous and next
// keys may differ from the current one). RS256 alone unless the server was
// switched.
func (as *authServer) discovery(oidc bool, algs, scopes []string) wire.Discovery {
	d := wire.Discovery{
		Issuer:                                as.Issuer,
		AuthorizationEndpoint:                 as.Endpoints + "/authorize",
		TokenEndpoint:                         as.Endpoints + "/token",
		JWKSURI:                               as.Endpoints + "/keys",
		ResponseTypesSupported:                []string{"code"},
		ResponseModesSupported:                responseModes,
		GrantTypesSupported:                   []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
		SubjectTypesSupported:                 []string{"public"},
		IDTokenSigningAlgValuesSupported:      algs,
		ScopesSupported:                       scopes,
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

// documents renders both discovery documents once per server, set of
// signing algorithms and set of published scopes.
func (as *authServer) documents(algs, scopes []string) (oidc, oauth []byte) {
	key := strings.Join(algs, " ") + "|" + strings.Join(scopes, " ")
	as.docMu.Lock()
	defer as.docMu.Unlock()
	if as.oidcDoc == nil || as.docAlgs != key {
		as.oidcDoc, _ = json.Marshal(as.discovery(true, algs, scopes))
		as.oauthDoc, _ = json.Marshal(as.discovery(false, algs, scopes))
		as.docAlgs = key
	}
	return as.oidcDoc, as.oauthDoc
}

// publishedScopes are the scopes discovery lists: the OIDC scopes, then
// the custom scopes whose metadataPublish is ALL_CLIENTS.
func (h *Handler) publishedScopes(r *http.Request, as *authServer) ([]string, error) {
	custom, err := h.customScopes(r.Context(), as.ID)
	if err != nil {
		return nil, err
	}
	scopes := domain.StandardScopes
	for _, sc := range custom {
		if sc.MetadataPublish == domain.PublishAllClients {
			scopes = append(slices.Clip(scopes), sc.Name)
		}
	}
	return scopes, nil
}

// serverDocuments renders the server's documents for its current keys.
func (h *Handler) serverDocuments(w http.ResponseWriter, r *http.Request, as *authServer) (oidc, oauth []byte, ok bool) {
	set, err := h.keys.Get(r.Context(), as.ID)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return nil, nil, false
	}
	scopes, err := h.publishedScopes(r, as)
	if err != nil {
		apierr.WriteJSON(w, r, apierr.Internal(err))
		return nil, nil, false
	}
	oidc, oauth = as.documents(set.Algs(), scopes)
	return oidc, oauth, true
}

func (h *Handler) openIDConfiguration(w http.ResponseWriter, r *http.Request, as *authServer) {
	if doc, _, ok := h.serverDocuments(w, r, as); ok {
		writePublicJSON(w, doc, "")
	}
}

func (h *Handler) oauthMetadata(w http.ResponseWriter, r *http.Request, as *authServer) {
	if _, doc, ok := h.serverDocuments(w, r, as); ok {
		writePublicJSON(w, doc, "")
	}
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
