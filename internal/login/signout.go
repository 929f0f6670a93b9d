package login

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Handler serves the sign-out pages.
type Handler struct {
	Sessions *Sessions
	Pages    *web.Pages
	// Events records sign-outs in the System Log; nil records nothing.
	Events eventlog.Recorder
}

// Mount registers the sign-out routes.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /login/signout", h.signOutPage)
	mux.HandleFunc("POST /login/signout", h.signOut)
}

type signOutData struct {
	Login string
	CSRF  string
}

func (h *Handler) signOutPage(w http.ResponseWriter, r *http.Request) {
	_, u, ok, err := h.Sessions.Current(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data := signOutData{CSRF: h.Sessions.CSRFToken(w, r)}
	if ok {
		data.Login = u.Login
	}
	h.Pages.Render(w, http.StatusOK, "signout.html", data)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	params, err := httpx.Params(r, false)
	if err != nil {
		h.Pages.RenderError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !CheckCSRF(r, params["csrf_token"]) {
		h.Pages.RenderError(w, http.StatusForbidden, "invalid_request", "The form has expired. Go back, reload the page and try again.")
		return
	}
	_, u, signedIn, err := h.Sessions.Current(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if err := h.Sessions.End(r.Context(), w, r); err != nil {
		h.internalError(w, r, err)
		return
	}
	if signedIn && h.Events != nil {
		h.Events.Record(r.Context(), SignOutEvent(r, u))
	}
	h.Pages.Render(w, http.StatusOK, "signedout.html", nil)
}

// internalError logs a failure and shows a page for it (503 when the
// database is unreachable, else 500).
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	e := apierr.Internal(err)
	apierr.Log(r, e)
	h.Pages.RenderError(w, e.Status(), e.Code(), e.Description)
}

// SignOutEvent is the System Log's user.session.end for u, signed out by
// request r.
func SignOutEvent(r *http.Request, u store.User) store.Event {
	return store.Event{EventType: "user.session.end", DisplayMessage: "User logout from Okta", RequestURI: r.URL.Path,
		Actor: UserActor(u)}
}
