package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/branding"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Config is what the console needs.
type Config struct {
	Service  *domain.Service
	Sessions *login.Sessions
	SignIn   *login.Authenticator
	// Pages renders the hosted sign-in page; Console renders the console.
	Pages   *web.Pages
	Console *web.Console
	BaseURL string
	// Keys is the signing key manager shared with the protocol endpoints.
	Keys *keys.Manager
	// AuthServerChanged and AppChanged tell the protocol endpoints of this
	// replica about a change at once (see admin.Config).
	AuthServerChanged func(authServerID string)
	AppChanged        func(clientID string)
	// Events records sign-outs; changes are recorded by Service.
	Events eventlog.Recorder
	// Branding is this replica's copy of the sign-in page's branding,
	// shared with the protocol's sign-in page; the console serves its
	// /branding routes and refreshes it when the admin saves.
	Branding *branding.Cache
}

// Console serves /admin.
type Console struct {
	Config
}

// New returns the console.
func New(c Config) *Console {
	if c.AuthServerChanged == nil {
		c.AuthServerChanged = func(string) {}
	}
	if c.AppChanged == nil {
		c.AppChanged = func(string) {}
	}
	return &Console{Config: c}
}

// Page is what every console template receives.
type Page struct {
	Title   string
	Section string // the navigation entry to highlight
	Admin   Admin
	CSRF    string
	Flash   string
	Data    any
}

// Admin is the signed-in administrator.
type Admin struct {
	User     store.User
	Login    string
	ReadOnly bool
}

// handler serves one console page for a signed-in administrator.
type handler func(w http.ResponseWriter, r *http.Request, p *Page)

// Mount registers every console route.
func (c *Console) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/signin", c.signInPage)
	mux.HandleFunc("POST /admin/signin", c.signIn)
	mux.HandleFunc("POST /admin/signout", c.signOut)
	mux.HandleFunc("GET /admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin", http.StatusMovedPermanently)
	})
	c.get(mux, "GET /admin", c.dashboard)
	c.mountApps(mux)
	c.mountDirectory(mux)
	c.mountSecurity(mux)
	c.mountReports(mux)
	c.mountCustomization(mux)
}

// get registers a page any administrator may see.
func (c *Console) get(mux *http.ServeMux, pattern string, h handler) {
	mux.HandleFunc(pattern, c.authorize(h, false))
}

// post registers a form action: only a full administrator may submit it,
// and the form must carry the CSRF token.
func (c *Console) post(mux *http.ServeMux, pattern string, h handler) {
	mux.HandleFunc(pattern, c.authorize(h, true))
}

// postApp registers a form action that changes the app named by the {id}
// path value: this replica's protocol endpoints drop their copy of it
// before the change is answered and again after it (see admin.appChange).
func (c *Console) postApp(mux *http.ServeMux, pattern string, h handler) {
	c.post(mux, pattern, func(w http.ResponseWriter, r *http.Request, p *Page) {
		id := r.PathValue("id")
		c.AppChanged(id)
		defer c.AppChanged(id)
		h(w, r, p)
	})
}

// postServer registers a form action that changes the authorization server
// named by the {as} path value (its settings, scopes, claims, policies or
// keys), so that this replica's protocol endpoints reload it.
func (c *Console) postServer(mux *http.ServeMux, pattern string, h handler) {
	c.post(mux, pattern, func(w http.ResponseWriter, r *http.Request, p *Page) {
		defer c.AuthServerChanged(r.PathValue("as"))
		h(w, r, p)
	})
}

// maxFormBytes bounds a console form (a logo upload is the largest).
const maxFormBytes = domain.MaxLogoBytes + 64<<10

// authorize runs h for a signed-in administrator: without a session the
// browser goes to the sign-in page and comes back; a user without an admin
// role gets a 403 page.
func (c *Console) authorize(h handler, change bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, u, ok, err := c.Sessions.Current(r)
		if err != nil {
			c.internalError(w, r, err)
			return
		}
		if !ok {
			target := "/admin/signin"
			if r.Method == http.MethodGet {
				target += "?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		access, err := c.Service.AdminAccessOf(r.Context(), u)
		if err != nil {
			c.internalError(w, r, err)
			return
		}
		p := &Page{Admin: Admin{User: u, Login: u.Login, ReadOnly: access == domain.ReadOnlyAccess},
			CSRF: c.Sessions.CSRFToken(w, r)}
		if access == domain.NoAdminAccess {
			c.forbidden(w, p, "You are signed in as "+u.Login+", who holds no administrator role.")
			return
		}
		if change {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := parseForm(r); err != nil {
				c.formUnread(w, err)
				return
			}
			if !login.CheckCSRF(r, r.PostFormValue("csrf_token")) {
				c.Pages.RenderError(w, http.StatusForbidden, "invalid_request", "The form has expired. Go back, reload the page and try again.")
				return
			}
			if access != domain.FullAccess {
				c.forbidden(w, p, "Your role is read-only: you may look at everything but change nothing.")
				return
			}
		}
		p.Flash = takeFlash(w, r)
		// Changes made here are recorded in the System Log as the admin's.
		ctx := eventlog.WithActor(r.Context(), login.UserActor(u))
		h(w, r.WithContext(ctx), p)
	}
}

// formUnread answers a form that could not be read: 413 for one over
// maxFormBytes (in practice a logo far too large), 400 otherwise.
func (c *Console) formUnread(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		c.Pages.RenderError(w, http.StatusRequestEntityTooLarge, "invalid_request",
			fmt.Sprintf("The form is too large: a logo may be at most %d KB. Go back and choose a smaller file.", domain.MaxLogoBytes>>10))
		return
	}
	c.Pages.RenderError(w, http.StatusBadRequest, "invalid_request", "The form could not be read: "+err.Error())
}

func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxFormBytes)
	}
	return r.ParseForm()
}

// render shows page name with status.
func (c *Console) render(w http.ResponseWriter, p *Page, status int, name string) {
	c.Console.Render(w, status, name, p)
}

// forbidden shows the 403 page.
func (c *Console) forbidden(w http.ResponseWriter, p *Page, msg string) {
	p.Title, p.Data = "No access", msg
	c.render(w, p, http.StatusForbidden, "forbidden.html")
}

// notFound shows the 404 page.
func (c *Console) notFound(w http.ResponseWriter, p *Page, what string) {
	p.Title, p.Data = "Not found", what
	c.render(w, p, http.StatusNotFound, "notfound.html")
}

// fail shows the page for an error no form can show: 404 for something
// gone, 409 for a change the object's state does not allow, 503/500
// otherwise.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, p *Page, err error) {
	var state *domain.StateError
	var invalid *domain.ValidationError
	var search *domain.SearchError
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.notFound(w, p, "The object does not exist (it may have been deleted).")
	case errors.As(err, &state):
		p.Title, p.Data = "Not possible now", state.Message
		c.render(w, p, http.StatusConflict, "notfound.html")
	case errors.Is(err, domain.ErrBuiltInGroup):
		p.Title, p.Data = "Not possible", "The built-in Everyone group cannot be changed."
		c.render(w, p, http.StatusConflict, "notfound.html")
	case errors.As(err, &search):
		p.Title, p.Data = "Not possible", search.Error()
		c.render(w, p, http.StatusBadRequest, "notfound.html")
	case errors.As(err, &invalid):
		p.Title, p.Data = "Not possible", invalid.Error()
		c.render(w, p, http.StatusBadRequest, "notfound.html")
	default:
		c.internalError(w, r, err)
	}
}

// internalError logs a failure and shows a page for it (503 when the
// database is unreachable, else 500).
func (c *Console) internalError(w http.ResponseWriter, r *http.Request, err error) {
	e := apierr.Internal(err)
	apierr.Log(r, e)
	c.Pages.RenderError(w, e.Status(), e.Code(), e.Description)
}

// flashCookie carries a one-line confirmation across the redirect that
// follows a change. It never holds a secret.
const flashCookie = "gh_flash"

// maxFlashRunes bounds a confirmation: a longer one (it names an object
// whose name is long) is cut, so that it still fits in its cookie.
const maxFlashRunes = 200

// done redirects after a successful change, with a confirmation to show.
func (c *Console) done(w http.ResponseWriter, r *http.Request, to, flash string) {
	if runes := []rune(flash); len(runes) > maxFlashRunes {
		flash = string(runes[:maxFlashRunes-1]) + "…"
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: "/admin", MaxAge: 60,
		HttpOnly: true, Secure: r.TLS != nil || strings.HasPrefix(c.BaseURL, "https:"), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/admin", MaxAge: -1})
	msg, err := url.QueryUnescape(ck.Value)
	if err != nil || utf8.RuneCountInString(msg) > maxFlashRunes {
		return ""
	}
	return msg
}
