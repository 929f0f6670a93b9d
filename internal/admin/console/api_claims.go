package console

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// A server's Claims tab: custom claims added to its access tokens
// (RESOURCE) or ID tokens (IDENTITY), whose value is an Okta expression
// or the user's groups that pass a filter.

func (c *Console) mountClaims(mux *http.ServeMux) {
	const base = "/admin/api/servers/{as}/claims"
	c.get(mux, "GET "+base, c.claimList)
	c.get(mux, "GET "+base+"/new", c.claimNew)
	c.postServer(mux, "POST "+base, c.claimCreate)
	c.get(mux, "GET "+base+"/{claim}", c.claimEdit)
	c.postServer(mux, "POST "+base+"/{claim}", c.claimUpdate)
	c.postServer(mux, "POST "+base+"/{claim}/delete", c.claimDelete)
}

type claimListData struct {
	AS     store.AuthServer
	Claims []store.Claim
}

func (c *Console) claimList(w http.ResponseWriter, r *http.Request, p *Page) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	claims, err := c.Service.ListClaims(r.Context(), as.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	p.Title, p.Section, p.Data = as.Name+" · Claims", "api", claimListData{AS: as, Claims: claims}
	c.render(w, p, http.StatusOK, "api_claims.html")
}

// The choices of the claim form.
var (
	claimTypeOptions = []Option{
		{domain.ClaimTypeResource, "Access Token"},
		{domain.ClaimTypeIdentity, "ID Token"},
	}
	claimValueTypeOptions = []Option{
		{domain.ClaimValueExpression, "Expression"},
		{domain.ClaimValueGroups, "Groups"},
	}
	groupFilterOptions = []Option{
		{domain.GroupFilterStartsWith, "Starts with"},
		{domain.GroupFilterEquals, "Equals"},
		{domain.GroupFilterContains, "Contains"},
		{domain.GroupFilterRegex, "Matches regex"},
	}
	claimFlagOptions = []Option{
		{"active", "Active: the claim is issued"},
		{"always", "ID tokens: always include (otherwise only /userinfo returns it)"},
	}
)

// claimFormData is the add and edit form of a claim.
type claimFormData struct {
	AS    store.AuthServer
	Claim *store.Claim // nil when adding
	Form  *Form
	// Scopes are the server's scopes, any of which a claim may require.
	Scopes                                 []Option
	Types, ValueTypes, GroupFilters, Flags []Option
}

func (c *Console) renderClaimForm(w http.ResponseWriter, r *http.Request, p *Page, status int, d claimFormData) {
	scopes, err := c.Service.ListScopes(r.Context(), d.AS.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	for _, sc := range scopes {
		d.Scopes = append(d.Scopes, Option{sc.Name, sc.Name})
	}
	// A scope deleted since the claim was saved stays, ticked: dropped
	// unseen, it would leave a claim meant for that scope issued with any.
	d.Scopes = keepChosen(d.Scopes, d.Form, "scopes", func(v string) (string, error) { return v + " (deleted)", nil })
	d.Types, d.ValueTypes, d.GroupFilters, d.Flags = claimTypeOptions, claimValueTypeOptions, groupFilterOptions, claimFlagOptions
	p.Section, p.Data = "api", d
	p.Title = d.AS.Name + " · Add Claim"
	if d.Claim != nil {
		p.Title = d.AS.Name + " · Claim " + d.Claim.Name
	}
	c.render(w, p, status, "api_claim_form.html")
}

// claimFields maps the domain's field names to the claim form's fields.
var claimFields = map[string]string{
	"name": "name", "status": "flags", "claimType": "claim_type", "valueType": "value_type", "value": "value",
	"group_filter_type": "group_filter_type", "conditions.scopes": "scopes",
}

func claimParams(f *Form) domain.ClaimParams {
	status, always := store.StatusInactive, f.Has("flags", "always")
	if f.Has("flags", "active") {
		status = store.StatusActive
	}
	p := domain.ClaimParams{Name: f.Get("name"), Status: status, ClaimType: f.Get("claim_type"), ValueType: f.Get("value_type"),
		Value: f.Get("value"), AlwaysIncludeInToken: &always, Scopes: f.Values["scopes"]}
	if p.ValueType == domain.ClaimValueGroups {
		p.GroupFilterType = f.Get("group_filter_type")
	}
	return p
}

// claimValues fills the edit form from a claim.
func claimValues(cl store.Claim) url.Values {
	v := url.Values{"name": {cl.Name}, "claim_type": {cl.ClaimType}, "value_type": {cl.ValueType}, "value": {cl.Value},
		"group_filter_type": {cl.GroupFilterType}, "scopes": cl.Scopes}
	if cl.Status == store.StatusActive {
		v.Add("flags", "active")
	}
	if cl.AlwaysIncludeInToken {
		v.Add("flags", "always")
	}
	return v
}

func (c *Console) claimNew(w http.ResponseWriter, r *http.Request, p *Page) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := formOf(url.Values{"claim_type": {domain.ClaimTypeResource}, "value_type": {domain.ClaimValueExpression},
		"group_filter_type": {domain.GroupFilterStartsWith}, "flags": {"active", "always"}})
	c.renderClaimForm(w, r, p, http.StatusOK, claimFormData{AS: as, Form: f})
}

func (c *Console) claimCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	cl, err := c.Service.CreateClaim(r.Context(), as.ID, claimParams(f))
	if f.Absorb(err, claimFields) {
		c.renderClaimForm(w, r, p, http.StatusBadRequest, claimFormData{AS: as, Form: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, serverPath(as.ID, "claims"), "Claim "+cl.Name+" added.")
}

// claimOf finds the server and the claim named in the path.
func (c *Console) claimOf(r *http.Request) (store.AuthServer, store.Claim, error) {
	as, err := c.Service.GetAuthServer(r.Context(), r.PathValue("as"))
	if err != nil {
		return as, store.Claim{}, err
	}
	cl, err := c.Service.Store.GetClaim(r.Context(), as.ID, r.PathValue("claim"))
	return as, cl, err
}

func (c *Console) claimEdit(w http.ResponseWriter, r *http.Request, p *Page) {
	as, cl, err := c.claimOf(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.renderClaimForm(w, r, p, http.StatusOK, claimFormData{AS: as, Claim: &cl, Form: formOf(claimValues(cl))})
}

func (c *Console) claimUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	as, cl, err := c.claimOf(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	_, err = c.Service.ReplaceClaim(r.Context(), as.ID, cl.ID, claimParams(f))
	if f.Absorb(err, claimFields) {
		c.renderClaimForm(w, r, p, http.StatusBadRequest, claimFormData{AS: as, Claim: &cl, Form: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, serverPath(as.ID, "claims"), "Claim saved.")
}

func (c *Console) claimDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	as, cl, err := c.claimOf(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if err := c.Service.DeleteClaim(r.Context(), as.ID, cl.ID); err != nil {
		c.fail(w, r, p, err) // a system claim: 400, "system claims cannot be deleted"
		return
	}
	c.done(w, r, serverPath(as.ID, "claims"), "Claim "+cl.Name+" deleted.")
}
