package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecoverPanicsAnswersJSON(t *testing.T) {
	h := recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 500 || body["error"] != "server_error" {
		t.Errorf("status %d body %q", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Error("the panic value reached the client")
	}
}

func TestSecurityHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	securityHeaders(http.NotFoundHandler(), false).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on a server published over http")
	}
	https := httptest.NewRecorder()
	securityHeaders(http.NotFoundHandler(), true).ServeHTTP(https, httptest.NewRequest("GET", "/", nil))
	if !strings.HasPrefix(https.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS on a server published over https")
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
}

func TestUnroutedRequestsGetOktaErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/{as}/v1/token", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	h := oktaNotFound(mux)
	tests := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"POST", "/oauth2/default/v1/token", 299, "", ""},
		{"GET", "/oauth2/default/v1/token", 405, "E0000022", "POST"},
		{"GET", "/nowhere", 404, "E0000007", ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.status)
			continue
		}
		if tt.code == "" {
			continue
		}
		var body struct{ ErrorCode, ErrorSummary string }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.ErrorCode != tt.code || body.ErrorSummary == "" {
			t.Errorf("%s %s: body %q", tt.method, tt.path, rec.Body)
		}
		if !strings.Contains(rec.Header().Get("Allow"), tt.allow) {
			t.Errorf("%s %s: Allow %q", tt.method, tt.path, rec.Header().Get("Allow"))
		}
	}
}

func TestRequestIDIsSetAndLogged(t *testing.T) {
	var seen string
	h := requestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if seen == "" || rec.Header().Get("X-Request-Id") != seen {
		t.Errorf("context id %q, header %q", seen, rec.Header().Get("X-Request-Id"))
	}
}
