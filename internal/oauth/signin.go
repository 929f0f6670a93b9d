package oauth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/web"
)

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, as *authServer, req *authorizeRequest, username string, status int, msg string) {
	pending := url.Values{}
	for k, v := range req.raw {
		pending.Set(k, v)
	}
	h.pages.Render(w, status, "signin.html", web.SignInPage{
		Action: as.EndpointsPath + "/signin?" + pending.Encode(), AppName: req.app.Name,
		CSRF: h.sessions.CSRFToken(w, r), Username: username, Error: msg,
		Brand: h.branding.Brand(r.Context()),
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
	username := form["username"]
	user, err := h.passwords.SignIn(r, username, form["password"])
	switch {
	case errors.Is(err, domain.ErrThrottled):
		h.renderSignIn(w, r, as, req, username, http.StatusTooManyRequests, login.SignInThrottledMessage)
		return
	case errors.Is(err, login.ErrSignInFailed):
		h.renderSignIn(w, r, as, req, username, http.StatusUnauthorized, login.SignInFailedMessage)
		return
	case err != nil:
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	}
	ses, err := h.sessions.Start(r.Context(), w, r, user, []string{domain.AMRPassword})
	if err != nil {
		h.authorizeError(w, r, as, target, apierr.Internal(err))
		return
	}
	h.issueCode(w, r, as, req, ses, user)
}
