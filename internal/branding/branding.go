// Package branding serves the org's look on the hosted sign-in page: the
// stylesheet of its colours (GET /branding/theme.css) and its logo (GET
// /branding/logo), both public, and the brand the sign-in page shows. The
// branding is kept in a small per-replica cache, so that rendering the
// sign-in page on the authorize path does not read the database.
package branding

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Lifetime is how long a replica serves the branding it read before it
// reads it again: a change made on another replica shows within it.
const Lifetime = 10 * time.Second

// Cache holds the branding of one store.
type Cache struct {
	st       store.Brandings
	lifetime time.Duration
	// cur is the branding read last; load serialises reads of the store.
	cur  atomic.Pointer[entry]
	load sync.Mutex
}

// entry is one reading of the branding, with what serving it needs.
type entry struct {
	b       store.Branding
	read    time.Time
	css     []byte
	cssTag  string // a digest of css
	logoTag string // a digest of the logo, "" when there is none
}

func newEntry(b store.Branding, read time.Time) *entry {
	e := &entry{b: b, read: read, css: themeCSS(b)}
	e.cssTag = digest(e.css)
	if len(b.Logo) > 0 {
		e.logoTag = digest(b.Logo)
	}
	return e
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// NewCache returns a cache of st's branding that rereads it after lifetime.
func NewCache(st store.Brandings, lifetime time.Duration) *Cache {
	return &Cache{st: st, lifetime: lifetime}
}

// Get returns the branding, read from the store when the cached copy is
// older than the lifetime. When the store cannot be read, a stale copy is
// used rather than failing a sign-in page over its colours.
func (c *Cache) Get(ctx context.Context) (store.Branding, error) {
	e, err := c.get(ctx)
	if err != nil {
		return store.Branding{}, err
	}
	return e.b, nil
}

func (c *Cache) get(ctx context.Context) (*entry, error) {
	stale := c.cur.Load()
	if stale != nil && time.Since(stale.read) < c.lifetime {
		return stale, nil
	}
	// One request reads the store; while it does, the others serve the
	// copy they have (and only wait when there is none).
	if stale == nil {
		c.load.Lock()
	} else if !c.load.TryLock() {
		return stale, nil
	}
	defer c.load.Unlock()
	if e := c.cur.Load(); e != nil && time.Since(e.read) < c.lifetime {
		return e, nil // read while this request waited
	}
	b, err := c.st.GetBranding(ctx)
	if err != nil {
		if stale == nil {
			return nil, err
		}
		// Serve the copy read before, and try the store again after a
		// lifetime rather than on every request.
		slog.WarnContext(ctx, "branding: the store failed, serving the copy read before", "error", err)
		retry := *stale
		retry.read = time.Now()
		c.cur.Store(&retry)
		return stale, nil
	}
	e := newEntry(b, time.Now())
	c.cur.Store(e)
	return e, nil
}

// Set replaces the cached branding with b, just saved on this replica.
func (c *Cache) Set(b store.Branding) {
	c.cur.Store(newEntry(b, time.Now()))
}

// Brand is what the hosted sign-in page shows of the branding. When the
// branding cannot be read the page shows Gatehouse's own look.
func (c *Cache) Brand(ctx context.Context) web.Brand {
	e, err := c.get(ctx)
	if err != nil {
		slog.WarnContext(ctx, "branding: not read, the sign-in page shows the default look", "error", err)
		return web.Brand{}
	}
	return e.brand()
}

// BrandOf is what the sign-in page shows of b.
func BrandOf(b store.Branding) web.Brand { return newEntry(b, time.Time{}).brand() }

func (e *entry) brand() web.Brand {
	out := web.Brand{Title: e.b.Title}
	if e.b.PrimaryColor != "" || e.b.BackgroundColor != "" {
		out.ThemeURL = ThemePath + "?v=" + e.cssTag
	}
	if e.logoTag != "" {
		out.LogoURL = LogoPath + "?v=" + e.logoTag
	}
	return out
}

// themeCSS is the stylesheet of b's colours: CSS custom properties the
// sign-in page's stylesheet (and the console's preview) read. Only
// #rrggbb colours are written, whatever the store holds.
func themeCSS(b store.Branding) []byte {
	var sb strings.Builder
	sb.WriteString("/* Sign-in page branding. */\n:root {\n")
	if c, ok := parseHex(b.PrimaryColor); ok {
		fmt.Fprintf(&sb, "  --brand-primary: %s;\n", c)
		fmt.Fprintf(&sb, "  --brand-primary-dark: %s;\n", c.scaled(0.8))
		fmt.Fprintf(&sb, "  --brand-on-primary: %s;\n", c.textOn())
	}
	if c, ok := parseHex(b.BackgroundColor); ok {
		fmt.Fprintf(&sb, "  --brand-bg: %s;\n", c)
	}
	sb.WriteString("}\n")
	return []byte(sb.String())
}

// rgb is a colour.
type rgb [3]uint8

func parseHex(s string) (rgb, bool) {
	var c rgb
	if !domain.IsHexColor(s) {
		return c, false
	}
	for i := range c {
		n, err := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return c, false
		}
		c[i] = uint8(n)
	}
	return c, true
}

func (c rgb) String() string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }

// scaled darkens c (f < 1), for a button's hover.
func (c rgb) scaled(f float64) rgb {
	var out rgb
	for i, v := range c {
		out[i] = uint8(float64(v) * f)
	}
	return out
}

// textOn is the text colour that reads on c: white on a dark colour, near
// black on a light one (by relative luminance, as WCAG measures it).
func (c rgb) textOn() string {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
	// Contrast with white is 1.05/(l+0.05), with #1d1f24 about (l+0.05)/0.064.
	if 1.05/(l+0.05) >= (l+0.05)/0.064 {
		return "#ffffff"
	}
	return "#1d1f24"
}
