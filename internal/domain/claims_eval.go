package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/expr"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// ClaimsForUserinfo asks ClaimSet.Evaluate for what /userinfo returns:
// every IDENTITY claim whose scope condition is met, alwaysIncludeInToken
// or not.
const ClaimsForUserinfo = "USERINFO"

// MaxGroupsClaim is the most groups a GROUPS claim may carry; a user with
// more matching groups gets no such claim (Okta's limit is also 100).
const MaxGroupsClaim = 100

// ClaimError is a claim that could not be evaluated for a token: it is left
// out, and the caller reports it.
type ClaimError struct {
	ClaimID   string
	ClaimName string
	Err       error
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("claim %q (%s): %v", e.ClaimName, e.ClaimID, e.Err)
}

func (e *ClaimError) Unwrap() error { return e.Err }

// ClaimSet is the active claims of an authorization server, parsed once:
// build it when the claims change and share it (read-only) between token
// requests.
type ClaimSet struct {
	claims []compiledClaim
}

type compiledClaim struct {
	store.Claim
	program *expr.Program  // EXPRESSION
	filter  *regexp.Regexp // GROUPS with REGEX
	err     error          // a definition that no longer parses
}

// NewClaimSet parses the active claims among claims.
func NewClaimSet(claims []store.Claim) *ClaimSet {
	cs := &ClaimSet{}
	for _, c := range claims {
		if c.Status != store.StatusActive {
			continue
		}
		cc := compiledClaim{Claim: c}
		switch {
		case c.ValueType == ClaimValueExpression:
			cc.program, cc.err = expr.Parse(c.Value)
		case c.ValueType == ClaimValueGroups && c.GroupFilterType == GroupFilterRegex:
			cc.filter, cc.err = expr.CompilePattern(c.Value)
		}
		cs.claims = append(cs.claims, cc)
	}
	return cs
}

// Empty reports whether the set holds no active claim.
func (cs *ClaimSet) Empty() bool { return cs == nil || len(cs.claims) == 0 }

// EvaluateClaims evaluates claims for one token; see ClaimSet.Evaluate.
func EvaluateClaims(claims []store.Claim, kind string, scopes []string, env *expr.Env) (map[string]any, []error) {
	return NewClaimSet(claims).Evaluate(kind, scopes, env)
}

// Evaluate returns the claims of one kind for a grant of these scopes.
// kind is ClaimTypeResource (the access token), ClaimTypeIdentity (the ID
// token: IDENTITY claims with alwaysIncludeInToken) or ClaimsForUserinfo.
// A claim applies when one of its conditions.scopes was granted (none
// listed: any scope). A claim whose value is null is left out, as is a
// GROUPS claim that matches no group; a claim that fails is left out and
// returned among the errors (*ClaimError), never failing the token.
func (cs *ClaimSet) Evaluate(kind string, scopes []string, env *expr.Env) (map[string]any, []error) {
	if cs.Empty() {
		return nil, nil
	}
	if env == nil {
		env = &expr.Env{}
	}
	var out map[string]any
	var errs []error
	for _, c := range cs.claims {
		if !c.appliesTo(kind, scopes) {
			continue
		}
		v, err := c.value(env)
		if err != nil {
			errs = append(errs, &ClaimError{ClaimID: c.ID, ClaimName: c.Name, Err: err})
			continue
		}
		if v == nil {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[c.Name] = v
	}
	return out, errs
}

func (c *compiledClaim) appliesTo(kind string, scopes []string) bool {
	switch kind {
	case ClaimTypeResource:
		if c.ClaimType != ClaimTypeResource {
			return false
		}
	case ClaimTypeIdentity:
		if c.ClaimType != ClaimTypeIdentity || !c.AlwaysIncludeInToken {
			return false
		}
	case ClaimsForUserinfo:
		if c.ClaimType != ClaimTypeIdentity {
			return false
		}
	default:
		return false
	}
	if len(c.Scopes) == 0 {
		return true
	}
	for _, s := range c.Scopes {
		if slices.Contains(scopes, s) {
			return true
		}
	}
	return false
}

// value evaluates one claim; nil means leave it out.
func (c *compiledClaim) value(env *expr.Env) (any, error) {
	if c.err != nil {
		return nil, c.err
	}
	switch c.ValueType {
	case ClaimValueExpression:
		return c.program.Eval(env)
	case ClaimValueGroups:
		return c.groups(env)
	}
	return nil, fmt.Errorf("unsupported value type %q", c.ValueType)
}

// groups is the names of the user's groups that pass the claim's filter:
// EQUALS, STARTS_WITH and CONTAINS ignore case, REGEX must match the whole
// name.
func (c *compiledClaim) groups(env *expr.Env) (any, error) {
	if env.Groups == nil {
		return nil, nil
	}
	groups, err := env.Groups()
	if err != nil {
		return nil, fmt.Errorf("cannot read the user's groups: %w", err)
	}
	want := strings.ToLower(c.Value)
	var names []any
	for _, g := range groups {
		name := strings.ToLower(g.Name)
		var ok bool
		switch c.GroupFilterType {
		case GroupFilterEquals:
			ok = name == want
		case GroupFilterStartsWith:
			ok = strings.HasPrefix(name, want)
		case GroupFilterContains:
			ok = strings.Contains(name, want)
		case GroupFilterRegex:
			ok = c.filter.MatchString(g.Name)
		}
		if !ok {
			continue
		}
		if len(names) == MaxGroupsClaim {
			return nil, fmt.Errorf("the user is in more than %d groups that match the filter", MaxGroupsClaim)
		}
		names = append(names, g.Name)
	}
	if len(names) == 0 {
		return nil, nil
	}
	return names, nil
}

// ClaimEnv is what claim expressions read about a grant: the user's
// profile under Okta's attribute names (nil user: user.* is null, as in
// client credentials), the client, the session's amr, and the user's
// groups from groups (called only when a claim needs them; may be nil).
func ClaimEnv(u *store.User, clientID string, amr []string, groups func() ([]expr.Group, error)) *expr.Env {
	env := &expr.Env{ClientID: clientID, AMR: amr}
	if u == nil {
		return env
	}
	env.User = UserAttributes(*u)
	env.UserInternal = map[string]any{"id": u.ID, "status": u.Status}
	if groups != nil {
		env.Groups = expr.LazyGroups(groups)
	}
	return env
}

// UserAttributes is a user's profile by Okta attribute name: the base
// attributes that are set, then the custom ones (which never hide a base
// attribute).
func UserAttributes(u store.User) map[string]any {
	attrs := make(map[string]any, len(store.ProfileAttributes)+len(u.Profile))
	for _, a := range store.ProfileAttributes {
		if v := *a.Field(&u); v != "" {
			attrs[a.Name] = v
		}
	}
	for k, v := range u.Profile {
		if _, base := attrs[k]; !base && !isBaseAttribute(k) {
			attrs[k] = v
		}
	}
	return attrs
}

func isBaseAttribute(name string) bool {
	return slices.ContainsFunc(store.ProfileAttributes, func(a store.ProfileAttribute) bool { return a.Name == name })
}
