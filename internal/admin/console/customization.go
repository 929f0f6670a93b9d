package console

import (
	"io"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/branding"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Customization → Sign-in page: the title, colours and logo of the hosted
// sign-in page, with a preview of its card. The page itself reads them
// through this replica's branding cache, which a save here refreshes.

func (c *Console) mountCustomization(mux *http.ServeMux) {
	c.get(mux, "GET /admin/customization", c.customization)
	c.post(mux, "POST /admin/customization", c.customize)
	// The stylesheet and logo the sign-in page links: public.
	c.Branding.Mount(mux)
}

// The colours the sign-in page has when none is set (web/static/style.css).
const (
	defaultPrimaryColor    = "#2f5bd3"
	defaultBackgroundColor = "#f4f5f7"
)

type customizationData struct {
	Form *Form
	// Brand is the saved branding as the sign-in page shows it.
	Brand   web.Brand
	HasLogo bool
	// Pickers are the colour pickers' starting values.
	PrimaryPicker, BackgroundPicker string
}

// brandingFields maps the domain's field names to the form's.
var brandingFields = map[string]string{
	"title": "title", "primaryColor": "primary_color", "backgroundColor": "background_color", "logo": "logo",
}

func (c *Console) customization(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderCustomization(w, r, p, http.StatusOK, nil)
}

// renderCustomization shows the form, filled from the saved branding when
// f is nil. The preview shows what is saved (read from the store, not the
// cache); the console's script applies what is typed.
func (c *Console) renderCustomization(w http.ResponseWriter, r *http.Request, p *Page, status int, f *Form) {
	b, err := c.Service.Branding(r.Context())
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if f == nil {
		f = formOf(url.Values{"title": {b.Title}, "primary_color": {b.PrimaryColor}, "background_color": {b.BackgroundColor}})
	}
	d := customizationData{Form: f, Brand: branding.BrandOf(b), HasLogo: len(b.Logo) > 0,
		PrimaryPicker:    pickerValue(f.Get("primary_color"), defaultPrimaryColor),
		BackgroundPicker: pickerValue(f.Get("background_color"), defaultBackgroundColor)}
	p.Title, p.Section, p.Data = "Sign-in page", "customization", d
	c.render(w, p, status, "customization.html")
}

// pickerValue is what a colour picker starts at: the colour typed when it
// is one, else the default (a picker cannot show "no colour").
func pickerValue(typed, def string) string {
	if domain.IsHexColor(typed) {
		return typed
	}
	return def
}

func (c *Console) customize(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	params := domain.BrandingParams{Title: f.Get("title"), PrimaryColor: f.Get("primary_color"),
		BackgroundColor: f.Get("background_color"), RemoveLogo: f.Checked("remove_logo")}
	logo, err := uploadedLogo(r)
	if err != nil {
		f.Fail("logo", "the file could not be read: "+err.Error())
		c.renderCustomization(w, r, p, http.StatusBadRequest, f)
		return
	}
	params.Logo = logo
	b, err := c.Service.UpdateBranding(r.Context(), params)
	if f.Absorb(err, brandingFields) {
		c.renderCustomization(w, r, p, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	// This replica's sign-in pages show the change at once; others within
	// branding.Lifetime.
	c.Branding.Set(b)
	c.done(w, r, "/admin/customization", "Sign-in page saved.")
}

// uploadedLogo reads the logo file of a multipart form: nil when none was
// chosen. It reads one byte past the limit, so that the domain can tell a
// file that is too large.
func uploadedLogo(r *http.Request) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["logo"]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File["logo"][0]
	if fh.Size == 0 {
		return nil, nil // the browser sends an empty part when no file is chosen
	}
	file, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, domain.MaxLogoBytes+1))
}
