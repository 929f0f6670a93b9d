package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Security → API → a server's Access Policies tab: its policies by
// priority, each with its rules (api_policy_rules.go). The first active
// policy whose clients include the app decides, by its first matching rule,
// whether a token is issued and for how long.

// mountPolicies registers access policies, their rules, and keys.
func (c *Console) mountPolicies(mux *http.ServeMux) {
	const base = "/admin/api/servers/{as}/policies"
	c.get(mux, "GET "+base, c.policyList)
	c.get(mux, "GET "+base+"/new", c.policyNew)
	c.postServer(mux, "POST "+base, c.policyCreate)
	c.get(mux, "GET "+base+"/{policy}", c.policyEdit)
	c.postServer(mux, "POST "+base+"/{policy}", c.policyUpdate)
	c.mountStatus(mux, c.postServer, base+"/{policy}", statusActions{
		set: func(r *http.Request, active bool) error {
			return c.Service.SetPolicyActive(r.Context(), r.PathValue("as"), r.PathValue("policy"), active)
		},
		back:      backToPolicy,
		activated: "Policy activated.", deactivated: "Policy deactivated: it no longer issues tokens.",
	})
	c.postServer(mux, "POST "+base+"/{policy}/delete", c.policyDelete)
	c.mountRules(mux)
	c.mountKeys(mux)
}

// policiesPath is a server's Access Policies tab.
func policiesPath(asID string) string { return serverPath(asID, "policies") }

// policyPath is the policy's place on its server's Access Policies tab.
func policyPath(asID, policyID string) string { return policiesPath(asID) + "#policy-" + policyID }

// backToPolicy is the place of the policy the path names.
func backToPolicy(r *http.Request) string {
	return policyPath(r.PathValue("as"), r.PathValue("policy"))
}

type policyListData struct {
	AS       store.AuthServer
	Policies []policyView
}

// policyView is a policy as the list shows it.
type policyView struct {
	store.AccessPolicy
	AllClients bool
	Apps       []Option // the assigned apps: client id and name
	Rules      []ruleView
}

func (c *Console) policyList(w http.ResponseWriter, r *http.Request, p *Page) {
	ctx := r.Context()
	as, err := c.Service.GetAuthServer(ctx, r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	pols, err := c.Service.ListPolicies(ctx, as.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	apps, err := c.appChoices(ctx)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	names := map[string]string{}
	for _, a := range apps {
		names[a.Value] = a.Label
	}
	people := c.newPeopleNames(ctx)
	d := policyListData{AS: as}
	for _, pol := range pols {
		v := policyView{AccessPolicy: pol, AllClients: slices.Contains(pol.Clients, store.AllClients)}
		if !v.AllClients {
			for _, id := range pol.Clients {
				v.Apps = append(v.Apps, Option{id, orDefault(names[id], id)})
			}
		}
		rules, err := c.Service.ListPolicyRules(ctx, as.ID, pol.ID)
		if err != nil {
			c.fail(w, r, p, err)
			return
		}
		for _, rule := range rules {
			rv, err := people.ruleView(rule)
			if err != nil {
				c.fail(w, r, p, err)
				return
			}
			v.Rules = append(v.Rules, rv)
		}
		d.Policies = append(d.Policies, v)
	}
	p.Title, p.Section, p.Data = as.Name+" · Access Policies", "api", d
	c.render(w, p, http.StatusOK, "api_policies.html")
}

// appChoices lists every app as a choice: its client id, labelled with
// its name.
func (c *Console) appChoices(ctx context.Context) ([]Option, error) {
	apps, err := c.Service.Store.ListApps(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Option, len(apps))
	for i, a := range apps {
		out[i] = Option{a.ClientID, a.Name}
	}
	return out, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// clientModeOptions are the policy form's choice of clients.
var clientModeOptions = []Option{
	{"all", "All clients"},
	{"some", "The following clients:"},
}

type policyFormData struct {
	AS store.AuthServer
	// Policy is the policy edited; its ID is "" on the new policy form.
	Policy      store.AccessPolicy
	Form        *Form
	ClientModes []Option
	Apps        []Option
}

func (c *Console) policyNew(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderPolicyForm(w, r, p, http.StatusOK, store.AccessPolicy{}, formOf(map[string][]string{"clients": {"all"}}))
}

func (c *Console) policyEdit(w http.ResponseWriter, r *http.Request, p *Page) {
	pol, err := c.Service.GetPolicy(r.Context(), r.PathValue("as"), r.PathValue("policy"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.renderPolicyForm(w, r, p, http.StatusOK, pol, formOf(policyValues(pol)))
}

// renderPolicyForm shows the form that adds a policy (pol.ID "") or edits pol.
func (c *Console) renderPolicyForm(w http.ResponseWriter, r *http.Request, p *Page, status int, pol store.AccessPolicy, f *Form) {
	ctx := r.Context()
	as, err := c.Service.GetAuthServer(ctx, r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	apps, err := c.appChoices(ctx)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := policyFormData{AS: as, Policy: pol, Form: f, ClientModes: clientModeOptions, Apps: apps}
	p.Title, p.Section, p.Data = "Add Policy", "api", d
	if pol.ID != "" {
		p.Title = "Edit Policy " + pol.Name
	}
	c.render(w, p, status, "api_policy_form.html")
}

// policyValues fills the edit form from the policy.
func policyValues(pol store.AccessPolicy) map[string][]string {
	v := map[string][]string{"name": {pol.Name}, "description": {pol.Description}, "priority": {strconv.Itoa(pol.Priority)},
		"clients": {"some"}, "client_ids": pol.Clients}
	if slices.Contains(pol.Clients, store.AllClients) {
		v["clients"], v["client_ids"] = []string{"all"}, nil
	}
	return v
}

// policyFields maps the domain's field names to the policy form's fields.
var policyFields = map[string]string{
	"name": "name", "description": "description", "priority": "priority", "conditions.clients.include": "client_ids",
}

// policyParams reads the policy form; problems only the form can see
// (a priority that is no number, no app chosen) are recorded on f.
func policyParams(f *Form) domain.PolicyParams {
	p := domain.PolicyParams{Name: f.Get("name"), Description: f.Get("description"), Priority: policyNumber(f, "priority")}
	if f.Get("clients") == "all" {
		p.Clients = []string{store.AllClients}
	} else if p.Clients = f.Values["client_ids"]; len(p.Clients) == 0 {
		f.Fail("client_ids", "Choose All clients, or at least one app.")
	}
	return p
}

// policyNumber reads an optional whole number: empty is 0.
func policyNumber(f *Form, name string) int {
	v := f.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Fail(name, "must be a whole number")
	}
	return n
}

func (c *Console) policyCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	c.savePolicy(w, r, p, store.AccessPolicy{})
}

func (c *Console) policyUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	pol, err := c.Service.GetPolicy(r.Context(), r.PathValue("as"), r.PathValue("policy"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.savePolicy(w, r, p, pol)
}

// savePolicy adds a policy (pol.ID "") or replaces pol from the posted form.
func (c *Console) savePolicy(w http.ResponseWriter, r *http.Request, p *Page, pol store.AccessPolicy) {
	f := newForm(r)
	params := policyParams(f)
	if f.Failed() {
		c.renderPolicyForm(w, r, p, http.StatusBadRequest, pol, f)
		return
	}
	asID := r.PathValue("as")
	var saved store.AccessPolicy
	var err error
	if pol.ID == "" {
		saved, err = c.Service.CreatePolicy(r.Context(), asID, params)
	} else {
		saved, err = c.Service.ReplacePolicy(r.Context(), asID, pol.ID, params)
	}
	if f.Absorb(err, policyFields) {
		c.renderPolicyForm(w, r, p, http.StatusBadRequest, pol, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	msg := "Policy “" + saved.Name + "” saved."
	if pol.ID == "" {
		msg = "Policy “" + saved.Name + "” added. Add a rule to it: a policy without rules issues no token."
	}
	c.done(w, r, policyPath(asID, saved.ID), msg)
}

func (c *Console) policyDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	asID := r.PathValue("as")
	if err := c.Service.DeletePolicy(r.Context(), asID, r.PathValue("policy")); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, policiesPath(asID), "Policy deleted, with its rules.")
}
