package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testkit"
)

const tokensPath = "/admin/api/tokens"

func TestConsoleAPITokenCreate(t *testing.T) {
	s := testkit.Start(t)
	admin := s.ConsoleAdmin(t, "root@example.com", domain.RoleSuperAdmin)
	ctx := context.Background()
	p := admin.Get(t, tokensPath)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, ">testkit</td>") ||
		!strings.Contains(p.Body, `aria-current="page">API tokens`) {
		t.Fatalf("tokens page: %d\n%s", p.Status, p.Body)
	}
	before, _ := s.Store.ListAPITokens(ctx)

	for _, tc := range []struct{ name, value string }{{"empty", ""}, {"blank", "   "}, {"too long", strings.Repeat("n", 256)}} {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.Post(t, tokensPath, url.Values{"name": {tc.value}})
			if p.Status != http.StatusBadRequest || !strings.Contains(polFieldError(t, p.Body, "name"), "1 to 255 characters") {
				t.Fatalf("status %d\n%s", p.Status, p.Body)
			}
			if strings.Contains(p.Body, `id="new-token-notice"`) {
				t.Error("a refused form shows a token")
			}
		})
	}
	if after, _ := s.Store.ListAPITokens(ctx); len(after) != len(before) {
		t.Fatalf("refused forms stored tokens: %d → %d", len(before), len(after))
	}

	p = admin.Post(t, tokensPath, url.Values{"name": {"Deploy script"}})
	if p.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", p.Status, p.Body)
	}
	m := regexp.MustCompile(`<code id="api-token" class="value">([^<]+)</code>`).FindStringSubmatch(p.Body)
	if m == nil || !strings.Contains(p.Body, "shown only once") {
		t.Fatalf("the answer shows no token value:\n%s", p.Body)
	}
	value := m[1]
	tokens, _ := s.Store.ListAPITokens(ctx)
	var made store.APIToken
	for _, tok := range tokens {
		if tok.Name == "Deploy script" {
			made = tok
		}
	}
	// The token acts for the administrator who made it; only its hash is kept.
	if made.ID == "" || made.UserID != admin.Admin.ID || made.Hash != domain.HashSecret(value) {
		t.Fatalf("stored %+v", made)
	}
	if !regexp.MustCompile(`<td>Deploy script</td>\s*<td>root@example.com</td>`).MatchString(p.Body) {
		t.Error("the list does not show the new token acting for its administrator")
	}
	if p := admin.Get(t, tokensPath); strings.Contains(p.Body, value) || !strings.Contains(p.Body, "Deploy script") {
		t.Fatal("the token value is shown again, or the token is not listed")
	}

	// The value works against the Management API, then the use shows.
	if r := s.APIWith(t, "SSWS "+value, "GET", "/api/v1/users", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), testkit.UserLogin) {
		t.Fatalf("GET /api/v1/users with the new token: %d %s", r.Status, r.Body)
	}
	if p := admin.Get(t, tokensPath); !regexp.MustCompile(`<td>Deploy script</td>\s*<td>root@example.com</td>\s*<td>[^<]+</td>\s*<td>\d{4}-`).MatchString(p.Body) {
		t.Errorf("last used not shown after a call:\n%s", p.Body)
	}
	polWantEvent(t, s, "system.api_token.create", admin.Admin.ID)

	// Revoking it stops it at once.
	p = admin.Post(t, tokensPath+"/"+made.ID+"/revoke", nil)
	if p.Status != http.StatusSeeOther || p.Location != tokensPath {
		t.Fatalf("revoke: %d %q", p.Status, p.Location)
	}
	if r := s.APIWith(t, "SSWS "+value, "GET", "/api/v1/users", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/users with a revoked token: %d, want 401", r.Status)
	}
	if _, err := s.Store.GetAPIToken(ctx, made.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token still stored: %v", err)
	}
	if p := admin.Get(t, tokensPath); !strings.Contains(p.Body, "Token revoked") || strings.Contains(p.Body, "Deploy script") {
		t.Error("the list after revoking still shows the token, or no confirmation")
	}
	if p := admin.Post(t, tokensPath+"/"+made.ID+"/revoke", nil); p.Status != http.StatusNotFound {
		t.Fatalf("revoke again: %d, want 404", p.Status)
	}
	// The seeded token still works.
	if r := s.API(t, "GET", "/api/v1/users", nil); r.Status != http.StatusOK {
		t.Fatalf("other token after revoking: %d", r.Status)
	}
}

func TestConsoleAPITokenReadOnly(t *testing.T) {
	s := testkit.Start(t)
	ro := s.ConsoleAdmin(t, "ro@example.com", domain.RoleReadOnlyAdmin)
	ctx := context.Background()
	p := ro.Get(t, tokensPath)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, ">testkit</td>") || strings.Contains(p.Body, "Create token") ||
		strings.Contains(p.Body, "/revoke") {
		t.Fatalf("read-only tokens page: %d, offers changes", p.Status)
	}
	tokens, _ := s.Store.ListAPITokens(ctx)
	if p := ro.Post(t, tokensPath, url.Values{"name": {"Nope"}}); p.Status != http.StatusForbidden {
		t.Fatalf("read-only create: %d, want 403", p.Status)
	}
	if p := ro.Post(t, tokensPath+"/"+tokens[0].ID+"/revoke", nil); p.Status != http.StatusForbidden {
		t.Fatalf("read-only revoke: %d, want 403", p.Status)
	}
	if after, _ := s.Store.ListAPITokens(ctx); len(after) != len(tokens) {
		t.Fatalf("read-only posts changed tokens: %d → %d", len(tokens), len(after))
	}
}
