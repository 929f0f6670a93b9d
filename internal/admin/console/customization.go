package console

import "net/http"

// mountCustomization registers the sign-in page's branding.
func (c *Console) mountCustomization(mux *http.ServeMux) {}
