package console

import "net/http"

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, p *Page) {
	p.Title, p.Section = "Dashboard", "dashboard"
	c.render(w, p, http.StatusOK, "dashboard.html")
}
