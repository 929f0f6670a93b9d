package console

import "net/http"

// mountAPITokens registers Security → API tokens.
func (c *Console) mountAPITokens(mux *http.ServeMux) {}
