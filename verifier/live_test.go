package verifier_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testkit"
	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

// gatehouseToken signs in at a live Gatehouse and returns an access token.
func gatehouseToken(t *testing.T, s *testkit.Server) string {
	t.Helper()
	loc, err := s.Authorize(testkit.Browser(), s.AuthorizeURL(s.WebApp.ClientID, nil), testkit.UserLogin, testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testkit.RedirectURI}}
	req, err := http.NewRequest("POST", s.Issuer()+"/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.WebApp.ClientID, s.WebSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token response %d: %+v, %v", resp.StatusCode, tok, err)
	}
	return tok.AccessToken
}

func TestAgainstLiveGatehouse(t *testing.T) {
	s := testkit.Start(t)
	token := gatehouseToken(t, s)
	v, err := verifier.New(s.Issuer(), "api://default", verifier.WithClientIDs(s.WebApp.ClientID),
		verifier.WithRequiredScopes("openid", "email"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatalf("Verify a Gatehouse token: %v", err)
	}
	if c.Ver != 1 || !strings.HasPrefix(c.JTI, "AT.") || c.ClientID != s.WebApp.ClientID || c.UserID != s.User.ID ||
		c.Subject != testkit.UserLogin || !c.HasScope("profile") || c.AuthTime.IsZero() || c.IssuedAt.IsZero() {
		t.Errorf("claims %+v", c)
	}
	if got := c.ExpiresAt.Sub(c.IssuedAt); got.Minutes() != 60 {
		t.Errorf("lifetime %v", got)
	}

	// The same claims and kid, signed with a key Gatehouse never published.
	var header struct{ Kid string }
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err := json.Unmarshal(h, &header); err != nil || header.Kid == "" {
		t.Fatalf("header %s: %v", h, err)
	}
	fake := verifiertest.NewIssuer(t)
	forged := fake.Mint(c.Raw, verifiertest.WithKeyID(header.Kid))
	if _, err := v.Verify(ctx, forged); !errors.Is(err, verifier.ErrInvalidSignature) {
		t.Fatalf("forged token: error %v, want ErrInvalidSignature", err)
	}
	// Under the fake issuer's own kid: unknown to Gatehouse's key set.
	if _, err := v.Verify(ctx, fake.Mint(c.Raw)); !errors.Is(err, verifier.ErrInvalidSignature) {
		t.Fatalf("token of another issuer's key: error %v, want ErrInvalidSignature", err)
	}
	// Other audiences, clients and scopes are refused.
	for _, tt := range []struct {
		opts []verifier.Option
		aud  string
		want error
	}{
		{aud: s.WebApp.ClientID, want: verifier.ErrInvalidAudience},
		{aud: "api://default", opts: []verifier.Option{verifier.WithClientIDs(s.PublicApp.ClientID)}, want: verifier.ErrInvalidClientID},
		{aud: "api://default", opts: []verifier.Option{verifier.WithRequiredScopes("phone")}, want: verifier.ErrInsufficientScope},
	} {
		v, err := verifier.New(s.Issuer(), tt.aud, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, token); !errors.Is(err, tt.want) {
			t.Errorf("Verify error %v, want %v", err, tt.want)
		}
	}
	// The org server's issuer is another issuer.
	org, err := verifier.New(s.URL, "api://default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.Verify(ctx, token); err == nil {
		t.Error("the org server's verifier accepted a default server token")
	}

	// The middleware, over the same token.
	v, err = verifier.New(s.Issuer(), "api://default")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		h    http.Handler
		want int
	}{
		{v.Middleware(echoSubject), 200},
		{v.RequireScopes("email")(echoSubject), 200},
		{v.RequireScopes("messages:read")(echoSubject), 403},
	} {
		srvReq, _ := http.NewRequest("GET", "/api", nil)
		srvReq.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		tt.h.ServeHTTP(rec, srvReq)
		if rec.Code != tt.want {
			t.Errorf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
		}
		if tt.want == 200 && rec.Body.String() != testkit.UserLogin {
			t.Errorf("subject %q", rec.Body)
		}
	}
}
