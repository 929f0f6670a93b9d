package console

import "net/http"

// mountAppChanges registers the app's edit, secret, lifecycle and
// assignment actions.
func (c *Console) mountAppChanges(mux *http.ServeMux) {}
