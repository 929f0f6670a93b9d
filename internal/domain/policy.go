package domain

import (
	"slices"
	"sort"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Token lifetimes of access policy rules, in minutes, as Okta bounds them.
const (
	DefaultAccessTokenMinutes   = 60
	MinAccessTokenMinutes       = 5
	MaxAccessTokenMinutes       = 24 * 60
	DefaultRefreshWindowMinutes = 7 * 24 * 60
	MinRefreshWindowMinutes     = 10
	MaxRefreshMinutes           = 5 * 365 * 24 * 60 // five years
)

// defaultRuleGrantTypes are the grant types of the Default Policy Rule.
var defaultRuleGrantTypes = []string{GrantAuthorizationCode, GrantClientCredentials, "implicit", "password"}

// refreshOrigins are the grant types whose rules also allow refreshing:
// a refresh is allowed by a rule that lists refresh_token or the grant
// that issues refresh tokens (authorization_code, the only one Gatehouse
// serves that does).
var refreshOrigins = []string{GrantRefreshToken, GrantAuthorizationCode}

// PolicySet is the active access policies of one authorization server with
// their active rules, each in priority order: what a token request is
// evaluated against. Build it once per change with NewPolicySet; it is
// read-only afterwards and safe to share.
type PolicySet struct {
	policies []policyRules
}

type policyRules struct {
	policy store.AccessPolicy
	rules  []store.PolicyRule
}

// NewPolicySet keeps the active policies and rules, ordered by priority.
func NewPolicySet(policies []store.AccessPolicy, rules []store.PolicyRule) *PolicySet {
	set := &PolicySet{}
	for _, p := range policies {
		if p.Status != store.StatusActive {
			continue
		}
		pr := policyRules{policy: p}
		for _, r := range rules {
			if r.PolicyID == p.ID && r.Status == store.StatusActive {
				pr.rules = append(pr.rules, r)
			}
		}
		sort.SliceStable(pr.rules, func(i, j int) bool { return pr.rules[i].Priority < pr.rules[j].Priority })
		set.policies = append(set.policies, pr)
	}
	sort.SliceStable(set.policies, func(i, j int) bool { return set.policies[i].policy.Priority < set.policies[j].policy.Priority })
	return set
}

// PolicyRequest is what a token request is judged on.
type PolicyRequest struct {
	ClientID  string
	GrantType string
	// UserID is the resource owner; empty for client_credentials, where
	// people conditions do not apply.
	UserID string
	// GroupIDs are the user's groups (Everyone need not be listed).
	GroupIDs []string
	Scopes   []string
}

// EvaluatePolicy finds the rule that allows req: the first active policy
// (by priority) whose clients include the client or ALL_CLIENTS, then in it
// the first active rule that matches the user (users and groups include and
// exclude; EVERYONE holds every user), the grant type and every requested
// scope ("*" matches any). Only that first policy is consulted. false
// means the request is denied.
func EvaluatePolicy(set *PolicySet, req PolicyRequest) (store.PolicyRule, bool) {
	p := set.policyFor(req.ClientID)
	if p == nil {
		return store.PolicyRule{}, false
	}
	for _, r := range p.rules {
		if ruleAllowsGrant(r, req.GrantType) && ruleAllowsScopes(r, req.Scopes) &&
			(req.UserID == "" || ruleAllowsUser(r, req.UserID, req.GroupIDs)) {
			return r, true
		}
	}
	return store.PolicyRule{}, false
}

func (set *PolicySet) policyFor(clientID string) *policyRules {
	if set == nil {
		return nil
	}
	for i := range set.policies {
		c := set.policies[i].policy.Clients
		if slices.Contains(c, store.AllClients) || slices.Contains(c, clientID) {
			return &set.policies[i]
		}
	}
	return nil
}

// PolicyNeeds says which facts evaluating a client's requests may depend
// on, so that callers fetch only those: a server whose rules say
// "everyone, any scope" needs neither the user's groups nor a token read.
type PolicyNeeds struct {
	User, Groups, Scopes bool
}

// Needs reports what EvaluatePolicy may look at for this client and grant
// type beyond them: rules are walked in order until one that would match
// any user and scope.
func (set *PolicySet) Needs(clientID, grantType string) PolicyNeeds {
	var n PolicyNeeds
	p := set.policyFor(clientID)
	if p == nil {
		return n
	}
	for _, r := range p.rules {
		if !ruleAllowsGrant(r, grantType) {
			continue
		}
		anyScope := slices.Contains(r.Scopes, store.AnyScope)
		everyone := grantType == GrantClientCredentials ||
			(includesEveryone(r.GroupsInclude) && len(r.UsersExclude) == 0 && len(r.GroupsExclude) == 0)
		if !anyScope {
			n.Scopes = true
		}
		if !everyone {
			n.User = true
			if len(r.GroupsExclude) > 0 || slices.ContainsFunc(r.GroupsInclude, func(g string) bool { return !isEveryone(g) }) {
				n.Groups = true
			}
		}
		if anyScope && everyone {
			break // this rule decides every request that reaches it
		}
	}
	return n
}

func ruleAllowsGrant(r store.PolicyRule, grantType string) bool {
	if grantType == GrantRefreshToken {
		return slices.ContainsFunc(r.GrantTypes, func(g string) bool { return slices.Contains(refreshOrigins, g) })
	}
	return slices.Contains(r.GrantTypes, grantType)
}

func ruleAllowsScopes(r store.PolicyRule, scopes []string) bool {
	if slices.Contains(r.Scopes, store.AnyScope) {
		return true
	}
	for _, s := range scopes {
		if !slices.Contains(r.Scopes, s) {
			return false
		}
	}
	return true
}

// ruleAllowsUser: the user is included directly or through a group (every
// user is in EVERYONE) and excluded neither way.
func ruleAllowsUser(r store.PolicyRule, userID string, groupIDs []string) bool {
	inGroup := func(g string) bool { return isEveryone(g) || slices.Contains(groupIDs, g) }
	if slices.Contains(r.UsersExclude, userID) || slices.ContainsFunc(r.GroupsExclude, inGroup) {
		return false
	}
	return slices.Contains(r.UsersInclude, userID) || slices.ContainsFunc(r.GroupsInclude, inGroup)
}

func isEveryone(g string) bool { return g == store.EveryoneGroup || g == store.EveryoneGroupID }

func includesEveryone(groups []string) bool { return slices.ContainsFunc(groups, isEveryone) }
