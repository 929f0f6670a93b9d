package oauth

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"

	"github.com/gatehouse-auth/gatehouse/web"
)

// Response modes Gatehouse delivers authorization responses in.
const (
	modeQuery           = "query"             // RFC 6749 §4.1.2, the default for code
	modeFragment        = "fragment"          // OAuth 2.0 Multiple Response Type Encoding Practices §2
	modeFormPost        = "form_post"         // OAuth 2.0 Form Post Response Mode
	modeOktaPostMessage = "okta_post_message" // Okta: postMessage to the opener or parent frame
)

var responseModes = []string{modeQuery, modeFragment, modeFormPost, modeOktaPostMessage}

// respond delivers an authorization response (success or error) in the
// request's response mode, adding state and the RFC 9207 iss parameter.
func (h *Handler) respond(w http.ResponseWriter, t *redirectTarget, issuer string, v url.Values) {
	if t.state != "" {
		v.Set("state", t.state)
	}
	v.Set("iss", issuer)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	switch t.responseMode {
	case modeFormPost:
		h.pages.Render(w, http.StatusOK, "form_post.html", formPostPage(t.redirectURI, v))
		return
	case modeOktaPostMessage:
		// The answer is read by the app's page that framed or opened this
		// one: only that origin may frame it.
		page := postMessagePage(t.redirectURI, v)
		w.Header().Set("Content-Security-Policy", web.ContentSecurityPolicy(page.Origin))
		w.Header().Del("X-Frame-Options")
		h.pages.Render(w, http.StatusOK, "post_message.html", page)
		return
	}
	u, err := url.Parse(t.redirectURI)
	if err != nil { // registered URIs were validated; this is defence only
		h.pages.RenderError(w, http.StatusBadRequest, "invalid_request", "The redirect URI is malformed.")
		return
	}
	if t.responseMode == modeFragment {
		u.Fragment, u.RawFragment = "", ""
		w.Header().Set("Location", u.String()+"#"+v.Encode())
	} else {
		// query: keep the redirect URI's own query parameters.
		q := u.Query()
		for k, vals := range v {
			q[k] = vals
		}
		u.RawQuery = q.Encode()
		w.Header().Set("Location", u.String())
	}
	w.WriteHeader(http.StatusFound)
}

// postMessage is the data of post_message.html: the response as JSON and
// the origin of the redirect URI, the only window allowed to read it.
type postMessage struct {
	Origin   string
	Response string
}

func postMessagePage(redirectURI string, v url.Values) postMessage {
	data := map[string]string{}
	for k := range v {
		data[k] = v.Get(k)
	}
	body, _ := json.Marshal(data)
	u, _ := url.Parse(redirectURI)
	return postMessage{Origin: u.Scheme + "://" + u.Host, Response: string(body)}
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
