package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Directory: People (the users) and Groups, as in Okta's Directory menu.

// mountDirectory registers People and Groups.
func (c *Console) mountDirectory(mux *http.ServeMux) {
	c.get(mux, "GET /admin/users", c.peopleList)
	c.get(mux, "GET /admin/users/new", c.personNew)
	c.post(mux, "POST /admin/users", c.personCreate)
	c.get(mux, "GET /admin/users/{id}", c.personPage)
	c.post(mux, "POST /admin/users/{id}/profile", c.personProfile)
	c.post(mux, "POST /admin/users/{id}/password", c.personSetPassword)
	c.post(mux, "POST /admin/users/{id}/lifecycle/{action}", c.personLifecycle)
	c.post(mux, "POST /admin/users/{id}/delete", c.personDelete)
	c.post(mux, "POST /admin/users/{id}/sessions/end", c.personEndSessions)
	c.post(mux, "POST /admin/users/{id}/roles", c.personAssignRole)
	c.post(mux, "POST /admin/users/{id}/roles/{role}/delete", c.personUnassignRole)

	c.get(mux, "GET /admin/groups", c.groupList)
	c.get(mux, "GET /admin/groups/new", c.groupNew)
	c.post(mux, "POST /admin/groups", c.groupCreate)
	c.get(mux, "GET /admin/groups/{id}", c.groupPage)
	c.post(mux, "POST /admin/groups/{id}", c.groupUpdate)
	c.post(mux, "POST /admin/groups/{id}/delete", c.groupDelete)
	c.post(mux, "POST /admin/groups/{id}/members", c.groupAddMember)
	c.post(mux, "POST /admin/groups/{id}/members/{user}/delete", c.groupRemoveMember)
}

// personPath and groupPath are the pages of a person and a group.
func personPath(id string) string { return "/admin/users/" + url.PathEscape(id) }
func groupPath(id string) string  { return "/admin/groups/" + url.PathEscape(id) }

// userStatuses are the user statuses with the names Okta's console gives
// them, in lifecycle order.
var userStatuses = []Option{
	{store.UserStaged, "Staged"},
	{store.UserProvisioned, "Pending user action"},
	{store.UserActive, "Active"},
	{store.UserRecovery, "Password reset"},
	{store.UserPasswordExpired, "Password expired"},
	{store.UserLockedOut, "Locked out"},
	{store.UserSuspended, "Suspended"},
	{store.UserDeprovisioned, "Deactivated"},
}

// statusLabel is the console's name for a user status.
func statusLabel(status string) string {
	for _, o := range userStatuses {
		if o.Value == status {
			return o.Label
		}
	}
	return status
}

// personName is how a person is named on a page: their full name, or
// their login when they have none.
func personName(u store.User) string {
	if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
		return name
	}
	return u.Login
}

// roleOptions are the administrator roles a select offers, except those
// in held.
func roleOptions(held []store.RoleAssignment) []Option {
	var out []Option
	for _, typ := range domain.RoleTypes {
		taken := false
		for _, r := range held {
			taken = taken || r.Type == typ
		}
		if !taken {
			out = append(out, Option{typ, domain.RoleLabel(typ)})
		}
	}
	return out
}
