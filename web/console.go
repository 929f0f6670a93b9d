package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Console renders the Admin Console's pages. Every page file in
// web/console is parsed together with the shared files (names starting
// with "_": the layout and the form partials), so that each page may
// define its own "content" block.
type Console struct {
	pages map[string]*template.Template
}

// ConsoleFuncs are the helpers console templates may call.
var ConsoleFuncs = template.FuncMap{
	// dict builds a map from key, value pairs, for passing several values
	// to a partial.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"join": strings.Join,
	// when shows a time in UTC, or a dash for the zero time.
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"lines": func(s []string) string { return strings.Join(s, "\n") },
}

// NewConsole parses the console templates once.
func NewConsole() (*Console, error) {
	base, err := template.New("").Funcs(ConsoleFuncs).ParseFS(files, "console/_*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	names, err := fs.Glob(files, "console/*.html")
	if err != nil {
		return nil, err
	}
	c := &Console{pages: map[string]*template.Template{}}
	for _, path := range names {
		name := strings.TrimPrefix(path, "console/")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, path)
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		c.pages[name] = t
	}
	return c, nil
}

// Render writes page name (rendered through the layout) as a complete,
// uncacheable HTML page.
func (c *Console) Render(w http.ResponseWriter, status int, name string, data any) {
	t, ok := c.pages[name]
	if !ok {
		slog.Error("render console page: no such page", "template", name)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		slog.Error("render console page", "template", name, "error", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	writePage(w, status, buf.Bytes())
}

// writePage sends a rendered page with the headers every page carries.
func writePage(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(body)
}
