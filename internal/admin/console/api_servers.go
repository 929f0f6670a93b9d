package console

import "net/http"

// mountServers registers authorization servers, scopes, claims and the token preview.
func (c *Console) mountServers(mux *http.ServeMux) {}
