package oauth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/login"
)

// signInPage is the data of signin.html.
type signInPage struct {
	Action   string
	AppName  string
	CSRF     string
	Username string
	Error    string
}

// signInFailed is the one message for every failed sign-in, so that the
// page never tells which logins exist.
const signInFailed = "Unable to sign in. Check your username and password."

const signInThrottled = "Too many failed sign-in attempts. Wait a minute and try again."

// throttleGate applies the sign-in throttle to one login from one address.
type throttleGate struct {
	t         *login.Throttle
	login, ip string
}

func (g throttleGate) Allowed() bool { return g.t.Allowed(g.login, g.ip) }
func (g throttleGate) Failed()       { g.t.Failed(g.login, g.ip) }

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, as *authServer, req *authorizeRequest, username string, status int, msg string) {
	pending := url.Values{}
	for k, v := range req.raw {
		pending.Set(k, v)
	}
	h.pages.Render(w, status, "signin.html", signInPage{
		Action: as.EndpointsPath + "/signin?" + pending.Encode(), AppName: req.app.Name,
		CSRF: h.sessions.CSRFToken(w, r), Username: username, Error: msg,
	})
}

// signIn checks the hosted sign-in form, starts a session and finishes the
// authorization request. The request's parameters travel in the form's
// action URL, so any replica can finish it and a script can post it again.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, as *authServer) {
	pending, err := httpx.Query(r)
	if err != nil {
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	form, err := httpx.Params(r, false)
	if err != nil {
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !login.CheckCSRF(r, form["csrf_token"]) {
		h.pages.RenderError(w, http.StatusForbidden, "invalid_request",
			"The sign-in form has expired. Go back to the application and start again.")
		return
	}
	// Validate again: the parameters came back from the browser.
	req, target, aerr := h.parseAuthorize(r, as, pending)
	if aerr != nil {
		h.authorizeError(w, r, as, target, aerr)
		return
	}
	login := form["username"]
	user, ok, err := domain.Authenticate(r.Context(), h.store, login, form["password"],
		throttleGate{h.throttle, login, httpx.ClientIP(r)})
	switch {
	case errors.Is(err, domain.ErrThrottled):
		h.recordSignIn(r, user, login, "RATE_LIMITED")
		h.renderSignIn(w, r, as, req, login, http.StatusTooManyRequests, signInThrottled)
		return
	case err != nil:
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	case !ok:
		h.recordSignIn(r, user, login, "INVALID_CREDENTIALS")
		h.renderSignIn(w, r, as, req, login, http.StatusUnauthorized, signInFailed)
		return
	}
	ses, err := h.sessions.Start(r.Context(), w, r, user, []string{"pwd"})
	if err != nil {
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	}
	h.recordSignIn(r, user, login, "")
	h.issueCode(w, r, as, req, ses, user)
}
