package console

import "net/http"

// mountPolicies registers access policies, their rules, and keys.
func (c *Console) mountPolicies(mux *http.ServeMux) {}
