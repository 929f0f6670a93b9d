// Package web embeds Gatehouse's HTML templates and static assets. Templates
// are parsed once, at start, and checked against the names the server needs.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
)

//go:embed templates/*.html static/* console/*.html
var files embed.FS

// Required lists the templates the server renders.
var Required = []string{"signin.html", "error.html", "form_post.html", "post_message.html", "signout.html", "signedout.html"}

// Templates parses every template and fails when a required one is missing.
func Templates() (*template.Template, error) {
	t, err := template.ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	for _, name := range Required {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("web templates: %s is missing", name)
		}
	}
	return t, nil
}

// Static is the file system served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory name is a constant
	}
	return sub
}

// Pages renders the parsed templates.
type Pages struct {
	t *template.Template
}

// NewPages parses the templates once.
func NewPages() (*Pages, error) {
	t, err := Templates()
	if err != nil {
		return nil, err
	}
	return &Pages{t: t}, nil
}

// Render writes the named template as a complete, uncacheable HTML page. It
// renders into a buffer first so a template failure never sends half a page.
func (p *Pages) Render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("render page", "template", name, "error", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	writePage(w, status, buf.Bytes())
}

// SignInPage is the data of signin.html, the hosted sign-in form: Action
// is where it posts, AppName what the user signs in to.
type SignInPage struct {
	Action   string
	AppName  string
	CSRF     string
	Username string
	Error    string
	// Brand is the org's look; the zero value is Gatehouse's own.
	Brand Brand
}

// Brand is the org's look on the hosted sign-in page: its title, and the
// versioned URLs of its colours' stylesheet and of its logo ("" for the
// default look and for no logo).
type Brand struct {
	Title    string
	ThemeURL string
	LogoURL  string
}

// Name is what the sign-in page calls the org: the brand's title, or
// Gatehouse.
func (b Brand) Name() string {
	if b.Title != "" {
		return b.Title
	}
	return "Gatehouse"
}

// ErrorPage is the data of error.html.
type ErrorPage struct {
	Status      string
	Code        string
	Description string
}

// RenderError shows an error page that never redirects anywhere.
func (p *Pages) RenderError(w http.ResponseWriter, status int, code, description string) {
	p.Render(w, status, "error.html", ErrorPage{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Code: code, Description: description,
	})
}

// ContentSecurityPolicy is the policy of every page: no inline script or
// style, nothing from other origins, and framing only by frameAncestors
// ('none' except for an okta_post_message answer to its app's origin).
func ContentSecurityPolicy(frameAncestors string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors " +
		frameAncestors + "; base-uri 'none'"
}
