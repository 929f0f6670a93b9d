package admin

import (
	"encoding/json"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// App assignments (/api/v1/apps/{appId}/users and /groups): only users
// assigned to an app, directly or through a group, may sign in to it.

// appUserJSON is Okta's AppUser.
type appUserJSON struct {
	ID              string             `json:"id"`
	ExternalID      *string            `json:"externalId"`
	Created         Time               `json:"created"`
	LastUpdated     Time               `json:"lastUpdated"`
	Scope           string             `json:"scope"`
	Status          string             `json:"status"`
	StatusChanged   Time               `json:"statusChanged"`
	PasswordChanged Time               `json:"passwordChanged"`
	SyncState       string             `json:"syncState"`
	Credentials     appUserCredentials `json:"credentials"`
	Profile         json.RawMessage    `json:"profile"`
	Links           map[string]Link    `json:"_links"`
}

type appUserCredentials struct {
	UserName string `json:"userName"`
}

// appUserInput is the body of a user assignment or its update.
type appUserInput struct {
	ID          string             `json:"id"`
	Scope       string             `json:"scope"`
	Credentials appUserCredentials `json:"credentials"`
	Profile     json.RawMessage    `json:"profile"`
}

// appGroupJSON is Okta's ApplicationGroupAssignment.
type appGroupJSON struct {
	ID          string          `json:"id"`
	LastUpdated Time            `json:"lastUpdated"`
	Priority    int             `json:"priority"`
	Profile     json.RawMessage `json:"profile"`
	Links       map[string]Link `json:"_links"`
}

// appGroupInput is the body of a group assignment (both fields optional).
type appGroupInput struct {
	Priority *int            `json:"priority"`
	Profile  json.RawMessage `json:"profile"`
}

func (a *API) routeAppAssignments(mux *http.ServeMux) {
	const base = "/api/v1/apps/{appId}"
	a.route(mux, "GET "+base+"/users", a.listAppUsers)
	a.route(mux, "POST "+base+"/users", a.assignAppUser)
	a.route(mux, "GET "+base+"/users/{userId}", a.getAppUser)
	a.route(mux, "POST "+base+"/users/{userId}", a.updateAppUser)
	a.route(mux, "DELETE "+base+"/users/{userId}", a.unassignAppUser)
	a.route(mux, "GET "+base+"/groups", a.listAppGroups)
	a.route(mux, "GET "+base+"/groups/{groupId}", a.getAppGroup)
	a.route(mux, "PUT "+base+"/groups/{groupId}", a.assignAppGroup)
	a.route(mux, "DELETE "+base+"/groups/{groupId}", a.unassignAppGroup)
}

func (a *API) appUserJSON(u store.AppUser) appUserJSON {
	profile := u.Profile
	if len(profile) == 0 {
		profile = json.RawMessage("{}")
	}
	return appUserJSON{
		ID: u.UserID, Created: Time(u.Created), LastUpdated: Time(u.LastUpdated), Scope: u.Scope,
		Status: store.StatusActive, StatusChanged: Time(u.Created), SyncState: "DISABLED",
		Credentials: appUserCredentials{UserName: u.UserName}, Profile: profile,
		Links: map[string]Link{
			"app":  a.link("/api/v1/apps/" + u.ClientID),
			"user": a.link("/api/v1/users/" + u.UserID),
		},
	}
}

func (a *API) appGroupJSON(g store.AppGroup) appGroupJSON {
	profile := g.Profile
	if len(profile) == 0 {
		profile = json.RawMessage("{}")
	}
	return appGroupJSON{ID: g.GroupID, LastUpdated: Time(g.LastUpdated), Priority: g.Priority, Profile: profile,
		Links: map[string]Link{
			"self":  a.link("/api/v1/apps/"+g.ClientID+"/groups/"+g.GroupID, "GET", "PUT", "DELETE"),
			"app":   a.link("/api/v1/apps/" + g.ClientID),
			"group": a.link("/api/v1/groups/" + g.GroupID),
		}}
}

// assignmentFound names the missing object: the app, or else the user or
// group the request names.
func (a *API) assignmentFound(r *http.Request, err error, id, kind string) error {
	appID := r.PathValue("appId")
	if _, appErr := a.st.GetApp(r.Context(), appID); appErr != nil {
		return found(err, appID, "AppInstance")
	}
	return found(err, id, kind)
}

func (a *API) listAppUsers(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	page, err := parsePage(r, 50, 500)
	if err != nil {
		return err
	}
	if _, err := a.st.GetApp(r.Context(), id); err != nil {
		return found(err, id, "AppInstance")
	}
	users, err := a.st.ListAppUsers(r.Context(), id, page)
	if err != nil {
		return err
	}
	users, next := trimPage(users, page, func(u store.AppUser) string { return u.UserID })
	out := make([]appUserJSON, len(users))
	for i, u := range users {
		out[i] = a.appUserJSON(u)
	}
	return a.writePage(w, r, out, next)
}

func (a *API) assignAppUser(w http.ResponseWriter, r *http.Request) error {
	var in appUserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ID == "" {
		return domain.Invalid("id", "the id of the user to assign is required")
	}
	return a.saveAppUser(w, r, in.ID, in)
}

func (a *API) updateAppUser(w http.ResponseWriter, r *http.Request) error {
	var in appUserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	return a.saveAppUser(w, r, r.PathValue("userId"), in)
}

func (a *API) saveAppUser(w http.ResponseWriter, r *http.Request, userID string, in appUserInput) error {
	if in.Scope != "" && in.Scope != store.AssignmentScopeUser {
		return domain.Invalid("scope", "a user is assigned directly with scope USER; assign a group for GROUP")
	}
	au, err := a.svc.AssignUserToApp(r.Context(), r.PathValue("appId"), userID, in.Credentials.UserName, in.Profile)
	if err != nil {
		return a.assignmentFound(r, err, userID, "User")
	}
	return writeJSON(w, http.StatusOK, a.appUserJSON(au))
}

func (a *API) getAppUser(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("userId")
	au, err := a.st.GetAppUser(r.Context(), r.PathValue("appId"), userID)
	if err != nil {
		return a.assignmentFound(r, err, userID, "AppUser")
	}
	return writeJSON(w, http.StatusOK, a.appUserJSON(au))
}

func (a *API) unassignAppUser(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("userId")
	if err := a.svc.UnassignUserFromApp(r.Context(), r.PathValue("appId"), userID); err != nil {
		return a.assignmentFound(r, err, userID, "AppUser")
	}
	return noContent(w)
}

func (a *API) listAppGroups(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("appId")
	page, err := parsePage(r, 20, 200)
	if err != nil {
		return err
	}
	if _, err := a.st.GetApp(r.Context(), id); err != nil {
		return found(err, id, "AppInstance")
	}
	groups, err := a.st.ListAppGroups(r.Context(), id, page)
	if err != nil {
		return err
	}
	groups, next := trimPage(groups, page, func(g store.AppGroup) string { return g.GroupID })
	out := make([]appGroupJSON, len(groups))
	for i, g := range groups {
		out[i] = a.appGroupJSON(g)
	}
	return a.writePage(w, r, out, next)
}

func (a *API) getAppGroup(w http.ResponseWriter, r *http.Request) error {
	groupID := r.PathValue("groupId")
	g, err := a.st.GetAppGroup(r.Context(), r.PathValue("appId"), groupID)
	if err != nil {
		return a.assignmentFound(r, err, groupID, "ApplicationGroupAssignment")
	}
	return writeJSON(w, http.StatusOK, a.appGroupJSON(g))
}

func (a *API) assignAppGroup(w http.ResponseWriter, r *http.Request) error {
	groupID := r.PathValue("groupId")
	var in appGroupInput
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	g, err := a.svc.AssignGroupToApp(r.Context(), r.PathValue("appId"), groupID, in.Priority, in.Profile)
	if err != nil {
		return a.assignmentFound(r, err, groupID, "Group")
	}
	return writeJSON(w, http.StatusOK, a.appGroupJSON(g))
}

func (a *API) unassignAppGroup(w http.ResponseWriter, r *http.Request) error {
	groupID := r.PathValue("groupId")
	if err := a.svc.UnassignGroupFromApp(r.Context(), r.PathValue("appId"), groupID); err != nil {
		return a.assignmentFound(r, err, groupID, "ApplicationGroupAssignment")
	}
	return noContent(w)
}
