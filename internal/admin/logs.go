package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// System Log page sizes, as Okta documents them.
const (
	logsDefaultLimit = 100
	logsMaxLimit     = 1000
)

func (a *API) routeLogs(mux *http.ServeMux) {
	a.route(mux, "GET /api/v1/logs", a.listLogs)
}

// listLogs serves GET /api/v1/logs. With since and no until it is a
// polling feed: the answer always links a next page, empty or not, for the
// client to poll.
func (a *API) listLogs(w http.ResponseWriter, r *http.Request) error {
	params := r.URL.Query()
	q, err := a.logQuery(params)
	if err != nil {
		return err
	}
	page, err := parsePage(r, logsDefaultLimit, logsMaxLimit)
	if err != nil {
		return err
	}
	q.Limit = page.Limit
	if page.After != "" {
		c, err := store.ParseEventCursor(page.After)
		if err != nil {
			return apierr.New(apierr.APIIllegalArgument, "The request was not valid: after is not a cursor from a next link")
		}
		q.After = &c
	}
	events, err := a.svc.SystemLog(r.Context(), q)
	if err != nil {
		return err
	}
	events, next := trimPage(events, page, func(e store.Event) string { return store.CursorOf(e).String() })
	polling := params.Get("since") != "" && params.Get("until") == "" && !q.Descending
	if polling && next == "" && len(events) > 0 {
		next = store.CursorOf(events[len(events)-1]).String()
	}
	out := make([]eventlog.LogEvent, len(events))
	for i, e := range events {
		out[i] = eventlog.LogEventOf(e)
	}
	w.Header().Add("Link", `<`+a.pageURL(r, "")+`>; rel="self"`)
	if next != "" || polling {
		// An empty polling page links to itself: the same request, later.
		w.Header().Add("Link", `<`+a.pageURL(r, next)+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, out)
}

// logQuery reads since, until, filter, q and sortOrder.
func (a *API) logQuery(params url.Values) (store.EventQuery, error) {
	search := domain.LogSearch{Since: params.Get("since"), Until: params.Get("until"), Filter: params.Get("filter"),
		Q: params.Get("q")}
	switch strings.ToUpper(params.Get("sortOrder")) {
	case "", "ASCENDING":
	case "DESCENDING":
		search.Descending = true
	default:
		return store.EventQuery{}, apierr.New(apierr.APIIllegalArgument, "The request was not valid: sortOrder must be ASCENDING or DESCENDING")
	}
	q, err := a.svc.LogQuery(search)
	var bad *domain.LogSearchError
	switch {
	case errors.As(err, &bad) && bad.Date:
		return q, apierr.New(apierr.APIInvalidDate, "").WithCauses(bad.Error())
	case errors.As(err, &bad) && bad.Field == "filter":
		return q, apierr.New(apierr.APIInvalidSearch, "").WithCauses(bad.Message)
	case errors.As(err, &bad):
		return q, apierr.New(apierr.APIInvalidSearch, "").WithCauses(bad.Error())
	}
	return q, err
}
