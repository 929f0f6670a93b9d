package domain

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// NewScopeParams describes a custom scope to add to an authorization server.
type NewScopeParams struct {
	AuthServerID string
	Name         string
	Description  string
	Default      bool // granted to client_credentials requests that name no scope
}

// CreateScope adds a custom scope. The org server has none (as in Okta), and
// the OIDC scopes are built in, so neither can be defined.
func CreateScope(ctx context.Context, st store.Store, p NewScopeParams, now time.Time) (store.Scope, error) {
	var v ValidationError
	if p.AuthServerID == store.OrgServerID {
		v.add("authorizationServer", "the org authorization server has no custom scopes; use a custom server such as default")
	} else if _, err := st.GetAuthServer(ctx, p.AuthServerID); err != nil {
		if isNotFound(err) {
			v.add("authorizationServer", "no authorization server "+p.AuthServerID)
		} else {
			return store.Scope{}, err
		}
	}
	switch {
	case !IsScopeToken(p.Name) || len(p.Name) > 300:
		v.add("name", "must be 1 to 300 characters of RFC 6749 scope syntax (no spaces, quotes or backslashes)")
	case IsStandardScope(p.Name):
		v.add("name", p.Name+" is a built-in OpenID Connect scope")
	case strings.HasPrefix(p.Name, "okta."):
		v.add("name", "names starting with okta. are reserved")
	}
	if len(p.Description) > 1000 {
		v.add("description", "must be at most 1000 characters")
	}
	if err := v.err(); err != nil {
		return store.Scope{}, err
	}
	sc := store.Scope{
		AuthServerID: p.AuthServerID, Name: p.Name, Description: p.Description, Consent: "IMPLICIT",
		Default: p.Default, MetadataPublish: "NO_CLIENTS", Created: now,
	}
	return sc, st.CreateScope(ctx, sc)
}

// IsScopeToken reports whether s is an RFC 6749 §3.3 scope-token.
func IsScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}
