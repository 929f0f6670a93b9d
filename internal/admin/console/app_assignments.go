package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// An app's Assignments tab: only the people assigned to an app, directly
// or through a group, may sign in to it. The lists are the Management
// API's (store.ListAppUsers, store.ListAppGroups); the changes are the
// domain's, through postApp.

func (c *Console) mountAppAssignments(mux *http.ServeMux) {
	c.get(mux, "GET /admin/apps/{id}/assignments", c.appAssignments)
	c.postApp(mux, "POST /admin/apps/{id}/assignments/users", c.appAssignUser)
	c.postApp(mux, "POST /admin/apps/{id}/assignments/users/{user}/delete", c.appUnassignUser)
	c.postApp(mux, "POST /admin/apps/{id}/assignments/groups", c.appAssignGroup)
	c.postApp(mux, "POST /admin/apps/{id}/assignments/groups/{group}/delete", c.appUnassignGroup)
}

const (
	// appAssignmentPageSize is how many people, and how many groups, the tab
	// lists per page.
	appAssignmentPageSize = 50
	// appGroupChoicesMax is how many groups the "Assign a group" select
	// offers; an organization with more types the group's name or id.
	appGroupChoicesMax = 200
)

// appAssignmentsData is the Assignments tab.
type appAssignmentsData struct {
	App    store.App
	Users  []store.AppUser
	Groups []appGroupRow
	// UsersAfter and GroupsAfter are where the lists shown start, and
	// NextUsers and NextGroups where their next pages do: paging one list
	// keeps the other where it is.
	UsersAfter, GroupsAfter string
	NextUsers, NextGroups   string
	UserForm, GroupForm     *Form
	// GroupChoices are the groups the select offers; GroupTyped replaces
	// the select with a text field when there are too many.
	GroupChoices []Option
	GroupTyped   bool
	// Refusal is why the domain refused to remove an assignment.
	Refusal string
}

// appGroupRow is a group assignment with the group's name.
type appGroupRow struct {
	store.AppGroup
	Name string
}

func appAssignmentsURL(clientID string) string { return appURL(clientID) + "/assignments" }

func (c *Console) appAssignments(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderAssignments(w, r, p, http.StatusOK, r.PathValue("id"), appAssignmentsData{})
}

// renderAssignments shows the Assignments tab of app clientID; d may carry
// a failed form or a refusal, the rest is loaded here.
func (c *Console) renderAssignments(w http.ResponseWriter, r *http.Request, p *Page, status int, clientID string, d appAssignmentsData) {
	ctx := r.Context()
	app, err := c.Service.Store.GetApp(ctx, clientID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d.App = app
	q := r.URL.Query()
	d.UsersAfter, d.GroupsAfter = q.Get("users_after"), q.Get("groups_after")
	users, err := c.Service.Store.ListAppUsers(ctx, clientID, store.Page{Limit: appAssignmentPageSize, After: d.UsersAfter})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d.Users, d.NextUsers = pageOf(users, appAssignmentPageSize, func(u store.AppUser) string { return u.UserID })
	groups, err := c.Service.Store.ListAppGroups(ctx, clientID, store.Page{Limit: appAssignmentPageSize, After: d.GroupsAfter})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	groups, d.NextGroups = pageOf(groups, appAssignmentPageSize, func(g store.AppGroup) string { return g.GroupID })
	assigned := map[string]bool{}
	for _, g := range groups {
		row := appGroupRow{AppGroup: g, Name: g.GroupID}
		if group, err := c.Service.Store.GetGroup(ctx, g.GroupID); err == nil {
			row.Name = group.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			c.fail(w, r, p, err)
			return
		}
		d.Groups = append(d.Groups, row)
		assigned[g.GroupID] = true
	}
	if err := c.groupChoices(ctx, &d, assigned); err != nil {
		c.fail(w, r, p, err)
		return
	}
	if d.UserForm == nil {
		d.UserForm = formOf(url.Values{})
	}
	if d.GroupForm == nil {
		d.GroupForm = formOf(url.Values{})
	}
	p.Title, p.Section, p.Data = app.Name+" · Assignments", "apps", d
	c.render(w, p, status, "app_assignments.html")
}

// groupChoices fills the select of groups to assign, leaving out those
// listed as assigned; with more than appGroupChoicesMax groups the admin
// types one instead.
func (c *Console) groupChoices(ctx context.Context, d *appAssignmentsData, assigned map[string]bool) error {
	groups, next, err := c.Service.ListGroups(ctx, domain.GroupListParams{Page: store.Page{Limit: appGroupChoicesMax}})
	if err != nil {
		return err
	}
	if next != "" {
		d.GroupTyped = true
		return nil
	}
	for _, g := range groups {
		if !assigned[g.ID] {
			d.GroupChoices = append(d.GroupChoices, Option{Value: g.ID, Label: g.Name})
		}
	}
	if len(d.GroupChoices) > 0 {
		d.GroupChoices = append([]Option{{Value: "", Label: "Choose a group…"}}, d.GroupChoices...)
	}
	return nil
}

func (c *Console) appAssignUser(w http.ResponseWriter, r *http.Request, p *Page) {
	ctx, id := r.Context(), r.PathValue("id")
	// An unknown app is a 404, not a problem with the field.
	if _, err := c.Service.Store.GetApp(ctx, id); err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	who := f.Get("user")
	var user store.User
	if who == "" {
		f.Fail("user", "Enter the person's login or user ID.")
	} else if u, err := c.Service.GetUser(ctx, who); errors.Is(err, store.ErrNotFound) {
		f.Fail("user", "No person has the login or user ID “"+who+"”.")
	} else if err != nil {
		c.fail(w, r, p, err)
		return
	} else {
		user = u
	}
	if f.Failed() {
		c.renderAssignments(w, r, p, http.StatusBadRequest, id, appAssignmentsData{UserForm: f})
		return
	}
	// Assigning again would reset the user name the Management API may
	// have set on the assignment: a direct assignment is left as it is.
	if au, err := c.Service.Store.GetAppUser(ctx, id, user.ID); err == nil && au.Scope == store.AssignmentScopeUser {
		c.done(w, r, appAssignmentsURL(id), user.Login+" was already assigned to the app.")
		return
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, p, err)
		return
	}
	_, err := c.Service.AssignUserToApp(ctx, id, user.ID, "", nil)
	if f.Absorb(err, map[string]string{"credentials.userName": "user"}) {
		c.renderAssignments(w, r, p, http.StatusBadRequest, id, appAssignmentsData{UserForm: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, appAssignmentsURL(id), user.Login+" is assigned to the app.")
}

func (c *Console) appAssignGroup(w http.ResponseWriter, r *http.Request, p *Page) {
	ctx, id := r.Context(), r.PathValue("id")
	if _, err := c.Service.Store.GetApp(ctx, id); err != nil {
		c.fail(w, r, p, err)
		return
	}
	f := newForm(r)
	which := f.Get("group")
	var group store.Group
	if which == "" {
		f.Fail("group", "Choose a group.")
	} else if g, err := c.findGroup(ctx, which); errors.Is(err, store.ErrNotFound) {
		f.Fail("group", "No group has the name or ID “"+which+"”.")
	} else if err != nil {
		c.fail(w, r, p, err)
		return
	} else {
		group = g
	}
	if f.Failed() {
		c.renderAssignments(w, r, p, http.StatusBadRequest, id, appAssignmentsData{GroupForm: f})
		return
	}
	// Assigning again would drop the assignment's profile: leave it be.
	if _, err := c.Service.Store.GetAppGroup(ctx, id, group.ID); err == nil {
		c.done(w, r, appAssignmentsURL(id), "The group “"+group.Name+"” was already assigned to the app.")
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, p, err)
		return
	}
	if _, err := c.Service.AssignGroupToApp(ctx, id, group.ID, nil, nil); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, appAssignmentsURL(id), "The group “"+group.Name+"” is assigned to the app: its members may sign in.")
}

// findGroup finds a group by id or, failing that, by its name, ignoring
// case (store.ErrNotFound when neither matches).
func (c *Console) findGroup(ctx context.Context, nameOrID string) (store.Group, error) {
	g, err := c.Service.Store.GetGroup(ctx, nameOrID)
	if !errors.Is(err, store.ErrNotFound) {
		return g, err
	}
	groups, _, err := c.Service.ListGroups(ctx, domain.GroupListParams{Q: nameOrID, Page: store.Page{Limit: appGroupChoicesMax}})
	var search *domain.SearchError
	if errors.As(err, &search) { // a name longer than any search: no group has it
		return store.Group{}, store.ErrNotFound
	}
	if err != nil {
		return store.Group{}, err
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, nameOrID) {
			return g, nil
		}
	}
	return store.Group{}, store.ErrNotFound
}

func (c *Console) appUnassignUser(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	err := c.Service.UnassignUserFromApp(r.Context(), id, r.PathValue("user"))
	var state *domain.StateError
	if errors.As(err, &state) {
		c.renderAssignments(w, r, p, http.StatusConflict, id, appAssignmentsData{Refusal: state.Message})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, appAssignmentsURL(id), "The person's assignment was removed.")
}

func (c *Console) appUnassignGroup(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	if err := c.Service.UnassignGroupFromApp(r.Context(), id, r.PathValue("group")); err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, appAssignmentsURL(id), "The group's assignment was removed: its members keep access only if assigned another way.")
}
