package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func TestClientKeysFetch(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &ec.PublicKey, KeyID: "k"}}})
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(set) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(set) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[` + strings.Repeat(" ", 70<<10) + `]}`))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://keys.example.com/jwks", http.StatusFound)
	})
	mux.HandleFunc("/to-same", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	now := time.Unix(1_760_000_000, 0)
	c := newClientKeys(func() time.Time { return now })
	ctx := context.Background()
	app := store.App{ClientID: "0oa1", JWKSURI: srv.URL + "/a"}

	if keys, err := c.keysFor(ctx, app, "k"); err != nil || len(keys) != 1 {
		t.Fatalf("keysFor: %v, %v", keys, err)
	}
	// Another URL for the same client starts over (and fetches at once).
	app.JWKSURI = srv.URL + "/b"
	if _, err := c.keysFor(ctx, app, "k"); err != nil || hits.Load() != 2 {
		t.Fatalf("after a URL change: %v, %d fetches (want 2)", err, hits.Load())
	}

	for path, want := range map[string]string{
		"/big":     "larger than",
		"/missing": "status 404",
		"/to-http": "https only",
		"/to-same": "",
	} {
		c := newClientKeys(func() time.Time { return now })
		_, err := c.keysFor(ctx, store.App{ClientID: "0oa2", JWKSURI: srv.URL + path}, "")
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", path, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want it to mention %q", path, err, want)
		}
	}
}
