package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Groups: the list, "Add group", and a group's page with its profile and
// members.

// msgBuiltInGroup is the console's wording of domain.ErrBuiltInGroup.
const msgBuiltInGroup = "Everyone is a built-in group: it always holds every person, " +
	"and its name, description and members cannot be changed, nor can it be deleted."

type groupListData struct {
	Q      string
	Groups []store.Group
	Next   string // the cursor of the next page, "" on the last
	// Problem is a search the domain refused.
	Problem string
}

func (c *Console) groupList(w http.ResponseWriter, r *http.Request, p *Page) {
	q := r.URL.Query().Get("q")
	d := &groupListData{Q: q}
	p.Title, p.Section, p.Data = "Groups", "groups", d
	var err error
	d.Groups, d.Next, err = c.Service.ListGroups(r.Context(), domain.GroupListParams{Q: q,
		Page: store.Page{Limit: listPageSize, After: r.URL.Query().Get("after")}})
	c.renderSearch(w, r, p, "groups.html", err, &d.Problem)
}

func (c *Console) groupNew(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderGroupNew(w, p, http.StatusOK, formOf(url.Values{}))
}

func (c *Console) renderGroupNew(w http.ResponseWriter, p *Page, status int, f *Form) {
	p.Title, p.Section, p.Data = "Add group", "groups", f
	c.render(w, p, status, "group_new.html")
}

// groupFields maps the domain's field names to the group forms' fields.
var groupFields = map[string]string{"name": "name", "description": "description"}

func groupProfile(f *Form) domain.GroupProfile {
	return domain.GroupProfile{Name: f.Get("name"), Description: f.Get("description")}
}

func (c *Console) groupCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	g, err := c.Service.CreateGroup(r.Context(), groupProfile(f))
	if f.Absorb(err, groupFields) {
		c.renderGroupNew(w, p, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, groupPath(g.ID), "Group "+g.Name+" added.")
}

type groupData struct {
	Group   store.Group
	BuiltIn bool
	// Form edits the profile; Member adds a member by username.
	Form, Member *Form
	Members      []store.User
	MembersNext  string // the cursor of the next page of members
	// Problem is a change the domain refused that no field explains.
	Problem string
}

// groupView is what a group page shows besides the group: forms that
// failed and a refusal.
type groupView struct {
	Form, Member *Form
	Problem      string
}

func (c *Console) groupPage(w http.ResponseWriter, r *http.Request, p *Page) {
	c.renderGroup(w, r, p, http.StatusOK, groupView{})
}

// renderGroup shows the page of the group named by the {id} path value.
func (c *Console) renderGroup(w http.ResponseWriter, r *http.Request, p *Page, status int, v groupView) {
	g, err := c.Service.Store.GetGroup(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	page := store.Page{Limit: listPageSize, After: r.URL.Query().Get("after")}
	members, err := c.Service.Store.ListGroupMembers(r.Context(), g.ID, page)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := groupData{Group: g, BuiltIn: g.Type == store.GroupTypeBuiltIn, Form: v.Form, Member: v.Member, Problem: v.Problem}
	d.Members, d.MembersNext = pageOf(members, listPageSize, func(u store.User) string { return u.ID })
	if d.Form == nil {
		d.Form = formOf(url.Values{"name": {g.Name}, "description": {g.Description}})
	}
	if d.Member == nil {
		d.Member = formOf(url.Values{})
	}
	p.Title, p.Section, p.Data = g.Name, "groups", d
	c.render(w, p, status, "group.html")
}

// groupRefused shows a change to the group the domain refused because
// the group is built in, else handles err as fail does.
func (c *Console) groupRefused(w http.ResponseWriter, r *http.Request, p *Page, err error) {
	if errors.Is(err, domain.ErrBuiltInGroup) {
		c.renderGroup(w, r, p, http.StatusConflict, groupView{Problem: msgBuiltInGroup})
		return
	}
	c.fail(w, r, p, err)
}

func (c *Console) groupUpdate(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	g, err := c.Service.UpdateGroup(r.Context(), r.PathValue("id"), groupProfile(f))
	if f.Absorb(err, groupFields) {
		c.renderGroup(w, r, p, http.StatusBadRequest, groupView{Form: f})
		return
	}
	if err != nil {
		c.groupRefused(w, r, p, err)
		return
	}
	c.done(w, r, groupPath(g.ID), "Group saved.")
}

func (c *Console) groupDelete(w http.ResponseWriter, r *http.Request, p *Page) {
	g, err := c.Service.Store.GetGroup(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if err := c.Service.DeleteGroup(r.Context(), g.ID); err != nil {
		c.groupRefused(w, r, p, err)
		return
	}
	c.done(w, r, "/admin/groups", "Group "+g.Name+" deleted.")
}

func (c *Console) groupAddMember(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	login := f.Get("login")
	if login == "" {
		f.Fail("login", "Enter the username of the person to add.")
		c.renderGroup(w, r, p, http.StatusBadRequest, groupView{Member: f})
		return
	}
	u, err := c.Service.Store.GetUserByLogin(r.Context(), login)
	if errors.Is(err, store.ErrNotFound) {
		f.Fail("login", "No person has the username "+login+".")
		c.renderGroup(w, r, p, http.StatusBadRequest, groupView{Member: f})
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	// The person exists: ErrNotFound now means the group does not.
	if err := c.Service.AddGroupMember(r.Context(), r.PathValue("id"), u.ID); err != nil {
		c.groupRefused(w, r, p, err)
		return
	}
	c.done(w, r, groupPath(r.PathValue("id")), personName(u)+" added to the group.")
}

func (c *Console) groupRemoveMember(w http.ResponseWriter, r *http.Request, p *Page) {
	id := r.PathValue("id")
	if err := c.Service.RemoveGroupMember(r.Context(), id, r.PathValue("user")); err != nil {
		c.groupRefused(w, r, p, err)
		return
	}
	c.done(w, r, groupPath(id), "Member removed from the group.")
}
