package oauth

import (
	"html/template"
	"net/http"
	"net/url"
	"sort"
)

// respond delivers an authorization response (success or error) in the
// request's response mode, adding state and the RFC 9207 iss parameter.
func (h *Handler) respond(w http.ResponseWriter, t *redirectTarget, issuer string, v url.Values) {
	if t.state != "" {
		v.Set("state", t.state)
	}
	v.Set("iss", issuer)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	if t.responseMode == "form_post" {
		h.pages.Render(w, http.StatusOK, "form_post.html", formPostPage(t.redirectURI, v))
		return
	}
	// query (RFC 6749 §4.1.2): keep the redirect URI's own query parameters.
	u, err := url.Parse(t.redirectURI)
	if err != nil { // registered URIs were validated; this is defence only
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", "The redirect URI is malformed.")
		return
	}
	q := u.Query()
	for k, vals := range v {
		q[k] = vals
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

type formField struct{ Name, Value string }

type formPost struct {
	// Action is a registered redirect URI, trusted even with a custom scheme.
	Action template.URL
	Fields []formField
}

// formPostPage is the OAuth 2.0 Form Post Response Mode page data.
func formPostPage(action string, v url.Values) formPost {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	p := formPost{Action: template.URL(action)}
	for _, k := range names {
		p.Fields = append(p.Fields, formField{k, v.Get(k)})
	}
	return p
}
