package branding

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

// The public paths of the branding.
const (
	ThemePath = "/branding/theme.css"
	LogoPath  = "/branding/logo"
)

// maxAge is how long a browser may keep the stylesheet or logo without
// asking again; the sign-in page links them with a version, so a change
// shows at once anyway.
const maxAge = "public, max-age=300"

// Mount registers GET /branding/theme.css and GET /branding/logo.
func (c *Cache) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+ThemePath, c.serveTheme)
	mux.HandleFunc("GET "+LogoPath, c.serveLogo)
}

func (c *Cache) serveTheme(w http.ResponseWriter, r *http.Request) {
	e, err := c.get(r.Context())
	if err != nil {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	serve(w, r, "text/css; charset=utf-8", e.cssTag, e.css)
}

func (c *Cache) serveLogo(w http.ResponseWriter, r *http.Request) {
	e, err := c.get(r.Context())
	if err != nil {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	// Only an image type the upload was checked for is ever served.
	typ := domain.LogoType(e.b.Logo)
	if e.logoTag == "" || typ == "" || typ != e.b.LogoType {
		w.Header().Set("Cache-Control", "no-cache")
		http.NotFound(w, r)
		return
	}
	serve(w, r, typ, e.logoTag, e.b.Logo)
}

// serve answers with body and its tag as ETag, or 304 when the browser
// holds it. Only a request for the version this replica holds may be kept
// without asking again: the path without a version changes content with
// every save, and a request for another version (one this replica has not
// yet seen, saved elsewhere) must not keep the old one under its name.
func serve(w http.ResponseWriter, r *http.Request, contentType, tag string, body []byte) {
	h := w.Header()
	etag := `"` + tag + `"`
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == tag {
		h.Set("Cache-Control", maxAge)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if matches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", contentType)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// matches reports whether an If-None-Match header names etag.
func matches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
