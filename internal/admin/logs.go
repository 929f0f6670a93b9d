package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// System Log query bounds, as Okta documents them.
const (
	logsDefaultLimit  = 100
	logsMaxLimit      = 1000
	logsDefaultWindow = 7 * 24 * time.Hour
	logsMaxKeywords   = 10
	logsMaxKeywordLen = 40
	// logsFlushWait bounds how long a read waits for this replica's
	// queued events to be written.
	logsFlushWait = 2 * time.Second
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
	// Write what this replica still holds, so that a client sees the
	// events of what it has just done.
	if f, ok := a.svc.Events.(eventlog.Flusher); ok {
		ctx, cancel := context.WithTimeout(r.Context(), logsFlushWait)
		if err := f.Flush(ctx); err != nil {
			slog.WarnContext(r.Context(), "system log flush before read did not finish", "error", err)
		}
		cancel()
	}
	events, err := a.st.ListEvents(r.Context(), q)
	if err != nil {
		return err
	}
	events, next := trimPage(events, page, func(e store.Event) string { return store.CursorOf(e).String() })
	polling := params.Get("since") != "" && params.Get("until") == "" && !q.Descending
	if polling && next == "" && len(events) > 0 {
		next = store.CursorOf(events[len(events)-1]).String()
	}
	out := make([]logEventJSON, len(events))
	for i, e := range events {
		out[i] = logEventOf(e)
	}
	w.Header().Add("Link", `<`+a.pageURL(r, "")+`>; rel="self"`)
	if next != "" || polling {
		// An empty polling page links to itself: the same request, later.
		w.Header().Add("Link", `<`+a.pageURL(r, next)+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, out)
}

// logQuery reads since, until, filter, q and sortOrder.
func (a *API) logQuery(params map[string][]string) (store.EventQuery, error) {
	get := func(k string) string {
		if v := params[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var q store.EventQuery
	now := time.Now
	if a.svc.Now != nil {
		now = a.svc.Now
	}
	q.Until = now()
	if s := get("until"); s != "" {
		t, err := parseLogTime(s)
		if err != nil {
			return q, apierr.New(apierr.APIInvalidDate, "").WithCauses("until: " + err.Error())
		}
		q.Until = t
	}
	q.Since = q.Until.Add(-logsDefaultWindow)
	if s := get("since"); s != "" {
		t, err := parseLogTime(s)
		if err != nil {
			return q, apierr.New(apierr.APIInvalidDate, "").WithCauses("since: " + err.Error())
		}
		q.Since = t
	}
	if q.Since.After(q.Until) {
		return q, apierr.New(apierr.APIInvalidDate, "").WithCauses("since: must not be after until")
	}
	if s := get("filter"); s != "" {
		f, err := domain.ParseLogFilter(s)
		if err != nil {
			return q, err
		}
		q.Filter = f
	}
	q.Keywords = strings.Fields(get("q"))
	if len(q.Keywords) > logsMaxKeywords {
		return q, apierr.New(apierr.APIInvalidSearch, "").WithCauses("q: at most 10 keywords")
	}
	for _, k := range q.Keywords {
		if len([]rune(k)) > logsMaxKeywordLen {
			return q, apierr.New(apierr.APIInvalidSearch, "").WithCauses("q: a keyword is longer than 40 characters")
		}
	}
	switch strings.ToUpper(get("sortOrder")) {
	case "", "ASCENDING":
	case "DESCENDING":
		q.Descending = true
	default:
		return q, apierr.New(apierr.APIIllegalArgument, "The request was not valid: sortOrder must be ASCENDING or DESCENDING")
	}
	return q, nil
}

var errLogTime = errors.New("not an ISO 8601 timestamp such as 2026-01-31T12:00:00.000Z")

// parseLogTime reads an ISO 8601 timestamp; one without a zone is UTC, as
// is a bare date.
func parseLogTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errLogTime
}

// logEventJSON is Okta's LogEvent.
type logEventJSON struct {
	UUID                  string             `json:"uuid"`
	Published             Time               `json:"published"`
	EventType             string             `json:"eventType"`
	Version               string             `json:"version"`
	Severity              string             `json:"severity"`
	LegacyEventType       *string            `json:"legacyEventType"`
	DisplayMessage        string             `json:"displayMessage"`
	Actor                 logObjectJSON      `json:"actor"`
	Client                logClientJSON      `json:"client"`
	AuthenticationContext logAuthContextJSON `json:"authenticationContext"`
	Outcome               logOutcomeJSON     `json:"outcome"`
	SecurityContext       logSecurityJSON    `json:"securityContext"`
	DebugContext          logDebugJSON       `json:"debugContext"`
	Transaction           logTransactionJSON `json:"transaction"`
	Request               logRequestJSON     `json:"request"`
	Target                []logObjectJSON    `json:"target"`
}

// logObjectJSON is Okta's LogActor and LogTarget.
type logObjectJSON struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	AlternateID string         `json:"alternateId"`
	DisplayName string         `json:"displayName"`
	DetailEntry map[string]any `json:"detailEntry"`
}

type logClientJSON struct {
	UserAgent           logUserAgentJSON `json:"userAgent"`
	Zone                *string          `json:"zone"`
	Device              string           `json:"device"`
	ID                  *string          `json:"id"`
	IPAddress           *string          `json:"ipAddress"`
	GeographicalContext map[string]any   `json:"geographicalContext"`
}

type logUserAgentJSON struct {
	RawUserAgent string `json:"rawUserAgent"`
	OS           string `json:"os"`
	Browser      string `json:"browser"`
}

type logAuthContextJSON struct {
	AuthenticationProvider *string        `json:"authenticationProvider"`
	CredentialProvider     *string        `json:"credentialProvider"`
	CredentialType         *string        `json:"credentialType"`
	Issuer                 map[string]any `json:"issuer"`
	Interface              *string        `json:"interface"`
	AuthenticationStep     int            `json:"authenticationStep"`
	ExternalSessionID      *string        `json:"externalSessionId"`
}

type logOutcomeJSON struct {
	Result string  `json:"result"`
	Reason *string `json:"reason"`
}

type logSecurityJSON struct {
	AsNumber *int    `json:"asNumber"`
	AsOrg    *string `json:"asOrg"`
	ISP      *string `json:"isp"`
	Domain   *string `json:"domain"`
	IsProxy  *bool   `json:"isProxy"`
}

type logDebugJSON struct {
	DebugData map[string]string `json:"debugData"`
}

type logTransactionJSON struct {
	Type   string         `json:"type"`
	ID     string         `json:"id"`
	Detail map[string]any `json:"detail"`
}

type logRequestJSON struct {
	IPChain []logIPJSON `json:"ipChain"`
}

type logIPJSON struct {
	IP                  string         `json:"ip"`
	Version             string         `json:"version"`
	Source              *string        `json:"source"`
	GeographicalContext map[string]any `json:"geographicalContext"`
}

func logObjectOf(o store.EventObject) logObjectJSON {
	return logObjectJSON{ID: o.ID, Type: o.Type, AlternateID: o.AlternateID, DisplayName: o.DisplayName}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// logEventOf renders a stored event in Okta's shape. Gatehouse knows no
// geography, network owner or authentication provider: those are null.
func logEventOf(e store.Event) logEventJSON {
	debug := make(map[string]string, len(e.Debug)+2)
	for k, v := range e.Debug {
		debug[k] = v
	}
	debug["requestId"] = e.RequestID
	if e.RequestURI != "" {
		debug["requestUri"] = e.RequestURI
	}
	out := logEventJSON{
		UUID: e.UUID, Published: Time(e.Published), EventType: e.EventType, Version: "0", Severity: e.Severity,
		DisplayMessage: e.DisplayMessage, Actor: logObjectOf(e.Actor),
		Client:                logClientOf(e),
		AuthenticationContext: logAuthContextJSON{},
		Outcome:               logOutcomeJSON{Result: e.Outcome, Reason: nullable(e.Reason)},
		DebugContext:          logDebugJSON{DebugData: debug},
		Transaction:           logTransactionJSON{Type: "WEB", ID: e.RequestID, Detail: map[string]any{}},
		Request:               logRequestJSON{IPChain: []logIPJSON{}},
		Target:                make([]logObjectJSON, len(e.Targets)),
	}
	for i, t := range e.Targets {
		out.Target[i] = logObjectOf(t)
	}
	if ip, err := netip.ParseAddr(e.ClientIP); err == nil {
		version := "V6"
		if ip.Unmap().Is4() {
			version = "V4"
		}
		out.Request.IPChain = append(out.Request.IPChain, logIPJSON{IP: e.ClientIP, Version: version})
	}
	return out
}

func logClientOf(e store.Event) logClientJSON {
	os, browser, device := describeUserAgent(e.UserAgent)
	return logClientJSON{
		UserAgent: logUserAgentJSON{RawUserAgent: e.UserAgent, OS: os, Browser: browser},
		Device:    device, IPAddress: nullable(e.ClientIP),
	}
}

// describeUserAgent names the operating system, browser and device class
// of a User-Agent header the way Okta's System Log does, for the common
// cases; anything else is Unknown.
func describeUserAgent(ua string) (os, browser, device string) {
	os, browser, device = "Unknown", "UNKNOWN", "Unknown"
	if ua == "" {
		return
	}
	for _, c := range []struct{ token, name, device string }{
		{"Windows", "Windows", "Computer"}, {"iPhone", "iOS", "Mobile"}, {"iPad", "iOS", "Tablet"},
		{"Mac OS X", "Mac OS X", "Computer"}, {"Android", "Android", "Mobile"}, {"CrOS", "Chrome OS", "Computer"},
		{"Linux", "Linux", "Computer"},
	} {
		if strings.Contains(ua, c.token) {
			os, device = c.name, c.device
			break
		}
	}
	for _, c := range []struct{ token, name string }{
		{"Edg/", "EDGE_CHROMIUM"}, {"OPR/", "OPERA"}, {"Firefox/", "FIREFOX"}, {"Chrome/", "CHROME"},
		{"Safari/", "SAFARI"},
	} {
		if strings.Contains(ua, c.token) {
			browser = c.name
			break
		}
	}
	return
}
