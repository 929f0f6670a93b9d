package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// The rules of an access policy: who (users and groups), with which grant
// types and scopes, gets tokens of which lifetimes. The form names users by
// login and groups by name; the rule stores their ids.

func (c *Console) mountRules(mux *http.ServeMux) {
	const base = "/admin/api/servers/{as}/policies/{policy}/rules"
	c.get(mux, "GET "+base+"/new", c.ruleNew)
	c.postServer(mux, "POST "+base, c.ruleCreate)
	c.get(mux, "GET "+base+"/{rule}", c.ruleEdit)
	c.postServer(mux, "POST "+base+"/{rule}", c.ruleUpdate)
	c.mountStatus(mux, c.postServer, base+"/{rule}", statusActions{
		set: func(r *http.Request, active bool) error {
			return c.Service.SetPolicyRuleActive(r.Context(), r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule"), active)
		},
		back:      backToPolicy,
		activated: "Rule activated.", deactivated: "Rule deactivated.",
	})
	c.postServer(mux, "POST "+base+"/{rule}/delete", c.ruleDelete)
}

var (
	ruleGrantOptions  = grantChoices(domain.PolicyGrantTypes)
	peopleModeOptions = []Option{{"everyone", "Any user"}, {"some", "Only the users and groups below"}}
	scopeModeOptions  = []Option{{"any", "Any scopes"}, {"some", "Only the scopes below"}}
)

// ruleView is a rule as the policy list shows it.
type ruleView struct {
	store.PolicyRule
	People, Grants, Scopes  string
	Access, Refresh, Window string
}

// peopleNames looks up the logins and group names that rules show, each once.
type peopleNames struct {
	ctx    context.Context
	st     store.Store
	users  map[string]string
	groups map[string]string
}

func (c *Console) newPeopleNames(ctx context.Context) *peopleNames {
	return &peopleNames{ctx: ctx, st: c.Service.Store, users: map[string]string{}, groups: map[string]string{}}
}

// login is the user's login, or the id of a user who no longer exists.
func (n *peopleNames) login(id string) (string, error) {
	if l, ok := n.users[id]; ok {
		return l, nil
	}
	u, err := n.st.GetUser(n.ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	n.users[id] = orDefault(u.Login, id)
	return n.users[id], nil
}

// group is the group's name, or the id of a group that no longer exists.
func (n *peopleNames) group(id string) (string, error) {
	if id == store.EveryoneGroup {
		return "Everyone", nil
	}
	if name, ok := n.groups[id]; ok {
		return name, nil
	}
	g, err := n.st.GetGroup(n.ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	n.groups[id] = orDefault(g.Name, id)
	return n.groups[id], nil
}

func (n *peopleNames) all(ids []string, name func(string) (string, error)) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		var err error
		if out[i], err = name(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (n *peopleNames) ruleView(r store.PolicyRule) (ruleView, error) {
	v := ruleView{PolicyRule: r, Access: minutesText(r.AccessTokenMinutes), Refresh: "unlimited",
		Window: minutesText(r.RefreshWindowMinutes), Scopes: "Any scopes"}
	if r.RefreshTokenMinutes > 0 {
		v.Refresh = minutesText(r.RefreshTokenMinutes)
	}
	if !slices.Contains(r.Scopes, store.AnyScope) {
		v.Scopes = strings.Join(r.Scopes, ", ")
	}
	grants := make([]string, len(r.GrantTypes))
	for i, g := range r.GrantTypes {
		grants[i] = grantLabel(g)
	}
	v.Grants = strings.Join(grants, ", ")
	var parts []string
	add := func(prefix string, ids []string, name func(string) (string, error)) error {
		if len(ids) == 0 {
			return nil
		}
		names, err := n.all(ids, name)
		parts = append(parts, prefix+strings.Join(names, ", "))
		return err
	}
	if everyone(r.GroupsInclude) {
		parts = append(parts, "Any user")
	} else if err := errors.Join(add("Users: ", r.UsersInclude, n.login), add("Groups: ", r.GroupsInclude, n.group)); err != nil {
		return v, err
	}
	if err := errors.Join(add("except users: ", r.UsersExclude, n.login), add("except groups: ", r.GroupsExclude, n.group)); err != nil {
		return v, err
	}
	v.People = strings.Join(parts, "; ")
	return v, nil
}

func everyone(groups []string) bool {
	return slices.Contains(groups, store.EveryoneGroup) || slices.Contains(groups, store.EveryoneGroupID)
}

// minutesText writes a lifetime in the largest whole unit.
func minutesText(m int) string {
	unit := func(n int, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.Itoa(n) + " " + name + "s"
	}
	switch {
	case m > 0 && m%(24*60) == 0:
		return unit(m/(24*60), "day")
	case m > 0 && m%60 == 0:
		return unit(m/60, "hour")
	}
	return unit(m, "minute")
}

type ruleFormData struct {
	AS     store.AuthServer
	Policy store.AccessPolicy
	// Rule is the rule edited; its ID is "" on the new rule form.
	Rule                            store.PolicyRule
	Form                            *Form
	Grants, PeopleModes, ScopeModes []Option
	Groups, Scopes                  []Option
	// The hints of the lifetime fields, with the domain's bounds.
	AccessHint, RefreshHint, WindowHint string
}

var (
	accessHint = fmt.Sprintf("Minutes, %d to %d (%s).", domain.MinAccessTokenMinutes, domain.MaxAccessTokenMinutes,
		minutesText(domain.MaxAccessTokenMinutes))
	refreshHint = fmt.Sprintf("Minutes; empty or 0 for unlimited. Otherwise at least the access token lifetime and at most %s.",
		minutesText(domain.MaxRefreshMinutes))
	windowHint = fmt.Sprintf("A refresh token not used for this many minutes expires (%d to %d; %s by default).",
		domain.MinRefreshWindowMinutes, domain.MaxRefreshMinutes, minutesText(domain.DefaultRefreshWindowMinutes))
)

func (c *Console) ruleNew(w http.ResponseWriter, r *http.Request, p *Page) {
	f := formOf(url.Values{"grant_types": {domain.GrantAuthorizationCode, domain.GrantClientCredentials},
		"people": {"everyone"}, "scope_mode": {"any"}, "access_token_minutes": {strconv.Itoa(domain.DefaultAccessTokenMinutes)},
		"refresh_window_minutes": {strconv.Itoa(domain.DefaultRefreshWindowMinutes)}})
	c.renderRuleForm(w, r, p, http.StatusOK, store.PolicyRule{}, f)
}

func (c *Console) ruleEdit(w http.ResponseWriter, r *http.Request, p *Page) {
	ctx := r.Context()
	rule, err := c.Service.GetPolicyRule(ctx, r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	values, err := c.newPeopleNames(ctx).ruleValues(rule)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.renderRuleForm(w, r, p, http.StatusOK, rule, formOf(values))
}

// ruleValues fills the edit form from the rule.
func (n *peopleNames) ruleValues(r store.PolicyRule) (url.Values, error) {
	v := url.Values{"name": {r.Name}, "priority": {strconv.Itoa(r.Priority)}, "grant_types": r.GrantTypes,
		"people": {"some"}, "groups": r.GroupsInclude, "exclude_groups": r.GroupsExclude,
		"scope_mode": {"some"}, "scopes": r.Scopes,
		"access_token_minutes": {strconv.Itoa(r.AccessTokenMinutes)}, "refresh_token_minutes": {strconv.Itoa(r.RefreshTokenMinutes)},
		"refresh_window_minutes": {strconv.Itoa(r.RefreshWindowMinutes)}}
	if r.RefreshTokenMinutes == 0 {
		v.Del("refresh_token_minutes")
	}
	if everyone(r.GroupsInclude) {
		v.Set("people", "everyone")
		v.Del("groups")
	}
	if slices.Contains(r.Scopes, store.AnyScope) {
		v.Set("scope_mode", "any")
		v.Del("scopes")
	}
	for field, ids := range map[string][]string{"users": r.UsersInclude, "exclude_users": r.UsersExclude} {
		if field == "users" && everyone(r.GroupsInclude) {
			continue
		}
		logins, err := n.all(ids, n.login)
		if err != nil {
			return nil, err
		}
		v.Set(field, strings.Join(logins, "\n"))
	}
	return v, nil
}

// renderRuleForm shows the form that adds a rule (rule.ID "") or edits it.
func (c *Console) renderRuleForm(w http.ResponseWriter, r *http.Request, p *Page, status int, rule store.PolicyRule, f *Form) {
	ctx := r.Context()
	as, err := c.Service.GetAuthServer(ctx, r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	pol, err := c.Service.GetPolicy(ctx, as.ID, r.PathValue("policy"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	groups, err := c.groupOptions(ctx, f)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	scopes, err := c.Service.ListScopes(ctx, as.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	var scopeOptions []Option
	for _, sc := range scopes {
		scopeOptions = append(scopeOptions, Option{sc.Name, sc.Name})
	}
	// A scope deleted since the rule was saved stays visible, to be unticked.
	scopeOptions = keepChosen(scopeOptions, f, "scopes", func(v string) (string, error) { return v, nil })
	p.Title, p.Section = "Add Rule", "api"
	if rule.ID != "" {
		p.Title = "Edit Rule " + rule.Name
	}
	p.Data = ruleFormData{AS: as, Policy: pol, Rule: rule, Form: f, Grants: ruleGrantOptions, PeopleModes: peopleModeOptions,
		ScopeModes: scopeModeOptions, Groups: groups, Scopes: scopeOptions,
		AccessHint: accessHint, RefreshHint: refreshHint, WindowHint: windowHint}
	c.render(w, p, status, "api_rule_form.html")
}

// ruleGroupChoiceLimit bounds the groups the rule form lists as checkboxes.
const ruleGroupChoiceLimit = 500

// groupOptions lists the groups a rule may name (Everyone is "Any user"),
// and any group the form names that the list lacks.
func (c *Console) groupOptions(ctx context.Context, f *Form) ([]Option, error) {
	var out []Option
	after := ""
	for len(out) < ruleGroupChoiceLimit {
		page, next, err := c.Service.ListGroups(ctx, domain.GroupListParams{Page: store.Page{Limit: 200, After: after}})
		if err != nil {
			return nil, err
		}
		for _, g := range page {
			if g.Type != store.GroupTypeBuiltIn {
				out = append(out, Option{g.ID, g.Name})
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	names := c.newPeopleNames(ctx)
	out = keepChosen(out, f, "groups", names.group)
	return keepChosen(out, f, "exclude_groups", names.group), nil
}

// keepChosen adds to options each value of the form's field it lacks, so
// that a form never drops a choice it cannot show.
func keepChosen(options []Option, f *Form, field string, label func(string) (string, error)) []Option {
	for _, v := range f.Values[field] {
		if !slices.ContainsFunc(options, func(o Option) bool { return o.Value == v }) {
			name, err := label(v)
			if err != nil {
				name = v
			}
			options = append(options, Option{v, name})
		}
	}
	return options
}

// ruleFields maps the domain's field names to the rule form's fields.
var ruleFields = map[string]string{
	"name": "name", "priority": "priority", "conditions.people": "people", "conditions.people.users": "users",
	"conditions.people.groups": "groups", "conditions.grantTypes.include": "grant_types",
	"conditions.scopes.include":                 "scopes",
	"actions.token.accessTokenLifetimeMinutes":  "access_token_minutes",
	"actions.token.refreshTokenLifetimeMinutes": "refresh_token_minutes",
	"actions.token.refreshTokenWindowMinutes":   "refresh_window_minutes",
}

// ruleParams reads the rule form; problems only the form can see (a login
// nobody has, a number that is none, nothing chosen) are recorded on f.
func (c *Console) ruleParams(ctx context.Context, f *Form) (domain.RuleParams, error) {
	p := domain.RuleParams{Name: f.Get("name"), Priority: policyNumber(f, "priority"), GrantTypes: f.Values["grant_types"],
		GroupsExclude: f.Values["exclude_groups"], RefreshTokenMinutes: policyNumber(f, "refresh_token_minutes"),
		AccessTokenMinutes: optionalMinutes(f, "access_token_minutes"), RefreshWindowMinutes: optionalMinutes(f, "refresh_window_minutes")}
	var err error
	if f.Get("people") == "everyone" {
		p.GroupsInclude = []string{store.EveryoneGroup}
	} else {
		if p.UsersInclude, err = c.userIDs(ctx, f, "users"); err != nil {
			return p, err
		}
		if p.GroupsInclude = f.Values["groups"]; len(p.UsersInclude) == 0 && len(p.GroupsInclude) == 0 && f.Err("users") == "" {
			f.Fail("people", "Choose Any user, or name at least one user or group.")
		}
	}
	if p.UsersExclude, err = c.userIDs(ctx, f, "exclude_users"); err != nil {
		return p, err
	}
	if f.Get("scope_mode") == "any" {
		p.Scopes = []string{store.AnyScope}
	} else if p.Scopes = f.Values["scopes"]; len(p.Scopes) == 0 {
		f.Fail("scopes", "Choose Any scopes, or at least one scope.")
	}
	return p, nil
}

// userIDs reads a field of logins (or user ids), one per line.
func (c *Console) userIDs(ctx context.Context, f *Form, field string) ([]string, error) {
	var ids []string
	for _, login := range f.List(field) {
		u, err := c.Service.Store.GetUserByLogin(ctx, login)
		if errors.Is(err, store.ErrNotFound) {
			u, err = c.Service.Store.GetUser(ctx, login)
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Fail(field, "No user has the login "+login+".")
		case err != nil:
			return nil, err
		default:
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

// optionalMinutes reads a lifetime; empty is nil (the default).
func optionalMinutes(f *Form, name string) *int {
	if f.Get(name) == "" {
		return nil
	}
	n := policyNumber(f, name)
	return &n
}

func (c *Console) ruleCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	c.saveRule(w, r, p, store.PolicyRule{})
}

func (c *Console) ruleUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	rule, err := c.Service.GetPolicyRule(r.Context(), r.PathValue("as"), r.PathValue("policy"), r.PathValue("rule"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.saveRule(w, r, p, rule)
}

// saveRule adds a rule (rule.ID "") or replaces rule from the posted form.
func (c *Console) saveRule(w http.ResponseWriter, r *http.Request, p *Page, rule store.PolicyRule) {
	ctx := r.Context()
	asID, policyID := r.PathValue("as"), r.PathValue("policy")
	if _, err := c.Service.GetPolicy(ctx, asID, policyID); err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	params, err := c.ruleParams(ctx, f)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if f.Failed() {
		c.renderRuleForm(w, r, p, http.StatusBadRequest, rule, f)
		return
	}
	var saved store.PolicyRule
	if rule.ID == "" {
		saved, err = c.Service.CreatePolicyRule(ctx, asID, policyID, params)
	} else {
		saved, err = c.Service.ReplacePolicyRule(ctx, asID, policyID, rule.ID, params)
	}
	if f.Absorb(err, ruleFields) {
		c.renderRuleForm(w, r, p, http.StatusBadRequest, rule, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	msg := "Rule “" + saved.Name + "” saved."
	if rule.ID == "" {
		msg = "Rule “" + saved.Name + "” added."
	}
	c.done(w, r, policyPath(asID, policyID), msg)
}

func (c *Console) ruleDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	asID, policyID := r.PathValue("as"), r.PathValue("policy")
	if err := c.Service.DeletePolicyRule(r.Context(), asID, policyID, r.PathValue("rule")); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, policyPath(asID, policyID), "Rule deleted.")
}
