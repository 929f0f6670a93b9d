package store

import (
	"context"
	"time"
)

// Claims holds the custom token claims of authorization servers.
type Claims interface {
	// CreateClaim stores a claim. An unknown server is ErrNotFound; a
	// second claim with the same server, claim type and name is
	// ErrConflict.
	CreateClaim(ctx context.Context, c Claim) error
	// GetClaim reads one claim of a server; ErrNotFound when missing.
	GetClaim(ctx context.Context, authServerID, id string) (Claim, error)
	// ListClaims returns a server's claims ordered by name, then id.
	ListClaims(ctx context.Context, authServerID string) ([]Claim, error)
	// UpdateClaim replaces every field of the claim but its id, server and
	// Created. ErrNotFound when missing, ErrConflict when the new name and
	// type clash with another claim.
	UpdateClaim(ctx context.Context, c Claim) error
	// DeleteClaim removes a claim; ErrNotFound when missing.
	DeleteClaim(ctx context.Context, authServerID, id string) error
}

// Claim is a custom claim of an authorization server (Okta's OAuth2Claim).
type Claim struct {
	ID           string
	AuthServerID string
	Name         string
	Status       string // ACTIVE, INACTIVE
	// ClaimType is RESOURCE (access token) or IDENTITY (ID token).
	ClaimType string
	// ValueType is EXPRESSION or GROUPS.
	ValueType string
	// Value is the expression, or for GROUPS the group filter.
	Value string
	// GroupFilterType is EQUALS, STARTS_WITH, CONTAINS or REGEX (GROUPS only).
	GroupFilterType      string
	AlwaysIncludeInToken bool
	// Scopes is conditions.scopes: the claim is issued only with one of
	// them; empty means with any scope.
	Scopes      []string
	System      bool
	Created     time.Time
	LastUpdated time.Time
}
