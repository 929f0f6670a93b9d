package e2e_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// TestBrowserAdminConsole drives the Admin Console in real Chromium as a new
// administrator would: sign in, create a web app integration, read its
// client ID and secret from the General tab, add a person and assign them,
// then run the Authorization Code flow in the same browser with exactly
// those credentials, and find the events in the System Log page. Every page
// it opens is audited (no CSP violation, every control labelled, no inline
// style or script, nothing wider than the window) and photographed into
// testoutput/screenshots.
func TestBrowserAdminConsole(t *testing.T) {
	ctx := browserContext(t)
	s := testkit.Start(t)
	app := newCallbackApp(t)
	redirect := app.srv.URL + "/callback"

	const adminLogin, adminPassword = "admin@example.com", "an admin password of some length"
	admin, err := domain.CreateUser(context.Background(), s.Store, domain.NewUserParams{
		Login: adminLogin, FirstName: "Ada", LastName: "Admin", Password: adminPassword}, s.Service.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.AssignRole(context.Background(), admin.ID, domain.RoleSuperAdmin); err != nil {
		t.Fatal(err)
	}
	recordCSPViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// 1. Sign in: /admin sends the browser to the hosted sign-in page.
	signInAsAdmin := func(start string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.URL+start),
			chromedp.WaitVisible("#username"),
			chromedp.SendKeys("#username", adminLogin),
			chromedp.SendKeys("#password", adminPassword),
			chromedp.Click("button[type=submit]"),
			chromedp.WaitVisible("#signed-in-as"),
		)
		if err != nil {
			t.Fatalf("admin sign-in: %v", err)
		}
	}
	signInAsAdmin("/admin")
	auditPage(t, ctx, "dashboard")
	screenshot(t, ctx, "console-dashboard")

	// The skip link is the first stop of the keyboard, and takes focus to
	// the page's content.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil {
		t.Fatal(err)
	}
	if focused != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	focused, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil {
		t.Fatal(err)
	}
	if focused != "main" {
		t.Errorf("the skip link moves focus to %q, want main", focused)
	}

	// 2. Create App Integration: a web app, no assignment yet.
	visit(t, ctx, s.URL+"/admin/apps", "#create-app", "apps")
	err = chromedp.Do(ctx,
		chromedp.Click("#create-app"),
		chromedp.WaitVisible("#f-name"),
	)
	if err != nil {
		t.Fatal(err)
	}
	auditPage(t, ctx, "app-new")
	screenshot(t, ctx, "console-app-new")
	err = chromedp.Do(ctx,
		chromedp.SendKeys("#f-name", "Browser Console App"),
		chromedp.SetValue("#f-redirect_uris", redirect),
		chromedp.SetValue("#f-post_logout_redirect_uris", app.srv.URL+"/"),
		chromedp.Click(`input[name=assignment][value=skip]`),
		chromedp.Click("#save-app"),
		chromedp.WaitVisible("#client-id"),
	)
	if err != nil {
		t.Fatal(err)
	}

	// 3. The General tab: the client ID in plain sight, the secret behind
	// "Show", with copy buttons that JavaScript reveals.
	clientID, err := chromedp.Run(ctx, chromedp.Text("#client-id"))
	if err != nil {
		t.Fatal(err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("button[data-copy=client-secret]").hidden`)); err != nil || hidden {
		t.Errorf("the secret's copy button is hidden (%v): console.js did not run", err)
	}
	err = chromedp.Do(ctx, chromedp.Click("#new-secret-notice summary"), chromedp.WaitVisible("#client-secret"))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := chromedp.Run(ctx, chromedp.Text("#client-secret"))
	if err != nil {
		t.Fatal(err)
	}
	auditPage(t, ctx, "app-general")
	screenshot(t, ctx, "console-app-general")
	docScreenshot(t, ctx, "app-general")
	clientID, secret = strings.TrimSpace(clientID), strings.TrimSpace(secret)
	if !strings.HasPrefix(clientID, domain.PrefixApp) || len(secret) < 40 {
		t.Fatalf("General tab shows client ID %q and secret of %d characters", clientID, len(secret))
	}

	// 4. Add a person with a password, and assign them to the app.
	const userLogin, userPassword = "bea@example.com", "Bea's long enough password"
	visit(t, ctx, s.URL+"/admin/users/new", "#f-firstName", "person-new")
	err = chromedp.Do(ctx,
		chromedp.SendKeys("#f-firstName", "Bea"),
		chromedp.SendKeys("#f-lastName", "Browser"),
		chromedp.SendKeys("#f-login", userLogin),
		chromedp.SendKeys("#f-email", userLogin),
		chromedp.Click(`input[name=password_mode][value=admin]`),
		chromedp.SendKeys("#f-password", userPassword),
	)
	if err != nil {
		t.Fatal(err)
	}
	// "Activate now" must end up ticked, whatever its default.
	if checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("input[name=activate]").checked`)); err != nil {
		t.Fatal(err)
	} else if !checked {
		if err := chromedp.Do(ctx, chromedp.Click(`input[name=activate]`)); err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Click("#save-person"),
		chromedp.WaitVisible("#save-profile"),
	)
	if err != nil {
		t.Fatal(err)
	}
	auditPage(t, ctx, "person")
	screenshot(t, ctx, "console-person")
	visit(t, ctx, s.URL+"/admin/apps/"+clientID+"/assignments", "#f-user", "app-assignments-empty")
	err = chromedp.Do(ctx,
		chromedp.SendKeys("#f-user", userLogin),
		chromedp.Click("#assign-user"),
		chromedp.WaitVisible("#assigned-users"),
	)
	if err != nil {
		t.Fatal(err)
	}
	assigned, err := chromedp.Run(ctx, chromedp.Text("#assigned-users"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(assigned, userLogin) {
		t.Fatalf("assignments table: %q", assigned)
	}
	auditPage(t, ctx, "app-assignments")
	screenshot(t, ctx, "console-app-assignments")
	docScreenshot(t, ctx, "app-assignments")

	// Every other area opens, passes the audit, and is photographed.
	for _, p := range []struct{ path, name string }{
		{"/admin/users", "people"}, {"/admin/groups", "groups"}, {"/admin/api", "api"},
		{"/admin/api/servers/default", "api-settings"}, {"/admin/api/servers/default/scopes", "api-scopes"},
		{"/admin/api/servers/default/claims", "api-claims"}, {"/admin/api/servers/default/policies", "api-policies"},
		{"/admin/api/servers/default/keys", "api-keys"}, {"/admin/api/servers/default/preview", "api-preview"},
		{"/admin/api/tokens", "api-tokens"}, {"/admin/customization", "customization"},
	} {
		visit(t, ctx, s.URL+p.path, "main h1", p.name)
	}

	// A narrow screen: the console reflows, nothing runs off the side.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, s.URL+"/admin/apps/"+clientID, "#client-id", "narrow-app-general")
	visit(t, ctx, s.URL+"/admin/users", "main h1", "narrow-people")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// 5. Sign out of the console; the new person signs in to the app in the
	// same browser, and the test exchanges the code with the credentials the
	// General tab showed.
	err = chromedp.Do(ctx, chromedp.Click(".who button[type=submit]"), chromedp.WaitVisible("#username"))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"console-state"}, "nonce": {"console-nonce"}}
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = chromedp.Do(step,
		chromedp.Navigate(s.Issuer()+"/v1/authorize?"+q.Encode()),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", userLogin),
		chromedp.SendKeys("#password", userPassword),
		chromedp.Click("button[type=submit]"),
		chromedp.WaitVisible("#done"),
	)
	if err != nil {
		failure(t, ctx, "authorize", err)
	}
	got, _ := app.result()
	if got.Get("state") != "console-state" || got.Get("code") == "" {
		t.Fatalf("callback got %v", got)
	}
	idToken := exchangeForIDToken(t, s.Issuer(), clientID, secret, got.Get("code"), redirect)
	if idToken["preferred_username"] != userLogin || idToken["aud"] != clientID {
		t.Fatalf("ID token for %v, audience %v; want %s for %s", idToken["preferred_username"], idToken["aud"], userLogin, clientID)
	}

	// 6. The System Log page shows what happened, newest first, each event
	// expandable to its JSON.
	if err := s.Events.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Bea signs out; the administrator signs in again.
	err = chromedp.Do(ctx, chromedp.Navigate(s.URL+"/login/signout"), chromedp.Click("button[type=submit]"),
		chromedp.WaitNotPresent("button[type=submit]"))
	if err != nil {
		t.Fatal(err)
	}
	signInAsAdmin("/admin/logs")
	logText, err := chromedp.Run(ctx, chromedp.Text("main"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"application.lifecycle.create", "user.lifecycle.create", "application.user_membership.add",
		"user.session.start", "app.oauth2.as.authorize.code", "app.oauth2.as.token.grant.id_token", userLogin, "Browser Console App"} {
		if !strings.Contains(logText, want) {
			t.Errorf("System Log page lacks %q", want)
		}
	}
	err = chromedp.Do(ctx, chromedp.Click("details.event summary"), chromedp.WaitVisible("details.event pre"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Text("details.event pre"))
	if err != nil {
		t.Fatal(err)
	}
	var event struct {
		UUID      string `json:"uuid"`
		EventType string `json:"eventType"`
	}
	if err := json.Unmarshal([]byte(raw), &event); err != nil || event.UUID == "" || event.EventType == "" {
		t.Errorf("expanded event is not a LogEvent (%v): %.200s", err, raw)
	}
	auditPage(t, ctx, "logs")
	screenshot(t, ctx, "console-logs")
	docScreenshot(t, ctx, "system-log")
}

// failure ends the test with what the browser shows.
func failure(t *testing.T, ctx context.Context, step string, err error) {
	t.Helper()
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(short, chromedp.Location())
	text, _ := chromedp.Run(short, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ""`))
	screenshot(t, short, "console-failed-"+step)
	t.Fatalf("%s: %v\nat %s:\n%s", step, err, loc, text)
}

// exchangeForIDToken redeems a code with client_secret_basic and returns
// the ID token's claims (the signature is the verifier's business,
// checked elsewhere).
func exchangeForIDToken(t *testing.T, issuer, clientID, secret, code, redirect string) map[string]any {
	t.Helper()
	status, body := exchangeWithBasic(t, issuer, clientID, secret, code, redirect)
	if status != http.StatusOK {
		t.Fatalf("token exchange: %d %s", status, body)
	}
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token response %s", body)
	}
	parts := strings.Split(tok.IDToken, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token %q", tok.IDToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
