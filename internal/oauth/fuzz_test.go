package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpx"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const (
	authorizePath = "/oauth2/default/v1/authorize"
	tokenPath     = "/oauth2/default/v1/token"
	// pkceVerifier is a valid RFC 7636 verifier; pkceChallenge is its S256.
	pkceVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	pkceChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// liveSession stores a session for the seeded user straight in the store
// and returns the cookie that carries it.
func liveSession(tb testing.TB, s *testkit.Server) *http.Cookie {
	tb.Helper()
	value := domain.RandomToken(32)
	now := time.Now()
	err := s.Store.CreateSession(context.Background(), store.Session{
		IDHash: domain.HashSecret(value), UserID: s.User.ID, AuthTime: now, AMR: []string{"pwd"},
		Created: now, ExpiresAt: now.Add(24 * time.Hour),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Cookie{Name: login.SessionCookie, Value: value}
}

// freshCode stores a code for the web app, bound to testkit.RedirectURI, and
// returns its value. With pkce the code carries pkceChallenge.
func freshCode(tb testing.TB, s *testkit.Server, pkce bool) string {
	tb.Helper()
	value := domain.RandomToken(32)
	now := time.Now()
	c := store.Code{
		Hash: domain.HashSecret(value), AuthServerID: domain.DefaultServerID, ClientID: s.WebApp.ClientID,
		UserID: s.User.ID, SessionIDHash: "bench", RedirectURI: testkit.RedirectURI,
		Scopes: []string{"openid", "profile", "email"}, Nonce: "n-1", AuthTime: now, AMR: []string{"pwd"},
		AccessTokenJTI: domain.RandomToken(24), ExpiresAt: now.Add(5 * time.Minute), Created: now,
	}
	if pkce {
		c.CodeChallenge, c.CodeChallengeMethod = pkceChallenge, "S256"
	}
	if err := s.Store.CreateCode(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
	return value
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// Flags of FuzzAuthorize.
const (
	azClientID    = 1 << iota // prepend the web app's client_id
	azRedirectURI             // prepend the registered redirect_uri
	azPublicApp               // with azClientID: the public app's id instead
	azSession                 // send a live session cookie
	azPost                    // POST the parameters as a form body
)

var formPostAction = regexp.MustCompile(`<form method="post" action="([^"]*)" id="form-post">`)

// authorizeOracle parses the request's parameters independently and says
// whether the client and redirect URI are ones the server may redirect to.
func authorizeOracle(s *testkit.Server, raw string) (params map[string]string, trusted bool) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, false
	}
	params = map[string]string{}
	for k, vals := range v {
		if len(vals) != 1 || len(vals[0]) > httpx.MaxParamBytes {
			return nil, false
		}
		params[k] = vals[0]
	}
	known := false
	for _, a := range []store.App{s.WebApp, s.PostApp, s.PublicApp} {
		known = known || params["client_id"] == a.ClientID
	}
	return params, known && params["redirect_uri"] == testkit.RedirectURI
}

func FuzzAuthorize(f *testing.F) {
	s := testkit.Start(f)
	handler := s.HTTP.Config.Handler
	cookie := liveSession(f, s)
	registered, _ := url.Parse(testkit.RedirectURI)
	both := azClientID | azRedirectURI

	f.Add("response_type=code&scope=openid+profile&state=xyz&nonce=n", uint8(both|azSession))
	f.Add("response_type=code&scope=openid&state=xyz", uint8(both))
	f.Add("response_type=code&scope=openid&state=xyz&response_mode=form_post", uint8(both|azSession))
	f.Add("response_type=code&scope=openid&state=xyz&code_challenge="+pkceChallenge+"&code_challenge_method=S256", uint8(both|azPublicApp|azSession))
	f.Add("response_type=code&scope=openid&state=xyz", uint8(both|azPublicApp))
	f.Add("response_type=token&scope=openid&state=xyz", uint8(both))
	f.Add("response_type=code&scope=openid+admin&state=xyz", uint8(both))
	f.Add("response_type=code&scope=openid&state=xyz&prompt=none", uint8(both))
	f.Add("response_type=code&scope=openid&state=xyz&prompt=login&max_age=0", uint8(both|azSession))
	f.Add("response_type=code&scope=openid&state=xyz&max_age=-1", uint8(both|azSession))
	f.Add("response_type=code&scope=openid&state=xyz", uint8(both|azPost|azSession))
	f.Add("client_id=evil&response_type=code&scope=openid&state=xyz", uint8(azRedirectURI))
	f.Add("redirect_uri=https%3A%2F%2Fevil.example.com%2Fcallback&response_type=code&scope=openid&state=x", uint8(azClientID|azSession))
	f.Add("redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F&response_type=code&state=x", uint8(azClientID))
	f.Add("redirect_uri=HTTPS%3A%2F%2Fapp.example.com%2Fcallback&response_type=code&state=x", uint8(azClientID))
	f.Add("redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%23frag&response_type=code&state=x", uint8(azClientID))
	f.Add("redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%3Fnext%3D%2F%2Fevil.com&state=x", uint8(azClientID))
	f.Add("redirect_uri=//evil.example.com/callback&state=x", uint8(azClientID))
	f.Add("response_type=code&scope=openid&state=a&state=b", uint8(both|azSession))
	f.Add("client_id=dup&response_type=code", uint8(both))
	f.Add("response_type=code&scope=openid&state="+strings.Repeat("s", httpx.MaxParamBytes+1), uint8(both))
	f.Add("response_type=code&scope=openid&state=x&nonce="+strings.Repeat("n", 600), uint8(both))
	f.Add("response_type=code&scope=openid&state=x&login_hint="+strings.Repeat("%E2%98%83", 100), uint8(both))
	f.Add("response_type=code&scope=%00openid&state=%0d%0aSet-Cookie:+x=y", uint8(both|azSession))
	f.Add("response_type=code&scope=openid&state=%ff%fe&nonce=%C3%A9", uint8(both|azSession))
	f.Add("response_type=code;scope=openid;state=x", uint8(both))
	f.Add("response_type=code&scope=openid&state=x&code_challenge=short&code_challenge_method=plain", uint8(both))
	f.Add("%zz", uint8(both))
	f.Add("", uint8(0))
	f.Add("&&&=&=", uint8(both|azSession))

	f.Fuzz(func(t *testing.T, raw string, flags uint8) {
		var pre []string
		if flags&azClientID != 0 {
			id := s.WebApp.ClientID
			if flags&azPublicApp != 0 {
				id = s.PublicApp.ClientID
			}
			pre = append(pre, "client_id="+url.QueryEscape(id))
		}
		if flags&azRedirectURI != 0 {
			pre = append(pre, "redirect_uri="+url.QueryEscape(testkit.RedirectURI))
		}
		query := strings.Join(append(pre, raw), "&")

		var req *http.Request
		if flags&azPost != 0 {
			req = httptest.NewRequest(http.MethodPost, authorizePath, strings.NewReader(query))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			u, err := url.ParseRequestURI(authorizePath + "?" + query)
			if err != nil {
				t.Skip("not a request target a client could send")
			}
			req = httptest.NewRequest(http.MethodGet, authorizePath, nil)
			req.URL, req.RequestURI = u, u.RequestURI()
			query = u.RawQuery
		}
		if flags&azSession != 0 {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		body := rec.Body.String()
		params, trusted := authorizeOracle(s, query)
		if flags&azPost != 0 && len(query) > httpx.MaxBodyBytes {
			trusted = false // the body is refused before it is read
		}

		if res.StatusCode >= 500 {
			t.Fatalf("status %d for %q: %.500s", res.StatusCode, query, body)
		}
		if !trusted {
			// Errors about the client or redirect URI are shown, never sent.
			if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" || formPostAction.MatchString(body) {
				t.Fatalf("untrusted client/redirect_uri answered %d, Location %q, for %q", res.StatusCode, res.Header.Get("Location"), query)
			}
			return
		}
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusOK {
			t.Fatalf("trusted client and redirect_uri answered %d (want a redirect or a page) for %q: %.300s", res.StatusCode, query, body)
		}

		var answer url.Values
		switch loc := res.Header.Get("Location"); {
		case loc != "":
			if res.StatusCode != http.StatusFound {
				t.Fatalf("Location with status %d", res.StatusCode)
			}
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("unparseable Location %q: %v", loc, err)
			}
			if u.Scheme != registered.Scheme || u.Host != registered.Host || u.Path != registered.Path || u.User != nil || u.Fragment != "" {
				t.Fatalf("Location %q is not the registered redirect URI %q (request %q)", loc, testkit.RedirectURI, query)
			}
			answer = u.Query()
		case formPostAction.MatchString(body):
			action := html.UnescapeString(formPostAction.FindStringSubmatch(body)[1])
			if action != testkit.RedirectURI {
				t.Fatalf("form_post action %q is not the registered redirect URI", action)
			}
			if params["response_mode"] != "form_post" {
				t.Fatalf("form_post page for response_mode %q", params["response_mode"])
			}
			answer = url.Values{}
			for _, m := range regexp.MustCompile(`name="([^"]*)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
				answer.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
			}
		default:
			return // the sign-in page
		}
		if got := answer.Get("iss"); got != s.Issuer() {
			t.Fatalf("authorization response iss = %q, want %q", got, s.Issuer())
		}
		if st := params["state"]; answer.Get("state") != st && (res.StatusCode == http.StatusFound || plainASCII(st)) {
			t.Fatalf("authorization response state = %q, want %q", answer.Get("state"), params["state"])
		}
		if (answer.Get("code") == "") == (answer.Get("error") == "") {
			t.Fatalf("authorization response must carry a code or an error: %v", answer)
		}
		if answer.Get("code") != "" && flags&azSession == 0 {
			t.Fatalf("a code was issued without a session for %q", query)
		}
	})
}

// plainASCII reports whether v survives HTML escaping and unescaping as is.
func plainASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// Flags of FuzzToken.
const (
	tkBasicWeb   = 1 << iota // Basic header with the web app's credentials
	tkRawAuth                // the auth argument as the Authorization header
	tkCode                   // append a fresh, valid code for the web app
	tkPKCECode               // with tkCode: the code carries a PKCE challenge
	tkPostCreds              // append the post app's client_id and client_secret
	tkNoFormType             // send the body as JSON instead
)

type tokenAnswer struct {
	Error       *string `json:"error"`
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
}

func FuzzToken(f *testing.F) {
	s := testkit.Start(f)
	handler := s.HTTP.Config.Handler
	redirect := "&redirect_uri=" + url.QueryEscape(testkit.RedirectURI)

	f.Add("grant_type=authorization_code"+redirect, "", uint8(tkBasicWeb|tkCode))
	f.Add("grant_type=authorization_code"+redirect+"&code_verifier="+pkceVerifier, "", uint8(tkBasicWeb|tkCode|tkPKCECode))
	f.Add("grant_type=authorization_code"+redirect+"&code_verifier="+strings.Repeat("a", 43), "", uint8(tkBasicWeb|tkCode|tkPKCECode))
	f.Add("grant_type=authorization_code"+redirect, "", uint8(tkBasicWeb|tkCode|tkPKCECode))
	f.Add("grant_type=authorization_code"+redirect+"&code_verifier="+pkceVerifier, "", uint8(tkBasicWeb|tkCode))
	f.Add("grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fother", "", uint8(tkBasicWeb|tkCode))
	f.Add("grant_type=authorization_code"+redirect, "", uint8(tkPostCreds|tkCode))
	f.Add("grant_type=authorization_code"+redirect+"&code=unknown", "", uint8(tkBasicWeb))
	f.Add("grant_type=client_credentials&scope=okta.users.read", "", uint8(tkBasicWeb))
	f.Add("grant_type=password&username=alice&password=x", "", uint8(tkPostCreds))
	f.Add("grant_type=refresh_token&refresh_token=abc", "", uint8(tkBasicWeb))
	f.Add("grant_type=authorization_code&grant_type=authorization_code", "", uint8(tkBasicWeb))
	f.Add("client_id=a&client_id=b&grant_type=authorization_code", "", uint8(0))
	f.Add("grant_type=authorization_code&client_id=other", "", uint8(tkBasicWeb))
	f.Add("grant_type=authorization_code&client_secret=x", "", uint8(tkBasicWeb))
	f.Add("grant_type=authorization_code&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJ.x.y", "", uint8(0))
	f.Add("grant_type=authorization_code&client_id=0oanone", "", uint8(0))
	f.Add("grant_type=authorization_code", "Basic Zm9vOmJhcg==", uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "Basic !!!not-base64", uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "Basic "+base64.StdEncoding.EncodeToString([]byte("no-colon")), uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "Basic "+base64.StdEncoding.EncodeToString([]byte("%zz:%zz")), uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "Basic "+base64.StdEncoding.EncodeToString([]byte(":secret")), uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "basic    ", uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "Bearer eyJhbGciOiJub25lIn0.e30.", uint8(tkRawAuth))
	f.Add("grant_type=authorization_code", "\x00\x01", uint8(tkRawAuth))
	f.Add("grant_type=authorization_code&code="+strings.Repeat("c", httpx.MaxParamBytes+1), "", uint8(tkBasicWeb))
	f.Add(strings.Repeat("a=b&", httpx.MaxBodyBytes/4+1), "", uint8(tkBasicWeb))
	f.Add("grant_type=authorization_code&code_verifier=%00%01%02"+redirect, "", uint8(tkBasicWeb|tkCode))
	f.Add("grant_type=authorization%5Fcode&code=%E2%98%83%ff", "", uint8(tkBasicWeb))
	f.Add("grant_type=authorization_code;code=x", "", uint8(tkBasicWeb))
	f.Add("%zz=1", "", uint8(tkBasicWeb))
	f.Add(`{"grant_type":"authorization_code"}`, "", uint8(tkBasicWeb|tkNoFormType))
	f.Add("", "", uint8(0))

	f.Fuzz(func(t *testing.T, body, auth string, flags uint8) {
		if flags&tkCode != 0 {
			body += "&code=" + freshCode(t, s, flags&tkPKCECode != 0)
		}
		if flags&tkPostCreds != 0 {
			body += "&client_id=" + url.QueryEscape(s.PostApp.ClientID) + "&client_secret=" + url.QueryEscape(s.PostSecret)
		}
		req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(body))
		if flags&tkNoFormType != 0 {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		switch {
		case flags&tkBasicWeb != 0:
			req.Header.Set("Authorization", basic(s.WebApp.ClientID, s.WebSecret))
		case flags&tkRawAuth != 0:
			req.Header["Authorization"] = []string{auth}
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		raw := rec.Body.Bytes()

		if res.StatusCode >= 500 {
			t.Fatalf("status %d for body %q: %s", res.StatusCode, body, raw)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q (status %d): %.300s", ct, res.StatusCode, raw)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q on a token response", cc)
		}
		var ans tokenAnswer
		if err := json.Unmarshal(raw, &ans); err != nil {
			t.Fatalf("body is not a JSON object (status %d): %v: %.300s", res.StatusCode, err, raw)
		}
		if res.StatusCode == http.StatusOK {
			if ans.Error != nil || ans.AccessToken == "" || ans.TokenType != "Bearer" {
				t.Fatalf("200 without a Bearer access token: %s", raw)
			}
			if flags&tkCode == 0 {
				t.Fatalf("tokens issued without a valid code: body %q", body)
			}
			return
		}
		if ans.Error == nil || *ans.Error == "" {
			t.Fatalf("status %d without an error member: %s", res.StatusCode, raw)
		}
		if *ans.Error == "invalid_client" && res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("invalid_client with status %d", res.StatusCode)
		}
	})
}
