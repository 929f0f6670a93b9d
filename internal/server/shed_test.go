package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// holdN starts n requests to path that block inside the handler until
// release is closed, and returns once all n are in flight.
func holdN(t *testing.T, h http.Handler, n int, path string, entered chan struct{}) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", path, nil))
			if rec.Code != http.StatusOK {
				t.Errorf("held request: status %d", rec.Code)
			}
		}()
	}
	for range n {
		<-entered
	}
	return &wg
}

func TestShedLoadRefusesOverTheBoundAtOnce(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := shedLoad(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hold") == "" && r.URL.Path == "/oauth2/default/v1/token" {
			entered <- struct{}{}
			<-release
		}
		w.Write([]byte("ok"))
	}))
	wg := holdN(t, h, 2, "/oauth2/default/v1/token", entered)

	// A third protocol request: 503 with an OAuth body, without waiting
	// (the handler would block on entered if it were let through).
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/oauth2/default/v1/token", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q", got)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error != "temporarily_unavailable" {
		t.Errorf("body %q: %v", rec.Body, err)
	}

	// Discovery is a protocol endpoint too; a page gets plain text.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/openid-configuration", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "temporarily_unavailable") {
		t.Errorf("discovery: %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login/signout", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("page: %d %v", rec.Code, rec.Header())
	}

	// Probes always pass.
	for _, p := range []string{"/healthz", "/readyz"} {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", p, rec.Code)
		}
	}

	// Once the held requests finish, their slots are free again.
	close(release)
	wg.Wait()
	for range 3 {
		rec = httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/oauth2/default/v1/token", nil)
		req.Header.Set("X-Hold", "no")
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("after release: status %d", rec.Code)
		}
	}
}

func TestShedLoadFreesTheSlotOfAPanickingRequest(t *testing.T) {
	h := recoverPanics(shedLoad(1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		w.Write([]byte("ok"))
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/panic", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("panic: status %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/fine", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after a panic: status %d, want 200 (slot leaked)", rec.Code)
	}
}
