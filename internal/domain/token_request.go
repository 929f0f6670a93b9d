package domain

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/expr"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Rules of token requests that the protocol endpoints (internal/oauth) and
// the console's Token Preview share, so that a preview answers exactly as
// the token endpoint would.

// ScopeError refuses the scopes of a token or authorization request (OAuth
// invalid_scope); Description is the error_description.
type ScopeError struct{ Description string }

func (e *ScopeError) Error() string { return e.Description }

// ClientGrantError refuses a grant type to a client (OAuth
// unauthorized_client); Description is the error_description.
type ClientGrantError struct{ Description string }

func (e *ClientGrantError) Error() string { return e.Description }

// The descriptions of refused scopes, as Okta words them.
const (
	noScopeDescription      = "The authorization server resource does not have any configured default scopes, 'scope' must be provided."
	unknownScopeDescription = "One or more scopes are not configured for the authorization server resource."
)

// UniqueFields splits a space-separated parameter (scope, prompt),
// dropping repeats.
func UniqueFields(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// UserGrantScopes checks the scopes a user grant asks for (at /authorize):
// at least one, each a standard OIDC scope or one of the server's custom
// scopes.
func UserGrantScopes(requested []string, custom []store.Scope) ([]string, error) {
	if len(requested) == 0 {
		return nil, &ScopeError{noScopeDescription}
	}
	for _, s := range requested {
		if !IsStandardScope(s) && !slices.ContainsFunc(custom, func(sc store.Scope) bool { return sc.Name == s }) {
			return nil, &ScopeError{unknownScopeDescription}
		}
	}
	return requested, nil
}

// ClientCredentialsScopes returns the scopes of a client credentials grant:
// those requested, or the server's default scopes when none is; every one
// must be a custom scope of the server (a token without a user carries no
// OIDC scope).
func ClientCredentialsScopes(requested []string, custom []store.Scope) ([]string, error) {
	scopes := requested
	if len(scopes) == 0 {
		for _, sc := range custom {
			if sc.Default {
				scopes = append(scopes, sc.Name)
			}
		}
		if len(scopes) == 0 {
			return nil, &ScopeError{noScopeDescription}
		}
	}
	for _, s := range scopes {
		if !slices.ContainsFunc(custom, func(sc store.Scope) bool { return sc.Name == s }) {
			return nil, &ScopeError{unknownScopeDescription}
		}
	}
	return scopes, nil
}

// CheckClientGrant refuses a grant type the app is not configured for,
// and client credentials to a public client.
func CheckClientGrant(app store.App, grantType string) error {
	if !slices.Contains(app.GrantTypes, grantType) {
		return &ClientGrantError{fmt.Sprintf(
			"The client is not authorized to use the provided grant type. Configured grant types: %v.", app.GrantTypes)}
	}
	if grantType == GrantClientCredentials && app.TokenEndpointAuthMethod == AuthMethodNone {
		return &ClientGrantError{"Public clients cannot use the client_credentials grant."}
	}
	return nil
}

// OrgID derives a stable Okta-style org id ("00o…", the ID token's idp
// claim) from the base URL, so every replica agrees on it without storing
// it.
func OrgID(baseURL string) string {
	sum := sha256.Sum256([]byte("gatehouse-org:" + baseURL))
	id := []byte("00o")
	for _, b := range sum[:17] {
		id = append(id, base62[int(b)%62])
	}
	return string(id)
}

// RuleAccessLifetime is the access token lifetime a policy rule sets; 0
// (the org server's zero rule) leaves the token's default.
func RuleAccessLifetime(rule store.PolicyRule) time.Duration {
	return time.Duration(rule.AccessTokenMinutes) * time.Minute
}

// UserGroups reads a user's groups for claim expressions and GROUPS
// claims (ClaimEnv calls it only when a claim needs them).
func UserGroups(ctx context.Context, st store.Groups, userID string) func() ([]expr.Group, error) {
	return func() ([]expr.Group, error) {
		list, err := st.ListUserGroups(ctx, userID)
		if err != nil {
			return nil, err
		}
		out := make([]expr.Group, len(list))
		for i, g := range list {
			out[i] = expr.Group{ID: g.ID, Name: g.Name}
		}
		return out, nil
	}
}

// TokenClaims evaluates the custom claims of one token response: the
// access token's, and the ID token's when one is issued (a user granted
// openid). Failed claims are left out and returned among errs.
func (cs *ClaimSet) TokenClaims(scopes []string, env *expr.Env, hasUser bool) (access, id map[string]any, errs []error) {
	access, errs = cs.Evaluate(ClaimTypeResource, scopes, env)
	if hasUser && slices.Contains(scopes, ScopeOpenID) {
		var idErrs []error
		id, idErrs = cs.Evaluate(ClaimTypeIdentity, scopes, env)
		errs = append(errs, idErrs...)
	}
	return access, id, errs
}
