package console

import "net/http"

// mountReports registers Reports → System Log.
func (c *Console) mountReports(mux *http.ServeMux) {}
