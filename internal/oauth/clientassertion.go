package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// JWT client authentication: RFC 7523 §2.2 and §3, OIDC Core §9
// (private_key_jwt, client_secret_jwt), with Okta's rules.
const (
	// clientAssertionType is the only client_assertion_type (RFC 7523 §2.2).
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionSkew is the clock difference tolerated on exp, nbf and iat.
	assertionSkew = 60 * time.Second
	// assertionMaxLifetime is how far ahead exp may be (Okta: one hour).
	assertionMaxLifetime = time.Hour
)

// assertionAlgs is every algorithm either method accepts; each method then
// accepts only its own (domain.PrivateKeyJWTAlgs, domain.ClientSecretJWTAlgs).
var assertionAlgs = func() []jose.SignatureAlgorithm {
	var out []jose.SignatureAlgorithm
	for _, a := range clientAssertionAlgs {
		out = append(out, jose.SignatureAlgorithm(a))
	}
	return out
}()

func assertionError(description string) *apierr.Error {
	return apierr.New(apierr.InvalidClient, description)
}

// authenticateAssertion authenticates a client by its client_assertion.
// Every check that fails answers 401 invalid_client with a description of
// what was wrong; a malformed request (wrong assertion type, mismatching
// client_id) answers 400 invalid_request. The jti is recorded last, only
// for an assertion that passed every other check, so that nobody can burn
// a client's jti values with forged assertions.
func (h *Handler) authenticateAssertion(r *http.Request, params map[string]string) (store.App, *apierr.Error) {
	var app store.App
	if params["client_assertion_type"] != clientAssertionType {
		return app, apierr.New(apierr.InvalidRequest, "The client_assertion_type is invalid.")
	}
	raw := params["client_assertion"]
	if raw == "" {
		return app, apierr.New(apierr.InvalidRequest, "The 'client_assertion' parameter is required with client_assertion_type.")
	}
	switch strings.Count(raw, ".") {
	case 2:
	case 4:
		return app, assertionError("The client_assertion must be a signed JWT (JWS), not an encrypted one (JWE).")
	default:
		return app, assertionError("The client_assertion is not a well-formed JWT: it must be three base64url parts separated by dots.")
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil {
		return app, assertionError(unparsableAssertion(raw))
	}
	header := tok.Headers[0]
	alg := header.Algorithm
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return app, assertionError("The client_assertion's claims are not a well-formed JWT claims set.")
	}
	if unverified.Subject == "" || unverified.Issuer != unverified.Subject {
		return app, assertionError("The client_assertion's iss and sub must both be the client id.")
	}
	clientID := unverified.Subject
	if id, ok := params["client_id"]; ok && id != clientID {
		return app, apierr.New(apierr.InvalidRequest, "The 'client_id' parameter does not match the client_assertion's sub.")
	}

	app, aerr := h.activeApp(r, clientID)
	if aerr != nil {
		return app, aerr
	}
	method := app.TokenEndpointAuthMethod
	var allowed []string
	switch method {
	case domain.AuthMethodPrivateKeyJWT:
		allowed = domain.PrivateKeyJWTAlgs
	case domain.AuthMethodSecretJWT:
		allowed = domain.ClientSecretJWTAlgs
	default:
		return app, apierr.Newf(apierr.InvalidClient,
			"Client authentication failed: this client authenticates with %s, not with a client_assertion.", method)
	}
	if !slices.Contains(allowed, alg) {
		return app, apierr.Newf(apierr.InvalidClient, "The client_assertion is signed with %s, which %s does not accept (use one of %s).",
			alg, method, strings.Join(allowed, ", "))
	}

	key, aerr := h.assertionKey(r, app, header)
	if aerr != nil {
		return app, aerr
	}
	var c jwt.Claims
	if err := tok.Claims(key, &c); err != nil {
		return app, assertionError("The client_assertion signature is invalid.")
	}
	if aerr := h.checkAssertionClaims(r, app, c); aerr != nil {
		return app, aerr
	}
	exp := c.Expiry.Time()
	err = h.store.UseClientAssertion(r.Context(), app.ClientID, c.ID, exp.Add(assertionSkew))
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		return app, assertionError("The client_assertion token has already been used.")
	case err != nil:
		return app, apierr.Internal(err)
	}
	return app, nil
}

// unparsableAssertion explains why go-jose refused a three-part token.
func unparsableAssertion(raw string) string {
	head, _, _ := strings.Cut(raw, ".")
	var hdr struct {
		Alg string `json:"alg"`
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil || json.Unmarshal(b, &hdr) != nil {
		return "The client_assertion is not a well-formed JWT: its header does not decode."
	}
	switch {
	case strings.EqualFold(hdr.Alg, "none"):
		return "The client_assertion is not signed (alg none), which is never accepted."
	case hdr.Alg == "":
		return "The client_assertion's header has no alg."
	case !slices.Contains(assertionAlgs, jose.SignatureAlgorithm(hdr.Alg)):
		return "The client_assertion is signed with an algorithm Gatehouse does not accept: " + printableID(trimTo(hdr.Alg, 20)) + "."
	}
	return "The client_assertion is not a well-formed JWT."
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// activeApp loads an active app by client id (through the app cache).
func (h *Handler) activeApp(r *http.Request, clientID string) (store.App, *apierr.Error) {
	app, err := h.app(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && app.Status != store.StatusActive) {
		return app, apierr.New(apierr.InvalidClient, "The client is not valid.")
	}
	if err != nil {
		return app, apierr.Internal(err)
	}
	return app, nil
}

// assertionKey returns the key that must have signed the assertion: the
// client's secret for client_secret_jwt; for private_key_jwt the key of
// the client's set named by kid (which may be left out when the set holds
// one key).
func (h *Handler) assertionKey(r *http.Request, app store.App, header jose.Header) (any, *apierr.Error) {
	if app.TokenEndpointAuthMethod == domain.AuthMethodSecretJWT {
		if h.sealer == nil || len(app.SecretSealed) == 0 {
			return nil, apierr.Internal(errors.New("client_secret_jwt app " + app.ClientID + " has no sealed secret or no sealer is configured"))
		}
		secret, err := h.sealer.Open(app.SecretSealed, app.ClientID)
		if err != nil {
			return nil, apierr.Internal(err)
		}
		return secret, nil
	}
	kid := header.KeyID
	set, err := h.clientKeys.keysFor(r.Context(), app, kid)
	if err != nil {
		if app.JWKSURI != "" {
			return nil, assertionError("The client's key set could not be fetched from its jwks_uri.")
		}
		return nil, apierr.Internal(err) // the registered JWKS was validated when stored
	}
	var key *jose.JSONWebKey
	switch {
	case kid == "" && len(set) == 1:
		key = &set[0]
	case kid == "":
		return nil, assertionError("The client_assertion must name its key (kid): the client has several.")
	default:
		for i := range set {
			if set[i].KeyID == kid {
				key = &set[i]
				break
			}
		}
		if key == nil {
			return nil, assertionError("The client_assertion names the key " + quoted(kid) + ", which is not among the client's keys.")
		}
	}
	if key.Algorithm != "" && key.Algorithm != header.Algorithm {
		return nil, assertionError("The client_assertion is signed with " + header.Algorithm + " but its key is for " + key.Algorithm + ".")
	}
	return key.Key, nil
}

// checkAssertionClaims checks the verified claims (RFC 7523 §3).
func (h *Handler) checkAssertionClaims(r *http.Request, app store.App, c jwt.Claims) *apierr.Error {
	if c.Issuer != app.ClientID || c.Subject != app.ClientID {
		return assertionError("The client_assertion's iss and sub must both be the client id.")
	}
	audiences, aerr := h.assertionAudiences(r)
	if aerr != nil {
		return aerr
	}
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		return assertionError("The client_assertion's aud must be this endpoint's URL (" + audiences[0] + ") or the issuer.")
	}
	now := h.now()
	if c.Expiry == nil {
		return assertionError("The client_assertion must have an exp claim.")
	}
	exp := c.Expiry.Time()
	if !now.Before(exp.Add(assertionSkew)) {
		return assertionError("The client_assertion has expired.")
	}
	if exp.After(now.Add(assertionMaxLifetime + assertionSkew)) {
		return assertionError("The client_assertion's exp is more than one hour in the future.")
	}
	if c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionSkew)) {
		return assertionError("The client_assertion's iat is in the future.")
	}
	if c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionSkew)) {
		return assertionError("The client_assertion is not valid yet (nbf is in the future).")
	}
	if c.ID == "" {
		return assertionError("The client_assertion must have a jti claim: each assertion is used once.")
	}
	return nil
}

// assertionAudiences lists the aud values an assertion sent to this
// request's endpoint may carry, the endpoint's own URL first.
//
// Decision: each endpoint accepts its own URL (what Okta documents:
// "{issuer}/v1/token" at /token, "{issuer}/v1/introspect" at /introspect,
// "{issuer}/v1/revoke" at /revoke; the org server's are
// "{base}/oauth2/v1/…"). /introspect and /revoke also accept the token
// endpoint's URL, because OIDC Core §9 says the audience SHOULD be the token
// endpoint and client libraries build one assertion that way for every
// endpoint. All three accept the authorization server's issuer, which
// RFC 7523 §3 allows ("identifies the authorization server") and
// draft-ietf-oauth-rfc7523bis recommends (it closes audience-injection
// attacks). Nothing of another authorization server is ever accepted, so an
// assertion made for the org server does not work at a custom server, nor
// the reverse.
func (h *Handler) assertionAudiences(r *http.Request) ([]string, *apierr.Error) {
	as, err := h.server(r.Context(), r.PathValue("as"))
	if err != nil {
		return nil, apierr.Internal(err)
	}
	token := as.Endpoints + "/token"
	switch endpoint := path.Base(r.URL.Path); endpoint {
	case "introspect", "revoke":
		return []string{as.Endpoints + "/" + endpoint, token, as.Issuer}, nil
	default:
		return []string{token, as.Issuer}, nil
	}
}

// quoted quotes a client-supplied value for a description, shortened
// and without control characters.
func quoted(s string) string {
	return `"` + printableID(trimTo(s, 64)) + `"`
}
