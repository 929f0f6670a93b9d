package verifier_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

// echoSubject answers 200 with the subject of the claims in the context.
var echoSubject = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := verifier.FromContext(r.Context())
	if !ok {
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	w.Write([]byte(c.Subject))
})

func TestMiddleware(t *testing.T) {
	iss, v, _ := setup(t, verifier.WithRequiredScopes("api"))
	down := verifiertest.NewIssuer(t)
	down.SetAvailable(false)
	vDown, err := verifier.New(down.Issuer(), down.Audience())
	if err != nil {
		t.Fatal(err)
	}
	good := iss.Mint(map[string]any{"scp": []string{"openid", "api", "messages:read"}})
	const realm = `Bearer realm="api://default"`

	tests := []struct {
		name       string
		handler    http.Handler
		auth       []string // Authorization header values
		wantStatus int
		wantChall  string // exact WWW-Authenticate; "" for none
		wantError  string // JSON error member
	}{
		{name: "valid", auth: []string{"Bearer " + good}, wantStatus: 200},
		{name: "scheme in lower case", auth: []string{"bearer " + good}, wantStatus: 200},
		{name: "scheme in upper case, extra spaces", auth: []string{"BEARER   " + good}, wantStatus: 200},
		{name: "no token", wantStatus: 401, wantChall: realm},
		{name: "another scheme", auth: []string{"Basic dXNlcjpwYXNz"}, wantStatus: 401, wantChall: realm},
		{name: "empty bearer", auth: []string{"Bearer "}, wantStatus: 400,
			wantChall: realm + `, error="invalid_request", error_description="The Authorization header is malformed."`, wantError: "invalid_request"},
		{name: "not token68", auth: []string{"Bearer a b"}, wantStatus: 400,
			wantChall: realm + `, error="invalid_request", error_description="The Authorization header is malformed."`, wantError: "invalid_request"},
		{name: "two Authorization headers", auth: []string{"Bearer " + good, "Bearer " + good}, wantStatus: 400,
			wantChall: realm + `, error="invalid_request", error_description="The Authorization header is malformed."`, wantError: "invalid_request"},
		{name: "expired", auth: []string{"Bearer " + iss.Mint(map[string]any{"scp": []string{"api"}}, verifiertest.WithExpiresIn(-time.Hour))}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="The access token expired."`, wantError: "invalid_token"},
		{name: "bad signature", auth: []string{"Bearer " + flipSignature(t, good)}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="The access token signature is invalid."`, wantError: "invalid_token"},
		{name: "unknown kid", auth: []string{"Bearer " + iss.Mint(nil, verifiertest.WithKeyID("nope"))}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="The access token signature is invalid."`, wantError: "invalid_token"},
		{name: "wrong audience", auth: []string{"Bearer " + iss.Mint(map[string]any{"aud": "api://other"})}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="The access token is not meant for this resource."`, wantError: "invalid_token"},
		{name: "garbage", auth: []string{"Bearer abc"}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="The access token is malformed."`, wantError: "invalid_token"},
		{name: "lacks the verifier's scope", auth: []string{"Bearer " + iss.Mint(map[string]any{"scp": []string{"openid"}})}, wantStatus: 403,
			wantChall: realm + `, error="insufficient_scope", error_description="The access token lacks a scope this resource needs.", scope="api"`, wantError: "insufficient_scope"},
		{name: "route scope granted", handler: v.RequireScopes("messages:read")(echoSubject), auth: []string{"Bearer " + good}, wantStatus: 200},
		{name: "lacks the route's scope", handler: v.RequireScopes("messages:write", "admin")(echoSubject), auth: []string{"Bearer " + good}, wantStatus: 403,
			wantChall: realm + `, error="insufficient_scope", error_description="The access token lacks a scope this resource needs.", scope="api messages:write admin"`, wantError: "insufficient_scope"},
		{name: "route scope inside Middleware", handler: v.Middleware(v.RequireScopes("admin")(echoSubject)), auth: []string{"Bearer " + good}, wantStatus: 403,
			wantChall: realm + `, error="insufficient_scope", error_description="The access token lacks a scope this resource needs.", scope="api admin"`, wantError: "insufficient_scope"},
		{name: "key set unavailable", handler: vDown.Middleware(echoSubject), auth: []string{"Bearer " + down.Mint(nil)}, wantStatus: 503,
			wantError: "temporarily_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if h == nil {
				h = v.Middleware(echoSubject)
			}
			req := httptest.NewRequest("GET", "/api/messages", nil)
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantChall {
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, tt.wantChall)
			}
			if tt.wantStatus == 200 {
				if rec.Body.String() != verifiertest.Subject {
					t.Errorf("handler saw subject %q", rec.Body)
				}
				return
			}
			if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
				t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if body["error"] != tt.wantError || body["error_description"] == "" {
				t.Errorf("body %v, want error %q", body, tt.wantError)
			}
			// Nothing about keys or the issuer's network in the answer.
			for _, secret := range []string{iss.KeyID(), down.KeyID(), "127.0.0.1", "kid", "nope"} {
				if strings.Contains(rec.Body.String(), secret) || strings.Contains(rec.Header().Get("WWW-Authenticate"), secret) {
					t.Errorf("response mentions %q: %s", secret, rec.Body)
				}
			}
			if tt.wantStatus == 503 && rec.Header().Get("Retry-After") != "10" {
				t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
		})
	}
}

func TestRequireScopesOfAnotherVerifierVerifiesAgain(t *testing.T) {
	iss, v, clk := setup(t)
	other, err := verifier.New(iss.Issuer(), "api://other", verifier.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h := v.Middleware(other.RequireScopes()(echoSubject))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+iss.Mint(nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), `realm="api://other", error="invalid_token"`) {
		t.Fatalf("status %d, challenge %q: the inner verifier trusted the outer one's audience", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}

func TestRealmOption(t *testing.T) {
	_, v, _ := setup(t, verifier.WithRealm(`my "api"`))
	rec := httptest.NewRecorder()
	v.Middleware(echoSubject).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer realm="my \"api\""`; got != want {
		t.Errorf("WWW-Authenticate %s, want %s", got, want)
	}
}

func TestNewContext(t *testing.T) {
	if _, ok := verifier.FromContext(context.Background()); ok {
		t.Fatal("claims in an empty context")
	}
	c := &verifier.Claims{Subject: "ann@example.com"}
	got, ok := verifier.FromContext(verifier.NewContext(context.Background(), c))
	if !ok || got != c {
		t.Fatalf("FromContext = %v, %v", got, ok)
	}
}
