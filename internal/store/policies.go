package store

import (
	"context"
	"time"
)

// AccessPolicies holds the access policies of custom authorization servers
// and their rules. Policies are ordered per server, rules per policy, by a
// priority that stays 1..n: creating or moving one to a priority shifts the
// others, deleting one closes the gap. A priority outside 1..n+1 (or 0)
// puts the item last.
type AccessPolicies interface {
	// ListAccessPolicies lists a server's policies by priority.
	ListAccessPolicies(ctx context.Context, authServerID string) ([]AccessPolicy, error)
	GetAccessPolicy(ctx context.Context, authServerID, id string) (AccessPolicy, error)
	// CreateAccessPolicy stores p at p.Priority and returns it with the
	// priority it got. A name the server already has is ErrConflict.
	CreateAccessPolicy(ctx context.Context, p AccessPolicy) (AccessPolicy, error)
	// UpdateAccessPolicy replaces the policy with p.ID (not its server or
	// Created) and moves it to p.Priority.
	UpdateAccessPolicy(ctx context.Context, p AccessPolicy) (AccessPolicy, error)
	// DeleteAccessPolicy deletes a policy and its rules.
	DeleteAccessPolicy(ctx context.Context, authServerID, id string) error

	// ListPolicyRules lists a policy's rules by priority; an empty
	// policyID lists every rule of the server, by policy then priority.
	ListPolicyRules(ctx context.Context, authServerID, policyID string) ([]PolicyRule, error)
	GetPolicyRule(ctx context.Context, authServerID, policyID, id string) (PolicyRule, error)
	// CreatePolicyRule stores r at r.Priority in its policy; a name the
	// policy already has is ErrConflict.
	CreatePolicyRule(ctx context.Context, r PolicyRule) (PolicyRule, error)
	// UpdatePolicyRule replaces the rule with r.ID and moves it to
	// r.Priority.
	UpdatePolicyRule(ctx context.Context, r PolicyRule) (PolicyRule, error)
	DeletePolicyRule(ctx context.Context, authServerID, policyID, id string) error
}

// AccessPolicy is an access policy of a custom authorization server (Okta:
// OAUTH_AUTHORIZATION_POLICY): which clients its rules apply to.
type AccessPolicy struct {
	ID           string // 00p…
	AuthServerID string
	Name         string
	Description  string
	Priority     int
	Status       string
	System       bool
	// Clients are client ids, or AllClients.
	Clients     []string
	Created     time.Time
	LastUpdated time.Time
}

// AllClients in a policy's clients matches every client.
const AllClients = "ALL_CLIENTS"

// EveryoneGroup in a rule's groups is the built-in Everyone group, as Okta
// writes it in policies.
const EveryoneGroup = "EVERYONE"

// AnyScope in a rule's scopes matches every scope.
const AnyScope = "*"

// PolicyRule is a rule of an access policy (Okta: RESOURCE_ACCESS): who,
// with which grant types and scopes, gets tokens of which lifetimes.
type PolicyRule struct {
	ID            string // 0pr…
	PolicyID      string
	AuthServerID  string
	Name          string
	Priority      int
	Status        string
	System        bool
	UsersInclude  []string
	UsersExclude  []string
	GroupsInclude []string // group ids or EveryoneGroup
	GroupsExclude []string
	GrantTypes    []string
	Scopes        []string // names or AnyScope
	// Token lifetimes, in minutes. RefreshTokenMinutes 0 means refresh
	// tokens have no absolute end.
	AccessTokenMinutes   int
	RefreshTokenMinutes  int
	RefreshWindowMinutes int
	Created              time.Time
	LastUpdated          time.Time
}
