package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/loadtest"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// loadLines runs `gatehouse loadtest … --json` and returns its JSON lines.
func loadLines(t *testing.T, env map[string]string, args ...string) ([]loadtest.JSONResult, result) {
	t.Helper()
	r := gatehouse(t, env, "", append([]string{"loadtest", "--json"}, args...)...)
	var out []loadtest.JSONResult
	for line := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var j loadtest.JSONResult
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("stdout line is not JSON: %v\n%s\nstderr:\n%s", err, line, r.stderr)
		}
		out = append(out, j)
	}
	return out, r
}

// checkLevels asserts only that every level ran and nothing failed: no
// timing thresholds, so that the test holds on any machine.
func checkLevels(t *testing.T, lines []loadtest.JSONResult, r result, scenario string, levels ...int) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if len(lines) != len(levels) {
		t.Fatalf("%d JSON lines, want %d\n%s", len(lines), len(levels), r.stdout)
	}
	for i, j := range lines {
		if j.Scenario != scenario || j.Concurrency != levels[i] || j.OK == 0 || j.Errors != 0 || len(j.ErrorsByKind) != 0 ||
			j.Requests != j.OK || j.HTTPRequests < j.OK || j.Backoffs != 0 {
			t.Errorf("level %d: %+v\nstderr:\n%s", i, j, r.stderr)
		}
	}
	// The table went to stderr, with a row per level.
	if !strings.Contains(r.stderr, "req/s") || strings.Count(r.stderr, "\n"+scenario+" ") != len(levels) {
		t.Errorf("no result table on stderr:\n%s", r.stderr)
	}
}

// TestLoadtestSmoke runs every scenario briefly against a real Gatehouse,
// through the command's own code path, so that the load tool keeps working.
func TestLoadtestSmoke(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	svc, err := domain.CreateApp(ctx, s.Store, domain.NewAppParams{Name: "svc", Type: domain.AppTypeService}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := domain.CreateScope(ctx, s.Store, domain.NewScopeParams{AuthServerID: "default", Name: "load", Default: true}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Secrets come from the environment, as they would in CI.
	env := map[string]string{"GATEHOUSE_LOADTEST_ISSUER": s.Issuer(), "SVC_SECRET": svc.ClientSecret, "WEB_SECRET": s.WebSecret,
		"USER_PASSWORD": testkit.Password}
	short := []string{"--duration", "300ms", "--concurrency", "2"}
	service := []string{"--client-id", svc.App.ClientID, "--client-secret-env", "SVC_SECRET"}
	web := []string{"--client-id", s.WebApp.ClientID, "--client-secret-env", "WEB_SECRET",
		"--redirect-uri", testkit.RedirectURI, "--username", testkit.UserLogin, "--password-env", "USER_PASSWORD"}

	cases := []struct {
		name, scenario string
		args           []string
	}{
		{"client_credentials", "client_credentials", service},
		{"authcode", "authcode", web},
		{"authcode-session", "authcode-session", web},
		{"code-exchange", "code-exchange", web},
		{"refresh", "refresh", web},
		{"introspect a client credentials token", "introspect", service},
		{"introspect a user's token", "introspect", web},
		{"jwks", "jwks", nil},
		{"discovery", "discovery", nil},
		{"authcode-session with client_secret_post", "authcode-session", []string{"--client-id", s.PostApp.ClientID,
			"--client-secret-env", "POST_SECRET", "--auth-method", "client_secret_post", "--redirect-uri", testkit.RedirectURI,
			"--username", testkit.UserLogin, "--password-env", "USER_PASSWORD"}},
	}
	env["POST_SECRET"] = s.PostSecret
	// Variants of a scenario covered above need only a few operations.
	light := map[string]bool{"introspect a user's token": true, "authcode-session with client_secret_post": true}
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bounds := short
			if light[tc.name] {
				bounds = []string{"--requests", "3", "--concurrency", "2"}
			}
			args := append(append([]string{"--scenario", tc.scenario}, bounds...), tc.args...)
			lines, r := loadLines(t, env, args...)
			checkLevels(t, lines, r, tc.scenario, 2)
			covered[tc.scenario] = true
		})
	}
	for _, sc := range loadtest.Scenarios() {
		if !covered[sc.Name] {
			t.Errorf("scenario %s is not smoke-tested", sc.Name)
		}
	}

	t.Run("sweep bounded by count, with a chart", func(t *testing.T) {
		svg := filepath.Join(t.TempDir(), "chart.svg")
		lines, r := loadLines(t, env, "--scenario", "jwks", "--concurrency", "1,3", "--requests", "30", "--svg", svg)
		checkLevels(t, lines, r, "jwks", 1, 3)
		for _, j := range lines {
			if j.Requests != 30 {
				t.Errorf("level %d ran %d operations, want 30", j.Concurrency, j.Requests)
			}
		}
		b, err := os.ReadFile(svg)
		if err != nil || !strings.HasPrefix(string(b), "<svg") || strings.Count(string(b), "<polyline") != 2 {
			t.Errorf("chart: %v\n%.300s", err, b)
		}
	})

	t.Run("refresh with a given token, as against another server", func(t *testing.T) {
		rt := refreshTokenFor(t, s)
		lines, r := loadLines(t, env, "--scenario", "refresh", "--duration", "300ms", "--concurrency", "1",
			"--client-id", s.WebApp.ClientID, "--client-secret-env", "WEB_SECRET", "--refresh-token", rt)
		checkLevels(t, lines, r, "refresh", 1)

		// Two workers cannot share one token, and there is no user to get another.
		r = gatehouse(t, env, "", "loadtest", "--scenario", "refresh", "--requests", "5", "--concurrency", "2",
			"--client-id", s.WebApp.ClientID, "--client-secret-env", "WEB_SECRET", "--refresh-token", refreshTokenFor(t, s))
		if r.code != 1 || !strings.Contains(r.stderr, "refresh token") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})

	t.Run("the table goes to stdout without --json", func(t *testing.T) {
		r := gatehouse(t, env, "", "loadtest", "--scenario", "discovery", "--requests", "5", "--concurrency", "1")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "scenario") || !strings.Contains(r.stdout, "\ndiscovery ") ||
			strings.Contains(r.stdout, "{") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})
}

// refreshTokenFor signs the seeded user in to the web app with
// offline_access and returns the refresh token.
func refreshTokenFor(t *testing.T, s *testkit.Server) string {
	t.Helper()
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, url.Values{"scope": {"openid offline_access"}}),
		testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.Issuer()+"/v1/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {testkit.RedirectURI},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.WebApp.ClientID, s.WebSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.RefreshToken == "" {
		t.Fatalf("no refresh token (status %d): %v", resp.StatusCode, err)
	}
	return tr.RefreshToken
}

// A wrong password is sent once, by the check before the workers start,
// and never again (Gatehouse throttles a login after a few failures).
func TestLoadtestWrongPasswordIsSentOnce(t *testing.T) {
	s := testkit.Start(t)
	for _, scenario := range []string{"authcode", "authcode-session", "code-exchange", "refresh"} {
		r := gatehouse(t, map[string]string{"P": "not the password"}, "", "loadtest", "--issuer", s.Issuer(),
			"--scenario", scenario, "--concurrency", "4", "--requests", "50",
			"--client-id", s.WebApp.ClientID, "--client-secret", s.WebSecret, "--redirect-uri", testkit.RedirectURI,
			"--username", testkit.UserLogin, "--password-env", "P")
		if r.code != 1 || !strings.Contains(r.stderr, "refused the username or password") || r.stdout != "" {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", scenario, r.code, r.stdout, r.stderr)
		}
	}
	// Three failures in all: the right password still works (the throttle
	// would refuse it after ten).
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, nil), testkit.UserLogin, testkit.Password)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in after the failed runs: %v %v", loc, err)
	}
}

func TestLoadtestUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no scenario", nil, "--scenario is required"},
		{"bad level", []string{"--scenario", "jwks", "--concurrency", "1,x"}, "--concurrency"},
		{"zero level", []string{"--scenario", "jwks", "--concurrency", "0"}, "--concurrency"},
		{"no bound", []string{"--scenario", "jwks", "--duration", "0"}, "--duration or --requests"},
		{"bad auth method", []string{"--scenario", "jwks", "--auth-method", "private_key_jwt"}, "--auth-method"},
		{"empty password variable", []string{"--scenario", "authcode", "--password-env", "NOPE"}, "NOPE is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := gatehouse(t, nil, "", append([]string{"loadtest"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}

	s := testkit.Start(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"--scenario", "nope"}, `unknown scenario "nope"`},
		{"missing client", []string{"--scenario", "authcode"}, "needs --client-id, --redirect-uri, --username, --password"},
		{"not an issuer", []string{"--scenario", "jwks", "--issuer", s.URL + "/oauth2/nope"}, "discovery"},
		{"a client the server does not know", []string{"--scenario", "client_credentials", "--client-id", "0oanope", "--client-secret", "x"},
			"HTTP 401: invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := gatehouse(t, nil, "", append([]string{"loadtest", "--issuer", s.Issuer(), "--requests", "3"}, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}
}

// An issuer that sheds load with 503 and Retry-After: 1 after the check
// request: by default the workers wait as asked and the JSON line and the
// table say how often; with --retry-after=false they send again at once.
func TestLoadtestRetryAfter(t *testing.T) {
	var jwksRequests atomic.Int64
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
			json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": issuer + "/v1/keys"})
		case jwksRequests.Add(1) == 1:
			io.WriteString(w, `{"keys":[{"kty":"EC"}]}`)
		default:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":"temporarily_unavailable"}`)
		}
	}))
	defer srv.Close()
	issuer = srv.URL + "/oauth2/default"

	cases := []struct {
		name         string
		args         []string
		wantBackoffs bool
	}{
		{"waits by default", []string{"--duration", "1500ms"}, true},
		{"--retry-after=false sends again at once", []string{"--requests", "20", "--retry-after=false"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			jwksRequests.Store(0) // each run's check request passes
			lines, r := loadLines(t, nil, append([]string{"--issuer", issuer, "--scenario", "jwks", "--concurrency", "2"}, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "no operation succeeded") || len(lines) != 1 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			j := lines[0]
			if j.Errors == 0 || j.ErrorsByKind["jwks 503 temporarily_unavailable"] != j.Errors || (j.Backoffs > 0) != tc.wantBackoffs {
				t.Errorf("%+v", j)
			}
			if tc.wantBackoffs && (j.Backoffs > j.Errors || !strings.Contains(r.stderr, "× backoff")) {
				t.Errorf("%d backoffs for %d errors\nstderr:\n%s", j.Backoffs, j.Errors, r.stderr)
			}
		})
	}
}
