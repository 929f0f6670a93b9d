package console

import "net/http"

// mountSecurity registers Security → API: authorization servers with their
// scopes, claims, token preview, access policies and keys; and API tokens.
func (c *Console) mountSecurity(mux *http.ServeMux) {
	c.mountServers(mux)
	c.mountPolicies(mux)
	c.mountAPITokens(mux)
}
