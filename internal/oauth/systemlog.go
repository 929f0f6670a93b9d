package oauth

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oauth/wire"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The protocol's System Log events, in Okta's names. Custom authorization
// servers use the app.oauth2.as. names, the org server app.oauth2. ones.

// record writes e to the System Log, completed with the request's path.
func (h *Handler) record(r *http.Request, e store.Event) {
	if h.events == nil {
		return
	}
	e.RequestURI = r.URL.Path
	h.events.Record(r.Context(), e)
}

// eventType is Okta's name of an OAuth event on as: suffix after
// "app.oauth2.as." for a custom server, after "app.oauth2." for the org
// server.
func eventType(as *authServer, suffix string) string {
	if as.ID == store.OrgServerID {
		return "app.oauth2." + suffix
	}
	return "app.oauth2.as." + suffix
}

func clientObject(app store.App) store.EventObject {
	return store.EventObject{ID: app.ClientID, Type: "PublicClientApp", AlternateID: app.Name, DisplayName: app.Name}
}

func userObject(u store.User) store.EventObject { return login.UserActor(u) }

// refreshTokenID names a refresh token in the log without revealing it.
func refreshTokenID(value string) string { return "RT." + domain.HashSecret(value)[:24] }

// maxLoggedParam bounds a request parameter the log keeps in debugData.
const maxLoggedParam = 512

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// recordSignOut records the end of a user's session.
func (h *Handler) recordSignOut(r *http.Request, user store.User) {
	h.record(r, login.SignOutEvent(r, user))
}

// recordCodeIssued records an authorization code sent to a client.
func (h *Handler) recordCodeIssued(r *http.Request, as *authServer, req *authorizeRequest, user store.User) {
	h.record(r, store.Event{
		EventType: eventType(as, "authorize.code"), DisplayMessage: "OAuth2 authorization code request",
		Actor: userObject(user), Targets: []store.EventObject{clientObject(req.app)},
		Debug: map[string]string{"responseType": "code", "requestedScopes": strings.Join(req.scopes, " "),
			"grantedScopes": strings.Join(req.scopes, " "), "responseMode": req.responseMode,
			"authorizationServerId": as.ID, "authorizationServerName": as.Name},
	})
}

// recordReuse records a code or refresh token presented again: the grant it
// started is revoked.
func (h *Handler) recordReuse(r *http.Request, req *tokenRequest, what string) {
	h.record(r, store.Event{
		EventType: eventType(req.as, "token.detect_reuse"), DisplayMessage: "OAuth2 " + what + " reuse detected",
		Severity: "WARN", Outcome: "FAILURE", Reason: "REUSE_DETECTED", Actor: clientObject(req.app),
		Targets: []store.EventObject{clientObject(req.app)},
		Debug:   map[string]string{"grantType": clip(req.params["grant_type"], maxLoggedParam), "authorizationServerId": req.as.ID},
	})
}

// recordGrant records the outcome of a token request: on success one event
// per token issued, on failure one token.grant event whose reason is the
// OAuth error code. req may be nil or lack the app when the request failed
// before the client was known.
func (h *Handler) recordGrant(r *http.Request, as *authServer, req *tokenRequest, resp wire.TokenResponse, aerr *apierr.Error) {
	if h.events == nil {
		return
	}
	debug := map[string]string{"authorizationServerId": as.ID, "authorizationServerName": as.Name}
	var client store.EventObject
	if req != nil {
		debug["grantType"] = clip(req.params["grant_type"], maxLoggedParam)
		debug["requestedScopes"] = clip(req.params["scope"], maxLoggedParam)
		if req.app.ClientID != "" {
			client = clientObject(req.app)
			debug["clientAuthType"] = req.app.TokenEndpointAuthMethod
		} else if id := req.params["client_id"]; id != "" {
			client = store.EventObject{ID: clip(id, maxLoggedParam), Type: "PublicClientApp"}
		}
	}
	if aerr != nil {
		e := store.Event{EventType: eventType(as, "token.grant"), DisplayMessage: "OAuth2 token request failed",
			Severity: "WARN", Outcome: "FAILURE", Reason: aerr.Code(), Debug: debug}
		if client.ID != "" {
			e.Actor, e.Targets = client, []store.EventObject{client}
		}
		h.record(r, e)
		return
	}
	debug["grantedScopes"] = resp.Scope
	actor := client
	if req.user.ID != "" {
		actor = store.EventObject{ID: req.user.ID, Type: "User", AlternateID: req.user.Login}
	}
	grant := func(suffix, message string, token store.EventObject) {
		h.record(r, store.Event{EventType: eventType(as, "token.grant."+suffix), DisplayMessage: message,
			Actor: actor, Targets: []store.EventObject{client, token}, Debug: debug})
	}
	grant("access_token", "OAuth2 access token is granted",
		store.EventObject{ID: req.issued.AccessTokenJTI, Type: "access_token", AlternateID: "Access Token", DisplayName: "Access Token"})
	if resp.IDToken != "" {
		grant("id_token", "OAuth2 id token is granted",
			store.EventObject{ID: req.issued.IDTokenJTI, Type: "id_token", AlternateID: "ID Token", DisplayName: "ID Token"})
	}
	if resp.RefreshToken != "" {
		grant("refresh_token", "OAuth2 refresh token is granted",
			store.EventObject{ID: refreshTokenID(resp.RefreshToken), Type: "refresh_token", AlternateID: "Refresh Token", DisplayName: "Refresh Token"})
	}
}

// recordRevoke records a token revoked at /revoke.
func (h *Handler) recordRevoke(r *http.Request, as *authServer, app store.App, token store.EventObject) {
	h.record(r, store.Event{
		EventType: eventType(as, "token.revoke"), DisplayMessage: "OAuth2 token revocation request",
		Actor: clientObject(app), Targets: []store.EventObject{clientObject(app), token},
		Debug: map[string]string{"authorizationServerId": as.ID, "tokenType": token.Type},
	})
}
