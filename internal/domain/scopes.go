package domain

import "slices"

// The OpenID Connect scopes every authorization server knows (OIDC Core §5.4
// plus offline_access, §11).
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopeAddress       = "address"
	ScopePhone         = "phone"
	ScopeOfflineAccess = "offline_access"
)

// StandardScopes lists the built-in scopes in the order discovery shows them.
var StandardScopes = []string{ScopeOpenID, ScopeProfile, ScopeEmail, ScopeAddress, ScopePhone, ScopeOfflineAccess}

// IsStandardScope reports whether s is a built-in OIDC scope.
func IsStandardScope(s string) bool { return slices.Contains(StandardScopes, s) }
