package console

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// People: the user list with search and status filter, and "Add person".

type peopleData struct {
	Q string
	// Filter holds the status select's choice.
	Filter   *Form
	Statuses []Option
	Users    []store.User
	// Next is the cursor of the next page, "" on the last.
	Next string
	// Problem is a search the domain refused (q too long, unknown status).
	Problem string
}

func (c *Console) peopleList(w http.ResponseWriter, r *http.Request, p *Page) {
	q, status := r.URL.Query().Get("q"), r.URL.Query().Get("status")
	d := &peopleData{Q: q, Filter: formOf(url.Values{"status": {status}}),
		Statuses: append([]Option{{"", "Any status but deactivated"}}, userStatuses...)}
	p.Title, p.Section, p.Data = "People", "users", d
	// The same search as the Management API's ?q=, narrowed to one status.
	var err error
	d.Users, d.Next, err = c.Service.ListUsers(r.Context(), domain.UserListParams{Q: q, Status: status,
		Page: store.Page{Limit: listPageSize, After: r.URL.Query().Get("after")}})
	c.renderSearch(w, r, p, "people.html", err, &d.Problem)
}

// Password choices of "Add person".
const (
	passwordByAdmin = "admin"
	passwordNone    = "none"
)

var passwordModes = []Option{
	{passwordByAdmin, "I will set the password"},
	{passwordNone, "No password yet — they cannot sign in until one is set"},
}

type personNewData struct {
	Form          *Form
	PasswordModes []Option
	Groups        []Option
	// MoreGroups: there are more groups than the form lists.
	MoreGroups bool
}

// maxGroupChoices bounds the groups "Add person" offers.
const maxGroupChoices = 100

func (c *Console) personNew(w http.ResponseWriter, r *http.Request, p *Page) {
	f := formOf(url.Values{"password_mode": {passwordByAdmin}, "activate": {"on"}})
	c.renderPersonNew(w, r, p, http.StatusOK, f)
}

func (c *Console) renderPersonNew(w http.ResponseWriter, r *http.Request, p *Page, status int, f *Form) {
	groups, next, err := c.Service.ListGroups(r.Context(), domain.GroupListParams{Page: store.Page{Limit: maxGroupChoices}})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	d := personNewData{Form: f, PasswordModes: passwordModes, MoreGroups: next != ""}
	for _, g := range groups {
		if g.ID != store.EveryoneGroupID { // everyone is in it anyway
			d.Groups = append(d.Groups, Option{g.ID, g.Name})
		}
	}
	f.Values.Del("password") // a password typed is never sent back
	p.Title, p.Section, p.Data = "Add person", "users", d
	c.render(w, p, status, "person_new.html")
}

// newPersonFields maps the domain's field names to the "Add person" form's.
var newPersonFields = map[string]string{
	"firstName": "firstName", "lastName": "lastName", "login": "login", "email": "email",
	"password": "password", "groupIds": "groupIds",
}

func (c *Console) personCreate(w http.ResponseWriter, r *http.Request, p *Page) {
	f := newForm(r)
	in := domain.UserInput{
		Profile: map[string]any{"firstName": f.Get("firstName"), "lastName": f.Get("lastName"),
			"login": f.Get("login"), "email": f.Get("email")},
		GroupIDs: f.Values["groupIds"],
	}
	switch f.Get("password_mode") {
	case passwordByAdmin:
		password := f.Values.Get("password") // as typed: spaces may belong to it
		if password == "" {
			f.Fail("password", "Enter the password, or choose to set none now.")
		}
		in.Password = &password
	case passwordNone:
	default:
		f.Fail("password_mode", "Choose whether you set the password.")
	}
	if f.Failed() {
		c.renderPersonNew(w, r, p, http.StatusBadRequest, f)
		return
	}
	u, err := c.Service.CreateUser(r.Context(), in, f.Checked("activate"))
	if f.Absorb(err, newPersonFields) {
		c.renderPersonNew(w, r, p, http.StatusBadRequest, f)
		return
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.done(w, r, personPath(u.ID), personName(u)+" added ("+statusLabel(u.Status)+").")
}
