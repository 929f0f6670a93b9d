package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Scenario is one kind of load. It is built once per run by New, which
// checks the configuration with one untimed operation, and prepares each
// worker with Setup (also untimed).
type Scenario interface {
	// Setup prepares one worker, which sends its requests with hc (a
	// client of its own, with its own cookie jar).
	Setup(ctx context.Context, hc *http.Client) (Worker, error)
}

// Worker performs the timed operations of one simulated client, one at a
// time.
type Worker interface {
	// Do performs one operation; a non-nil error is counted under
	// Classify(err).
	Do(ctx context.Context) error
}

// releaser is a worker that hands something back when its level ends
// (the refresh scenario's token, for the next level's workers).
type releaser interface{ Release() }

// Info describes a scenario.
type Info struct {
	Name     string
	Measures string // one line: what one operation is
	SignIn   bool   // uses the hosted sign-in page (Gatehouse's form)
}

var registry = []struct {
	Info
	build func(context.Context, *flow) (Scenario, error)
}{
	{Info{"client_credentials", "POST token, grant_type=client_credentials", false}, newClientCredentials},
	{Info{"authcode", "GET authorize (PKCE) → hosted sign-in page → POST sign-in → POST token (code exchange), in a fresh cookie jar", true}, newAuthCode},
	{Info{"authcode-session", "GET authorize with a signed-in session (redirect with a code at once) → POST token", true}, newAuthCodeSession},
	{Info{"code-exchange", "POST token, grant_type=authorization_code, with a code minted in the untimed setup (each worker signs in once, then gets its share of the level's codes through authorize)", true}, newCodeExchange},
	{Info{"refresh", "POST token, grant_type=refresh_token (each worker follows its own rotating token)", false}, newRefresh},
	{Info{"introspect", "POST introspect of an access token (expects active: true)", false}, newIntrospect},
	{Info{"jwks", "GET jwks_uri", false}, newJWKS},
	{Info{"discovery", "GET /.well-known/openid-configuration", false}, newDiscovery},
}

// Scenarios lists the scenarios in their documented order.
func Scenarios() []Info {
	out := make([]Info, len(registry))
	for i, r := range registry {
		out[i] = r.Info
	}
	return out
}

// New builds the named scenario against the discovered endpoints, checking
// the configuration with one operation sent with hc.
func New(ctx context.Context, name string, ep Endpoints, o Options, hc *http.Client) (Scenario, error) {
	for _, r := range registry {
		if r.Name == name {
			s, err := r.build(ctx, &flow{hc: hc, ep: ep, o: o})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return s, nil
		}
	}
	names := make([]string, len(registry))
	for i, r := range registry {
		names[i] = r.Name
	}
	return nil, fmt.Errorf("unknown scenario %q (one of %s)", name, strings.Join(names, ", "))
}

// worker is a flow plus a function doing one operation with it.
type worker struct {
	*flow
	do func(context.Context, *flow) error
}

func (w worker) Do(ctx context.Context) error { return w.do(ctx, w.flow) }

func need(pairs ...string) error {
	var missing []string
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			missing = append(missing, pairs[i])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("needs %s", strings.Join(missing, ", "))
	}
	return nil
}

// simple builds a scenario whose workers share nothing, after one
// checking operation.
func simple(ctx context.Context, f *flow, op func(context.Context, *flow) error) (Scenario, error) {
	if err := op(ctx, f); err != nil {
		return nil, fmt.Errorf("first request failed: %w", err)
	}
	return setupFunc(func(_ context.Context, hc *http.Client) (Worker, error) {
		return worker{&flow{hc: hc, ep: f.ep, o: f.o}, op}, nil
	}), nil
}

type setupFunc func(context.Context, *http.Client) (Worker, error)

func (s setupFunc) Setup(ctx context.Context, hc *http.Client) (Worker, error) { return s(ctx, hc) }

// --- client_credentials ---

func newClientCredentials(ctx context.Context, f *flow) (Scenario, error) {
	if err := need("--client-id", f.o.ClientID, "a token_endpoint in discovery", f.ep.Token); err != nil {
		return nil, err
	}
	return simple(ctx, f, clientCredentials)
}

func clientCredentials(ctx context.Context, f *flow) error {
	form := url.Values{"grant_type": {"client_credentials"}}
	if f.o.Scope != "" {
		form.Set("scope", f.o.Scope)
	}
	_, err := f.token(ctx, form)
	return err
}

// --- authcode, authcode-session ---

func signInScope(o Options) string {
	if o.Scope != "" {
		return o.Scope
	}
	return "openid profile email"
}

func checkSignIn(f *flow) error {
	return need("--client-id", f.o.ClientID, "--redirect-uri", f.o.RedirectURI, "--username", f.o.Username,
		"--password", f.o.Password, "an authorization_endpoint in discovery", f.ep.Authorization,
		"a token_endpoint in discovery", f.ep.Token)
}

// firstSignIn checks the sign-in configuration once, before any worker
// starts: a wrong password is then sent once, not once per worker.
func firstSignIn(ctx context.Context, f *flow, scope string, guard *credentialsGuard) (tokenResponse, error) {
	tr, err := f.signInAndExchange(ctx, scope, guard)
	if err != nil {
		return tr, fmt.Errorf("first sign-in failed: %w", err)
	}
	return tr, nil
}

func newAuthCode(ctx context.Context, f *flow) (Scenario, error) {
	if err := checkSignIn(f); err != nil {
		return nil, err
	}
	guard, scope := new(credentialsGuard), signInScope(f.o)
	if _, err := firstSignIn(ctx, f, scope, guard); err != nil {
		return nil, err
	}
	return setupFunc(func(_ context.Context, hc *http.Client) (Worker, error) {
		return worker{&flow{hc: hc, ep: f.ep, o: f.o}, func(ctx context.Context, f *flow) error {
			_, err := f.signInAndExchange(ctx, scope, guard)
			return err
		}}, nil
	}), nil
}

func newAuthCodeSession(ctx context.Context, f *flow) (Scenario, error) {
	if err := checkSignIn(f); err != nil {
		return nil, err
	}
	guard, scope := new(credentialsGuard), signInScope(f.o)
	if _, err := firstSignIn(ctx, f, scope, guard); err != nil {
		return nil, err
	}
	return setupFunc(func(ctx context.Context, hc *http.Client) (Worker, error) {
		w := &flow{hc: hc, ep: f.ep, o: f.o}
		// The worker's browser signs in once; every operation then rides
		// on its session cookie.
		if _, err := w.signInAndExchange(ctx, scope, guard); err != nil {
			return nil, err
		}
		return worker{w, func(ctx context.Context, f *flow) error {
			ar, err := f.newAuthRequest(scope)
			if err != nil {
				return err
			}
			code, err := f.authorize(ctx, ar, false, guard)
			if err != nil {
				return err
			}
			_, err = f.exchange(ctx, ar, code)
			return err
		}}, nil
	}), nil
}

// --- code-exchange ---

// levelScenario is a scenario whose workers are prepared for the level
// they run in; the runner asks it for that level's scenario first.
type levelScenario interface {
	Scenario
	forLevel(lv Level) Scenario
}

// errStockOut ends a worker whose prepared operations are all used: it
// stops, and the attempt is not recorded.
var errStockOut = errors.New("loadtest: the worker's prepared codes are used up")

// codesPerSecond is how many codes the code-exchange scenario mints per
// second of a level, shared among its workers: above what one server core
// exchanges (two signatures each), so that workers seldom run out early.
const codesPerSecond = 1500

// exchangeScenario times the code exchange alone: the authorize requests
// that mint the codes run during setup.
type exchangeScenario struct {
	f     *flow
	scope string
	guard *credentialsGuard
}

func newCodeExchange(ctx context.Context, f *flow) (Scenario, error) {
	if err := checkSignIn(f); err != nil {
		return nil, err
	}
	s := &exchangeScenario{f: f, scope: signInScope(f.o), guard: new(credentialsGuard)}
	if _, err := firstSignIn(ctx, f, s.scope, s.guard); err != nil {
		return nil, err
	}
	return s, nil
}

// Setup prepares a worker with a single code; runs go through forLevel.
func (s *exchangeScenario) Setup(ctx context.Context, hc *http.Client) (Worker, error) {
	return s.forLevel(Level{Concurrency: 1, Requests: 1}).Setup(ctx, hc)
}

func (s *exchangeScenario) forLevel(lv Level) Scenario {
	n := codesPerWorker(lv)
	return setupFunc(func(ctx context.Context, hc *http.Client) (Worker, error) {
		w := &exchangeWorker{flow: &flow{hc: hc, ep: s.f.ep, o: s.f.o}, stock: make([]mintedCode, 0, n)}
		if _, err := w.signInAndExchange(ctx, s.scope, s.guard); err != nil {
			return nil, err
		}
		for range n {
			ar, err := w.newAuthRequest(s.scope)
			if err != nil {
				return nil, err
			}
			code, err := w.authorize(ctx, ar, false, s.guard)
			if err != nil {
				return nil, err
			}
			w.stock = append(w.stock, mintedCode{ar, code})
		}
		return w, nil
	})
}

// codesPerWorker is one worker's share of the codes a level may use: the
// request bound when there is one, else codesPerSecond over the duration.
func codesPerWorker(lv Level) int {
	total := int64(codesPerSecond * lv.Duration.Seconds())
	if lv.Requests > 0 && (total == 0 || lv.Requests < total) {
		total = lv.Requests
	}
	c := int64(max(lv.Concurrency, 1))
	return int(max(1, (total+c-1)/c))
}

type mintedCode struct {
	ar   authRequest
	code string
}

type exchangeWorker struct {
	*flow
	stock []mintedCode
}

func (w *exchangeWorker) Do(ctx context.Context) error {
	if len(w.stock) == 0 {
		return errStockOut
	}
	m := w.stock[0]
	w.stock = w.stock[1:]
	_, err := w.exchange(ctx, m.ar, m.code)
	return err
}

// --- refresh ---

// refreshScenario hands each worker a refresh token of its own: tokens
// rotate on every use, so two workers sharing one would look like a
// replay and end the grant. Tokens go back to the pool when a level ends
// and are reused by the next.
type refreshScenario struct {
	f     *flow
	guard *credentialsGuard
	scope string
	mu    sync.Mutex
	pool  []string
}

func offlineScope(o Options) string {
	s := signInScope(o)
	if !slices.Contains(strings.Fields(s), "offline_access") {
		s += " offline_access"
	}
	return s
}

func newRefresh(ctx context.Context, f *flow) (Scenario, error) {
	if err := need("--client-id", f.o.ClientID, "a token_endpoint in discovery", f.ep.Token); err != nil {
		return nil, err
	}
	s := &refreshScenario{f: f, guard: new(credentialsGuard), scope: offlineScope(f.o), pool: slices.Clone(f.o.RefreshTokens)}
	if len(s.pool) == 0 && !s.canSignIn() {
		return nil, errors.New("needs --refresh-token (one per worker) or --username and --password to obtain tokens through the authorization code flow")
	}
	if s.canSignIn() {
		if err := checkSignIn(f); err != nil {
			return nil, err
		}
	}
	// Check the configuration once: one refresh, whose successor is kept.
	w, err := s.Setup(ctx, f.hc)
	if err != nil {
		return nil, err
	}
	if err := w.Do(ctx); err != nil {
		return nil, fmt.Errorf("first refresh failed: %w", err)
	}
	w.(releaser).Release()
	return s, nil
}

func (s *refreshScenario) canSignIn() bool { return s.f.o.Username != "" && s.f.o.Password != "" }

// obtain gets a new refresh token through the authorization code flow.
func (s *refreshScenario) obtain(ctx context.Context, f *flow) (string, error) {
	tr, err := f.signInAndExchange(ctx, s.scope, s.guard)
	if err != nil {
		return "", err
	}
	if tr.RefreshToken == "" {
		return "", &Failure{Step: "token", Status: http.StatusOK, Code: "no refresh_token",
			Detail: "the code exchange gave no refresh token (is refresh_token a grant type of the client, and offline_access allowed?)"}
	}
	return tr.RefreshToken, nil
}

func (s *refreshScenario) Setup(ctx context.Context, hc *http.Client) (Worker, error) {
	w := &refreshWorker{s: s, f: &flow{hc: hc, ep: s.f.ep, o: s.f.o}}
	s.mu.Lock()
	if n := len(s.pool); n > 0 {
		w.token, s.pool = s.pool[n-1], s.pool[:n-1]
	}
	s.mu.Unlock()
	if w.token != "" {
		return w, nil
	}
	if !s.canSignIn() {
		return nil, errors.New("out of refresh tokens: give one --refresh-token per worker, or --username and --password to obtain them")
	}
	t, err := s.obtain(ctx, w.f)
	if err != nil {
		return nil, err
	}
	w.token = t
	return w, nil
}

type refreshWorker struct {
	s     *refreshScenario
	f     *flow
	token string
}

func (w *refreshWorker) Do(ctx context.Context) error {
	if w.token == "" {
		// The last token was refused and none could be had since.
		t, err := w.s.obtain(ctx, w.f)
		if err != nil {
			return err
		}
		w.token = t
	}
	tr, err := w.f.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {w.token}})
	var fail *Failure
	switch {
	case err == nil:
		if tr.RefreshToken != "" {
			w.token = tr.RefreshToken
		}
	case errors.As(err, &fail) && fail.Code == "invalid_grant":
		// The chain is over (expired, or revoked as a replay): start
		// another, outside the failed operation's count but within its
		// time, which is not in the percentiles (errors never are).
		w.token = ""
		if w.s.canSignIn() {
			w.token, _ = w.s.obtain(ctx, w.f)
		}
	}
	// A transport error keeps the token: if the server did rotate it, the
	// next use falls in its grace period.
	return err
}

func (w *refreshWorker) Release() {
	if w.token == "" {
		return
	}
	w.s.mu.Lock()
	w.s.pool = append(w.s.pool, w.token)
	w.s.mu.Unlock()
	w.token = ""
}

// --- introspect ---

func newIntrospect(ctx context.Context, f *flow) (Scenario, error) {
	if err := need("--client-id", f.o.ClientID, "an introspection_endpoint in discovery", f.ep.Introspection,
		"a token_endpoint in discovery", f.ep.Token); err != nil {
		return nil, err
	}
	// One access token, issued to this client (a client may introspect
	// only its own), shared by every worker: from the sign-in flow when a
	// user is given, else from client credentials.
	var tr tokenResponse
	var err error
	if f.o.Username != "" {
		if err := checkSignIn(f); err != nil {
			return nil, err
		}
		o := f.o
		if o.Scope == "" {
			o.Scope = "openid"
		}
		tf := &flow{hc: f.hc, ep: f.ep, o: o}
		tr, err = tf.signInAndExchange(ctx, o.Scope, new(credentialsGuard))
	} else {
		form := url.Values{"grant_type": {"client_credentials"}}
		if f.o.Scope != "" {
			form.Set("scope", f.o.Scope)
		}
		tr, err = f.token(ctx, form)
	}
	if err != nil {
		return nil, fmt.Errorf("getting a token to introspect: %w", err)
	}
	access := tr.AccessToken
	return simple(ctx, f, func(ctx context.Context, f *flow) error {
		form := url.Values{"token": {access}, "token_type_hint": {"access_token"}}
		setup := f.authenticate(form)
		status, _, body, err := do(ctx, f.hc, "introspect", http.MethodPost, f.ep.Introspection, form, setup)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return httpFailure("introspect", status, body)
		}
		var out struct {
			Active bool `json:"active"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return &Failure{Step: "introspect", Status: status, Code: "bad JSON", Detail: snippet(body)}
		}
		if !out.Active {
			return &Failure{Step: "introspect", Status: status, Code: "inactive"}
		}
		return nil
	})
}

// --- jwks, discovery ---

func newJWKS(ctx context.Context, f *flow) (Scenario, error) {
	if err := need("a jwks_uri in discovery", f.ep.JWKS); err != nil {
		return nil, err
	}
	return simple(ctx, f, func(ctx context.Context, f *flow) error {
		status, _, body, err := do(ctx, f.hc, "jwks", http.MethodGet, f.ep.JWKS, nil, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return httpFailure("jwks", status, body)
		}
		return f.checkOnce(body, func(body []byte) error {
			var set struct {
				Keys []json.RawMessage `json:"keys"`
			}
			if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
				return &Failure{Step: "jwks", Status: status, Code: "no keys", Detail: snippet(body)}
			}
			return nil
		})
	})
}

func newDiscovery(ctx context.Context, f *flow) (Scenario, error) {
	return simple(ctx, f, func(ctx context.Context, f *flow) error {
		status, _, body, err := do(ctx, f.hc, "discovery", http.MethodGet, f.ep.Discovery, nil, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return httpFailure("discovery", status, body)
		}
		return f.checkOnce(body, func(body []byte) error {
			var d struct {
				Issuer string `json:"issuer"`
			}
			if err := json.Unmarshal(body, &d); err != nil || d.Issuer != f.ep.Issuer {
				return &Failure{Step: "discovery", Status: status, Code: "wrong issuer", Detail: snippet(body)}
			}
			return nil
		})
	})
}
