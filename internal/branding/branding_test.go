package branding

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// fakeBrandings counts reads and may fail them.
type fakeBrandings struct {
	mu    sync.Mutex
	b     store.Branding
	reads int
	fail  error
}

func (f *fakeBrandings) GetBranding(context.Context) (store.Branding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.b, f.fail
}

func (f *fakeBrandings) SetBranding(_ context.Context, b store.Branding) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.b = b
	return nil
}

func TestCacheReadsOncePerLifetime(t *testing.T) {
	ctx := context.Background()
	st := &fakeBrandings{b: store.Branding{Title: "One"}}
	c := NewCache(st, 50*time.Millisecond)
	for i := 0; i < 20; i++ {
		if b, err := c.Get(ctx); err != nil || b.Title != "One" {
			t.Fatalf("Get: %+v %v", b, err)
		}
	}
	if st.reads != 1 {
		t.Fatalf("%d store reads within the lifetime, want 1", st.reads)
	}

	// A change made elsewhere shows once the lifetime has passed.
	st.SetBranding(ctx, store.Branding{Title: "Two"})
	if b, _ := c.Get(ctx); b.Title != "One" {
		t.Fatalf("within the lifetime: %q", b.Title)
	}
	time.Sleep(60 * time.Millisecond)
	if b, _ := c.Get(ctx); b.Title != "Two" || st.reads != 2 {
		t.Fatalf("after the lifetime: %q, %d reads", b.Title, st.reads)
	}

	// A change saved on this replica shows at once.
	c.Set(store.Branding{Title: "Three"})
	if b, _ := c.Get(ctx); b.Title != "Three" || st.reads != 2 {
		t.Fatalf("after Set: %q, %d reads", b.Title, st.reads)
	}

	// A store that fails: the copy read before serves; with none, the error.
	st.fail = errors.New("database down")
	time.Sleep(60 * time.Millisecond)
	reads := st.reads
	for i := 0; i < 5; i++ {
		if b, err := c.Get(ctx); err != nil || b.Title != "Three" {
			t.Fatalf("store down, stale copy: %q %v", b.Title, err)
		}
	}
	if st.reads != reads+1 {
		t.Fatalf("store down: %d reads, want one per lifetime", st.reads-reads)
	}
	if _, err := NewCache(st, time.Minute).Get(ctx); err == nil {
		t.Fatal("store down, no copy: no error")
	}
	if got := NewCache(st, time.Minute).Brand(ctx); got.Title != "" || got.ThemeURL != "" || got.LogoURL != "" {
		t.Fatalf("store down: the sign-in page gets %+v, want the default look", got)
	}
}

func TestThemeCSS(t *testing.T) {
	tests := []struct {
		name        string
		b           store.Branding
		want, avoid []string
	}{
		{"both colours", store.Branding{PrimaryColor: "#ff6600", BackgroundColor: "#102030"},
			[]string{"--brand-primary: #ff6600;", "--brand-primary-dark: #cc5100;", "--brand-on-primary: #1d1f24;", "--brand-bg: #102030;"}, nil},
		{"dark primary gets white text", store.Branding{PrimaryColor: "#123456"},
			[]string{"--brand-on-primary: #ffffff;"}, []string{"--brand-bg"}},
		{"none", store.Branding{}, nil, []string{"--brand"}},
		{"not a colour is never written", store.Branding{PrimaryColor: "#000;} body{background:url(x)}", BackgroundColor: "red"},
			nil, []string{"--brand", "url(", "red"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			css := string(themeCSS(tc.b))
			for _, w := range tc.want {
				if !strings.Contains(css, w) {
					t.Errorf("missing %q in:\n%s", w, css)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(css, a) {
					t.Errorf("unwanted %q in:\n%s", a, css)
				}
			}
		})
	}
}

func TestServe(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nrest of the image")
	st := &fakeBrandings{b: store.Branding{PrimaryColor: "#336699", Logo: png, LogoType: "image/png"}}
	c := NewCache(st, time.Minute)
	mux := http.NewServeMux()
	c.Mount(mux)
	get := func(path string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	brand := c.Brand(context.Background())
	if !strings.HasPrefix(brand.ThemeURL, ThemePath+"?v=") || !strings.HasPrefix(brand.LogoURL, LogoPath+"?v=") {
		t.Fatalf("brand %+v", brand)
	}

	rec := get(brand.LogoURL)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" || rec.Body.String() != string(png) ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Cache-Control") != maxAge {
		t.Fatalf("logo: %d %v", rec.Code, rec.Header())
	}
	if again := get(LogoPath, "If-None-Match", rec.Header().Get("ETag")); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("logo with its ETag: %d", again.Code)
	}
	// The paths without a version change with every save: a browser or
	// proxy asks again (and gets 304) rather than keep a stale copy.
	for _, path := range []string{LogoPath, ThemePath} {
		if rec := get(path); rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s without a version: %d %q", path, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := get(brand.ThemeURL); rec.Header().Get("Cache-Control") != maxAge || rec.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("theme of this version: %v", rec.Header())
	}
	// A version this replica does not hold yet is answered, not cached.
	if old := get(ThemePath + "?v=0123456789abcdef"); old.Code != http.StatusOK || old.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("theme of another version: %d %q", old.Code, old.Header().Get("Cache-Control"))
	}

	// A logo whose bytes are not the stored type is never served.
	c.Set(store.Branding{Logo: []byte("<svg/>"), LogoType: "image/png"})
	if rec := get(LogoPath); rec.Code != http.StatusNotFound {
		t.Fatalf("mislabelled logo: %d", rec.Code)
	}
	c.Set(store.Branding{})
	if rec := get(LogoPath); rec.Code != http.StatusNotFound {
		t.Fatalf("no logo: %d", rec.Code)
	}
	if rec := get(ThemePath); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "--brand") {
		t.Fatalf("theme without colours: %d %s", rec.Code, rec.Body)
	}
}
