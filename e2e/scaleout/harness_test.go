// Package scaleout_test runs Gatehouse as several separate processes on one
// PostgreSQL database, behind an in-test load balancer that gives them one
// public origin (one issuer), and checks what a scaled-out deployment
// promises: replicas share migrations, signing keys, sessions and codes;
// a code is redeemed once across replicas; a replica rides out a database
// outage and recovers on its own; and a killed replica loses no redemption
// it acknowledged.
//
// The tests need a PostgreSQL server named by GATEHOUSE_TEST_POSTGRES (see
// internal/store/postgres/pgtest) and skip without one. Each test gets a
// fresh schema. The binary is built once per run; replicas and admin
// commands are killed when their test ends (and, on Linux, if the test
// binary dies). SCALEOUT_LOGS=1 with -v prints the replicas' logs of passing
// tests too (failing tests always print them); SCALEOUT_RACE_REPLICAS=1
// with -race builds the replicas with the race detector as well.
package scaleout_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// Fixed test credentials.
const (
	masterKey   = "scaleout-master-key-0123456789abcdef"
	userLogin   = "sam@example.com"
	password    = "scale out, not up"
	redirectURI = "https://app.example.com/callback"
)

// httpTimeout bounds every request the tests make: a hung server fails the
// test instead of stalling it.
const httpTimeout = 15 * time.Second

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// raceReplicasEnv, set to 1 in a -race run, builds the replicas with -race
// too, so that they report their own data races. It is off by default: a
// race-instrumented replica is several times slower (argon2id, RSA), which
// would take the package well past a minute; the server code is already
// raced in-process by the other packages' tests.
const raceReplicasEnv = "SCALEOUT_RACE_REPLICAS"

// binary builds cmd/gatehouse once per test run and returns its path. It
// skips the test when PostgreSQL is not configured, before paying for the
// build.
func binary(t *testing.T) string {
	t.Helper()
	pgtest.DSN(t)
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "gatehouse-scaleout-"); buildErr != nil {
			return
		}
		var flags []string
		if raceEnabled && os.Getenv(raceReplicasEnv) == "1" {
			flags = append(flags, "-race")
		}
		binPath, buildErr = testkit.BuildBinary(buildDir, flags...)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// childEnv is the test's environment without GATEHOUSE_* settings (so that
// nothing leaks into the replicas) plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// ---------------------------------------------------------------------------
// Replicas
// ---------------------------------------------------------------------------

// replica is one `gatehouse serve` process.
type replica struct {
	name string
	addr string // host:port it listens on
	url  string // http://addr
	cmd  *exec.Cmd
	logs *testkit.SyncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// alive reports whether the process is still running.
func (r *replica) alive() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	if !r.alive() {
		return
	}
	r.cmd.Process.Kill()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Errorf("replica %s did not exit 10 s after SIGKILL", r.name)
	}
}

// startReplica starts `gatehouse serve` on a free loopback port with the
// given public base URL and database, and kills it when the test ends. It
// does not wait for it to serve: see waitReady.
func startReplica(t *testing.T, name, baseURL, dsn string) *replica {
	t.Helper()
	bin := binary(t)
	addr := testkit.FreeAddr(t)
	r := &replica{name: name, addr: addr, url: "http://" + addr, logs: &testkit.SyncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--addr", addr, "--base-url", baseURL, "--database", dsn)
	r.cmd.Env = childEnv("GATEHOUSE_MASTER_KEY="+masterKey, "GATEHOUSE_LOG_LEVEL=info")
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	r.cmd.SysProcAttr = dieWithParent()
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", name, err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		r.kill(t)
		logs := r.logs.String()
		for _, bad := range []string{"DATA RACE", "panic:", "level=ERROR msg=panic", "fatal error:"} {
			if strings.Contains(logs, bad) {
				t.Errorf("replica %s logged %q", name, bad)
			}
		}
		if t.Failed() || testing.Verbose() && os.Getenv("SCALEOUT_LOGS") != "" {
			t.Logf("--- logs of replica %s (%s) ---\n%s", name, addr, tail(logs, 60))
		}
	})
	return r
}

// waitReady waits until the replica answers /readyz with 200.
func (r *replica) waitReady(t *testing.T, within time.Duration) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for {
		if !r.alive() {
			t.Fatalf("replica %s exited before it was ready (%v):\n%s", r.name, r.err, tail(r.logs.String(), 40))
		}
		resp, err := c.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not ready after %s (last: %v):\n%s", r.name, within, err, tail(r.logs.String(), 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = append([]string{fmt.Sprintf("… (%d earlier lines)", len(all)-lines)}, all[len(all)-lines:]...)
	}
	return strings.Join(all, "\n")
}

// ---------------------------------------------------------------------------
// Seeding with the CLI
// ---------------------------------------------------------------------------

// seed is what the CLI created.
type seed struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	UserID       string
}

// seedWithCLI registers a confidential web app and a user with the admin
// commands of the built binary, as an operator would.
func seedWithCLI(t *testing.T, dsn string) seed {
	t.Helper()
	var s seed
	out := cli(t, dsn, "", "apps", "create", "--name", "Scale-out App", "--redirect-uri", redirectURI, "--json")
	if err := json.Unmarshal(out, &s); err != nil || s.ClientID == "" || s.ClientSecret == "" {
		t.Fatalf("apps create printed %s (%v)", out, err)
	}
	out = cli(t, dsn, password+"\n", "users", "create", "--login", userLogin, "--first-name", "Sam",
		"--last-name", "Scaler", "--password-stdin", "--json")
	var u struct{ ID string }
	if err := json.Unmarshal(out, &u); err != nil || u.ID == "" {
		t.Fatalf("users create printed %s (%v)", out, err)
	}
	s.UserID = u.ID
	return s
}

func cli(t *testing.T, dsn, stdin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), append(args, "--database", dsn)...)
	cmd.Env = childEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = dieWithParent()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// openDB opens the test's schema for direct checks.
func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ---------------------------------------------------------------------------
// The load balancer
// ---------------------------------------------------------------------------

// backendHeader lets a test pick the replica that serves a request; without
// it the load balancer goes round-robin. It is not forwarded.
const backendHeader = "X-Scaleout-Backend"

// loadBalancer is the deployment's public origin: a reverse proxy on its own
// port in front of the replicas, so that every replica has the same issuer
// and a browser's cookies are those of one host.
type loadBalancer struct {
	URL string

	mu       sync.Mutex
	backends []*url.URL
	next     atomic.Uint64
	proxy    *httputil.ReverseProxy
	srv      *http.Server
}

func newLoadBalancer(t *testing.T) *loadBalancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lb := &loadBalancer{URL: "http://" + ln.Addr().String()}
	transport := &http.Transport{
		MaxIdleConns: 200, MaxIdleConnsPerHost: 100, IdleConnTimeout: 30 * time.Second,
		ResponseHeaderTimeout: httpTimeout,
	}
	lb.proxy = &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			target := pr.In.Context().Value(backendKey{}).(*url.URL)
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the replicas see the public host
			pr.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "load balancer: backend failed: "+err.Error(), http.StatusBadGateway)
		},
	}
	lb.srv = &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go lb.srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lb.srv.Shutdown(ctx)
		transport.CloseIdleConnections()
	})
	return lb
}

type backendKey struct{}

// add registers replicas as backends, in order: backend 0, 1, …
func (lb *loadBalancer) add(rs ...*replica) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for _, r := range rs {
		u, _ := url.Parse(r.url)
		lb.backends = append(lb.backends, u)
	}
}

func (lb *loadBalancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lb.mu.Lock()
	backends := lb.backends
	lb.mu.Unlock()
	if len(backends) == 0 {
		http.Error(w, "load balancer: no backends", http.StatusServiceUnavailable)
		return
	}
	i := int(lb.next.Add(1) % uint64(len(backends)))
	if pin := r.Header.Get(backendHeader); pin != "" {
		n, err := strconv.Atoi(pin)
		if err != nil || n < 0 || n >= len(backends) {
			http.Error(w, "load balancer: no backend "+pin, http.StatusBadGateway)
			return
		}
		i = n
		r.Header.Del(backendHeader)
	}
	lb.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), backendKey{}, backends[i])))
}

// sharedTransport carries every test client's requests.
var sharedTransport = &http.Transport{
	MaxIdleConns: 200, MaxIdleConnsPerHost: 100, IdleConnTimeout: 30 * time.Second,
}

// pinned is a RoundTripper that sends every request to one backend.
type pinned struct{ backend int }

func (p pinned) RoundTrip(req *http.Request) (*http.Response, error) {
	if p.backend < 0 {
		return sharedTransport.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set(backendHeader, strconv.Itoa(p.backend))
	return sharedTransport.RoundTrip(req)
}

// client returns an HTTP client whose requests to the load balancer go to
// backend (-1: round-robin), with jar (may be nil), not following redirects.
func client(jar http.CookieJar, backend int) *http.Client {
	return &http.Client{
		Transport: pinned{backend}, Jar: jar, Timeout: httpTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

// ---------------------------------------------------------------------------
// A TCP proxy in front of PostgreSQL
// ---------------------------------------------------------------------------

// tcpProxy forwards a loopback port to PostgreSQL. cut closes the listener
// and every forwarded connection, as a database that goes down would;
// restore listens again on the same port. freeze stops forwarding bytes but
// keeps every connection open and accepts new ones, as a database host that
// vanishes from the network (no reset, no answer) would; thaw resumes.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	gate  chan struct{} // non-nil while frozen; closed to thaw
	wg    sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.restore()
	t.Cleanup(func() {
		p.cut()
		done := make(chan struct{})
		go func() { p.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("proxy: connections still open 5 s after it was cut")
		}
	})
	return p
}

// restore starts listening (again) on the proxy's port.
func (p *tcpProxy) restore() {
	p.t.Helper()
	var ln net.Listener
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ln, err = net.Listen("tcp", p.addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go p.accept(ln)
}

func (p *tcpProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			in.Close()
			continue
		}
		if !p.track(in, out) {
			return
		}
		p.wg.Add(2)
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

// track records a forwarded connection pair; false when the proxy was cut
// meanwhile (the pair is closed).
func (p *tcpProxy) track(a, b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		a.Close()
		b.Close()
		return false
	}
	p.conns[a], p.conns[b] = struct{}{}, struct{}{}
	return true
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.gate
			p.mu.Unlock()
			if gate != nil {
				<-gate // held while frozen; cut and thaw release it
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// cut stops the proxy: no new connections, every open one closed.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
}

// freeze stops forwarding: whatever either side sends is held.
func (p *tcpProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate == nil {
		p.gate = make(chan struct{})
	}
}

// thaw forwards again, held bytes first.
func (p *tcpProxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
}

// dsnVia rewrites dsn to reach its server through addr.
func dsnVia(t *testing.T, dsn, addr string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// dsnHost is the host:port a DSN names.
func dsnHost(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5432")
	}
	return u.Host
}

// ---------------------------------------------------------------------------
// The protocol, as a browser and an app drive it
// ---------------------------------------------------------------------------

func issuer(lb *loadBalancer) string { return lb.URL + "/oauth2/default" }

func authorizeURL(lb *loadBalancer, clientID, state, nonce string) string {
	q := url.Values{
		"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {state}, "nonce": {nonce},
	}
	return issuer(lb) + "/v1/authorize?" + q.Encode()
}

var (
	formActionRe = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	csrfRe       = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// signInPage fetches /authorize and expects the hosted sign-in page; it
// returns the form's absolute action and its CSRF token.
func signInPage(t *testing.T, c *http.Client, lb *loadBalancer, authorize string) (action, csrf string) {
	t.Helper()
	resp, body := do(t, c, http.MethodGet, authorize, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/authorize without a session: %d %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	a, k := formActionRe.FindStringSubmatch(body), csrfRe.FindStringSubmatch(body)
	if a == nil || k == nil {
		t.Fatalf("no sign-in form in the page: %.300s", body)
	}
	return lb.URL + html.UnescapeString(a[1]), k[1]
}

// signIn posts the sign-in form and returns the code from the redirect.
func signIn(t *testing.T, c *http.Client, lb *loadBalancer, action, csrf, state string) string {
	t.Helper()
	form := url.Values{"csrf_token": {csrf}, "username": {userLogin}, "password": {password}}
	resp, body := do(t, c, http.MethodPost, action, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in: %d, want 302 to the app: %.300s", resp.StatusCode, body)
	}
	return codeFrom(t, lb, resp, state)
}

// codeFrom checks an authorization response redirect and returns its code.
func codeFrom(t *testing.T, lb *loadBalancer, resp *http.Response, state string) string {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirectURI+"?") {
		t.Fatalf("redirect to %q, want %s?…", resp.Header.Get("Location"), redirectURI)
	}
	q := loc.Query()
	if q.Get("state") != state || q.Get("iss") != issuer(lb) || q.Get("code") == "" {
		t.Fatalf("authorization response %v: want code, state %q and iss %q", q, state, issuer(lb))
	}
	return q.Get("code")
}

// tokenResponse is the successful /token answer.
type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// oauthError is an RFC 6749 §5.2 error body.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// tokenRequest builds a code exchange for base (a load balancer or replica
// origin), authenticated with client_secret_basic.
func tokenRequest(ctx context.Context, base string, s seed, code string) *http.Request {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/default/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	return req
}

// exchange redeems code and expects success.
func exchange(t *testing.T, c *http.Client, base string, s seed, code string) tokenResponse {
	t.Helper()
	resp, err := c.Do(tokenRequest(context.Background(), base, s, code))
	if err != nil {
		t.Fatalf("/token: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("/token: reading the answer: %v", err)
	}
	var tr tokenResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" || tr.IDToken == "" {
		t.Fatalf("/token: %d %s, want 200 with tokens", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("/token answer has Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	return tr
}

// userinfo calls /userinfo with the access token; it returns the status and
// the body.
func userinfo(t *testing.T, c *http.Client, base, accessToken string) (int, string) {
	t.Helper()
	resp, body := do(t, c, http.MethodGet, base+"/oauth2/default/v1/userinfo", nil,
		http.Header{"Authorization": {"Bearer " + accessToken}})
	return resp.StatusCode, body
}

// do sends a request and reads the whole answer.
func do(t *testing.T, c *http.Client, method, target string, body io.Reader, h http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, target, err)
	}
	return resp, string(b)
}

// fetchJWKS gets a key set document; it returns the raw bytes, the ETag
// and the parsed set.
func fetchJWKS(t *testing.T, c *http.Client, target string) ([]byte, string, jose.JSONWebKeySet) {
	t.Helper()
	resp, body := do(t, c, http.MethodGet, target, nil, nil)
	var set jose.JSONWebKeySet
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &set) != nil {
		t.Fatalf("GET %s: %d %.200s", target, resp.StatusCode, body)
	}
	return []byte(body), resp.Header.Get("ETag"), set
}

// verifyJWT checks a token's RS256 signature against set and returns its
// claims.
func verifyJWT(set jose.JSONWebKeySet, token string) (map[string]any, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("not exactly one signature")
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return nil, fmt.Errorf("kid %q is not in the key set", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// checkAccessToken verifies an access token against set and checks the
// claims every replica must agree on.
func checkAccessToken(set jose.JSONWebKeySet, token, wantIssuer string, s seed) error {
	claims, err := verifyJWT(set, token)
	if err != nil {
		return err
	}
	exp, _ := claims["exp"].(float64)
	switch {
	case claims["iss"] != wantIssuer:
		return fmt.Errorf("iss %v, want %s", claims["iss"], wantIssuer)
	case claims["aud"] != "api://default":
		return fmt.Errorf("aud %v, want api://default", claims["aud"])
	case claims["cid"] != s.ClientID || claims["uid"] != s.UserID || claims["sub"] != userLogin:
		return fmt.Errorf("cid/uid/sub %v/%v/%v", claims["cid"], claims["uid"], claims["sub"])
	case time.Unix(int64(exp), 0).Before(time.Now()):
		return fmt.Errorf("expired at %v", exp)
	}
	return nil
}

// jwtPart decodes one part of a compact JWS, for messages.
func jwtPart(token string, i int) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "(not a JWS)"
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[i])
	return string(b)
}
