package admin

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// parsePage reads limit and after. A missing or -1 limit is def; a larger
// one than max is max, as Okta clamps it.
func parsePage(r *http.Request, def, max int) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{Limit: def, After: q.Get("after")}
	if s := q.Get("limit"); s != "" && s != "-1" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, apierr.New(apierr.APIIllegalArgument, "The request was not valid: limit must be a positive integer")
		}
		p.Limit = min(n, max)
	}
	if len(p.After) > 512 {
		return p, apierr.New(apierr.APIIllegalArgument, "The request was not valid: after is too long")
	}
	return p, nil
}

// trimPage cuts items read with Limit+1 rows to the page and returns the
// cursor of the next page ("" when this one is the last).
func trimPage[T any](items []T, p store.Page, cursor func(T) string) ([]T, string) {
	if items == nil {
		items = []T{}
	}
	if len(items) <= p.Limit {
		return items, ""
	}
	items = items[:p.Limit]
	return items, cursor(items[len(items)-1])
}

// writePage answers with a list and its Link headers: self always, next
// when next is not empty. One header line per relation, with every query
// parameter of the request kept, as Okta's SDKs expect.
func (a *API) writePage(w http.ResponseWriter, r *http.Request, items any, next string) error {
	w.Header().Add("Link", `<`+a.pageURL(r, "")+`>; rel="self"`)
	if next != "" {
		w.Header().Add("Link", `<`+a.pageURL(r, next)+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, items)
}

func (a *API) pageURL(r *http.Request, after string) string {
	q := r.URL.Query()
	if after != "" {
		q.Set("after", after)
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return a.baseURL + u.String()
}
