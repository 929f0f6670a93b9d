package oauth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// authenticateClient identifies and authenticates the client of a token
// request (RFC 6749 §2.3). Each app has one registered method; credentials
// presented another way are refused, as are two sets of credentials at once.
// A client_assertion (private_key_jwt, client_secret_jwt: RFC 7523 §2.2)
// is checked by authenticateAssertion.
func (h *Handler) authenticateClient(r *http.Request, params map[string]string) (store.App, *apierr.Error) {
	var app store.App
	basicID, basicSecret, hasBasic, aerr := basicCredentials(r)
	if aerr != nil {
		return app, aerr
	}
	formID, formSecret := params["client_id"], params["client_secret"]
	_, hasFormSecret := params["client_secret"]
	_, hasAssertion := params["client_assertion"]
	_, hasAssertionType := params["client_assertion_type"]
	if hasAssertion || hasAssertionType {
		if hasBasic || hasFormSecret {
			return app, multipleCredentials()
		}
		return h.authenticateAssertion(r, params)
	}
	if hasBasic && hasFormSecret {
		return app, multipleCredentials()
	}
	method, clientID, secret := domain.AuthMethodNone, formID, ""
	switch {
	case hasBasic:
		if formID != "" && formID != basicID {
			return app, apierr.New(apierr.InvalidRequest, "The 'client_id' parameter does not match the authenticated client.")
		}
		method, clientID, secret = domain.AuthMethodBasic, basicID, basicSecret
	case hasFormSecret:
		method, secret = domain.AuthMethodPost, formSecret
	}
	if clientID == "" {
		return app, apierr.New(apierr.InvalidClient, "No client credentials found.")
	}
	app, aerr = h.activeApp(r, clientID)
	if aerr != nil {
		return app, aerr
	}
	if method != app.TokenEndpointAuthMethod {
		return app, apierr.Newf(apierr.InvalidClient,
			"Client authentication failed: this client authenticates with %s.", app.TokenEndpointAuthMethod)
	}
	// Any ACTIVE secret will do, so that a secret can be rotated without
	// downtime; every one is compared, in constant time.
	if method != domain.AuthMethodNone && !domain.AppSecretMatches(secret, app) {
		// The cached app may predate a secret just added: check the
		// stored one before refusing.
		fresh, err := h.reloadApp(r.Context(), clientID, h.now())
		if err != nil || fresh.Status != store.StatusActive || fresh.TokenEndpointAuthMethod != method ||
			!domain.AppSecretMatches(secret, fresh) {
			return app, apierr.New(apierr.InvalidClient, "The client secret supplied for a confidential client is invalid.")
		}
		app = fresh
	}
	return app, nil
}

// basicCredentials reads an HTTP Basic Authorization header whose user and
// password are form-encoded (RFC 6749 §2.3.1).
func basicCredentials(r *http.Request) (id, secret string, ok bool, err *apierr.Error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "", "", false, nil
	}
	if scheme, _, _ := strings.Cut(header, " "); !strings.EqualFold(scheme, "Basic") {
		return "", "", false, apierr.New(apierr.InvalidClient, "Only Basic authentication is accepted in the Authorization header.")
	}
	rawID, rawSecret, ok := r.BasicAuth()
	if !ok {
		return "", "", false, apierr.New(apierr.InvalidRequest, "The Authorization header is malformed.")
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil || id == "" {
		return "", "", false, apierr.New(apierr.InvalidRequest, "The Authorization header is malformed.")
	}
	return id, secret, true, nil
}

func multipleCredentials() *apierr.Error {
	return apierr.New(apierr.InvalidRequest, "Can't supply multiple client credentials. Use one of the following: "+
		"credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.")
}
