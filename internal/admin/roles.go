package admin

import (
	"net/http"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// roleJSON is Okta's StandardRole: a standard administrator role assigned
// to a user.
type roleJSON struct {
	ID             string          `json:"id"`
	Label          string          `json:"label"`
	Type           string          `json:"type"`
	Status         string          `json:"status"`
	Created        Time            `json:"created"`
	LastUpdated    Time            `json:"lastUpdated"`
	AssignmentType string          `json:"assignmentType"`
	Links          map[string]Link `json:"_links"`
}

// roleRequest is Okta's StandardRoleAssignmentSchema.
type roleRequest struct {
	Type string `json:"type"`
}

func (a *API) routeUserRoles(mux *http.ServeMux) {
	a.route(mux, "GET /api/v1/users/{id}/roles", a.listUserRoles)
	a.route(mux, "POST /api/v1/users/{id}/roles", a.assignUserRole)
	a.route(mux, "GET /api/v1/users/{id}/roles/{roleAssignmentId}", a.getUserRole)
	a.route(mux, "DELETE /api/v1/users/{id}/roles/{roleAssignmentId}", a.unassignUserRole)
}

func (a *API) roleJSON(r store.RoleAssignment) roleJSON {
	return roleJSON{
		ID: r.ID, Label: domain.RoleLabel(r.Type), Type: r.Type, Status: store.StatusActive,
		// An assignment never changes: it is made, then removed.
		Created: Time(r.Created), LastUpdated: Time(r.Created), AssignmentType: "USER",
		Links: map[string]Link{"assignee": a.link("/api/v1/users/" + r.UserID)},
	}
}

func (a *API) listUserRoles(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	roles, err := a.svc.UserRoles(r.Context(), id)
	if err != nil {
		return found(err, id, "User")
	}
	out := make([]roleJSON, len(roles))
	for i, role := range roles {
		out[i] = a.roleJSON(role)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) assignUserRole(w http.ResponseWriter, r *http.Request) error {
	var body roleRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	id := r.PathValue("id")
	role, err := a.svc.AssignRole(r.Context(), id, body.Type)
	if err != nil {
		return found(err, id, "User")
	}
	return writeJSON(w, http.StatusCreated, a.roleJSON(role))
}

func (a *API) getUserRole(w http.ResponseWriter, r *http.Request) error {
	id, roleID := r.PathValue("id"), r.PathValue("roleAssignmentId")
	roles, err := a.svc.UserRoles(r.Context(), id)
	if err != nil {
		return found(err, id, "User")
	}
	i := slices.IndexFunc(roles, func(role store.RoleAssignment) bool { return role.ID == roleID })
	if i < 0 {
		return notFound(roleID, "Role")
	}
	return writeJSON(w, http.StatusOK, a.roleJSON(roles[i]))
}

func (a *API) unassignUserRole(w http.ResponseWriter, r *http.Request) error {
	id, roleID := r.PathValue("id"), r.PathValue("roleAssignmentId")
	if err := a.svc.UnassignRole(r.Context(), id, roleID); err != nil {
		// Name what is missing: the user, else their assignment.
		if _, uerr := a.st.GetUser(r.Context(), id); uerr != nil {
			return found(err, id, "User")
		}
		return found(err, roleID, "Role")
	}
	return noContent(w)
}
