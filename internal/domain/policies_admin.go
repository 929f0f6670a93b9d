package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Id prefixes of access policies and rules (Okta: 00p…, 0pr…).
const (
	PrefixPolicy     = "00p"
	PrefixPolicyRule = "0pr"
)

// PolicyGrantTypes are the grant types a rule may name: those Gatehouse
// serves and the other ones Okta knows, kept so that configurations made
// for Okta load unchanged.
var PolicyGrantTypes = []string{GrantAuthorizationCode, GrantClientCredentials, GrantRefreshToken, "implicit", "password",
	"urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange",
	"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:saml2-bearer",
	"interaction_code", "urn:openid:params:grant-type:ciba"}

// PolicyParams is what an administrator sets on an access policy.
type PolicyParams struct {
	Name        string
	Description string
	// Priority 0 puts a new policy last and leaves a replaced one where it is.
	Priority int
	// Clients are client ids, or ALL_CLIENTS.
	Clients []string
	// Status is ACTIVE or INACTIVE: "" makes a new policy ACTIVE and
	// leaves a replaced one's status as it is.
	Status string
}

// checkStatus refuses a status other than ACTIVE, INACTIVE or none.
func checkStatus(v *ValidationError, status string) {
	if status != "" && status != store.StatusActive && status != store.StatusInactive {
		v.add("status", "must be ACTIVE or INACTIVE")
	}
}

// statusOr is status, or def when none was asked for.
func statusOr(status, def string) string {
	if status == "" {
		return def
	}
	return status
}

func (s *Service) validatePolicy(ctx context.Context, p *PolicyParams) error {
	var v ValidationError
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 100 {
		v.add("name", "must be 1 to 100 characters")
	}
	if len(p.Description) > 255 {
		v.add("description", "must be at most 255 characters")
	}
	if p.Priority < 0 {
		v.add("priority", "must be a positive number")
	}
	checkStatus(&v, p.Status)
	switch {
	case len(p.Clients) == 0:
		v.add("conditions.clients.include", "must name ALL_CLIENTS or at least one client id")
	case slices.Contains(p.Clients, store.AllClients) && len(p.Clients) > 1:
		v.add("conditions.clients.include", "ALL_CLIENTS cannot be combined with client ids")
	case !slices.Contains(p.Clients, store.AllClients):
		for _, id := range p.Clients {
			if _, err := s.Store.GetApp(ctx, id); isNotFound(err) {
				v.add("conditions.clients.include", "Invalid client id: "+id)
			} else if err != nil {
				return err
			}
		}
	}
	return v.err()
}

// ListPolicies lists a custom server's access policies by priority.
func (s *Service) ListPolicies(ctx context.Context, asID string) ([]store.AccessPolicy, error) {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return nil, err
	}
	return s.Store.ListAccessPolicies(ctx, asID)
}

// GetPolicy returns an access policy of a custom server.
func (s *Service) GetPolicy(ctx context.Context, asID, id string) (store.AccessPolicy, error) {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return store.AccessPolicy{}, err
	}
	return s.Store.GetAccessPolicy(ctx, asID, id)
}

// CreatePolicy adds an access policy at p.Priority (last when 0 or past
// the end), moving the ones at and after it down. It is stored with its
// status (ACTIVE unless p.Status says INACTIVE) in one write, so that an
// inactive policy never matches a token request.
func (s *Service) CreatePolicy(ctx context.Context, asID string, p PolicyParams) (store.AccessPolicy, error) {
	if _, err := s.GetAuthServer(ctx, asID); err != nil {
		return store.AccessPolicy{}, err
	}
	if err := s.validatePolicy(ctx, &p); err != nil {
		return store.AccessPolicy{}, err
	}
	now := s.now().UTC()
	pol, err := s.Store.CreateAccessPolicy(ctx, store.AccessPolicy{ID: NewID(PrefixPolicy), AuthServerID: asID, Name: p.Name,
		Description: p.Description, Priority: p.Priority, Status: statusOr(p.Status, store.StatusActive), Clients: p.Clients,
		Created: now, LastUpdated: now})
	if err != nil {
		return pol, nameTaken(err, "name")
	}
	s.record(ctx, "policy.lifecycle.create", "Create policy", policyTarget(pol))
	return pol, nil
}

// ReplacePolicy replaces a policy's name, description, clients and (when
// set) priority and status, in one write.
func (s *Service) ReplacePolicy(ctx context.Context, asID, id string, p PolicyParams) (store.AccessPolicy, error) {
	pol, err := s.GetPolicy(ctx, asID, id)
	if err != nil {
		return pol, err
	}
	if err := s.validatePolicy(ctx, &p); err != nil {
		return store.AccessPolicy{}, err
	}
	was := pol.Status
	pol.Name, pol.Description, pol.Clients, pol.LastUpdated = p.Name, p.Description, p.Clients, s.now().UTC()
	pol.Status = statusOr(p.Status, pol.Status)
	if p.Priority > 0 {
		pol.Priority = p.Priority
	}
	if pol, err = s.Store.UpdateAccessPolicy(ctx, pol); err != nil {
		return pol, nameTaken(err, "name")
	}
	s.record(ctx, "policy.lifecycle.update", "Update policy", policyTarget(pol))
	if pol.Status != was {
		_, event, msg := lifecycle(pol.Status == store.StatusActive, "policy.lifecycle.activate", "policy.lifecycle.deactivate", "policy")
		s.record(ctx, event, msg, policyTarget(pol))
	}
	return pol, nil
}

// SetPolicyActive activates or deactivates a policy; an inactive policy is
// skipped when tokens are requested.
func (s *Service) SetPolicyActive(ctx context.Context, asID, id string, active bool) error {
	pol, err := s.GetPolicy(ctx, asID, id)
	if err != nil {
		return err
	}
	status, event, msg := lifecycle(active, "policy.lifecycle.activate", "policy.lifecycle.deactivate", "policy")
	if pol.Status == status {
		return nil
	}
	pol.Status, pol.LastUpdated = status, s.now().UTC()
	if _, err := s.Store.UpdateAccessPolicy(ctx, pol); err != nil {
		return err
	}
	s.record(ctx, event, msg, policyTarget(pol))
	return nil
}

// DeletePolicy deletes a policy and its rules.
func (s *Service) DeletePolicy(ctx context.Context, asID, id string) error {
	pol, err := s.GetPolicy(ctx, asID, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteAccessPolicy(ctx, asID, id); err != nil {
		return err
	}
	s.record(ctx, "policy.lifecycle.delete", "Delete policy", policyTarget(pol))
	return nil
}

func lifecycle(active bool, activateEvent, deactivateEvent, what string) (status, event, msg string) {
	if active {
		return store.StatusActive, activateEvent, "Activate " + what
	}
	return store.StatusInactive, deactivateEvent, "Deactivate " + what
}

func policyTarget(p store.AccessPolicy) store.EventObject {
	return store.EventObject{ID: p.ID, Type: "PolicyEntity", AlternateID: p.Name, DisplayName: p.Name}
}

// RuleParams is what an administrator sets on an access policy rule.
type RuleParams struct {
	Name     string
	Priority int // as PolicyParams.Priority
	// People conditions: user ids, and group ids or EVERYONE.
	UsersInclude, UsersExclude, GroupsInclude, GroupsExclude []string
	GrantTypes                                               []string
	Scopes                                                   []string // names or "*"
	// Token lifetimes in minutes; nil means Okta's default (60 and 10080).
	// RefreshTokenMinutes 0 means no absolute end.
	AccessTokenMinutes   *int
	RefreshTokenMinutes  int
	RefreshWindowMinutes *int
	// Status as PolicyParams.Status.
	Status string
}

func (s *Service) validateRule(ctx context.Context, asID string, p *RuleParams) error {
	var v ValidationError
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 100 {
		v.add("name", "must be 1 to 100 characters")
	}
	if p.Priority < 0 {
		v.add("priority", "must be a positive number")
	}
	checkStatus(&v, p.Status)
	if len(p.UsersInclude) == 0 && len(p.GroupsInclude) == 0 {
		v.add("conditions.people", "must include users or groups (EVERYONE for every user)")
	}
	for _, list := range [][]string{p.UsersInclude, p.UsersExclude} {
		for _, id := range list {
			if _, err := s.Store.GetUser(ctx, id); isNotFound(err) {
				v.add("conditions.people.users", "Invalid user id: "+id)
			} else if err != nil {
				return err
			}
		}
	}
	for _, list := range [][]string{p.GroupsInclude, p.GroupsExclude} {
		for _, id := range list {
			if strings.TrimSpace(id) == "" || len(id) > 64 {
				v.add("conditions.people.groups", "group ids must be 1 to 64 characters")
			}
		}
	}
	if len(p.GrantTypes) == 0 {
		v.add("conditions.grantTypes.include", "must name at least one grant type")
	}
	for _, g := range p.GrantTypes {
		if !slices.Contains(PolicyGrantTypes, g) {
			v.add("conditions.grantTypes.include", "Invalid grant type: "+g)
		}
	}
	if err := s.validateRuleScopes(ctx, asID, p.Scopes, &v); err != nil {
		return err
	}
	access := DefaultAccessTokenMinutes
	if p.AccessTokenMinutes != nil {
		access = *p.AccessTokenMinutes
	}
	window := DefaultRefreshWindowMinutes
	if p.RefreshWindowMinutes != nil {
		window = *p.RefreshWindowMinutes
	}
	p.AccessTokenMinutes, p.RefreshWindowMinutes = &access, &window
	if access < MinAccessTokenMinutes || access > MaxAccessTokenMinutes {
		v.add("actions.token.accessTokenLifetimeMinutes", fmt.Sprintf("must be between %d and %d", MinAccessTokenMinutes, MaxAccessTokenMinutes))
	}
	if p.RefreshTokenMinutes != 0 && (p.RefreshTokenMinutes < access || p.RefreshTokenMinutes > MaxRefreshMinutes) {
		v.add("actions.token.refreshTokenLifetimeMinutes",
			fmt.Sprintf("must be 0 (unlimited) or between the access token lifetime and %d", MaxRefreshMinutes))
	}
	if window < MinRefreshWindowMinutes || window > MaxRefreshMinutes {
		v.add("actions.token.refreshTokenWindowMinutes", fmt.Sprintf("must be between %d and %d", MinRefreshWindowMinutes, MaxRefreshMinutes))
	}
	return v.err()
}

func (s *Service) validateRuleScopes(ctx context.Context, asID string, scopes []string, v *ValidationError) error {
	if len(scopes) == 0 {
		v.add("conditions.scopes.include", "must be * or name at least one scope")
		return nil
	}
	if slices.Contains(scopes, store.AnyScope) {
		if len(scopes) > 1 {
			v.add("conditions.scopes.include", "* cannot be combined with scope names")
		}
		return nil
	}
	custom, err := s.Store.ListScopes(ctx, asID)
	if err != nil {
		return err
	}
	for _, name := range scopes {
		if !IsStandardScope(name) && !slices.ContainsFunc(custom, func(sc store.Scope) bool { return sc.Name == name }) {
			v.add("conditions.scopes.include", "Invalid scope: "+name)
		}
	}
	return nil
}

func (p RuleParams) apply(r *store.PolicyRule) {
	r.Name, r.UsersInclude, r.UsersExclude, r.GroupsInclude, r.GroupsExclude = p.Name, p.UsersInclude, p.UsersExclude,
		p.GroupsInclude, p.GroupsExclude
	r.GrantTypes, r.Scopes = p.GrantTypes, p.Scopes
	r.AccessTokenMinutes, r.RefreshTokenMinutes, r.RefreshWindowMinutes = *p.AccessTokenMinutes, p.RefreshTokenMinutes, *p.RefreshWindowMinutes
}

// ListPolicyRules lists a policy's rules by priority.
func (s *Service) ListPolicyRules(ctx context.Context, asID, policyID string) ([]store.PolicyRule, error) {
	if _, err := s.GetPolicy(ctx, asID, policyID); err != nil {
		return nil, err
	}
	return s.Store.ListPolicyRules(ctx, asID, policyID)
}

// GetPolicyRule returns a rule of a policy.
func (s *Service) GetPolicyRule(ctx context.Context, asID, policyID, id string) (store.PolicyRule, error) {
	if _, err := s.GetPolicy(ctx, asID, policyID); err != nil {
		return store.PolicyRule{}, err
	}
	return s.Store.GetPolicyRule(ctx, asID, policyID, id)
}

// CreatePolicyRule adds a rule at p.Priority in its policy, stored with
// its status (ACTIVE unless p.Status says INACTIVE) in one write.
func (s *Service) CreatePolicyRule(ctx context.Context, asID, policyID string, p RuleParams) (store.PolicyRule, error) {
	if _, err := s.GetPolicy(ctx, asID, policyID); err != nil {
		return store.PolicyRule{}, err
	}
	if err := s.validateRule(ctx, asID, &p); err != nil {
		return store.PolicyRule{}, err
	}
	now := s.now().UTC()
	r := store.PolicyRule{ID: NewID(PrefixPolicyRule), PolicyID: policyID, AuthServerID: asID, Priority: p.Priority,
		Status: statusOr(p.Status, store.StatusActive), Created: now, LastUpdated: now}
	p.apply(&r)
	r, err := s.Store.CreatePolicyRule(ctx, r)
	if err != nil {
		return r, nameTaken(err, "name")
	}
	s.record(ctx, "policy.rule.add", "Add policy rule", ruleTarget(r))
	return r, nil
}

// ReplacePolicyRule replaces a rule's conditions and actions and (when
// set) its priority and status, in one write.
func (s *Service) ReplacePolicyRule(ctx context.Context, asID, policyID, id string, p RuleParams) (store.PolicyRule, error) {
	r, err := s.GetPolicyRule(ctx, asID, policyID, id)
	if err != nil {
		return r, err
	}
	if err := s.validateRule(ctx, asID, &p); err != nil {
		return store.PolicyRule{}, err
	}
	was := r.Status
	p.apply(&r)
	if p.Priority > 0 {
		r.Priority = p.Priority
	}
	r.Status, r.LastUpdated = statusOr(p.Status, r.Status), s.now().UTC()
	if r, err = s.Store.UpdatePolicyRule(ctx, r); err != nil {
		return r, nameTaken(err, "name")
	}
	s.record(ctx, "policy.rule.update", "Update policy rule", ruleTarget(r))
	if r.Status != was {
		_, event, msg := lifecycle(r.Status == store.StatusActive, "policy.rule.activate", "policy.rule.deactivate", "policy rule")
		s.record(ctx, event, msg, ruleTarget(r))
	}
	return r, nil
}

// SetPolicyRuleActive activates or deactivates a rule.
func (s *Service) SetPolicyRuleActive(ctx context.Context, asID, policyID, id string, active bool) error {
	r, err := s.GetPolicyRule(ctx, asID, policyID, id)
	if err != nil {
		return err
	}
	status, event, msg := lifecycle(active, "policy.rule.activate", "policy.rule.deactivate", "policy rule")
	if r.Status == status {
		return nil
	}
	r.Status, r.LastUpdated = status, s.now().UTC()
	if _, err := s.Store.UpdatePolicyRule(ctx, r); err != nil {
		return err
	}
	s.record(ctx, event, msg, ruleTarget(r))
	return nil
}

// DeletePolicyRule deletes a rule.
func (s *Service) DeletePolicyRule(ctx context.Context, asID, policyID, id string) error {
	r, err := s.GetPolicyRule(ctx, asID, policyID, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeletePolicyRule(ctx, asID, policyID, id); err != nil {
		return err
	}
	s.record(ctx, "policy.rule.delete", "Delete policy rule", ruleTarget(r))
	return nil
}

func ruleTarget(r store.PolicyRule) store.EventObject {
	return store.EventObject{ID: r.ID, Type: "PolicyRule", AlternateID: r.Name, DisplayName: r.Name}
}
