package e2e_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// syslogEvent is the part of Okta's LogEvent this test reads.
type syslogEvent struct {
	UUID      string `json:"uuid"`
	Published string `json:"published"`
	EventType string `json:"eventType"`
	Version   string `json:"version"`
	Severity  string `json:"severity"`
	Actor     struct {
		ID          string `json:"id"`
		Type        string `json:"type"`
		AlternateID string `json:"alternateId"`
	} `json:"actor"`
	Client struct {
		IPAddress string `json:"ipAddress"`
	} `json:"client"`
	Outcome struct {
		Result string  `json:"result"`
		Reason *string `json:"reason"`
	} `json:"outcome"`
	DebugContext struct {
		DebugData map[string]string `json:"debugData"`
	} `json:"debugContext"`
	Transaction struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"transaction"`
	Target []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"target"`
}

func (e syslogEvent) target(typ string) string {
	for _, t := range e.Target {
		if t.Type == typ {
			return t.ID
		}
	}
	return ""
}

func (e syslogEvent) reason() string {
	if e.Outcome.Reason == nil {
		return ""
	}
	return *e.Outcome.Reason
}

// findLogs asks the System Log with params and returns the events and the
// raw body.
func findLogs(t *testing.T, s *testkit.Server, params url.Values) ([]syslogEvent, string) {
	t.Helper()
	r := s.API(t, http.MethodGet, "/api/v1/logs?"+params.Encode(), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/logs?%s: %d %s", params.Encode(), r.Status, r.Body)
	}
	var events []syslogEvent
	r.JSON(t, &events)
	return events, string(r.Body)
}

// jwtClaim reads one string claim of a JWT's payload.
func jwtClaim(t *testing.T, jwt, name string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	v, _ := claims[name].(string)
	return v
}

type syslogTokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

func postToken(t *testing.T, s *testkit.Server, endpoint string, form url.Values) (int, syslogTokens) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.WebApp.ClientID, s.WebSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out syslogTokens
	body, _ := io.ReadAll(resp.Body)
	json.Unmarshal(body, &out)
	return resp.StatusCode, out
}

// TestSystemLogRecordsTheProtocol drives a sign-in (a bad password, then a
// good one), a code exchange and its replay, a refresh, a revocation, a
// failed org-server token request and a sign-out, and finds each event in
// the System Log by eventType and by keyword, in Okta's shape.
func TestSystemLogRecordsTheProtocol(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := testkit.Start(t, testkit.Options{Postgres: backend == "postgres"})
			testSystemLogFlow(t, s)
		})
	}
}

func testSystemLogFlow(t *testing.T, s *testkit.Server) {
	const wrongPassword = "not-the-password-Zq81"
	const wrongLogin = "mallory.tries@example.com"
	browser := testkit.Browser()
	authorizeURL := s.AuthorizeURL(s.WebApp.ClientID, url.Values{"scope": {"openid profile offline_access"}})

	// A failed sign-in, then a good one.
	resp, err := browser.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form, err := s.ParseSignInForm(string(page))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = s.SubmitSignIn(browser, form, wrongLogin, wrongPassword); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad password: %v %v", resp, err)
	}
	resp.Body.Close()
	loc, err := s.Authorize(browser, authorizeURL, testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	code := loc.Query().Get("code")

	// The exchange, its replay, a refresh and a revocation.
	tokenURL := s.Issuer() + "/v1/token"
	status, first := postToken(t, s, tokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}})
	if status != http.StatusOK || first.RefreshToken == "" || first.IDToken == "" {
		t.Fatalf("exchange: %d %+v", status, first)
	}
	status, refreshed := postToken(t, s, tokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %+v", status, refreshed)
	}
	if status, replay := postToken(t, s, tokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}}); status != http.StatusBadRequest || replay.Error != "invalid_grant" {
		t.Fatalf("replay: %d %+v", status, replay)
	}
	revokeForm := url.Values{"token": {first.AccessToken}}
	req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/revoke", strings.NewReader(revokeForm.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.WebApp.ClientID, s.WebSecret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	// A failure on the org server.
	if status, bad := postToken(t, s, s.URL+"/oauth2/v1/token", url.Values{"grant_type": {"password"}, "scope": {strings.Repeat("s", 2000)}}); status != http.StatusBadRequest || bad.Error != "unsupported_grant_type" {
		t.Fatalf("org server password grant: %d %+v", status, bad)
	}
	// Sign out.
	resp, err = browser.Get(s.URL + "/login/signout")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(string(page))
	if csrf == nil {
		t.Fatalf("no sign-out form: %s", page)
	}
	if resp, err = browser.PostForm(s.URL+"/login/signout", url.Values{"csrf_token": {csrf[1]}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-out: %v %v", resp, err)
	}
	resp.Body.Close()

	accessJTI, refreshedJTI, idJTI := jwtClaim(t, first.AccessToken, "jti"), jwtClaim(t, refreshed.AccessToken, "jti"), jwtClaim(t, first.IDToken, "jti")
	byType := func(eventType string) []syslogEvent {
		t.Helper()
		events, body := findLogs(t, s, url.Values{"filter": {`eventType eq "` + eventType + `"`}})
		if strings.Contains(body, wrongPassword) || strings.Contains(body, testkit.Password) {
			t.Fatalf("a password is in the System Log: %s", body)
		}
		for _, e := range events {
			if e.EventType != eventType || e.Version != "0" || len(e.UUID) != 36 || len(e.Published) != 24 ||
				e.Transaction.Type != "WEB" || e.Transaction.ID == "" || e.DebugContext.DebugData["requestId"] != e.Transaction.ID {
				t.Fatalf("%s event not in Okta's shape: %+v", eventType, e)
			}
		}
		return events
	}
	one := func(eventType string, pick func(syslogEvent) bool) syslogEvent {
		t.Helper()
		var found []syslogEvent
		for _, e := range byType(eventType) {
			if pick == nil || pick(e) {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%s: %d matching events, want 1: %+v", eventType, len(found), found)
		}
		return found[0]
	}
	success := func(e syslogEvent) bool { return e.Outcome.Result == "SUCCESS" }
	failure := func(e syslogEvent) bool { return e.Outcome.Result == "FAILURE" }

	t.Run("sign-in", func(t *testing.T) {
		ok := one("user.session.start", success)
		if ok.Actor.ID != s.User.ID || ok.Actor.AlternateID != testkit.UserLogin || ok.Actor.Type != "User" || ok.Client.IPAddress == "" {
			t.Fatalf("good sign-in %+v", ok)
		}
		bad := one("user.session.start", failure)
		if bad.reason() != "INVALID_CREDENTIALS" || bad.Actor.AlternateID != wrongLogin || bad.Severity != "WARN" {
			t.Fatalf("bad sign-in %+v", bad)
		}
	})
	t.Run("authorization code", func(t *testing.T) {
		e := one("app.oauth2.as.authorize.code", nil)
		if e.Actor.ID != s.User.ID || e.target("PublicClientApp") != s.WebApp.ClientID {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("token grants", func(t *testing.T) {
		exchange := one("app.oauth2.as.token.grant.access_token", func(e syslogEvent) bool { return e.target("access_token") == accessJTI })
		d := exchange.DebugContext.DebugData
		if exchange.Actor.ID != s.User.ID || exchange.target("PublicClientApp") != s.WebApp.ClientID ||
			d["grantType"] != "authorization_code" || d["grantedScopes"] != "openid profile offline_access" ||
			d["clientAuthType"] != "client_secret_basic" || d["requestUri"] != "/oauth2/default/v1/token" {
			t.Fatalf("exchange %+v", exchange)
		}
		refresh := one("app.oauth2.as.token.grant.access_token", func(e syslogEvent) bool { return e.target("access_token") == refreshedJTI })
		if refresh.DebugContext.DebugData["grantType"] != "refresh_token" {
			t.Fatalf("refresh %+v", refresh)
		}
		one("app.oauth2.as.token.grant.id_token", func(e syslogEvent) bool { return e.target("id_token") == idJTI })
		if n := len(byType("app.oauth2.as.token.grant.refresh_token")); n != 2 {
			t.Fatalf("%d refresh_token grants, want 2 (exchange and rotation)", n)
		}
	})
	t.Run("replay", func(t *testing.T) {
		reuse := one("app.oauth2.as.token.detect_reuse", nil)
		if reuse.target("PublicClientApp") != s.WebApp.ClientID || reuse.Severity != "WARN" {
			t.Fatalf("%+v", reuse)
		}
		failed := one("app.oauth2.as.token.grant", nil)
		if failed.Outcome.Result != "FAILURE" || failed.reason() != "invalid_grant" || failed.DebugContext.DebugData["grantType"] != "authorization_code" {
			t.Fatalf("%+v", failed)
		}
	})
	t.Run("revocation", func(t *testing.T) {
		e := one("app.oauth2.as.token.revoke", nil)
		if e.target("access_token") != accessJTI || e.target("PublicClientApp") != s.WebApp.ClientID {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("org server failure", func(t *testing.T) {
		e := one("app.oauth2.token.grant", nil)
		// What the caller sent is kept, within a bound.
		if e.reason() != "unsupported_grant_type" || e.Actor.ID != s.WebApp.ClientID || len(e.DebugContext.DebugData["requestedScopes"]) != 512 {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("sign-out", func(t *testing.T) {
		if e := one("user.session.end", nil); e.Actor.ID != s.User.ID {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("Okta's SDK reads the log", func(t *testing.T) {
		client := oktaClient(t, s)
		events, resp, err := client.SystemLogAPI.ListLogEvents(t.Context()).Filter(`eventType sw "user.session"`).
			Since(time.Now().Add(-time.Hour)).Until(time.Now().Add(time.Minute)).SortOrder("DESCENDING").Execute()
		if err != nil {
			sdkFailed(t, "ListLogEvents", resp, err)
		}
		var got []string
		for _, e := range events {
			outcome := e.GetOutcome()
			actor := e.GetActor()
			if e.GetUuid() == "" || e.Published == nil || actor.GetId() == "" {
				t.Fatalf("SDK event %+v", e)
			}
			got = append(got, e.GetEventType()+"/"+outcome.GetResult())
		}
		want := []string{"user.session.end/SUCCESS", "user.session.start/SUCCESS", "user.session.start/FAILURE"}
		if !slices.Equal(got, want) || resp.HasNextPage() {
			t.Fatalf("SDK read %v (next page %v), want %v", got, resp.HasNextPage(), want)
		}
	})
	t.Run("keywords", func(t *testing.T) {
		for _, c := range []struct {
			q    string
			want []string
		}{
			// The token's id names it in its grant and in its revocation.
			{accessJTI, []string{"app.oauth2.as.token.grant.access_token", "app.oauth2.as.token.revoke"}},
			{strings.ToUpper(wrongLogin), []string{"user.session.start"}},
			{"detect_reuse", []string{"app.oauth2.as.token.detect_reuse"}},
			{"logout " + testkit.UserLogin, []string{"user.session.end"}},
		} {
			events, _ := findLogs(t, s, url.Values{"q": {c.q}})
			var types []string
			for _, e := range events {
				types = append(types, e.EventType)
			}
			if !slices.Equal(types, c.want) {
				t.Fatalf("q=%q found %v, want %v", c.q, types, c.want)
			}
		}
	})
}
