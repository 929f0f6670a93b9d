package domain

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/expr"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// PrefixClaim starts the id of a custom claim (Okta: ocl…).
const PrefixClaim = "ocl"

// Claim types, value types and group filter types, as Okta spells them.
const (
	ClaimTypeResource = "RESOURCE" // in the access token
	ClaimTypeIdentity = "IDENTITY" // in the ID token and /userinfo

	ClaimValueExpression = "EXPRESSION"
	ClaimValueGroups     = "GROUPS"
	ClaimValueSystem     = "SYSTEM"

	GroupFilterEquals     = "EQUALS"
	GroupFilterStartsWith = "STARTS_WITH"
	GroupFilterContains   = "CONTAINS"
	GroupFilterRegex      = "REGEX"
)

// Bounds of a claim definition.
const (
	maxClaimNameLength   = 100
	maxClaimScopes       = 100
	maxGroupFilterLength = 1024
)

// reservedClaims are the claims Gatehouse sets itself or the JWT and OIDC
// specs define: a custom claim may never take one, and token minting never
// lets one be replaced.
var reservedClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true, "jti": true, "auth_time": true,
	"nonce": true, "acr": true, "amr": true, "azp": true, "at_hash": true, "c_hash": true, "s_hash": true,
	"cid": true, "uid": true, "scp": true, "ver": true, "idp": true, "sid": true, "cnf": true, "client_id": true,
	"scope": true, "token_type": true, "active": true, "username": true,
}

// ReservedClaim reports whether name belongs to the protocol and may not be
// defined as a custom claim.
func ReservedClaim(name string) bool { return reservedClaims[name] }

// ClaimParams is a custom claim as an administrator writes it.
type ClaimParams struct {
	Name      string
	Status    string // "" is ACTIVE
	ClaimType string
	ValueType string // "" is EXPRESSION
	Value     string
	// GroupFilterType is required for GROUPS claims and ignored otherwise.
	GroupFilterType string
	// AlwaysIncludeInToken nil is true. Access token claims always have it.
	AlwaysIncludeInToken *bool
	// Scopes is conditions.scopes; empty means any scope.
	Scopes []string
}

// validate checks p against the server's custom scopes and returns the
// stored form of its fields.
func (p ClaimParams) validate(customScopes []store.Scope) (store.Claim, error) {
	var v ValidationError
	c := store.Claim{
		Name: strings.TrimSpace(p.Name), Status: p.Status, ClaimType: p.ClaimType, ValueType: p.ValueType,
		Value: p.Value, AlwaysIncludeInToken: p.AlwaysIncludeInToken == nil || *p.AlwaysIncludeInToken,
	}
	switch {
	case c.Name == "":
		v.add("name", "The field cannot be left blank")
	case len(c.Name) > maxClaimNameLength || strings.ContainsFunc(c.Name, func(r rune) bool { return r < 0x21 || r == 0x7f }):
		v.add("name", "must be at most 100 characters, without spaces or control characters")
	case ReservedClaim(c.Name):
		v.add("name", "'"+c.Name+"' is a reserved claim name and cannot be used for a custom claim")
	}
	if c.Status == "" {
		c.Status = store.StatusActive
	}
	if c.Status != store.StatusActive && c.Status != store.StatusInactive {
		v.add("status", "must be ACTIVE or INACTIVE")
	}
	switch c.ClaimType {
	case ClaimTypeResource:
		c.AlwaysIncludeInToken = true // Okta: always true for access token claims
	case ClaimTypeIdentity:
	case "":
		v.add("claimType", "The field cannot be left blank")
	default:
		v.add("claimType", "must be RESOURCE or IDENTITY")
	}
	if c.ValueType == "" {
		c.ValueType = ClaimValueExpression
	}
	switch c.ValueType {
	case ClaimValueExpression:
		if strings.TrimSpace(c.Value) == "" {
			v.add("value", "The field cannot be left blank")
		} else if _, err := expr.Parse(c.Value); err != nil {
			v.add("value", "invalid expression: "+err.Error())
		}
	case ClaimValueGroups:
		c.GroupFilterType = p.GroupFilterType
		validateGroupFilter(&v, c.GroupFilterType, c.Value)
	case ClaimValueSystem:
		v.add("valueType", "system claims cannot be created or changed")
	default:
		v.add("valueType", "must be EXPRESSION or GROUPS")
	}
	c.Scopes = validateClaimScopes(&v, p.Scopes, customScopes)
	return c, v.err()
}

func validateGroupFilter(v *ValidationError, filterType, value string) {
	switch filterType {
	case GroupFilterEquals, GroupFilterStartsWith, GroupFilterContains:
	case GroupFilterRegex:
		if _, err := expr.CompilePattern(value); err != nil {
			v.add("value", err.Error())
		}
	case "":
		v.add("group_filter_type", "The field cannot be left blank for a GROUPS claim")
	default:
		v.add("group_filter_type", "must be EQUALS, STARTS_WITH, CONTAINS or REGEX")
	}
	switch {
	case value == "":
		v.add("value", "The field cannot be left blank")
	case len(value) > maxGroupFilterLength:
		v.add("value", "must be at most 1024 characters")
	}
}

// validateClaimScopes checks that each scope exists on the server (a
// standard OIDC scope or one of its custom scopes) and removes repeats.
func validateClaimScopes(v *ValidationError, scopes []string, custom []store.Scope) []string {
	if len(scopes) > maxClaimScopes {
		v.add("conditions.scopes", "must list at most 100 scopes")
		return nil
	}
	out := []string{}
	for _, sc := range scopes {
		known := IsStandardScope(sc) || slices.ContainsFunc(custom, func(c store.Scope) bool { return c.Name == sc })
		if !known {
			v.add("conditions.scopes", "scope '"+sc+"' is not defined on this authorization server")
			continue
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// ListClaims lists the custom claims of a custom server, by name.
func (s *Service) ListClaims(ctx context.Context, asID string) ([]store.Claim, error) {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return nil, err
	}
	claims, err := s.Store.ListClaims(ctx, asID)
	if claims == nil && err == nil {
		claims = []store.Claim{}
	}
	return claims, err
}

// CreateClaim adds a custom claim to a custom server. Its expression is
// parsed now, so that a broken one is refused here rather than silently
// left out of tokens.
func (s *Service) CreateClaim(ctx context.Context, asID string, p ClaimParams) (store.Claim, error) {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return store.Claim{}, err
	}
	custom, err := s.Store.ListScopes(ctx, asID)
	if err != nil {
		return store.Claim{}, err
	}
	c, err := p.validate(custom)
	if err != nil {
		return store.Claim{}, err
	}
	now := s.now().UTC()
	c.ID, c.AuthServerID, c.Created, c.LastUpdated = NewID(PrefixClaim), asID, now, now
	if err := s.Store.CreateClaim(ctx, c); err != nil {
		return store.Claim{}, claimNameTaken(err)
	}
	s.record(ctx, "oauth2.claim.created", "Create OAuth 2.0 claim", claimTarget(c))
	return c, nil
}

// ReplaceClaim replaces every field of a custom claim.
func (s *Service) ReplaceClaim(ctx context.Context, asID, id string, p ClaimParams) (store.Claim, error) {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return store.Claim{}, err
	}
	old, err := s.Store.GetClaim(ctx, asID, id)
	if err != nil {
		return store.Claim{}, err
	}
	if old.System {
		return store.Claim{}, Invalid("system", "system claims cannot be modified")
	}
	custom, err := s.Store.ListScopes(ctx, asID)
	if err != nil {
		return store.Claim{}, err
	}
	c, err := p.validate(custom)
	if err != nil {
		return store.Claim{}, err
	}
	c.ID, c.AuthServerID, c.Created, c.LastUpdated = old.ID, old.AuthServerID, old.Created, s.now().UTC()
	if err := s.Store.UpdateClaim(ctx, c); err != nil {
		return store.Claim{}, claimNameTaken(err)
	}
	s.record(ctx, "oauth2.claim.updated", "Update OAuth 2.0 claim", claimTarget(c))
	return c, nil
}

// DeleteClaim removes a custom claim.
func (s *Service) DeleteClaim(ctx context.Context, asID, id string) error {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return err
	}
	c, err := s.Store.GetClaim(ctx, asID, id)
	if err != nil {
		return err
	}
	if c.System {
		return Invalid("system", "system claims cannot be deleted")
	}
	if err := s.Store.DeleteClaim(ctx, asID, id); err != nil {
		return err
	}
	s.record(ctx, "oauth2.claim.deleted", "Delete OAuth 2.0 claim", claimTarget(c))
	return nil
}

func claimNameTaken(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return Invalid("name", "A claim with this name and claim type already exists on this authorization server")
	}
	return err
}

func claimTarget(c store.Claim) store.EventObject {
	return store.EventObject{ID: c.ID, Type: "OAuth2Claim", AlternateID: c.Name, DisplayName: c.Name}
}
