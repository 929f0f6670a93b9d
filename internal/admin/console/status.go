package console

import "net/http"

// statusActions is an object's pair of actions POST …/activate and
// POST …/deactivate, as the pages of apps, client secrets, authorization
// servers, access policies and policy rules offer them.
type statusActions struct {
	// set activates (active) or deactivates the object the path names.
	set func(r *http.Request, active bool) error
	// back is the page the administrator returns to.
	back func(r *http.Request) string
	// activated and deactivated confirm the change.
	activated, deactivated string
	// refused shows why set failed; nil shows c.fail's page.
	refused refusal
}

// refusal shows why a change failed.
type refusal func(w http.ResponseWriter, r *http.Request, p *Page, err error)

// mountStatus registers base+"/activate" and base+"/deactivate" with
// register: c.postApp or c.postServer, which tell the protocol caches.
func (c *Console) mountStatus(mux *http.ServeMux, register func(*http.ServeMux, string, handler), base string, a statusActions) {
	refused := a.refused
	if refused == nil {
		refused = c.fail
	}
	for _, active := range []bool{true, false} {
		action, flash := "/deactivate", a.deactivated
		if active {
			action, flash = "/activate", a.activated
		}
		register(mux, "POST "+base+action, func(w http.ResponseWriter, r *http.Request, p *Page) {
			if err := a.set(r, active); err != nil {
				refused(w, r, p, err)
				return
			}
			c.done(w, r, a.back(r), flash)
		})
	}
}
