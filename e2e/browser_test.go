package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// browserContext starts headless Chromium, or skips the test when none is
// installed. Every flag that would make Chromium reach the network is off.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no Chromium installed (apt-get install chromium); browser tests skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(900, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	// The first action starts the browser; it must not run under a timeout,
	// which would end the browser with it.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// callbackApp is a client app's redirect endpoint on loopback that records
// what the authorization response delivered, by GET or by form POST.
type callbackApp struct {
	srv *httptest.Server
	mu  sync.Mutex
	got url.Values
	via string
}

func newCallbackApp(t *testing.T) *callbackApp {
	c := &callbackApp{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/host" {
			// An app page that runs /authorize in a hidden iframe and shows
			// what okta_post_message sends it.
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><title>host</title><pre id=msg></pre>
<script>
window.addEventListener("message", function (e) {
  document.getElementById("msg").textContent = JSON.stringify({origin: e.origin, data: e.data});
  document.getElementById("msg").id = "got";
});
</script>
<iframe hidden src=%q></iframe>`, r.URL.Query().Get("authorize"))
			return
		}
		if r.URL.Path != "/callback" {
			http.NotFound(w, r) // e.g. the browser's favicon request
			return
		}
		r.ParseForm()
		c.mu.Lock()
		c.got, c.via = r.Form, r.Method
		c.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>callback</title><p id=done>Signed in</p>"))
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *callbackApp) result() (url.Values, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got, c.via
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := filepath.Join("..", "testoutput", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Log(err)
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// TestBrowserSignIn drives the hosted sign-in page in real Chromium: the
// page's strict CSP must not break it, a wrong password shows the generic
// message, and the right one lands on the app with a code that exchanges.
// It then checks form_post, whose auto-submit runs from a static script.
func TestBrowserSignIn(t *testing.T) {
	ctx := browserContext(t)
	s := testkit.Start(t)
	app := newCallbackApp(t)
	redirect := app.srv.URL + "/callback"
	created, err := domain.CreateApp(context.Background(), s.Store, domain.NewAppParams{
		Name: "Browser Test App", Type: domain.AppTypeWeb, RedirectURIs: []string{redirect},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	clientID := created.App.ClientID
	authorize := func(mode string) string {
		q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
			"scope": {"openid profile"}, "state": {"st-" + mode}, "nonce": {"n"}, "response_mode": {mode}}
		return s.Issuer() + "/v1/authorize?" + q.Encode()
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(authorize("query")),
		chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", testkit.UserLogin),
		chromedp.SendKeys("#password", "wrong password"),
		chromedp.Click("button[type=submit]"),
		chromedp.WaitVisible("#signin-error"),
	)
	if err != nil {
		t.Fatal(err)
	}
	errText, err := chromedp.Run(ctx, chromedp.Text("#signin-error"))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "signin-failed")
	if !strings.Contains(errText, "Unable to sign in") {
		t.Errorf("failure message %q", errText)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys("#password", testkit.Password),
		chromedp.Click("button[type=submit]"),
		chromedp.WaitVisible("#done"),
	)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	got, via := app.result()
	if via != http.MethodGet || !strings.HasPrefix(loc, redirect+"?") || got.Get("state") != "st-query" || got.Get("iss") != s.Issuer() {
		t.Fatalf("callback via %s at %s with %v", via, loc, got)
	}
	if status, _ := exchangeWithBasic(t, s.Issuer(), clientID, created.ClientSecret, got.Get("code"), redirect); status != http.StatusOK {
		t.Errorf("exchange of the query code: status %d", status)
	}

	// The session now exists: form_post needs no sign-in, and the page's
	// script (allowed by the CSP as same-origin) posts the response.
	err = chromedp.Do(ctx, chromedp.Navigate(authorize("form_post")), chromedp.WaitVisible("#done"))
	if err != nil {
		t.Fatal(err)
	}
	got, via = app.result()
	if via != http.MethodPost || got.Get("code") == "" || got.Get("state") != "st-form_post" || got.Get("iss") != s.Issuer() {
		t.Fatalf("form_post delivered via %s: %v", via, got)
	}
	if status, _ := exchangeWithBasic(t, s.Issuer(), clientID, created.ClientSecret, got.Get("code"), redirect); status != http.StatusOK {
		t.Errorf("exchange of the form_post code: status %d", status)
	}

	// fragment: the code arrives after '#', where the server never sees it.
	if err := chromedp.Do(ctx, chromedp.Navigate(authorize("fragment")), chromedp.WaitVisible("#done")); err != nil {
		t.Fatal(err)
	}
	loc, err = chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	frag, _ := url.ParseQuery(u.Fragment)
	if u.RawQuery != "" || frag.Get("code") == "" || frag.Get("state") != "st-fragment" || frag.Get("iss") != s.Issuer() {
		t.Fatalf("fragment response landed at %s", loc)
	}
	if status, _ := exchangeWithBasic(t, s.Issuer(), clientID, created.ClientSecret, frag.Get("code"), redirect); status != http.StatusOK {
		t.Errorf("exchange of the fragment code: status %d", status)
	}

	// okta_post_message with prompt=none in a hidden iframe, as Okta's SPA
	// SDK renews tokens: the app page receives the code from Gatehouse's origin.
	silent := authorize("okta_post_message") + "&prompt=none"
	err = chromedp.Do(ctx, chromedp.Navigate(app.srv.URL+"/host?authorize="+url.QueryEscape(silent)), chromedp.WaitVisible("#got"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Text("#got"))
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Origin string            `json:"origin"`
		Data   map[string]string `json:"data"`
	}
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		t.Fatalf("message %q: %v", raw, err)
	}
	if msg.Origin != s.URL || msg.Data["code"] == "" || msg.Data["state"] != "st-okta_post_message" {
		t.Fatalf("postMessage from %s: %v", msg.Origin, msg.Data)
	}
	if status, _ := exchangeWithBasic(t, s.Issuer(), clientID, created.ClientSecret, msg.Data["code"], redirect); status != http.StatusOK {
		t.Errorf("exchange of the posted code: status %d", status)
	}
}

// exchangeWithBasic redeems a code with client_secret_basic and returns the
// status and body of the answer.
func exchangeWithBasic(t *testing.T, issuer, clientID, secret, code, redirect string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, issuer+"/v1/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
