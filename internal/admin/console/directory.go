package console

import "net/http"

// mountDirectory registers People and Groups.
func (c *Console) mountDirectory(mux *http.ServeMux) {}
