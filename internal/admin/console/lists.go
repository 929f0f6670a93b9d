package console

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

// listPageSize is how many rows a console list shows per page.
const listPageSize = 20

// pageOf cuts rows, read with store.Page{Limit: n} (the store answers one
// row more when more follow), to n, and gives the next page's cursor: the
// key of the last row shown, "" on the last page.
func pageOf[T any](rows []T, n int, key func(T) string) ([]T, string) {
	if len(rows) <= n {
		return rows, ""
	}
	rows = rows[:n]
	return rows, key(rows[n-1])
}

// renderSearch shows list page name after its search: for a search the
// domain refused (a *domain.SearchError), with why in problem and status
// 400; for another error, c.fail's page.
func (c *Console) renderSearch(w http.ResponseWriter, r *http.Request, p *Page, name string, err error, problem *string) {
	var refused *domain.SearchError
	switch {
	case errors.As(err, &refused):
		*problem = refused.Message
		c.render(w, p, http.StatusBadRequest, name)
	case err != nil:
		c.fail(w, r, p, err)
	default:
		c.render(w, p, http.StatusOK, name)
	}
}
