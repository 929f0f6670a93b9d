package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// recordCSPViolations makes every page the browser opens from now on keep
// the Content-Security-Policy violations it meets, for auditPage to read.
func recordCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
				function (e) { window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")); });`,
		})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// pageProblems is what the audit of one page found.
type pageProblems struct {
	CSP        []string `json:"csp"`
	Unlabelled []string `json:"unlabelled"`
	Inline     []string `json:"inline"`
	Overflow   bool     `json:"overflow"`
}

// auditScript lists what a console page must not have: CSP violations,
// form controls without a label, inline style or script, and content wider
// than the window.
const auditScript = `(function () {
  var out = {csp: window.__csp || [], unlabelled: [], inline: [], overflow: false};
  document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (e) {
    if ((!e.labels || e.labels.length === 0) && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby")) {
      out.unlabelled.push(e.outerHTML.slice(0, 120));
    }
  });
  // The customization preview is styled by console.js through the CSSOM,
  // which the CSP allows; a style attribute anywhere else came from HTML.
  document.querySelectorAll("[style]:not([data-preview])").forEach(function (e) { out.inline.push("style on " + e.tagName); });
  document.querySelectorAll("script:not([src])").forEach(function () { out.inline.push("inline script"); });
  out.overflow = document.documentElement.scrollWidth > window.innerWidth + 1;
  return out;
})()`

// auditPage fails the test for any accessibility or CSP problem on the
// page the browser shows.
func auditPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[pageProblems](auditScript))
	if err != nil {
		t.Fatalf("audit %s: %v", name, err)
	}
	var problems []string
	if len(p.CSP) > 0 {
		problems = append(problems, "CSP violations: "+strings.Join(p.CSP, "; "))
	}
	if len(p.Unlabelled) > 0 {
		problems = append(problems, "controls without a label: "+strings.Join(p.Unlabelled, "; "))
	}
	if len(p.Inline) > 0 {
		problems = append(problems, "inline style or script: "+strings.Join(p.Inline, "; "))
	}
	if p.Overflow {
		problems = append(problems, "content wider than the window")
	}
	if len(problems) > 0 {
		t.Errorf("page %s: %s", name, strings.Join(problems, " | "))
	}
}

// docScreenshot saves what the window shows (not the whole page) as
// name.png in the folder GATEHOUSE_DOCS_SCREENSHOTS names, when set: the
// README's console tour is made this way, with
// GATEHOUSE_DOCS_SCREENSHOTS=$PWD/docs/console go test ./e2e -run TestBrowserAdminConsole
func docScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("GATEHOUSE_DOCS_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// visit opens a console page, waits for it, audits it, and saves a
// screenshot named after it.
func visit(t *testing.T, ctx context.Context, url, waitFor, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(waitFor)); err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	auditPage(t, ctx, name)
	screenshot(t, ctx, "console-"+name)
}
