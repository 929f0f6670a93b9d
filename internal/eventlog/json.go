package eventlog

import (
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// LogEvent is an event in the shape of Okta's LogEvent, as the Management
// API's /api/v1/logs returns it and the Admin Console's System Log shows
// it. Gatehouse knows no geography, network owner or authentication
// provider: those are null.
type LogEvent struct {
	UUID                  string             `json:"uuid"`
	Published             timestamp          `json:"published"`
	EventType             string             `json:"eventType"`
	Version               string             `json:"version"`
	Severity              string             `json:"severity"`
	LegacyEventType       *string            `json:"legacyEventType"`
	DisplayMessage        string             `json:"displayMessage"`
	Actor                 LogObject          `json:"actor"`
	Client                LogClient          `json:"client"`
	AuthenticationContext LogAuthContext     `json:"authenticationContext"`
	Outcome               LogOutcome         `json:"outcome"`
	SecurityContext       LogSecurityContext `json:"securityContext"`
	DebugContext          LogDebugContext    `json:"debugContext"`
	Transaction           LogTransaction     `json:"transaction"`
	Request               LogRequest         `json:"request"`
	Target                []LogObject        `json:"target"`
}

// LogObject is Okta's LogActor and LogTarget.
type LogObject struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	AlternateID string         `json:"alternateId"`
	DisplayName string         `json:"displayName"`
	DetailEntry map[string]any `json:"detailEntry"`
}

// LogClient is Okta's LogClient.
type LogClient struct {
	UserAgent           LogUserAgent   `json:"userAgent"`
	Zone                *string        `json:"zone"`
	Device              string         `json:"device"`
	ID                  *string        `json:"id"`
	IPAddress           *string        `json:"ipAddress"`
	GeographicalContext map[string]any `json:"geographicalContext"`
}

// LogUserAgent is Okta's LogUserAgent.
type LogUserAgent struct {
	RawUserAgent string `json:"rawUserAgent"`
	OS           string `json:"os"`
	Browser      string `json:"browser"`
}

// LogAuthContext is Okta's LogAuthenticationContext.
type LogAuthContext struct {
	AuthenticationProvider *string        `json:"authenticationProvider"`
	CredentialProvider     *string        `json:"credentialProvider"`
	CredentialType         *string        `json:"credentialType"`
	Issuer                 map[string]any `json:"issuer"`
	Interface              *string        `json:"interface"`
	AuthenticationStep     int            `json:"authenticationStep"`
	ExternalSessionID      *string        `json:"externalSessionId"`
}

// LogOutcome is Okta's LogOutcome.
type LogOutcome struct {
	Result string  `json:"result"`
	Reason *string `json:"reason"`
}

// LogSecurityContext is Okta's LogSecurityContext.
type LogSecurityContext struct {
	AsNumber *int    `json:"asNumber"`
	AsOrg    *string `json:"asOrg"`
	ISP      *string `json:"isp"`
	Domain   *string `json:"domain"`
	IsProxy  *bool   `json:"isProxy"`
}

// LogDebugContext is Okta's LogDebugContext.
type LogDebugContext struct {
	DebugData map[string]string `json:"debugData"`
}

// LogTransaction is Okta's LogTransaction.
type LogTransaction struct {
	Type   string         `json:"type"`
	ID     string         `json:"id"`
	Detail map[string]any `json:"detail"`
}

// LogRequest is Okta's LogRequest.
type LogRequest struct {
	IPChain []LogIPAddress `json:"ipChain"`
}

// LogIPAddress is Okta's LogIpAddress.
type LogIPAddress struct {
	IP                  string         `json:"ip"`
	Version             string         `json:"version"`
	Source              *string        `json:"source"`
	GeographicalContext map[string]any `json:"geographicalContext"`
}

// timestamp is written as Okta writes instants: UTC, milliseconds, or
// null for the zero time.
type timestamp time.Time

func (t timestamp) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

func logObjectOf(o store.EventObject) LogObject {
	return LogObject{ID: o.ID, Type: o.Type, AlternateID: o.AlternateID, DisplayName: o.DisplayName}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// LogEventOf renders a stored event in Okta's shape.
func LogEventOf(e store.Event) LogEvent {
	debug := make(map[string]string, len(e.Debug)+2)
	for k, v := range e.Debug {
		debug[k] = v
	}
	debug["requestId"] = e.RequestID
	if e.RequestURI != "" {
		debug["requestUri"] = e.RequestURI
	}
	out := LogEvent{
		UUID: e.UUID, Published: timestamp(e.Published), EventType: e.EventType, Version: "0", Severity: e.Severity,
		DisplayMessage: e.DisplayMessage, Actor: logObjectOf(e.Actor),
		Client:                logClientOf(e),
		AuthenticationContext: LogAuthContext{},
		Outcome:               LogOutcome{Result: e.Outcome, Reason: nullable(e.Reason)},
		DebugContext:          LogDebugContext{DebugData: debug},
		Transaction:           LogTransaction{Type: "WEB", ID: e.RequestID, Detail: map[string]any{}},
		Request:               LogRequest{IPChain: []LogIPAddress{}},
		Target:                make([]LogObject, len(e.Targets)),
	}
	for i, t := range e.Targets {
		out.Target[i] = logObjectOf(t)
	}
	if ip, err := netip.ParseAddr(e.ClientIP); err == nil {
		version := "V6"
		if ip.Unmap().Is4() {
			version = "V4"
		}
		out.Request.IPChain = append(out.Request.IPChain, LogIPAddress{IP: e.ClientIP, Version: version})
	}
	return out
}

func logClientOf(e store.Event) LogClient {
	os, browser, device := describeUserAgent(e.UserAgent)
	return LogClient{
		UserAgent: LogUserAgent{RawUserAgent: e.UserAgent, OS: os, Browser: browser},
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
