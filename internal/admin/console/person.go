package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// A person's page: profile, status and lifecycle actions, password,
// sessions, groups and administrator roles.

// profileField is one base profile attribute on the edit form.
type profileField struct {
	Name, Label, Type string
	Required          bool
}

// The profile attributes the form shows first, then the rest of Okta's
// base attributes under "More attributes".
var (
	mainProfileFields = []profileField{
		{"login", "Username", "text", true}, {"firstName", "First name", "text", true},
		{"lastName", "Last name", "text", true}, {"email", "Primary email", "email", true},
		{"secondEmail", "Secondary email", "email", false}, {"mobilePhone", "Mobile phone", "text", false},
		{"primaryPhone", "Primary phone", "text", false}, {"title", "Title", "text", false},
		{"department", "Department", "text", false},
	}
	moreProfileFields = []profileField{
		{"middleName", "Middle name", "text", false}, {"honorificPrefix", "Honorific prefix", "text", false},
		{"honorificSuffix", "Honorific suffix", "text", false}, {"displayName", "Display name", "text", false},
		{"nickName", "Nickname", "text", false}, {"profileUrl", "Profile URL", "url", false},
		{"organization", "Organization", "text", false}, {"division", "Division", "text", false},
		{"costCenter", "Cost center", "text", false}, {"employeeNumber", "Employee number", "text", false},
		{"userType", "User type", "text", false}, {"manager", "Manager", "text", false},
		{"managerId", "Manager ID", "text", false}, {"streetAddress", "Street address", "text", false},
		{"city", "City", "text", false}, {"state", "State", "text", false},
		{"zipCode", "ZIP code", "text", false}, {"countryCode", "Country code", "text", false},
		{"postalAddress", "Postal address", "textarea", false}, {"preferredLanguage", "Preferred language", "text", false},
		{"locale", "Locale", "text", false}, {"timezone", "Time zone", "text", false},
	}
)

// profileFields maps each domain field the profile form shows to itself:
// the form's fields carry Okta's attribute names.
var profileFields = func() map[string]string {
	m := map[string]string{}
	for _, f := range append(append([]profileField{}, mainProfileFields...), moreProfileFields...) {
		m[f.Name] = f.Name
	}
	return m
}()

// lifecycleButton is one lifecycle action offered on the page.
type lifecycleButton struct {
	Action, Label, Hint string
	// Confirm asks before an action that takes access away.
	Confirm string
	Danger  bool
}

var lifecycleButtons = map[string]lifecycleButton{
	domain.ActionActivate: {Label: "Activate",
		Hint: "Active at once when they have a password; otherwise pending until you set one."},
	domain.ActionReactivate: {Label: "Reactivate",
		Hint: "Records a reactivation. Gatehouse sends no activation email: set a password so they can sign in."},
	domain.ActionUnlock:    {Label: "Unlock", Hint: "Lets them sign in again and clears the failed sign-in count."},
	domain.ActionUnsuspend: {Label: "Unsuspend", Hint: "Lets them sign in again."},
	domain.ActionResetPassword: {Label: "Reset password", Danger: true,
		Hint:    "Their password stops working and their sessions end; they cannot sign in until a new password is set.",
		Confirm: "Reset this person's password? It stops working at once and their sessions end."},
	domain.ActionExpirePassword: {Label: "Expire password", Hint: "They must choose a new password at their next sign-in."},
	domain.ActionSuspend: {Label: "Suspend", Danger: true,
		Hint: "They cannot sign in until unsuspended; their sessions end.", Confirm: "Suspend this person? Their sessions end."},
	domain.ActionDeactivate: {Label: "Deactivate", Danger: true,
		Hint: "They lose all access and their sessions end; a deactivated person can be deleted.", Confirm: "Deactivate this person? They lose all access."},
}

// roleRow is a role the person holds.
type roleRow struct {
	store.RoleAssignment
	Label string
}

type personData struct {
	User        store.User
	Name        string
	StatusLabel string
	Actions     []lifecycleButton
	CanDelete   bool
	Groups      []store.Group
	Roles       []roleRow
	RoleOptions []Option
	// Profile, Password and Role are the page's forms.
	Profile, Password, Role *Form
	MainFields, MoreFields  []profileField
}

// personForms are the forms of a person's page that failed, shown with
// their errors; nil ones are filled from the store.
type personForms struct {
	Profile, Password, Role *Form
}

func (c *Console) personPage(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderPerson(w, r, p, http.StatusOK, personForms{})
}

// renderPerson shows the page of the person named by the {id} path value.
func (c *Console) renderPerson(w http.ResponseWriter, r *http.Request, p *Page, status int, forms personForms) {
	ctx := r.Context()
	u, err := c.Service.Store.GetUser(ctx, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	groups, err := c.Service.UserGroups(ctx, u.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	roles, err := c.Service.UserRoles(ctx, u.ID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := personData{User: u, Name: personName(u), StatusLabel: statusLabel(u.Status), Groups: groups,
		CanDelete: u.Status == store.UserDeprovisioned, RoleOptions: roleOptions(roles),
		Profile: forms.Profile, Password: forms.Password, Role: forms.Role,
		MainFields: mainProfileFields, MoreFields: moreProfileFields}
	for _, action := range domain.LifecycleActions(u.Status) {
		b := lifecycleButtons[action]
		b.Action = action
		d.Actions = append(d.Actions, b)
	}
	for _, role := range roles {
		d.Roles = append(d.Roles, roleRow{role, domain.RoleLabel(role.Type)})
	}
	if d.Profile == nil {
		d.Profile = formOf(profileValues(u))
	}
	if d.Password == nil {
		d.Password = formOf(url.Values{})
	}
	d.Password.Values.Del("password") // never sent back
	if d.Role == nil {
		d.Role = formOf(url.Values{})
	}
	p.Title, p.Section, p.Data = d.Name, "users", d
	c.render(w, p, status, "person.html")
}

// profileValues fills the profile form from the user.
func profileValues(u store.User) url.Values {
	v := url.Values{}
	for _, a := range store.ProfileAttributes {
		if _, shown := profileFields[a.Name]; shown {
			v.Set(a.Name, *a.Field(&u))
		}
	}
	return v
}

// personProfile saves the profile form as the Management API's POST
// /users/{id} does: a partial update of the attributes sent, where an
// emptied field removes the attribute.
func (c *Console) personProfile(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	profile := map[string]any{}
	for name := range profileFields {
		if _, sent := f.Values[name]; !sent {
			continue
		}
		if v := f.Get(name); v != "" {
			profile[name] = v
		} else {
			profile[name] = nil
		}
	}
	u, err := c.Service.UpdateUser(r.Context(), r.PathValue("id"), domain.UserInput{Profile: profile}, false)
	if f.Absorb(err, profileFields) {
		c.renderPerson(w, r, p, http.StatusBadRequest, personForms{Profile: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, personPath(u.ID), "Profile saved.")
}

// personSetPassword sets a new password as the Management API does for
// credentials.password on an update (the same domain path and policy).
func (c *Console) personSetPassword(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	password := f.Values.Get("password") // as typed
	if password == "" {
		f.Fail("password", "Enter the new password.")
		c.renderPerson(w, r, p, http.StatusBadRequest, personForms{Password: f})
		return
	}
	before, err := c.Service.Store.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	u, err := c.Service.UpdateUser(r.Context(), before.ID, domain.UserInput{Password: &password}, false)
	if f.Absorb(err, map[string]string{"password": "password"}) {
		c.renderPerson(w, r, p, http.StatusBadRequest, personForms{Password: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	msg := "Password set; their sessions have ended."
	if before.Status != u.Status {
		msg = "Password set: " + personName(u) + " is now " + statusLabel(u.Status) + "."
	}
	c.done(w, r, personPath(u.ID), msg)
}

func (c *Console) personLifecycle(w http.ResponseWriter, r *http.Request, p *Page) {
	action := r.PathValue("action")
	u, err := c.Service.UserLifecycle(r.Context(), r.PathValue("id"), action)
	if errors.Is(err, domain.ErrUnknownAction) {
		c.notFound(w, p, "There is no lifecycle action "+action+".")
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, personPath(u.ID), lifecycleButtons[action].Label+": "+personName(u)+" is now "+statusLabel(u.Status)+".")
}

// personDelete deletes a deactivated person. The domain's DeleteUser would
// deactivate anyone else (Okta's DELETE); the console deletes only what
// its page offered to delete.
func (c *Console) personDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	u, err := c.Service.Store.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if u.Status != store.UserDeprovisioned {
		c.fail(w, r, p, &domain.StateError{Message: "Only a deactivated person can be deleted: deactivate " + personName(u) + " first."})
		return
	}
	if _, err := c.Service.DeleteUser(r.Context(), u.ID); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, "/admin/users", personName(u)+" ("+u.Login+") deleted.")
}

func (c *Console) personEndSessions(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	if err := c.Service.EndUserSessions(r.Context(), id); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, personPath(id), "Sessions ended: they must sign in again everywhere.")
}

func (c *Console) personAssignRole(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	a, err := c.Service.AssignRole(r.Context(), r.PathValue("id"), f.Get("type"))
	if f.Absorb(err, map[string]string{"type": "type"}) {
		c.renderPerson(w, r, p, http.StatusBadRequest, personForms{Role: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, personPath(a.UserID), domain.RoleLabel(a.Type)+" role assigned.")
}

func (c *Console) personUnassignRole(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	if err := c.Service.UnassignRole(r.Context(), id, r.PathValue("role")); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, personPath(id), "Role removed.")
}
