package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// authorizeRequest is a validated authorization request (RFC 6749 §4.1.1,
// OIDC Core §3.1.2.1, RFC 7636 §4.3).
type authorizeRequest struct {
	raw                 map[string]string
	app                 store.App
	redirectURI         string
	responseMode        string
	state               string
	scopes              []string
	nonce               string
	codeChallenge       string
	codeChallengeMethod string
	prompt              string
	maxAge              int // -1 when absent
	loginHint           string
}

// redirectTarget is where an authorization response goes; it exists once
// the client and redirect URI are trusted.
type redirectTarget struct {
	redirectURI  string
	responseMode string
	state        string
}

// parseAuthorize validates params. Errors about the client or redirect URI
// carry NoRedirect and come with a nil target; any other error comes with the
// target it must be sent to.
func (h *Handler) parseAuthorize(r *http.Request, as *authServer, params map[string]string) (*authorizeRequest, *redirectTarget, *apierr.Error) {
	clientID := params["client_id"]
	if clientID == "" {
		return nil, nil, apierr.New(apierr.InvalidRequest, "The 'client_id' parameter is required.").WithNoRedirect()
	}
	app, err := h.app(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && app.Status != store.StatusActive) {
		return nil, nil, apierr.New(apierr.InvalidClient, "Invalid value for 'client_id' parameter.").WithNoRedirect()
	}
	if err != nil {
		return nil, nil, apierr.Internal(err).WithNoRedirect()
	}
	redirectURI := params["redirect_uri"]
	if redirectURI == "" {
		return nil, nil, apierr.New(apierr.InvalidRequest, "The 'redirect_uri' parameter is required.").WithNoRedirect()
	}
	// RFC 9700 §4.1.1: exact string comparison, no normalisation.
	if !slices.Contains(app.RedirectURIs, redirectURI) {
		return nil, nil, apierr.New(apierr.InvalidRequest,
			"The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.").WithNoRedirect()
	}

	req := &authorizeRequest{raw: params, app: app, redirectURI: redirectURI, state: params["state"], maxAge: -1}
	target := &redirectTarget{redirectURI: redirectURI, responseMode: modeQuery, state: req.state}
	fail := func(k apierr.Kind, desc string) (*authorizeRequest, *redirectTarget, *apierr.Error) {
		return nil, target, apierr.New(k, desc)
	}

	// OIDC Core §6: an OP that does not take request objects says so.
	if _, ok := params["request"]; ok {
		return fail(apierr.RequestNotSupported, "")
	}
	if _, ok := params["request_uri"]; ok {
		return fail(apierr.RequestURINotSupported, "")
	}
	switch mode := params["response_mode"]; {
	case mode == "":
	case mode == modeOktaPostMessage && !strings.HasPrefix(redirectURI, "http"):
		return fail(apierr.UnsupportedResponseMode, "The okta_post_message response mode needs an http or https redirect URI.")
	case slices.Contains(responseModes, mode):
		target.responseMode = mode
	default:
		return fail(apierr.UnsupportedResponseMode,
			"The response mode isn't supported by the authorization server. Valid response modes: [query, fragment, form_post, okta_post_message].")
	}
	req.responseMode = target.responseMode

	switch rt := params["response_type"]; {
	case rt == "":
		return fail(apierr.InvalidRequest, "The 'response_type' parameter is required.")
	case rt != "code":
		return fail(apierr.UnsupportedResponseType, "The response type is not supported by the authorization server. Configured response types: [code].")
	case !slices.Contains(app.ResponseTypes, "code") || !slices.Contains(app.GrantTypes, domain.GrantAuthorizationCode):
		return fail(apierr.UnauthorizedClient, "The client is not authorized to use the provided response type.")
	}
	if req.state == "" {
		return fail(apierr.InvalidRequest, "The 'state' parameter is required.")
	}

	scope := params["scope"]
	if strings.TrimSpace(scope) == "" {
		return fail(apierr.InvalidScope, "The authorization server resource does not have any configured default scopes, 'scope' must be provided.")
	}
	custom, err := h.customScopes(r.Context(), as.ID)
	if err != nil {
		return nil, target, apierr.Internal(err)
	}
	if req.scopes, err = domain.UserGrantScopes(domain.UniqueFields(scope), custom); err != nil {
		return nil, target, refusal(err)
	}

	req.nonce = params["nonce"]
	if len(req.nonce) > 512 {
		return fail(apierr.InvalidRequest, "The 'nonce' parameter is too long.")
	}

	req.codeChallenge, req.codeChallengeMethod = params["code_challenge"], params["code_challenge_method"]
	switch {
	case req.codeChallenge == "" && req.codeChallengeMethod != "":
		return fail(apierr.InvalidRequest, "The 'code_challenge' parameter is required when 'code_challenge_method' is given.")
	case req.codeChallenge == "" && (app.PKCERequired || app.TokenEndpointAuthMethod == domain.AuthMethodNone):
		return fail(apierr.InvalidRequest, "PKCE code challenge is required when the token endpoint authentication method is 'NONE'.")
	case req.codeChallenge != "" && req.codeChallengeMethod != "S256":
		return fail(apierr.InvalidRequest, "The 'code_challenge_method' parameter must be 'S256'.")
	case req.codeChallenge != "" && !isPKCEValue(req.codeChallenge, 43, 43):
		return fail(apierr.InvalidRequest, "The 'code_challenge' parameter must be the base64url SHA-256 of the code verifier (43 characters).")
	}

	// OIDC Core §3.1.2.1 prompt: none alone, or login and/or consent.
	// Gatehouse's apps are trusted (Okta's consent_method TRUSTED) and its
	// scopes need no consent, so consent asks for nothing more.
	prompts := domain.UniqueFields(params["prompt"])
	for _, p := range prompts {
		switch {
		case p == "none" && len(prompts) > 1:
			return fail(apierr.InvalidRequest, "The 'prompt' value 'none' cannot be combined with other values.")
		case p == "none" || p == "login":
			req.prompt = p
		case p == "consent":
		default:
			return fail(apierr.InvalidRequest, "The 'prompt' parameter must be none, login, consent, or login consent.")
		}
	}
	if v, ok := params["max_age"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(apierr.InvalidRequest, "The 'max_age' parameter must be a non-negative integer.")
		}
		req.maxAge = n
	}
	req.loginHint = params["login_hint"]
	if len(req.loginHint) > 256 {
		return fail(apierr.InvalidRequest, "The 'login_hint' parameter is too long.")
	}
	return req, target, nil
}

// isPKCEValue checks RFC 7636 §4.1 unreserved characters and length.
func isPKCEValue(v string, minLen, maxLen int) bool {
	if len(v) < minLen || len(v) > maxLen {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// authorize serves GET and POST /authorize.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, as *authServer) {
	params, err := httpx.Params(r, false)
	if err != nil {
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	req, target, aerr := h.parseAuthorize(r, as, params)
	if aerr != nil {
		h.authorizeError(w, r, as, target, aerr)
		return
	}
	ses, user, ok, err := h.sessions.Current(r)
	if err != nil {
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	}
	if ok && !needsLogin(req, ses, h.now()) {
		h.issueCode(w, r, as, req, ses, user)
		return
	}
	if req.prompt == "none" {
		h.authorizeError(w, r, as, target, apierr.New(apierr.LoginRequired, "The client specified not to prompt, but the user is not logged in."))
		return
	}
	h.renderSignIn(w, r, as, req, req.loginHint, http.StatusOK, "")
}

// needsLogin decides whether a live session satisfies the request.
func needsLogin(req *authorizeRequest, ses store.Session, now time.Time) bool {
	// OIDC Core §3.1.2.1: max_age=0 is prompt=login, even within the
	// second of the sign-in (auth_time has one-second resolution).
	if req.prompt == "login" || req.maxAge == 0 {
		return true
	}
	return req.maxAge > 0 && now.Sub(ses.AuthTime) > time.Duration(req.maxAge)*time.Second
}

// authorizeError shows a client or redirect URI error as a page, and sends
// every other error to the client's redirect URI (RFC 6749 §4.1.2.1).
func (h *Handler) authorizeError(w http.ResponseWriter, r *http.Request, as *authServer, target *redirectTarget, e *apierr.Error) {
	apierr.Log(r, e)
	if e.NoRedirect || target == nil {
		status := http.StatusBadRequest
		if e.Kind == apierr.ServerError || e.Kind == apierr.TemporarilyUnavailable {
			status = e.Status()
		}
		h.pages.RenderError(w, status, e.Code(), e.Description)
		return
	}
	h.respond(w, target, as.Issuer, url.Values{"error": {e.Code()}, "error_description": {e.Description}})
}

// issueCode stores a fresh code bound to the request and the session, and
// sends it to the client.
func (h *Handler) issueCode(w http.ResponseWriter, r *http.Request, as *authServer, req *authorizeRequest, ses store.Session, user store.User) {
	target := &redirectTarget{redirectURI: req.redirectURI, responseMode: req.responseMode, state: req.state}
	// Every path to a code (a live session, or a sign-in just done) comes
	// here: only users assigned to the app, directly or through a group,
	// get one.
	if assigned, err := h.store.UserAssigned(r.Context(), req.app.ClientID, user.ID); err != nil {
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	} else if !assigned {
		h.authorizeError(w, r, as, target, apierr.New(apierr.AccessDenied, "User is not assigned to the client application."))
		return
	}
	// The access policy is judged here, before a code exists, and again at /token.
	if _, aerr := h.policyRule(r.Context(), as, domain.PolicyRequest{ClientID: req.app.ClientID,
		GrantType: domain.GrantAuthorizationCode, UserID: user.ID, Scopes: req.scopes}); aerr != nil {
		h.authorizeError(w, r, as, target, aerr)
		return
	}
	now := h.now()
	code := domain.RandomToken(32)
	err := h.store.CreateCode(r.Context(), store.Code{
		Hash: domain.HashSecret(code), AuthServerID: as.ID, ClientID: req.app.ClientID, UserID: user.ID,
		SessionIDHash: ses.IDHash, RedirectURI: req.redirectURI, Scopes: req.scopes, Nonce: req.nonce,
		CodeChallenge: req.codeChallenge, CodeChallengeMethod: req.codeChallengeMethod,
		AuthTime: ses.AuthTime, AMR: ses.AMR, AccessTokenJTI: domain.RandomToken(24),
		ExpiresAt: now.Add(token.CodeLifetime), Created: now,
	})
	if err != nil {
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	}
	h.recordCodeIssued(r, as, req, user)
	h.respond(w, target, as.Issuer, url.Values{"code": {code}})
}
