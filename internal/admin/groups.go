package admin

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// groupJSON is Okta's Group.
type groupJSON struct {
	ID                    string           `json:"id"`
	Created               Time             `json:"created"`
	LastUpdated           Time             `json:"lastUpdated"`
	LastMembershipUpdated Time             `json:"lastMembershipUpdated"`
	ObjectClass           []string         `json:"objectClass"`
	Type                  string           `json:"type"`
	Profile               groupProfileJSON `json:"profile"`
	Links                 map[string]Link  `json:"_links"`
}

type groupProfileJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (a *API) routeGroups(mux *http.ServeMux) {
	a.route(mux, "GET /api/v1/groups", a.listGroups)
	a.route(mux, "POST /api/v1/groups", a.createGroup)
	a.route(mux, "GET /api/v1/groups/{id}", a.getGroup)
	a.route(mux, "PUT /api/v1/groups/{id}", a.updateGroup)
	a.route(mux, "DELETE /api/v1/groups/{id}", a.deleteGroup)
	a.route(mux, "GET /api/v1/groups/{id}/users", a.listGroupMembers)
	a.route(mux, "PUT /api/v1/groups/{id}/users/{userId}", a.addGroupMember)
	a.route(mux, "DELETE /api/v1/groups/{id}/users/{userId}", a.removeGroupMember)
}

func (a *API) groupJSON(g store.Group) groupJSON {
	self := "/api/v1/groups/" + g.ID
	return groupJSON{
		ID: g.ID, Created: Time(g.Created), LastUpdated: Time(g.LastUpdated),
		LastMembershipUpdated: Time(g.LastMembershipUpdated), ObjectClass: []string{"okta:user_group"},
		Type: g.Type, Profile: groupProfileJSON{Name: g.Name, Description: g.Description},
		Links: map[string]Link{"self": a.link(self), "users": a.link(self + "/users"), "apps": a.link(self + "/apps")},
	}
}

func (a *API) groupsJSON(groups []store.Group) []groupJSON {
	out := make([]groupJSON, len(groups))
	for i, g := range groups {
		out[i] = a.groupJSON(g)
	}
	return out
}

// groupRequest is the body of a group create or replace.
type groupRequest struct {
	Profile *groupProfileJSON `json:"profile"`
}

func (q groupRequest) profile() domain.GroupProfile {
	if q.Profile == nil {
		return domain.GroupProfile{}
	}
	return domain.GroupProfile{Name: q.Profile.Name, Description: q.Profile.Description}
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, 10000, 10000)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	groups, next, err := a.svc.ListGroups(r.Context(), domain.GroupListParams{
		Q: q.Get("q"), Filter: q.Get("filter"), Search: q.Get("search"), Page: page})
	if err != nil {
		return found(err, "", "UserGroup")
	}
	return a.writePage(w, r, a.groupsJSON(groups), next)
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request) error {
	var body groupRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	g, err := a.svc.CreateGroup(r.Context(), body.profile())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.groupJSON(g))
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	g, err := a.st.GetGroup(r.Context(), id)
	if err != nil {
		return found(err, id, "UserGroup")
	}
	return writeJSON(w, http.StatusOK, a.groupJSON(g))
}

func (a *API) updateGroup(w http.ResponseWriter, r *http.Request) error {
	var body groupRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	id := r.PathValue("id")
	g, err := a.svc.UpdateGroup(r.Context(), id, body.profile())
	if err != nil {
		return found(err, id, "UserGroup")
	}
	return writeJSON(w, http.StatusOK, a.groupJSON(g))
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.svc.DeleteGroup(r.Context(), id); err != nil {
		return found(err, id, "UserGroup")
	}
	return noContent(w)
}

func (a *API) listGroupMembers(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, 1000, 1000)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	users, err := a.st.ListGroupMembers(r.Context(), id, page)
	if err != nil {
		return found(err, id, "UserGroup")
	}
	users, next := trimPage(users, page, func(u store.User) string { return u.ID })
	return a.writePage(w, r, a.usersJSON(users), next)
}

// membershipErr names the object a membership change did not find: the
// group when it is missing, else the user.
func (a *API) membershipErr(r *http.Request, err error) error {
	id := r.PathValue("id")
	if _, gerr := a.st.GetGroup(r.Context(), id); gerr != nil {
		return found(err, id, "UserGroup")
	}
	return found(err, r.PathValue("userId"), "User")
}

func (a *API) addGroupMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.AddGroupMember(r.Context(), r.PathValue("id"), r.PathValue("userId")); err != nil {
		return a.membershipErr(r, err)
	}
	return noContent(w)
}

func (a *API) removeGroupMember(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveGroupMember(r.Context(), r.PathValue("id"), r.PathValue("userId")); err != nil {
		return a.membershipErr(r, err)
	}
	return noContent(w)
}
