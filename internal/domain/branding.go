package domain

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// MaxLogoBytes bounds an uploaded sign-in page logo.
const MaxLogoBytes = 256 << 10

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// IsHexColor reports whether s is a colour written #rrggbb, the only form
// the branding stores (and so the only one a stylesheet receives).
func IsHexColor(s string) bool { return hexColor.MatchString(s) }

// LogoType names the image type of a logo by its first bytes: PNG, JPEG,
// GIF or WebP, or "" for anything else. SVG is left out: it can carry
// script.
func LogoType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 14 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:14]) == "WEBPVP":
		return "image/webp"
	}
	return ""
}

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
	logoType := LogoType(p.Logo)
	if len(p.Logo) > 0 {
		switch {
		case len(p.Logo) > MaxLogoBytes:
			v.add("logo", "must be at most 256 KB")
		case logoType == "":
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
