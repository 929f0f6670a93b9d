package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/web"
)

// consoleName is what the hosted sign-in page says the admin signs in to.
const consoleName = "Gatehouse Admin Console"

// nextPage is where to go after signing in: a console path only, so that
// the sign-in page cannot be used to send anyone elsewhere.
func nextPage(r *http.Request) string {
	next := r.URL.Query().Get("next")
	if next == "/admin" || (strings.HasPrefix(next, "/admin/") && !strings.ContainsAny(next, "\\\r\n")) {
		return next
	}
	return "/admin"
}

func (c *Console) signInAction(next string) string {
	return "/admin/signin?" + url.Values{"next": {next}}.Encode()
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	_, u, ok, err := c.Sessions.Current(r)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if ok {
		// Already signed in: the console decides whether this user may enter.
		http.Redirect(w, r, nextPage(r), http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, u.Login, "")
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, username, msg string) {
	c.Pages.Render(w, status, "signin.html", web.SignInPage{
		Action: c.signInAction(nextPage(r)), AppName: consoleName,
		CSRF: c.Sessions.CSRFToken(w, r), Username: username, Error: msg,
		Brand: c.Branding.Brand(r.Context()),
	})
}

// signIn checks the hosted sign-in form and starts the session every app
// shares: an administrator who signs in here is signed in to apps too.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.Pages.RenderError(w, http.StatusBadRequest, "invalid_request", "The form could not be read.")
		return
	}
	if !login.CheckCSRF(r, r.PostFormValue("csrf_token")) {
		c.Pages.RenderError(w, http.StatusForbidden, "invalid_request", "The sign-in form has expired. Go back, reload the page and try again.")
		return
	}
	username := r.PostFormValue("username")
	u, err := c.SignIn.SignIn(r, username, r.PostFormValue("password"))
	switch {
	case errors.Is(err, domain.ErrThrottled):
		c.renderSignIn(w, r, http.StatusTooManyRequests, username, login.SignInThrottledMessage)
		return
	case errors.Is(err, login.ErrSignInFailed):
		c.renderSignIn(w, r, http.StatusUnauthorized, username, login.SignInFailedMessage)
		return
	case err != nil:
		c.internalError(w, r, err)
		return
	}
	if _, err := c.Sessions.Start(r.Context(), w, r, u, []string{domain.AMRPassword}); err != nil {
		c.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, nextPage(r), http.StatusSeeOther)
}

// signOut ends the session (for every app, as the hosted sign-out does).
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !login.CheckCSRF(r, r.PostFormValue("csrf_token")) {
		c.Pages.RenderError(w, http.StatusForbidden, "invalid_request", "The form has expired. Go back, reload the page and try again.")
		return
	}
	_, u, signedIn, err := c.Sessions.Current(r)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if err := c.Sessions.End(r.Context(), w, r); err != nil {
		c.internalError(w, r, err)
		return
	}
	if signedIn && c.Events != nil {
		c.Events.Record(r.Context(), login.SignOutEvent(r, u))
	}
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}
