package console

import "net/http"

// mountSecurity registers Security → API: authorization servers and API tokens.
func (c *Console) mountSecurity(mux *http.ServeMux) {}
