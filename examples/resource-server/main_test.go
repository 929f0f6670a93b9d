package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/verifier"
	"github.com/gatehouse-auth/gatehouse/verifier/verifiertest"
)

func TestAPI(t *testing.T) {
	iss := verifiertest.NewIssuer(t)
	v, err := verifier.New(iss.Issuer(), iss.Audience())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(v, "messages:read", slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)

	reader := iss.Mint(map[string]any{"sub": "ann@example.com", "scp": []string{"openid", "messages:read"}})
	plain := iss.Mint(map[string]any{"sub": "bob@example.com", "scp": []string{"openid"}})
	tests := []struct {
		path, token string
		status      int
		challenge   string // prefix of WWW-Authenticate
		body        string // substring of the body
	}{
		{"/api/whoami", "", 401, `Bearer realm="api://default"`, ""},
		{"/api/whoami", plain, 200, "", `"sub":"bob@example.com"`},
		{"/api/whoami", iss.Mint(nil, verifiertest.WithExpiresIn(-time.Hour)), 401, `Bearer realm="api://default", error="invalid_token"`, ""},
		{"/api/messages", reader, 200, "", `Hello, ann@example.com.`},
		{"/api/messages", plain, 403, `Bearer realm="api://default", error="insufficient_scope"`, ""},
		{"/api/messages", "", 401, `Bearer realm="api://default"`, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), tt.challenge) ||
			(tt.challenge == "" && resp.Header.Get("WWW-Authenticate") != "") || !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s: %d %q %s", tt.path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
		if tt.status == 200 && !json.Valid(body) {
			t.Errorf("GET %s: body %s", tt.path, body)
		}
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{"RS_ISSUER": "https://id.example.com/oauth2/default", "RS_SCOPE": "messages:read"}
	c, err := parseConfig([]string{"-scope", "admin"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{addr: "127.0.0.1:8081", issuer: "https://id.example.com/oauth2/default", audience: "api://default", scope: "admin"}
	if c != want {
		t.Errorf("config %+v, want %+v", c, want)
	}
	if err := run([]string{"-issuer", "not a url"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("run accepted a bad issuer")
	}
	if _, err := parseConfig([]string{"extra"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("parseConfig accepted an argument")
	}
}
