package console_test

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

// brandPNG is a small PNG logo.
func brandPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 102, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// brandPost submits the customization form as a browser does: multipart,
// with the logo as a file part (empty when logo is nil).
func brandPost(t *testing.T, c *testkit.ConsoleClient, fields map[string]string, logo []byte) testkit.ConsolePage {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if _, ok := fields["csrf_token"]; !ok {
		w.WriteField("csrf_token", c.CSRF(t))
	}
	for k, v := range fields {
		w.WriteField(k, v)
	}
	name := ""
	if logo != nil {
		name = "logo.png"
	}
	part, err := w.CreateFormFile("logo", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(logo)
	w.Close()
	return c.PostBody(t, "/admin/customization", w.FormDataContentType(), &body)
}

func brandGet(t *testing.T, s *testkit.Server, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// brandSignInPages fetches the hosted sign-in page at /admin/signin and
// at an /authorize, in a browser with no session.
func brandSignInPages(t *testing.T, s *testkit.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, u := range map[string]string{"console": s.URL + "/admin/signin", "authorize": s.AuthorizeURL(s.WebApp.ClientID, nil)} {
		resp, err := testkit.Browser().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s sign-in page: %d", name, resp.StatusCode)
		}
		out[name] = body
	}
	return out
}

var (
	brandThemeLinkRe = regexp.MustCompile(`<link rel="stylesheet" href="(/branding/theme\.css\?v=[0-9a-f]+)">`)
	brandLogoRe      = regexp.MustCompile(`<img class="brand-logo" src="(/branding/logo\?v=[0-9a-f]+)" alt="">`)
)

func TestConsoleCustomizationSaves(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()

	p := admin.Get(t, "/admin/customization")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `enctype="multipart/form-data"`) || !strings.Contains(p.Body, "data-preview") {
		t.Fatalf("customization page: %d", p.Status)
	}
	for name, page := range brandSignInPages(t, s) {
		if brandThemeLinkRe.MatchString(page) || brandLogoRe.MatchString(page) || !strings.Contains(page, "<title>Sign in · Gatehouse</title>") {
			t.Errorf("%s sign-in page without branding is not Gatehouse's own", name)
		}
	}
	if resp, _ := brandGet(t, s, "/branding/logo", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("logo before one is set: %d", resp.StatusCode)
	}

	logo := brandPNG(t)
	p = brandPost(t, admin, map[string]string{"title": " Acme Sign-In ", "primary_color": "#FF6600", "background_color": "#102030"}, logo)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/customization" {
		t.Fatalf("save: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	b, err := s.Store.GetBranding(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Title != "Acme Sign-In" || b.PrimaryColor != "#ff6600" || b.BackgroundColor != "#102030" ||
		!bytes.Equal(b.Logo, logo) || b.LogoType != "image/png" {
		t.Fatalf("stored branding %+v", b)
	}
	p = admin.Get(t, "/admin/customization")
	if !strings.Contains(p.Body, "Sign-in page saved.") || !strings.Contains(p.Body, `value="Acme Sign-In"`) ||
		!strings.Contains(p.Body, `<span class="preview-title">Acme Sign-In</span>`) || !strings.Contains(p.Body, `href="/branding/theme.css?v=`) {
		t.Fatalf("the page after saving does not show the branding:\n%s", p.Body)
	}

	// The sign-in pages show the brand at once, on this replica.
	var themePath, logoPath string
	for name, page := range brandSignInPages(t, s) {
		theme, img := brandThemeLinkRe.FindStringSubmatch(page), brandLogoRe.FindStringSubmatch(page)
		if theme == nil || img == nil || !strings.Contains(page, `<span class="brand-title">Acme Sign-In</span>`) ||
			!strings.Contains(page, "<title>Sign in · Acme Sign-In</title>") {
			t.Fatalf("%s sign-in page does not show the brand:\n%s", name, page)
		}
		themePath, logoPath = html.UnescapeString(theme[1]), html.UnescapeString(img[1])
	}

	// The stylesheet holds the colours; the logo its bytes; both revalidate by ETag.
	resp, css := brandGet(t, s, themePath, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(string(css), "--brand-primary: #ff6600;") || !strings.Contains(string(css), "--brand-bg: #102030;") {
		t.Fatalf("theme.css: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), css)
	}
	if resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("theme.css caching headers: %v", resp.Header)
	}
	if again, _ := brandGet(t, s, themePath, http.Header{"If-None-Match": {resp.Header.Get("ETag")}}); again.StatusCode != http.StatusNotModified {
		t.Errorf("theme.css with its ETag: %d, want 304", again.StatusCode)
	}
	resp, got := brandGet(t, s, logoPath, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, logo) ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("ETag") == "" {
		t.Fatalf("logo: %d %v", resp.StatusCode, resp.Header)
	}

	// Removing the logo keeps the rest.
	p = brandPost(t, admin, map[string]string{"title": "Acme Sign-In", "primary_color": "#ff6600", "background_color": "", "remove_logo": "on"}, nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("remove logo: %d\n%s", p.Status, p.Body)
	}
	if b, _ := s.Store.GetBranding(ctx); b.Logo != nil || b.Title != "Acme Sign-In" || b.BackgroundColor != "" {
		t.Fatalf("after removing the logo: %+v", b)
	}
	if resp, _ := brandGet(t, s, "/branding/logo", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("removed logo: %d", resp.StatusCode)
	}
	for name, page := range brandSignInPages(t, s) {
		if brandLogoRe.MatchString(page) {
			t.Errorf("%s sign-in page still shows the removed logo", name)
		}
	}
	if _, css := brandGet(t, s, "/branding/theme.css", nil); strings.Contains(string(css), "--brand-bg") {
		t.Errorf("theme.css still sets the cleared background:\n%s", css)
	}

	// The sign-in page reads the branding from this replica's cache, not
	// from the database on every render: a change written behind its back
	// shows only once the cache expires.
	if err := s.Store.SetBranding(ctx, store.Branding{Title: "Written Elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if page := brandSignInPages(t, s)["authorize"]; strings.Contains(page, "Written Elsewhere") {
		t.Error("the sign-in page read the database instead of its cache")
	}
}

func TestConsoleCustomizationRefused(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	valid := func(change map[string]string) map[string]string {
		f := map[string]string{"title": "Acme", "primary_color": "#336699", "background_color": "#eeeeee"}
		for k, v := range change {
			f[k] = v
		}
		return f
	}
	tooLarge := append(brandPNG(t), make([]byte, domain.MaxLogoBytes)...)
	tests := []struct {
		name   string
		fields map[string]string
		logo   []byte
		field  string
		want   string
	}{
		{"colour by name", valid(map[string]string{"primary_color": "orange"}), nil, "primary_color", "#rrggbb"},
		{"short colour", valid(map[string]string{"background_color": "#fff"}), nil, "background_color", "#rrggbb"},
		{"CSS injection", valid(map[string]string{"primary_color": "#000;}body{x:y"}), nil, "primary_color", "#rrggbb"},
		{"long title", valid(map[string]string{"title": strings.Repeat("x", 61)}), nil, "title", "at most 60 characters"},
		{"logo not an image", valid(nil), []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), "logo", "PNG, JPEG, GIF or WebP"},
		{"logo too large", valid(nil), tooLarge, "logo", "at most 256 KB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := brandPost(t, admin, tc.fields, tc.logo)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if got := sysLogFieldError(t, p.Body, tc.field); !strings.Contains(got, tc.want) {
				t.Errorf("error %q, want %q", got, tc.want)
			}
			if v := tc.fields["primary_color"]; !strings.Contains(p.Body, `value="`+html.EscapeString(v)+`"`) {
				t.Errorf("the form lost the colour typed (%q)", v)
			}
			if b, _ := s.Store.GetBranding(ctx); b.Title != "" || b.Logo != nil || !b.Updated.IsZero() {
				t.Fatalf("a refused form stored %+v", b)
			}
		})
	}

	// A file far over the limit makes the whole form too large to read:
	// a 413 that says why, rather than "request body too large".
	p := brandPost(t, admin, valid(nil), append(brandPNG(t), make([]byte, 4*domain.MaxLogoBytes)...))
	if p.Status != http.StatusRequestEntityTooLarge || !strings.Contains(p.Body, "a logo may be at most 256 KB") {
		t.Fatalf("a form far too large: %d\n%s", p.Status, p.Body)
	}
	if b, _ := s.Store.GetBranding(ctx); !b.Updated.IsZero() {
		t.Fatalf("a form too large stored %+v", b)
	}

	// A read-only administrator sees the form and cannot save it.
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	p = ro.Get(t, "/admin/customization")
	if p.Status != http.StatusOK || strings.Contains(p.Body, `id="save-branding"`) || !strings.Contains(p.Body, "disabled") {
		t.Fatalf("read-only customization page: %d", p.Status)
	}
	if p := brandPost(t, ro, valid(nil), brandPNG(t)); p.Status != http.StatusForbidden {
		t.Fatalf("read-only save: %d", p.Status)
	}
	if b, _ := s.Store.GetBranding(ctx); !b.Updated.IsZero() {
		t.Fatalf("read-only save stored %+v", b)
	}
	// Without the CSRF token nothing is saved either.
	if p := brandPost(t, admin, valid(map[string]string{"csrf_token": "forged"}), nil); p.Status != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d", p.Status)
	}
}
