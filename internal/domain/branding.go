package domain

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// MaxLogoBytes bounds an uploaded sign-in page logo.
const MaxLogoBytes = 256 << 10

// logoTypes are the image types a logo may have. SVG is left out: it can
// carry script.
var logoTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// BrandingParams changes the sign-in page's look. A nil Logo keeps the
// current one unless RemoveLogo is set.
type BrandingParams struct {
	Title           string
	PrimaryColor    string
	BackgroundColor string
	Logo            []byte
	RemoveLogo      bool
}

// Branding returns the org's sign-in page branding.
func (s *Service) Branding(ctx context.Context) (store.Branding, error) {
	return s.Store.GetBranding(ctx)
}

// UpdateBranding validates and stores the sign-in page branding.
func (s *Service) UpdateBranding(ctx context.Context, p BrandingParams) (store.Branding, error) {
	var v ValidationError
	title := strings.TrimSpace(p.Title)
	if utf8.RuneCountInString(title) > 60 {
		v.add("title", "must be at most 60 characters")
	}
	for _, c := range []struct{ field, value string }{{"primaryColor", p.PrimaryColor}, {"backgroundColor", p.BackgroundColor}} {
		if c.value != "" && !hexColor.MatchString(c.value) {
			v.add(c.field, "must be a colour written #rrggbb")
		}
	}
	logoType := ""
	if len(p.Logo) > 0 {
		logoType = http.DetectContentType(p.Logo)
		switch {
		case len(p.Logo) > MaxLogoBytes:
			v.add("logo", "must be at most 256 KB")
		case !slices.Contains(logoTypes, logoType):
			v.add("logo", "must be a PNG, JPEG, GIF or WebP image")
		}
	}
	if err := v.err(); err != nil {
		return store.Branding{}, err
	}
	cur, err := s.Store.GetBranding(ctx)
	if err != nil {
		return store.Branding{}, err
	}
	b := store.Branding{Title: title, PrimaryColor: strings.ToLower(p.PrimaryColor),
		BackgroundColor: strings.ToLower(p.BackgroundColor), Logo: cur.Logo, LogoType: cur.LogoType, Updated: s.now().UTC()}
	switch {
	case len(p.Logo) > 0:
		b.Logo, b.LogoType = p.Logo, logoType
	case p.RemoveLogo:
		b.Logo, b.LogoType = nil, ""
	}
	if err := s.Store.SetBranding(ctx, b); err != nil {
		return store.Branding{}, err
	}
	s.record(ctx, "org.branding.update", "Update sign-in page branding",
		store.EventObject{ID: "org", Type: "Branding", AlternateID: "sign-in page", DisplayName: "Sign-in page"})
	return b, nil
}
