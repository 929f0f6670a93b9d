package scaleout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres"
	"github.com/gatehouse-auth/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// startPair starts replicas A and B together on dsn behind a new load
// balancer (A is backend 0, B backend 1) and waits until both serve.
func startPair(t *testing.T, dsn string) (*loadBalancer, *replica, *replica) {
	t.Helper()
	lb := newLoadBalancer(t)
	binary(t) // build first, so that the two start at the same moment
	a := startReplica(t, "A", lb.URL, dsn)
	b := startReplica(t, "B", lb.URL, dsn)
	a.waitReady(t, 40*time.Second)
	b.waitReady(t, 40*time.Second)
	lb.add(a, b)
	return lb, a, b
}

// signedInCode signs in through the load balancer, the page from backend
// page and the form posted to backend form, and returns the code.
func signedInCode(t *testing.T, lb *loadBalancer, jar http.CookieJar, s seed, page, form int) string {
	t.Helper()
	state, nonce := domain.RandomToken(8), domain.RandomToken(8)
	action, csrf := signInPage(t, client(jar, page), lb, authorizeURL(lb, s.ClientID, state, nonce))
	return signIn(t, client(jar, form), lb, action, csrf, state)
}

// cookieNames lists the names of the cookies jar sends to the public origin.
func cookieNames(t *testing.T, jar http.CookieJar, lb *loadBalancer) map[string]bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, lb.URL+"/", nil)
	names := map[string]bool{}
	for _, c := range jar.Cookies(req.URL) {
		names[c.Name] = true
	}
	return names
}

// TestReplicasShareEverything starts two replicas at the same moment on an
// empty schema, then runs the Authorization Code flow with each step on
// another replica than the one before.
func TestReplicasShareEverything(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	lb, a, b := startPair(t, dsn)
	replicas := []*replica{a, b}
	db := openDB(t, dsn)

	t.Run("migrations ran once", func(t *testing.T) {
		root, err := testkit.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(root, "internal", "store", "postgres", "migrations", "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no PostgreSQL migrations found (%v)", err)
		}
		var applied, dup int
		if err := db.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM (SELECT version_id FROM goose_db_version
			GROUP BY version_id HAVING count(*) > 1) d`).Scan(&dup); err != nil {
			t.Fatal(err)
		}
		if applied != len(files) || dup != 0 {
			t.Errorf("goose_db_version: %d applied migrations (want %d, one per file), %d versions recorded more than once",
				applied, len(files), dup)
		}
	})

	// keysIn[server][status] lists the kids stored for a server.
	keysIn := map[string]map[string][]string{}
	t.Run("signing keys were created once", func(t *testing.T) {
		rows, err := db.Query(`SELECT auth_server_id, status, kid FROM signing_keys ORDER BY auth_server_id, status`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var as, status, kid string
			if err := rows.Scan(&as, &status, &kid); err != nil {
				t.Fatal(err)
			}
			if keysIn[as] == nil {
				keysIn[as] = map[string][]string{}
			}
			keysIn[as][status] = append(keysIn[as][status], kid)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(keysIn) != 2 || keysIn[store.OrgServerID] == nil || keysIn[domain.DefaultServerID] == nil {
			t.Errorf("signing keys %v, want keys for the org server and default only", keysIn)
		}
		for as, byStatus := range keysIn {
			if len(byStatus[store.KeyCurrent]) != 1 {
				t.Errorf("server %s has current keys %v, want exactly one", as, byStatus[store.KeyCurrent])
			}
			for status, kids := range byStatus {
				if len(kids) != 1 {
					t.Errorf("server %s has %d %s keys %v: both replicas created one", as, len(kids), status, kids)
				}
			}
		}
	})

	t.Run("both replicas serve the same key sets", func(t *testing.T) {
		plain := client(nil, -1)
		for _, path := range []string{"/oauth2/default/v1/keys", "/oauth2/v1/keys"} {
			bodyA, etagA, setA := fetchJWKS(t, plain, a.url+path)
			bodyB, etagB, _ := fetchJWKS(t, plain, b.url+path)
			if !bytes.Equal(bodyA, bodyB) || etagA != etagB || etagA == "" {
				t.Errorf("%s differs between replicas:\nA %s %s\nB %s %s", path, etagA, bodyA, etagB, bodyB)
			}
			as := domain.DefaultServerID
			if path == "/oauth2/v1/keys" {
				as = store.OrgServerID
			}
			var stored, served []string
			for _, kids := range keysIn[as] {
				stored = append(stored, kids...)
			}
			for _, k := range setA.Keys {
				served = append(served, k.KeyID)
			}
			slices.Sort(stored)
			slices.Sort(served)
			if !slices.Equal(stored, served) {
				t.Errorf("%s serves keys %v, the database holds %v", path, served, stored)
			}
		}
	})
	currentKID := ""
	if kids := keysIn[domain.DefaultServerID][store.KeyCurrent]; len(kids) == 1 {
		currentKID = kids[0]
	}

	s := seedWithCLI(t, dsn)

	// The sign-in page comes from one replica and the form goes to the
	// other: the CSRF cookie set by the first must satisfy the second. The
	// session the second starts must then be honoured by the first.
	for _, dir := range []struct{ page, form int }{{0, 1}, {1, 0}} {
		pageName, formName := replicas[dir.page].name, replicas[dir.form].name
		t.Run("sign-in page on "+pageName+", form on "+formName, func(t *testing.T) {
			jar := newJar()
			state, nonce := domain.RandomToken(8), domain.RandomToken(8)
			action, csrf := signInPage(t, client(jar, dir.page), lb, authorizeURL(lb, s.ClientID, state, nonce))
			if !cookieNames(t, jar, lb)["gh_csrf"] {
				t.Fatal("the sign-in page set no CSRF cookie for the public origin")
			}
			code := signIn(t, client(jar, dir.form), lb, action, csrf, state)
			if !cookieNames(t, jar, lb)["gh_session"] {
				t.Fatal("signing in set no session cookie for the public origin")
			}

			// The code is exchanged on the replica that issued it; discovery
			// and keys come round-robin through the load balancer.
			tr := exchange(t, client(nil, dir.form), lb.URL, s, code)
			ctx := oidc.ClientContext(context.Background(), client(nil, -1))
			provider, err := oidc.NewProvider(ctx, issuer(lb))
			if err != nil {
				t.Fatalf("discovery through the load balancer: %v", err)
			}
			idToken, err := provider.Verifier(&oidc.Config{ClientID: s.ClientID}).Verify(ctx, tr.IDToken)
			if err != nil {
				t.Fatalf("ID token: %v\n%s", err, jwtPart(tr.IDToken, 1))
			}
			if idToken.Nonce != nonce || idToken.Subject != s.UserID {
				t.Errorf("ID token nonce %q sub %q, want %q %q", idToken.Nonce, idToken.Subject, nonce, s.UserID)
			}
			var header struct{ Kid string }
			json.Unmarshal([]byte(jwtPart(tr.AccessToken, 0)), &header)
			if header.Kid != currentKID {
				t.Errorf("the access token is signed with key %q, want the current key %q", header.Kid, currentKID)
			}
			for i, r := range replicas {
				_, _, set := fetchJWKS(t, client(nil, -1), r.url+"/oauth2/default/v1/keys")
				if err := checkAccessToken(set, tr.AccessToken, issuer(lb), s); err != nil {
					t.Errorf("access token against %s's keys: %v", replicas[i].name, err)
				}
			}

			// /userinfo answers the same on both.
			var bodies []string
			for i, r := range replicas {
				status, body := userinfo(t, client(nil, i), lb.URL, tr.AccessToken)
				if status != http.StatusOK {
					t.Fatalf("/userinfo on %s: %d %s", r.name, status, body)
				}
				bodies = append(bodies, body)
			}
			var info map[string]any
			json.Unmarshal([]byte(bodies[0]), &info)
			if bodies[0] != bodies[1] || info["sub"] != s.UserID || info["preferred_username"] != userLogin {
				t.Errorf("/userinfo: A %s, B %s", bodies[0], bodies[1])
			}

			// A second /authorize on the page's replica, with the session the
			// form's replica started, skips the sign-in page.
			state2 := domain.RandomToken(8)
			resp, body := do(t, client(jar, dir.page), http.MethodGet, authorizeURL(lb, s.ClientID, state2, "n2"), nil, nil)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("second /authorize on %s with the session from %s: %d, want 302 without the sign-in page: %.200s",
					pageName, formName, resp.StatusCode, body)
			}
			code2 := codeFrom(t, lb, resp, state2)
			tr2 := exchange(t, client(nil, dir.page), lb.URL, s, code2)
			if status, body := userinfo(t, client(nil, dir.form), lb.URL, tr2.AccessToken); status != http.StatusOK {
				t.Errorf("/userinfo with the second token: %d %s", status, body)
			}
		})
	}
}

// TestConcurrentRedemptionAcrossReplicas presents one code 50 times at once,
// split over both replicas: one exchange wins, the others are replays that
// revoke the winner's access token.
func TestConcurrentRedemptionAcrossReplicas(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	lb, a, b := startPair(t, dsn)
	s := seedWithCLI(t, dsn)
	code := signedInCode(t, lb, newJar(), s, 0, 1)

	const n = 50
	type result struct {
		replica string
		status  int
		body    []byte
		err     error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client(nil, i%2)
			req := tokenRequest(context.Background(), lb.URL, s, code)
			<-start
			resp, err := c.Do(req)
			r := result{replica: []string{a.name, b.name}[i%2], err: err}
			if err == nil {
				r.status = resp.StatusCode
				r.body, r.err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			results[i] = r
		}()
	}
	close(start)
	wg.Wait()

	var winner tokenResponse
	var winners []string
	replays := 0
	for _, r := range results {
		var e oauthError
		switch {
		case r.err != nil:
			t.Errorf("exchange on %s: %v", r.replica, r.err)
		case r.status == http.StatusOK:
			winners = append(winners, r.replica)
			if err := json.Unmarshal(r.body, &winner); err != nil || winner.AccessToken == "" {
				t.Errorf("200 without tokens on %s: %s", r.replica, r.body)
			}
		case r.status == http.StatusBadRequest && json.Unmarshal(r.body, &e) == nil && e.Error == "invalid_grant":
			replays++
		default:
			t.Errorf("exchange on %s: %d %s, want 200 or 400 invalid_grant", r.replica, r.status, r.body)
		}
	}
	if len(winners) != 1 || replays != n-1 {
		t.Fatalf("%d exchanges succeeded (on %v) and %d got invalid_grant, want 1 and %d", len(winners), winners, replays, n-1)
	}
	t.Logf("the exchange on %s won; %d replays got invalid_grant", winners[0], replays)
	for i, r := range []*replica{a, b} {
		resp, body := do(t, client(nil, i), http.MethodGet, lb.URL+"/oauth2/default/v1/userinfo", nil,
			http.Header{"Authorization": {"Bearer " + winner.AccessToken}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("/userinfo on %s with the revoked token: %d %q %s, want 401 invalid_token",
				r.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
}

// outageAnswer is what a request to a replica cut off from its database got.
type outageAnswer struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
	err     error
}

func (o outageAnswer) String() string {
	if o.err != nil {
		return o.err.Error() + " after " + o.elapsed.Round(time.Millisecond).String()
	}
	body := strings.TrimSpace(o.body)
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	return strconv.Itoa(o.status) + " " + body + " after " + o.elapsed.Round(time.Millisecond).String()
}

// send sends req with c and times the answer.
func send(c *http.Client, req *http.Request) outageAnswer {
	start := time.Now()
	resp, err := c.Do(req)
	o := outageAnswer{err: err}
	if err == nil {
		var b []byte
		b, o.err = io.ReadAll(resp.Body)
		resp.Body.Close()
		o.status, o.header, o.body = resp.StatusCode, resp.Header, string(b)
	}
	o.elapsed = time.Since(start)
	return o
}

// wantTemporarilyUnavailable checks an OAuth endpoint's answer during an
// outage: a prompt 503 with an RFC 6749 error body and Retry-After.
func wantTemporarilyUnavailable(t *testing.T, what string, o outageAnswer) {
	t.Helper()
	var e oauthError
	switch {
	case o.err != nil:
		t.Errorf("%s: %v after %s, want a prompt 503", what, o.err, o.elapsed)
	case o.elapsed > 10*time.Second:
		t.Errorf("%s took %s, want an answer within 10 s", what, o.elapsed)
	case o.status != http.StatusServiceUnavailable || !strings.HasPrefix(o.header.Get("Content-Type"), "application/json") ||
		json.Unmarshal([]byte(o.body), &e) != nil || e.Error != "temporarily_unavailable":
		t.Errorf("%s: %d %s %s, want 503 with a JSON temporarily_unavailable body", what, o.status, o.header.Get("Content-Type"), o.body)
	case o.header.Get("Retry-After") == "":
		t.Errorf("%s: 503 without Retry-After", what)
	}
}

// wantAuthorizeUnavailable checks /authorize's answer during an outage,
// which must come promptly: a 503 error page when the replica could not
// even load the app, else (the app was cached, the session lookup failed)
// the RFC 6749 §4.1.2.1 error temporarily_unavailable sent to the app.
func wantAuthorizeUnavailable(t *testing.T, phase string, lb *loadBalancer, o outageAnswer) {
	t.Helper()
	switch {
	case o.err != nil || o.elapsed > 10*time.Second:
		t.Errorf("%s: /authorize: %s, want an answer within 10 s", phase, o)
	case o.status == http.StatusServiceUnavailable:
	case o.status == http.StatusFound:
		loc, err := url.Parse(o.header.Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), redirectURI+"?") || loc.Query().Get("error") != "temporarily_unavailable" ||
			loc.Query().Get("state") != "st" || loc.Query().Get("iss") != issuer(lb) || loc.Query().Get("code") != "" {
			t.Errorf("%s: /authorize redirected to %q, want the app's redirect URI with error=temporarily_unavailable",
				phase, o.header.Get("Location"))
		}
	default:
		t.Errorf("%s: /authorize: %s, want a 503 page or an error redirect to the app", phase, o)
	}
}

// waitReadyz polls a replica's /readyz until it answers want, and returns
// how long that took.
func waitReadyz(t *testing.T, r *replica, want int, within time.Duration) time.Duration {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	var last string
	for time.Since(start) < within {
		resp, err := c.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return time.Since(start)
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("/readyz on %s did not answer %d within %s (last: %s)", r.name, want, within, last)
	return 0
}

// fullFlow runs the whole Authorization Code flow on one backend and
// returns the tokens.
func fullFlow(t *testing.T, lb *loadBalancer, s seed, backend int) tokenResponse {
	t.Helper()
	code := signedInCode(t, lb, newJar(), s, backend, backend)
	tr := exchange(t, client(nil, backend), lb.URL, s, code)
	if status, body := userinfo(t, client(nil, backend), lb.URL, tr.AccessToken); status != http.StatusOK {
		t.Fatalf("/userinfo: %d %s", status, body)
	}
	return tr
}

// TestDatabaseOutage puts a TCP proxy between replica A and PostgreSQL (B
// connects directly), cuts it, freezes it, and restores it: A reports
// itself unready, answers promptly with 503 temporarily_unavailable, never
// hangs or dies, and recovers by itself.
func TestDatabaseOutage(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	s := seedWithCLI(t, dsn) // migrates the schema too
	proxy := newTCPProxy(t, dsnHost(t, dsn))
	lb := newLoadBalancer(t)
	a := startReplica(t, "A", lb.URL, dsnVia(t, dsn, proxy.addr))
	b := startReplica(t, "B", lb.URL, dsn)
	a.waitReady(t, 40*time.Second)
	b.waitReady(t, 40*time.Second)
	lb.add(a, b)
	onA := client(nil, 0)

	// While the proxy is up, A works; keep a session and a code for later.
	tr := fullFlow(t, lb, s, 0)
	jar := newJar()
	signedInCode(t, lb, jar, s, 0, 0)
	state := domain.RandomToken(8)
	resp, body := do(t, client(jar, 0), http.MethodGet, authorizeURL(lb, s.ClientID, state, "n"), nil, nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/authorize with a session: %d %.200s", resp.StatusCode, body)
	}
	heldCode := codeFrom(t, lb, resp, state)
	_, etag, _ := fetchJWKS(t, onA, lb.URL+"/oauth2/default/v1/keys")

	// during checks what A answers while it cannot reach its database. The
	// requests that need the database go out together: each must get its
	// own prompt answer.
	during := func(t *testing.T, phase string) {
		tokenReq := tokenRequest(context.Background(), lb.URL, s, heldCode)
		userinfoReq := mustRequest(http.MethodGet, lb.URL+"/oauth2/default/v1/userinfo")
		userinfoReq.Header.Set("Authorization", "Bearer "+tr.AccessToken)
		authorizeReq := mustRequest(http.MethodGet, authorizeURL(lb, s.ClientID, "st", "n"))
		for _, c := range jar.Cookies(authorizeReq.URL) {
			authorizeReq.AddCookie(c)
		}
		answers := make([]outageAnswer, 3)
		var wg sync.WaitGroup
		for i, req := range []*http.Request{tokenReq, userinfoReq, authorizeReq} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = send(onA, req)
			}()
		}
		wg.Wait()
		wantTemporarilyUnavailable(t, phase+": /token", answers[0])
		wantTemporarilyUnavailable(t, phase+": /userinfo", answers[1])
		wantAuthorizeUnavailable(t, phase, lb, answers[2])
		t.Logf("%s: /token answered %d after %s, /userinfo %d after %s, /authorize %d after %s", phase,
			answers[0].status, answers[0].elapsed.Round(time.Millisecond), answers[1].status,
			answers[1].elapsed.Round(time.Millisecond), answers[2].status, answers[2].elapsed.Round(time.Millisecond))

		// Signing keys are cached: resource servers can still verify tokens.
		if o := send(onA, mustRequest(http.MethodGet, lb.URL+"/oauth2/default/v1/keys")); o.err != nil ||
			o.status != http.StatusOK || o.header.Get("ETag") != etag {
			t.Errorf("%s: /keys: %s, want the cached key set", phase, o)
		}
		if !a.alive() {
			t.Fatalf("%s: replica A exited: %v", phase, a.err)
		}
		if o := send(onA, mustRequest(http.MethodGet, a.url+"/healthz")); o.status != http.StatusOK {
			t.Errorf("%s: /healthz on A: %s", phase, o)
		}
		// B has its own way to the database and is not affected.
		fullFlow(t, lb, s, 1)
	}

	recovers := func(t *testing.T, phase string) {
		took := waitReadyz(t, a, http.StatusOK, 15*time.Second)
		t.Logf("%s: A ready again %s after the database came back", phase, took.Round(time.Millisecond))
		fullFlow(t, lb, s, 0)
	}

	t.Run("cut", func(t *testing.T) {
		proxy.cut()
		took := waitReadyz(t, a, http.StatusServiceUnavailable, 5*time.Second)
		t.Logf("cut: A unready %s after the cut", took.Round(time.Millisecond))
		during(t, "cut")
		proxy.restore()
		recovers(t, "cut")
	})

	t.Run("frozen", func(t *testing.T) {
		// The database host stops answering without closing anything: a
		// request must still get its answer in bounded time.
		proxy.freeze()
		took := waitReadyz(t, a, http.StatusServiceUnavailable, 5*time.Second)
		t.Logf("frozen: A unready %s after the freeze", took.Round(time.Millisecond))
		during(t, "frozen")
		proxy.thaw()
		recovers(t, "frozen")
	})

	t.Run("cut mid-request", func(t *testing.T) {
		// A request is waiting on the database when the connection dies.
		proxy.freeze()
		answer := make(chan outageAnswer, 1)
		go func() { answer <- send(onA, tokenRequest(context.Background(), lb.URL, s, heldCode)) }()
		time.Sleep(300 * time.Millisecond)
		proxy.cut()
		wantTemporarilyUnavailable(t, "cut mid-request: /token", <-answer)
		proxy.restore()
		recovers(t, "cut mid-request")
	})

	// The code A could not redeem during the outage was never consumed.
	tr2 := exchange(t, onA, lb.URL, s, heldCode)
	if status, body := userinfo(t, onA, lb.URL, tr2.AccessToken); status != http.StatusOK {
		t.Errorf("/userinfo after recovery: %d %s", status, body)
	}
	if status, body := userinfo(t, onA, lb.URL, tr.AccessToken); status != http.StatusOK {
		t.Errorf("/userinfo with the token from before the outage: %d %s", status, body)
	}
}

func mustRequest(method, target string) *http.Request {
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		panic(err)
	}
	return req
}

// TestKillDuringLoad exchanges codes on replica A from several goroutines
// and SIGKILLs A a third of the way through. Every exchange A answered 200
// was durable: B refuses its replay, and B's keys verify its access token.
func TestKillDuringLoad(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	lb, a, b := startPair(t, dsn)
	s := seedWithCLI(t, dsn)

	// The codes go straight into the store, as if /authorize had issued them.
	ctx := context.Background()
	st, err := postgres.Open(ctx, dsn, postgres.Pool{MaxConns: 4, MaxIdleConns: 2, ConnMaxLifetime: time.Minute, ConnMaxIdleTime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n, workers = 200, 8
	codes := make([]string, n)
	now := time.Now()
	for i := range codes {
		codes[i] = domain.RandomToken(32)
		if err := st.CreateCode(ctx, store.Code{
			Hash: domain.HashSecret(codes[i]), AuthServerID: domain.DefaultServerID, ClientID: s.ClientID,
			UserID: s.UserID, SessionIDHash: "scaleout", RedirectURI: redirectURI,
			Scopes: []string{"openid", "profile", "email"}, Nonce: "n", AuthTime: now, AMR: []string{"pwd"},
			AccessTokenJTI: domain.RandomToken(24), ExpiresAt: now.Add(5 * time.Minute), Created: now,
		}); err != nil {
			t.Fatal(err)
		}
	}

	type outcome struct {
		sent bool
		ok   bool // a complete 200 with tokens came back from A
		tr   tokenResponse
	}
	outcomes := make([]outcome, n)
	var completed atomic.Int32
	var killed atomic.Bool
	killNow := make(chan struct{})
	var killOnce sync.Once
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	direct := &http.Client{Transport: sharedTransport, Timeout: httpTimeout}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if killed.Load() {
					continue // never sent: must still be redeemable
				}
				outcomes[i].sent = true
				resp, err := direct.Do(tokenRequest(ctx, a.url, s, codes[i]))
				if err != nil {
					continue // interrupted by the kill: either way
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				var tr tokenResponse
				if err == nil && resp.StatusCode == http.StatusOK && json.Unmarshal(body, &tr) == nil && tr.AccessToken != "" {
					outcomes[i] = outcome{sent: true, ok: true, tr: tr}
				} else if err == nil && !killed.Load() {
					t.Errorf("exchange on A before the kill: %d %s", resp.StatusCode, body)
				}
				if completed.Add(1) >= n/3 {
					killOnce.Do(func() { close(killNow) })
				}
			}
		}()
	}
	select {
	case <-killNow:
	case <-time.After(30 * time.Second):
		t.Fatalf("only %d of %d exchanges completed in 30 s", completed.Load(), n/3)
	}
	killed.Store(true)
	a.cmd.Process.Kill()
	wg.Wait()
	a.kill(t) // waits for the exit
	if a.err == nil || !strings.Contains(a.err.Error(), "killed") {
		t.Errorf("A exited with %v, want killed", a.err)
	}

	var redeemed, unsent, interrupted []int
	for i, o := range outcomes {
		switch {
		case o.ok:
			redeemed = append(redeemed, i)
		case !o.sent:
			unsent = append(unsent, i)
		default:
			interrupted = append(interrupted, i)
		}
	}
	t.Logf("A answered 200 for %d exchanges before it died; %d were cut off; %d codes were never sent",
		len(redeemed), len(interrupted), len(unsent))
	if len(redeemed) < n/3-workers {
		t.Fatalf("only %d exchanges succeeded before the kill", len(redeemed))
	}

	b.waitReady(t, 5*time.Second)
	onB := client(nil, 1)
	_, _, keysB := fetchJWKS(t, onB, lb.URL+"/oauth2/default/v1/keys")
	errs := &fewErrors{t: t, max: 5}
	parallel(len(redeemed), 4, func(j int) {
		i := redeemed[j]
		if err := checkAccessToken(keysB, outcomes[i].tr.AccessToken, issuer(lb), s); err != nil {
			errs.Errorf("code %d: the access token from A does not verify with B's keys: %v", i, err)
		}
		o := send(onB, tokenRequest(ctx, lb.URL, s, codes[i]))
		var e oauthError
		if o.err != nil || o.status != http.StatusBadRequest || json.Unmarshal([]byte(o.body), &e) != nil || e.Error != "invalid_grant" {
			errs.Errorf("code %d, redeemed on A: the replay on B got %s, want invalid_grant", i, o)
		}
	})
	// The replay revoked the tokens A issued (checked on a sample).
	for _, i := range redeemed[:min(5, len(redeemed))] {
		if status, _ := userinfo(t, onB, lb.URL, outcomes[i].tr.AccessToken); status != http.StatusUnauthorized {
			errs.Errorf("code %d: /userinfo after the replay: %d, want 401", i, status)
		}
	}
	// Codes A never saw are intact.
	parallel(len(unsent), 4, func(j int) {
		o := send(onB, tokenRequest(ctx, lb.URL, s, codes[unsent[j]]))
		if o.err != nil || o.status != http.StatusOK {
			errs.Errorf("code %d, never sent to A: exchange on B got %s, want 200", unsent[j], o)
		}
	})
	errs.summary()
}

// fewErrors reports the first max errors and counts the rest, so that a
// systematic failure over hundreds of codes stays readable.
type fewErrors struct {
	t   *testing.T
	max int32
	n   atomic.Int32
}

func (f *fewErrors) Errorf(format string, args ...any) {
	f.t.Helper()
	if f.n.Add(1) <= f.max {
		f.t.Errorf(format, args...)
	}
}

func (f *fewErrors) summary() {
	if n := f.n.Load(); n > f.max {
		f.t.Errorf("… and %d more failures like these", n-f.max)
	}
}

// parallel runs f(0…n-1) on up to workers goroutines.
func parallel(n, workers int, f func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
