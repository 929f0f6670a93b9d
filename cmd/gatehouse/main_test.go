package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// gatehouse runs the command in-process with the given standard input and
// environment (nothing leaks in from the real environment).
func gatehouse(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr, func(k string) string { return env[k] })
	if ctx.Err() != nil {
		t.Fatalf("gatehouse %s did not finish: it ran until the context ended", strings.Join(args, " "))
	}
	return result{code, stdout.String(), stderr.String()}
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "gatehouse.db") }

type appOut struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	Name                    string   `json:"name"`
	ApplicationType         string   `json:"application_type"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	Status                  string   `json:"status"`
}

var clientIDRe = regexp.MustCompile(`^0oa[0-9A-Za-z]{17}$`)

func TestAppsCreateJSON(t *testing.T) {
	db := tempDB(t)
	cases := []struct {
		name       string
		args       []string
		wantMethod string
		wantSecret bool
	}{
		{"web app", []string{"--name", "Web", "--redirect-uri", "https://app.example.com/cb"}, "client_secret_basic", true},
		{"web app with client_secret_post", []string{"--name", "Post", "--auth-method", "client_secret_post",
			"--redirect-uri", "https://app.example.com/cb", "--redirect-uri", "https://app.example.com/cb2"}, "client_secret_post", true},
		{"browser app", []string{"--name", "SPA", "--type", "browser", "--redirect-uri", "http://localhost:3000/cb"}, "none", false},
		{"native app with a private-use scheme", []string{"--name", "Mobile", "--type", "native", "--redirect-uri", "com.example.app:/cb"}, "none", false},
	}
	created := map[string]appOut{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := gatehouse(t, nil, "", append([]string{"apps", "create", "--database", db, "--json"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var a appOut
			if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
			}
			if !clientIDRe.MatchString(a.ClientID) {
				t.Errorf("client_id %q, want an Okta-style 0oa… id", a.ClientID)
			}
			if a.TokenEndpointAuthMethod != tc.wantMethod || a.Status != "ACTIVE" ||
				strings.Join(a.GrantTypes, " ") != "authorization_code refresh_token" {
				t.Errorf("app %+v", a)
			}
			if tc.wantSecret != (a.ClientSecret != "") {
				t.Errorf("client_secret %q, want one: %v", a.ClientSecret, tc.wantSecret)
			}
			if tc.wantSecret && len(a.ClientSecret) < 43 {
				t.Errorf("client_secret %q is shorter than 256 bits", a.ClientSecret)
			}
			created[a.ClientID] = a
		})
	}

	t.Run("the printed secret is the one stored", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for id, a := range created {
			stored, err := st.GetApp(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.ClientSecret != "" && !domain.SecretMatches(a.ClientSecret, stored.SecretHash) {
				t.Errorf("%s: the printed secret does not match the stored hash", a.Name)
			}
			if stored.SecretHash == a.ClientSecret && a.ClientSecret != "" {
				t.Errorf("%s: the secret is stored in clear", a.Name)
			}
		}
	})

	t.Run("apps list shows them without secrets", func(t *testing.T) {
		r := gatehouse(t, nil, "", "apps", "list", "--database", db, "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var list []appOut
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatal(err)
		}
		if len(list) != len(created) {
			t.Errorf("%d apps listed, want %d", len(list), len(created))
		}
		for _, a := range list {
			if _, ok := created[a.ClientID]; !ok {
				t.Errorf("unexpected app %s", a.ClientID)
			}
			if a.ClientSecret != "" {
				t.Errorf("apps list prints the secret of %s", a.Name)
			}
		}
	})

	t.Run("text output", func(t *testing.T) {
		r := gatehouse(t, nil, "", "apps", "create", "--database", db, "--name", "Text", "--redirect-uri", "https://a.example.com/cb")
		if r.code != 0 || !regexp.MustCompile(`(?m)^client id\s+0oa\w{17}$`).MatchString(r.stdout) ||
			!regexp.MustCompile(`(?m)^client secret\s+\S{43}$`).MatchString(r.stdout) {
			t.Errorf("exit %d stdout:\n%s", r.code, r.stdout)
		}
	})
}

func TestDatabaseFromEnvironment(t *testing.T) {
	db := tempDB(t)
	env := map[string]string{"GATEHOUSE_DATABASE": db}
	if r := gatehouse(t, env, "", "apps", "create", "--name", "Env", "--redirect-uri", "https://a.example.com/cb", "--json"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r := gatehouse(t, nil, "", "apps", "list", "--database", db, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"name": "Env"`) {
		t.Errorf("the app was not created in GATEHOUSE_DATABASE: %s %s", r.stdout, r.stderr)
	}
}

func TestUsersCreate(t *testing.T) {
	db := tempDB(t)
	cases := []struct {
		name, login, stdin, password string
	}{
		{"password on a line", "bob@example.com", "s3cret-password\n", "s3cret-password"},
		{"CRLF line ending", "carol@example.com", "another-password\r\nignored\n", "another-password"},
		{"no newline", "dave@example.com", "passw0rd-no-newline", "passw0rd-no-newline"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := gatehouse(t, nil, tc.stdin, "users", "create", "--database", db, "--login", tc.login,
				"--first-name", "Bob", "--last-name", "Builder", "--password-stdin", "--json")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var u map[string]string
			if err := json.Unmarshal([]byte(r.stdout), &u); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
			}
			if !regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`).MatchString(u["id"]) || u["login"] != tc.login ||
				u["email"] != tc.login || u["status"] != "ACTIVE" {
				t.Errorf("user %v", u)
			}
			if strings.Contains(r.stdout+r.stderr, tc.password) {
				t.Error("the password was printed")
			}
			st, err := sqlite.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, ok, err := domain.Authenticate(context.Background(), st, tc.login, tc.password, nil); err != nil || !ok {
				t.Errorf("the user cannot sign in with the password read from stdin (err %v)", err)
			}
		})
	}

	t.Run("duplicate login", func(t *testing.T) {
		r := gatehouse(t, nil, "yet-another-password\n", "users", "create", "--database", db, "--login", "BOB@example.com", "--password-stdin")
		if r.code != 1 || !strings.Contains(r.stderr, "BOB@example.com") || !strings.Contains(r.stderr, "already exists") {
			t.Errorf("exit %d stderr %q, want 1 and a message that the login exists", r.code, r.stderr)
		}
	})
}

func TestInvalidInput(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  []string // every string must appear on stderr
	}{
		{"app without redirect URI", "", []string{"apps", "create", "--name", "X"},
			[]string{"redirect_uris", "at least one sign-in redirect URI is required"}},
		{"app of a bad type", "", []string{"apps", "create", "--name", "X", "--type", "mainframe", "--redirect-uri", "https://a.example.com/cb"},
			[]string{"type", "must be one of web, native, browser"}},
		{"app without a name", "", []string{"apps", "create", "--redirect-uri", "https://a.example.com/cb"},
			[]string{"name", "must be 1 to 100 characters"}},
		{"relative redirect URI", "", []string{"apps", "create", "--name", "X", "--redirect-uri", "/callback"},
			[]string{"redirect_uris", "must be an absolute URI: /callback"}},
		{"redirect URI with a fragment", "", []string{"apps", "create", "--name", "X", "--redirect-uri", "https://a.example.com/cb#x"},
			[]string{"must not contain a fragment"}},
		{"public app with a secret method", "", []string{"apps", "create", "--name", "X", "--type", "browser",
			"--auth-method", "client_secret_basic", "--redirect-uri", "https://a.example.com/cb"},
			[]string{"token_endpoint_auth_method", "use none"}},
		{"every problem at once", "", []string{"apps", "create", "--type", "mainframe"},
			[]string{"name:", "type:"}},
		{"short password", "short\n", []string{"users", "create", "--login", "e@example.com", "--password-stdin"},
			[]string{"password", "at least 8 characters"}},
		{"empty standard input", "", []string{"users", "create", "--login", "e@example.com", "--password-stdin"},
			[]string{"--password-stdin", "no password"}},
		{"login with a space", "long-enough-password\n", []string{"users", "create", "--login", "e f", "--password-stdin"},
			[]string{"login", "without spaces"}},
		{"unknown flag", "", []string{"apps", "create", "--bogus"},
			[]string{"flag provided but not defined: -bogus"}},
		{"missing subcommand", "", []string{"apps"}, []string{"a subcommand is required"}},
		{"unknown subcommand", "", []string{"users", "delete", "--login", "e@example.com"}, []string{`unknown subcommand "delete"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := tempDB(t)
			args := tc.args
			if len(args) > 1 {
				args = append(slices.Clone(args), "--database", db)
			}
			r := gatehouse(t, nil, tc.stdin, args...)
			// Usage mistakes exit 2, as for an unknown command; bad input 1.
			want := 1
			if strings.Contains(tc.name, "flag") || strings.Contains(tc.name, "subcommand") {
				want = 2
			}
			if r.code != want {
				t.Errorf("exit %d, want %d", r.code, want)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			// Nothing was created.
			if _, err := os.Stat(db); err == nil {
				st, err := sqlite.Open(context.Background(), db)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				apps, _ := st.ListApps(context.Background())
				if _, uerr := st.GetUserByLogin(context.Background(), "e@example.com"); len(apps) > 0 || uerr == nil {
					t.Error("a failed command left an app or a user behind")
				}
			}
		})
	}
}

func TestUsageAndUnknownCommands(t *testing.T) {
	if r := gatehouse(t, nil, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "gatehouse serve") {
		t.Errorf("help: exit %d stdout %q", r.code, r.stdout)
	}
	if r := gatehouse(t, nil, ""); r.code != 2 || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("no arguments: exit %d stderr %q", r.code, r.stderr)
	}
	if r := gatehouse(t, nil, "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d stderr %q", r.code, r.stderr)
	}
}

func TestMigrate(t *testing.T) {
	db := tempDB(t)
	r := gatehouse(t, nil, "", "migrate", "up", "--database", db)
	if r.code != 0 || !strings.Contains(r.stdout, "up to date") {
		t.Fatalf("migrate up: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = gatehouse(t, nil, "", "migrate", "status", "--database", db)
	if r.code != 0 {
		t.Fatalf("migrate status: exit %d stderr %q", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^00001\s+applied\s+00001_initial\.sql$`).MatchString(r.stdout) {
		t.Errorf("migrate status does not list 00001 as applied:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "pending") {
		t.Errorf("a migration is pending after migrate up:\n%s", r.stdout)
	}
}

func TestServeRefusesInvalidConfiguration(t *testing.T) {
	dir := t.TempDir()
	unknownKey := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknownKey, []byte("addr: 127.0.0.1:0\nlisten_port: 8080\n"), 0o600)
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("session_lifetime: [1, 2]\n"), 0o600)

	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // the bad value, named on stderr
	}{
		{"bad --addr", []string{"--addr", "no-port-here"}, nil, `addr "no-port-here"`},
		{"bad GATEHOUSE_ADDR", nil, map[string]string{"GATEHOUSE_ADDR": "127.0.0.1"}, `addr "127.0.0.1"`},
		{"bad --base-url scheme", []string{"--base-url", "ftp://id.example.com"}, nil, `base_url "ftp://id.example.com"`},
		{"--base-url with a path", []string{"--base-url", "https://id.example.com/gatehouse"}, nil, `base_url "https://id.example.com/gatehouse"`},
		{"bad GATEHOUSE_LOG_LEVEL", nil, map[string]string{"GATEHOUSE_LOG_LEVEL": "chatty"}, `log_level "chatty"`},
		{"bad --log-format", []string{"--log-format", "xml"}, nil, `log_format "xml"`},
		{"session lifetime too short", []string{"--session-lifetime", "10s"}, nil, "session_lifetime 10s"},
		{"unparseable GATEHOUSE_SESSION_LIFETIME", nil, map[string]string{"GATEHOUSE_SESSION_LIFETIME": "forever"}, `GATEHOUSE_SESSION_LIFETIME: "forever"`},
		{"bad GATEHOUSE_DEMO", nil, map[string]string{"GATEHOUSE_DEMO": "perhaps"}, `"perhaps" is not a boolean`},
		{"short master key", []string{"--master-key", "short"}, nil, "master_key"},
		{"unsupported database URL", []string{"--database", "mysql://u:secret@db/gh"}, nil, "must be a SQLite file path or a postgres:// DSN"},
		{"PostgreSQL without a master key", []string{"--database", "postgres://u:secret@db.invalid/gh"}, nil, "master_key: required with PostgreSQL"},
		{"unknown key in the config file", []string{"--config", unknownKey}, nil, "listen_port"},
		{"unknown key via GATEHOUSE_CONFIG", nil, map[string]string{"GATEHOUSE_CONFIG": unknownKey}, "listen_port"},
		{"wrong type in the config file", []string{"--config", badYAML}, nil, "bad.yaml: yaml: unmarshal errors:\n  line 1: cannot unmarshal"},
		{"missing config file", []string{"--config", filepath.Join(dir, "nope.yaml")}, nil, "nope.yaml"},
		{"unknown flag", []string{"--port", "8080"}, nil, "flag provided but not defined: -port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := tempDB(t)
			args := []string{"serve", "--database", db}
			if tc.env["GATEHOUSE_ADDR"] == "" {
				args = append(args, "--addr", testkit.FreeAddr(t)) // were it to start, it would listen here
			}
			args = append(args, tc.args...)
			r := gatehouse(t, tc.env, "", args...)
			if r.code == 0 {
				t.Fatalf("exit 0, want a failure")
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr does not name the bad value %s:\n%s", tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "gatehouse is serving") {
				t.Error("the server started")
			}
			// It stopped before touching anything: no database, no generated key.
			for _, f := range []string{db, db + ".masterkey"} {
				if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was created by a start that should have failed", filepath.Base(f))
				}
			}
			if strings.Contains(r.stderr, "secret@") {
				t.Error("the database password is echoed")
			}
		})
	}
}

// TestServeStartsAndStops is the positive control of the invalid-config
// tests: a valid configuration serves until the context ends, then exits 0.
func TestServeStartsAndStops(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	addr := testkit.FreeAddr(t)
	db := tempDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testkit.SyncBuffer
	env := map[string]string{"GATEHOUSE_MASTER_KEY": "a-master-key-of-enough-length", "GATEHOUSE_LOG_FORMAT": "json"}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--database", db}, strings.NewReader(""), &stdout, &stderr,
			func(k string) string { return env[k] })
	}()

	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before serving: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy: %v; stderr %s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(base + "/oauth2/default/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if doc.Issuer != base+"/oauth2/default" {
		t.Errorf("issuer %q, want %s/oauth2/default (base URL defaults to http://{addr})", doc.Issuer, base)
	}
	if _, err := os.Stat(db + ".masterkey"); err == nil {
		t.Error("a master key file was generated although GATEHOUSE_MASTER_KEY was set")
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after shutdown: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
	if !strings.Contains(stderr.String(), `"msg":"gatehouse is serving"`) {
		t.Errorf("no JSON start line in the log:\n%s", stderr.String())
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
	if stdout.String() != "" {
		t.Errorf("stdout %q, want nothing without --demo", stdout.String())
	}
}
