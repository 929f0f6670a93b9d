package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Reports → System Log: events newest first, filtered by type, time and
// keywords, each expandable to the LogEvent the Management API returns.
// The search is the API's (domain.Service.LogQuery), so are the paging
// cursors.

func (c *Console) mountReports(mux *http.ServeMux) {
	c.get(mux, "GET /admin/logs", c.systemLog)
}

// logPageSize is how many events the System Log page shows at once.
const logPageSize = 50

// logFilterFields are the System Log page's filter fields, kept in the
// "Older events" link.
var logFilterFields = []string{"type", "since", "until", "q", "filter"}

// logSearchFields maps the fields a domain.LogSearchError names to the
// page's.
var logSearchFields = map[string]string{
	"since": "since", "until": "until", "filter": "filter", "eventType": "type", "q": "q",
}

// eventTypePrefixes are suggestions for the event type field, which
// matches types starting with what is typed.
var eventTypePrefixes = []string{
	"user.session", "user.lifecycle", "user.account",
	"app.oauth2", "app.oauth2.as.authorize", "app.oauth2.as.token", "app.oauth2.as.token.grant", "app.oauth2.as.token.revoke",
	"app.oauth2.credentials", "application.lifecycle", "application.user_membership",
	"group.lifecycle", "group.user_membership", "group.application_assignment",
	"oauth2.as", "oauth2.scope", "oauth2.claim", "policy.lifecycle", "policy.rule",
	"system.api_token", "org.branding.update",
}

type logsData struct {
	Form       *Form
	EventTypes []string
	Events     []logRow
	// Since and Until are the range searched, Paged whether this page
	// continues an earlier one.
	Since, Until time.Time
	Paged        bool
	Filtered     bool
	Newest       string // the first page's path
	Older        string // the next page's path, "" on the last
}

// logRow is one event and its LogEvent JSON.
type logRow struct {
	store.Event
	JSON string
}

// Time is when the event happened, to the second, in UTC.
func (r logRow) Time() string { return r.Published.UTC().Format("2006-01-02 15:04:05 UTC") }

// ISOTime is the event's time for a <time> element.
func (r logRow) ISOTime() string { return r.Published.UTC().Format(time.RFC3339) }

func (c *Console) systemLog(w http.ResponseWriter, r *http.Request, p *Page) {
	params := r.URL.Query()
	f := formOf(params)
	d := logsData{Form: f, EventTypes: eventTypePrefixes}
	p.Title, p.Section, p.Data = "System Log", "logs", &d

	q, err := c.Service.LogQuery(domain.LogSearch{Since: f.Get("since"), Until: f.Get("until"), Filter: f.Get("filter"),
		EventType: f.Get("type"), Q: f.Get("q"), Descending: true})
	var bad *domain.LogSearchError
	if errors.As(err, &bad) {
		f.Fail(logSearchFields[bad.Field], bad.Message)
		c.render(w, p, http.StatusBadRequest, "logs.html")
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	q.Limit = logPageSize
	if after := params.Get("after"); after != "" {
		cur, err := store.ParseEventCursor(after)
		if err != nil {
			f.General = "The link to older events is not valid: start again from the newest."
			c.render(w, p, http.StatusBadRequest, "logs.html")
			return
		}
		q.After, d.Paged = &cur, true
	}
	events, err := c.Service.SystemLog(r.Context(), q)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d.Since, d.Until = q.Since, q.Until
	filters := url.Values{}
	for _, k := range logFilterFields {
		if v := f.Get(k); v != "" {
			filters.Set(k, v)
		}
	}
	d.Filtered = len(filters) > 0
	d.Newest = logsPath(filters)
	events, after := pageOf(events, logPageSize, func(e store.Event) string { return store.CursorOf(e).String() })
	if after != "" {
		older := url.Values{"after": {after}}
		for k, v := range filters {
			older[k] = v
		}
		d.Older = logsPath(older)
	}
	d.Events = make([]logRow, len(events))
	for i, e := range events {
		b, err := json.MarshalIndent(eventlog.LogEventOf(e), "", "  ")
		if err != nil {
			c.fail(w, r, p, err)
			return
		}
		d.Events[i] = logRow{Event: e, JSON: string(b)}
	}
	c.render(w, p, http.StatusOK, "logs.html")
}

// logsPath is the System Log page with query q.
func logsPath(q url.Values) string {
	if len(q) == 0 {
		return "/admin/logs"
	}
	return "/admin/logs?" + q.Encode()
}
