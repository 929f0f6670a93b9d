package admin

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Access policies and their rules (…/policies, …/policies/{id}/rules).

const (
	policyType = "OAUTH_AUTHORIZATION_POLICY"
	ruleType   = "RESOURCE_ACCESS"
)

// includeJSON is an include list; includeExcludeJSON adds exclusions.
type includeJSON struct {
	Include []string `json:"include"`
}

type includeExcludeJSON struct {
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
}

// policyJSON is Okta's AuthorizationServerPolicy.
type policyJSON struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Status      string `json:"status"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Priority    int    `json:"priority"`
	System      bool   `json:"system"`
	Conditions  struct {
		Clients *includeJSON `json:"clients"`
	} `json:"conditions"`
	Created     Time            `json:"created"`
	LastUpdated Time            `json:"lastUpdated"`
	Links       map[string]Link `json:"_links,omitempty"`
}

// ruleJSON is Okta's AuthorizationServerPolicyRule.
type ruleJSON struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Status     string `json:"status"`
	Name       string `json:"name"`
	Priority   int    `json:"priority"`
	System     bool   `json:"system"`
	Conditions struct {
		People *struct {
			Users  *includeExcludeJSON `json:"users"`
			Groups *includeExcludeJSON `json:"groups"`
		} `json:"people"`
		GrantTypes *includeJSON `json:"grantTypes"`
		Scopes     *includeJSON `json:"scopes"`
	} `json:"conditions"`
	Actions struct {
		Token *struct {
			AccessTokenLifetimeMinutes  *int `json:"accessTokenLifetimeMinutes"`
			RefreshTokenLifetimeMinutes *int `json:"refreshTokenLifetimeMinutes"`
			RefreshTokenWindowMinutes   *int `json:"refreshTokenWindowMinutes"`
		} `json:"token"`
	} `json:"actions"`
	Created     Time            `json:"created"`
	LastUpdated Time            `json:"lastUpdated"`
	Links       map[string]Link `json:"_links,omitempty"`
}

func (a *API) routePolicies(mux *http.ServeMux) {
	const base = "/api/v1/authorizationServers/{as}/policies"
	a.route(mux, "GET "+base, a.listPolicies)
	a.route(mux, "POST "+base, a.createPolicy)
	a.route(mux, "GET "+base+"/{policy}", a.getPolicy)
	a.route(mux, "PUT "+base+"/{policy}", a.replacePolicy)
	a.route(mux, "DELETE "+base+"/{policy}", a.deletePolicy)
	a.route(mux, "POST "+base+"/{policy}/lifecycle/activate", a.policyLifecycle(true))
	a.route(mux, "POST "+base+"/{policy}/lifecycle/deactivate", a.policyLifecycle(false))
	a.route(mux, "GET "+base+"/{policy}/rules", a.listRules)
	a.route(mux, "POST "+base+"/{policy}/rules", a.createRule)
	a.route(mux, "GET "+base+"/{policy}/rules/{rule}", a.getRule)
	a.route(mux, "PUT "+base+"/{policy}/rules/{rule}", a.replaceRule)
	a.route(mux, "DELETE "+base+"/{policy}/rules/{rule}", a.deleteRule)
	a.route(mux, "POST "+base+"/{policy}/rules/{rule}/lifecycle/activate", a.ruleLifecycle(true))
	a.route(mux, "POST "+base+"/{policy}/rules/{rule}/lifecycle/deactivate", a.ruleLifecycle(false))
}

// lifecycleLinks adds self and the lifecycle action the status allows.
func (a *API) lifecycleLinks(path, status string, extra map[string]Link) map[string]Link {
	links := map[string]Link{"self": a.link(path, "GET", "PUT", "DELETE")}
	if status == store.StatusActive {
		links["deactivate"] = a.link(path+"/lifecycle/deactivate", "POST")
	} else {
		links["activate"] = a.link(path+"/lifecycle/activate", "POST")
	}
	for k, v := range extra {
		links[k] = v
	}
	return links
}

func (a *API) policyJSON(p store.AccessPolicy) policyJSON {
	path := "/api/v1/authorizationServers/" + p.AuthServerID + "/policies/" + p.ID
	out := policyJSON{Type: policyType, ID: p.ID, Status: p.Status, Name: p.Name, Description: p.Description,
		Priority: p.Priority, System: p.System, Created: Time(p.Created), LastUpdated: Time(p.LastUpdated),
		Links: a.lifecycleLinks(path, p.Status, map[string]Link{"rules": a.link(path+"/rules", "GET")})}
	out.Conditions.Clients = &includeJSON{Include: nonNil(p.Clients)}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// policyInput reads a policy body, with the status asked for ("" if none).
func policyInput(r *http.Request) (domain.PolicyParams, error) {
	var in policyJSON
	if err := decodeJSON(r, &in); err != nil {
		return domain.PolicyParams{}, err
	}
	if in.Type != "" && in.Type != policyType {
		return domain.PolicyParams{}, domain.Invalid("type", "must be "+policyType)
	}
	if err := checkStatus(in.Status); err != nil {
		return domain.PolicyParams{}, err
	}
	p := domain.PolicyParams{Name: in.Name, Description: in.Description, Priority: in.Priority, Status: in.Status}
	if in.Conditions.Clients != nil {
		p.Clients = in.Conditions.Clients.Include
	}
	return p, nil
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) error {
	asID := r.PathValue("as")
	pols, err := a.svc.ListPolicies(r.Context(), asID)
	if err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	out := make([]policyJSON, len(pols))
	for i, p := range pols {
		out[i] = a.policyJSON(p)
	}
	return a.writePage(w, r, out, "")
}

func (a *API) createPolicy(w http.ResponseWriter, r *http.Request) error {
	asID := r.PathValue("as")
	p, err := policyInput(r)
	if err != nil {
		return err
	}
	pol, err := a.svc.CreatePolicy(r.Context(), asID, p)
	if err != nil {
		return found(err, asID, "AuthorizationServer")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusCreated, a.policyJSON(pol))
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) error {
	asID, id := r.PathValue("as"), r.PathValue("policy")
	pol, err := a.svc.GetPolicy(r.Context(), asID, id)
	if err != nil {
		return found(err, id, "Policy")
	}
	return writeJSON(w, http.StatusOK, a.policyJSON(pol))
}

func (a *API) replacePolicy(w http.ResponseWriter, r *http.Request) error {
	asID, id := r.PathValue("as"), r.PathValue("policy")
	p, err := policyInput(r)
	if err != nil {
		return err
	}
	pol, err := a.svc.ReplacePolicy(r.Context(), asID, id, p)
	if err != nil {
		return found(err, id, "Policy")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusOK, a.policyJSON(pol))
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	asID, id := r.PathValue("as"), r.PathValue("policy")
	if err := a.svc.DeletePolicy(r.Context(), asID, id); err != nil {
		return found(err, id, "Policy")
	}
	a.changed(asID)
	return noContent(w)
}

func (a *API) policyLifecycle(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		asID, id := r.PathValue("as"), r.PathValue("policy")
		if err := a.svc.SetPolicyActive(r.Context(), asID, id, active); err != nil {
			return found(err, id, "Policy")
		}
		a.changed(asID)
		return noContent(w)
	}
}

func (a *API) ruleJSON(rule store.PolicyRule) ruleJSON {
	path := "/api/v1/authorizationServers/" + rule.AuthServerID + "/policies/" + rule.PolicyID + "/rules/" + rule.ID
	out := ruleJSON{Type: ruleType, ID: rule.ID, Status: rule.Status, Name: rule.Name, Priority: rule.Priority,
		System: rule.System, Created: Time(rule.Created), LastUpdated: Time(rule.LastUpdated),
		Links: a.lifecycleLinks(path, rule.Status, nil)}
	c := &out.Conditions
	c.People = &struct {
		Users  *includeExcludeJSON `json:"users"`
		Groups *includeExcludeJSON `json:"groups"`
	}{
		Users:  &includeExcludeJSON{Include: nonNil(rule.UsersInclude), Exclude: nonNil(rule.UsersExclude)},
		Groups: &includeExcludeJSON{Include: nonNil(rule.GroupsInclude), Exclude: nonNil(rule.GroupsExclude)},
	}
	c.GrantTypes = &includeJSON{Include: nonNil(rule.GrantTypes)}
	c.Scopes = &includeJSON{Include: nonNil(rule.Scopes)}
	access, refresh, window := rule.AccessTokenMinutes, rule.RefreshTokenMinutes, rule.RefreshWindowMinutes
	out.Actions.Token = &struct {
		AccessTokenLifetimeMinutes  *int `json:"accessTokenLifetimeMinutes"`
		RefreshTokenLifetimeMinutes *int `json:"refreshTokenLifetimeMinutes"`
		RefreshTokenWindowMinutes   *int `json:"refreshTokenWindowMinutes"`
	}{&access, &refresh, &window}
	return out
}

// ruleInput reads a rule body, with the status asked for ("" if none).
func ruleInput(r *http.Request) (domain.RuleParams, error) {
	var in ruleJSON
	if err := decodeJSON(r, &in); err != nil {
		return domain.RuleParams{}, err
	}
	if in.Type != "" && in.Type != ruleType {
		return domain.RuleParams{}, domain.Invalid("type", "must be "+ruleType)
	}
	if err := checkStatus(in.Status); err != nil {
		return domain.RuleParams{}, err
	}
	p := domain.RuleParams{Name: in.Name, Priority: in.Priority, Status: in.Status}
	c := in.Conditions
	if c.People != nil && c.People.Users != nil {
		p.UsersInclude, p.UsersExclude = c.People.Users.Include, c.People.Users.Exclude
	}
	if c.People != nil && c.People.Groups != nil {
		p.GroupsInclude, p.GroupsExclude = c.People.Groups.Include, c.People.Groups.Exclude
	}
	if c.GrantTypes != nil {
		p.GrantTypes = c.GrantTypes.Include
	}
	if c.Scopes != nil {
		p.Scopes = c.Scopes.Include
	}
	if t := in.Actions.Token; t != nil {
		p.AccessTokenMinutes, p.RefreshWindowMinutes = t.AccessTokenLifetimeMinutes, t.RefreshTokenWindowMinutes
		if t.RefreshTokenLifetimeMinutes != nil {
			p.RefreshTokenMinutes = *t.RefreshTokenLifetimeMinutes
		}
	}
	return p, nil
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) error {
	asID, policyID := r.PathValue("as"), r.PathValue("policy")
	rules, err := a.svc.ListPolicyRules(r.Context(), asID, policyID)
	if err != nil {
		return found(err, policyID, "Policy")
	}
	out := make([]ruleJSON, len(rules))
	for i, rule := range rules {
		out[i] = a.ruleJSON(rule)
	}
	return a.writePage(w, r, out, "")
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request) error {
	asID, policyID := r.PathValue("as"), r.PathValue("policy")
	p, err := ruleInput(r)
	if err != nil {
		return err
	}
	rule, err := a.svc.CreatePolicyRule(r.Context(), asID, policyID, p)
	if err != nil {
		return found(err, policyID, "Policy")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusCreated, a.ruleJSON(rule))
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request) error {
	asID, policyID, id := r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule")
	rule, err := a.svc.GetPolicyRule(r.Context(), asID, policyID, id)
	if err != nil {
		return found(err, id, "PolicyRule")
	}
	return writeJSON(w, http.StatusOK, a.ruleJSON(rule))
}

func (a *API) replaceRule(w http.ResponseWriter, r *http.Request) error {
	asID, policyID, id := r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule")
	p, err := ruleInput(r)
	if err != nil {
		return err
	}
	rule, err := a.svc.ReplacePolicyRule(r.Context(), asID, policyID, id, p)
	if err != nil {
		return found(err, id, "PolicyRule")
	}
	a.changed(asID)
	return writeJSON(w, http.StatusOK, a.ruleJSON(rule))
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request) error {
	asID, policyID, id := r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule")
	if err := a.svc.DeletePolicyRule(r.Context(), asID, policyID, id); err != nil {
		return found(err, id, "PolicyRule")
	}
	a.changed(asID)
	return noContent(w)
}

func (a *API) ruleLifecycle(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		asID, policyID, id := r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule")
		if err := a.svc.SetPolicyRuleActive(r.Context(), asID, policyID, id, active); err != nil {
			return found(err, id, "PolicyRule")
		}
		a.changed(asID)
		return noContent(w)
	}
}
