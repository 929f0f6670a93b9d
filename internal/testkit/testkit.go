// Package testkit starts a real Gatehouse on a loopback port over a fresh
// SQLite database, seeded with a confidential web app, a public app and a
// user, and drives the hosted sign-in over HTTP as a browser would. Tests of
// every package use it; nothing in production imports it.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/eventlog"
	"github.com/gatehouse-auth/gatehouse/internal/keys"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// Fixed test credentials.
const (
	MasterKey   = "testkit-master-key-0123456789abcdef"
	UserLogin   = "alice@example.com"
	Password    = "correct horse battery staple"
	RedirectURI = "https://app.example.com/callback"
)

// Server is a running Gatehouse with seeded data.
type Server struct {
	URL    string
	DBPath string // SQLite file, or the PostgreSQL DSN
	Store  *sqlstore.Store
	HTTP   *httptest.Server

	WebApp     store.App // confidential, client_secret_basic
	WebSecret  string
	PostApp    store.App // confidential, client_secret_post
	PostSecret string
	PublicApp  store.App // browser app, PKCE, auth method none
	User       store.User
	// APIToken is a Management API token (Authorization: SSWS …).
	APIToken string
	// Service is the domain service over Store, for seeding tests.
	Service *domain.Service
	// Events is the server's System Log writer (Flush it to read events
	// from the store directly).
	Events *eventlog.Log
}

// Options tune Start.
type Options struct {
	// DBPath reuses an existing SQLite database (for restart tests); empty
	// makes a new one.
	DBPath string
	// Postgres runs on a fresh schema of the PostgreSQL server named by
	// GATEHOUSE_TEST_POSTGRES (the test skips when it is unset).
	Postgres bool
	// Now overrides the clock.
	Now func() time.Time
	// RefreshGrace is how long a rotated-out refresh token still works (0 by default).
	RefreshGrace time.Duration
	// APIRateLimit is Management API requests per minute per token (0: the default).
	APIRateLimit int
}

// Start runs a server for the test and stops it at cleanup.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	fresh := o.DBPath == ""
	ctx := context.Background()
	var st *sqlstore.Store
	var err error
	if o.Postgres {
		o.DBPath = pgtest.FreshSchema(t)
		st, err = postgres.Open(ctx, o.DBPath, postgres.DefaultPool())
	} else {
		if fresh {
			o.DBPath = filepath.Join(t.TempDir(), "gatehouse.db")
		}
		st, err = sqlite.Open(ctx, o.DBPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(MasterKey)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{DBPath: o.DBPath, Store: st, Service: &domain.Service{Store: st, Now: o.Now, Sealer: sealer}}
	// The listener comes first: the issuer must be known before New.
	s.HTTP = httptest.NewUnstartedServer(nil)
	s.URL = "http://" + s.HTTP.Listener.Addr().String()
	if err := domain.EnsureAuthServers(ctx, st, o.Now()); err != nil {
		t.Fatal(err)
	}
	if fresh {
		s.seed(t, ctx, o.Now())
	} else {
		s.reload(t, ctx)
	}
	// A short interval: tests that read the store right after acting see
	// their events soon (s.Events.Flush makes it certain).
	s.Events = eventlog.Start(st, o.Now, eventlog.Options{Interval: 10 * time.Millisecond})
	h, err := server.New(server.Options{Store: st, Sealer: sealer, BaseURL: s.URL, SessionLifetime: time.Hour, Now: o.Now,
		RefreshGrace: o.RefreshGrace, APIRateLimit: o.APIRateLimit, Events: s.Events,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		s.Events.Close(ctx)
		t.Fatal(err)
	}
	s.HTTP.Config.Handler = h
	s.HTTP.Start()
	t.Cleanup(func() {
		s.HTTP.Close()
		s.Events.Close(context.Background()) // after the last request, before the database
		st.Close()
	})
	return s
}

func (s *Server) seed(t testing.TB, ctx context.Context, now time.Time) {
	t.Helper()
	mk := func(p domain.NewAppParams) domain.NewApp {
		a, err := domain.CreateApp(ctx, s.Store, p, now)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	web := mk(domain.NewAppParams{Name: "Web App", Type: domain.AppTypeWeb, RedirectURIs: []string{RedirectURI}})
	post := mk(domain.NewAppParams{Name: "Post App", Type: domain.AppTypeWeb, RedirectURIs: []string{RedirectURI}, AuthMethod: domain.AuthMethodPost})
	public := mk(domain.NewAppParams{Name: "SPA", Type: domain.AppTypeBrowser, RedirectURIs: []string{RedirectURI}})
	s.WebApp, s.WebSecret = web.App, web.ClientSecret
	s.PostApp, s.PostSecret = post.App, post.ClientSecret
	s.PublicApp = public.App
	var err error
	s.User, err = domain.CreateUser(ctx, s.Store, domain.NewUserParams{
		Login: UserLogin, FirstName: "Alice", LastName: "Anders", Password: Password,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Service.CreateAPIToken(ctx, "testkit", "")
	if err != nil {
		t.Fatal(err)
	}
	s.APIToken = tok.Value
}

// reload finds the seeded records in a reused database (secrets are not
// recoverable: restart tests carry them over from the first Server).
func (s *Server) reload(t testing.TB, ctx context.Context) {
	t.Helper()
	apps, err := s.Store.ListApps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		switch a.Name {
		case "Web App":
			s.WebApp = a
		case "Post App":
			s.PostApp = a
		case "SPA":
			s.PublicApp = a
		}
	}
	if s.User, err = s.Store.GetUserByLogin(ctx, UserLogin); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Service.CreateAPIToken(ctx, "testkit", "")
	if err != nil {
		t.Fatal(err)
	}
	s.APIToken = tok.Value
}

// Issuer of the default custom authorization server.
func (s *Server) Issuer() string { return s.URL + "/oauth2/default" }

// Browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests can read the Location of each step.
func Browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var (
	formActionRe = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	csrfRe       = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// SignInForm is the hosted sign-in page's form.
type SignInForm struct {
	Action string // absolute URL
	CSRF   string
}

// ParseSignInForm extracts the form action and CSRF token from a sign-in page.
func (s *Server) ParseSignInForm(body string) (SignInForm, error) {
	a := formActionRe.FindStringSubmatch(body)
	c := csrfRe.FindStringSubmatch(body)
	if a == nil || c == nil {
		return SignInForm{}, fmt.Errorf("no sign-in form in page: %.300s", body)
	}
	action := strings.ReplaceAll(a[1], "&amp;", "&")
	action = strings.ReplaceAll(action, "&#43;", "+")
	return SignInForm{Action: s.URL + action, CSRF: c[1]}, nil
}

// SubmitSignIn posts credentials to the form and returns the response.
func (s *Server) SubmitSignIn(c *http.Client, f SignInForm, login, password string) (*http.Response, error) {
	return c.PostForm(f.Action, url.Values{"csrf_token": {f.CSRF}, "username": {login}, "password": {password}})
}

// Authorize runs /authorize in browser c, signing in with login/password
// when the sign-in page appears, and returns the final redirect Location.
func (s *Server) Authorize(c *http.Client, authorizeURL, login, password string) (*url.URL, error) {
	resp, err := c.Get(authorizeURL)
	if err != nil {
		return nil, err
	}
	body := readBody(resp)
	if resp.StatusCode == http.StatusOK {
		form, err := s.ParseSignInForm(body)
		if err != nil {
			return nil, err
		}
		if resp, err = s.SubmitSignIn(c, form, login, password); err != nil {
			return nil, err
		}
		body = readBody(resp)
	}
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("authorize: status %d, body %.300s", resp.StatusCode, body)
	}
	return url.Parse(resp.Header.Get("Location"))
}

// AuthorizeURL builds an /authorize URL for the default server from params
// (client_id, redirect_uri, response_type=code, scope, state defaulted).
func (s *Server) AuthorizeURL(clientID string, extra url.Values) string {
	q := url.Values{
		"client_id": {clientID}, "redirect_uri": {RedirectURI}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"state-123"}, "nonce": {"nonce-456"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return s.Issuer() + "/v1/authorize?" + q.Encode()
}

func readBody(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// APIResponse is a Management API answer.
type APIResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it cannot.
func (r APIResponse) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// API calls the Management API with the seeded token: body (when not nil)
// is sent as JSON, or as is when it is a string.
func (s *Server) API(t testing.TB, method, path string, body any) APIResponse {
	t.Helper()
	return s.APIWith(t, "SSWS "+s.APIToken, method, path, body)
}

// APIWith is API with the Authorization header given.
func (s *Server) APIWith(t testing.TB, authorization, method, path string, body any) APIResponse {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return APIResponse{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}
