package admin

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/apierr"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// defaultUserTypeID is the id of the one user type Gatehouse has, in
// Okta's type.id field.
const defaultUserTypeID = "otydefault0000000000"

// userJSON is Okta's User: never the password or its hash.
type userJSON struct {
	ID              string              `json:"id"`
	Status          string              `json:"status"`
	Created         Time                `json:"created"`
	Activated       Time                `json:"activated"`
	StatusChanged   Time                `json:"statusChanged"`
	LastLogin       Time                `json:"lastLogin"`
	LastUpdated     Time                `json:"lastUpdated"`
	PasswordChanged Time                `json:"passwordChanged"`
	Type            map[string]string   `json:"type"`
	Profile         map[string]any      `json:"profile"`
	Credentials     userCredentialsJSON `json:"credentials"`
	Links           map[string]Link     `json:"_links"`
}

// userCredentialsJSON is Okta's UserCredentials: password is {} when the user
// has one, and its value is never shown.
type userCredentialsJSON struct {
	Password *struct{}         `json:"password,omitempty"`
	Provider map[string]string `json:"provider"`
}

// userRequest is the body of a user create or update.
type userRequest struct {
	Profile     map[string]any `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value *string `json:"value"`
		} `json:"password"`
	} `json:"credentials"`
	GroupIDs []string `json:"groupIds"`
}

func (q userRequest) input() domain.UserInput {
	in := domain.UserInput{Profile: q.Profile, GroupIDs: q.GroupIDs}
	if q.Credentials != nil && q.Credentials.Password != nil {
		in.Password = q.Credentials.Password.Value
	}
	return in
}

func (a *API) routeUsers(mux *http.ServeMux) {
	a.route(mux, "GET /api/v1/users", a.listUsers)
	a.route(mux, "POST /api/v1/users", a.createUser)
	a.route(mux, "GET /api/v1/users/{id}", a.getUser)
	a.route(mux, "POST /api/v1/users/{id}", a.updateUser(false))
	a.route(mux, "PUT /api/v1/users/{id}", a.updateUser(true))
	a.route(mux, "DELETE /api/v1/users/{id}", a.deleteUser)
	a.route(mux, "POST /api/v1/users/{id}/lifecycle/{action}", a.userLifecycle)
	a.route(mux, "POST /api/v1/users/{id}/credentials/change_password", a.changePassword)
	a.route(mux, "GET /api/v1/users/{id}/groups", a.listUserGroups)
	a.route(mux, "DELETE /api/v1/users/{id}/sessions", a.endUserSessions)
}

// userActions are the lifecycle links each status offers (Okta's _links).
var userActions = map[string][]string{
	store.UserStaged:          {"activate", "deactivate"},
	store.UserProvisioned:     {"reactivate", "resetPassword", "deactivate"},
	store.UserActive:          {"suspend", "resetPassword", "expirePassword", "changePassword", "deactivate"},
	store.UserRecovery:        {"resetPassword", "deactivate"},
	store.UserPasswordExpired: {"resetPassword", "expirePassword", "changePassword", "deactivate"},
	store.UserLockedOut:       {"unlock", "resetPassword", "expirePassword", "deactivate"},
	store.UserSuspended:       {"unsuspend", "deactivate"},
	store.UserDeprovisioned:   {"activate"},
}

var actionPaths = map[string]string{
	"activate": "/lifecycle/activate", "reactivate": "/lifecycle/reactivate", "deactivate": "/lifecycle/deactivate",
	"suspend": "/lifecycle/suspend", "unsuspend": "/lifecycle/unsuspend", "unlock": "/lifecycle/unlock",
	"resetPassword": "/lifecycle/reset_password", "expirePassword": "/lifecycle/expire_password",
	"changePassword": "/credentials/change_password",
}

func (a *API) userJSON(u store.User) userJSON {
	self := "/api/v1/users/" + u.ID
	out := userJSON{
		ID: u.ID, Status: u.Status, Created: Time(u.Created), Activated: Time(u.Activated),
		StatusChanged: Time(u.StatusChanged), LastLogin: Time(u.LastLogin), LastUpdated: Time(u.Updated),
		PasswordChanged: Time(u.PasswordChanged), Type: map[string]string{"id": defaultUserTypeID},
		Profile:     domain.UserProfile(u),
		Credentials: userCredentialsJSON{Provider: map[string]string{"type": "OKTA", "name": "OKTA"}},
		Links:       map[string]Link{"self": a.link(self)},
	}
	if u.PasswordHash != "" {
		out.Credentials.Password = &struct{}{}
	}
	for _, action := range userActions[u.Status] {
		out.Links[action] = a.link(self+actionPaths[action], "POST")
	}
	return out
}

func (a *API) usersJSON(users []store.User) []userJSON {
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = a.userJSON(u)
	}
	return out
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	def := 200
	if q.Get("q") != "" {
		def = 10 // Okta's default for a quick search
	}
	page, err := parsePage(r, def, 200)
	if err != nil {
		return err
	}
	// A costly search may answer a short page, even an empty one, with a
	// next link while rows remain, as Okta does.
	users, next, err := a.svc.ListUsers(r.Context(), domain.UserListParams{
		Q: q.Get("q"), Filter: q.Get("filter"), Search: q.Get("search"), Page: page})
	if err != nil {
		return found(err, "", "User")
	}
	if users == nil {
		users = []store.User{}
	}
	return a.writePage(w, r, a.usersJSON(users), next)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var body userRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	activate := r.URL.Query().Get("activate") != "false"
	u, err := a.svc.CreateUser(r.Context(), body.input(), activate)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.userJSON(u))
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	u, err := a.svc.GetUser(r.Context(), id)
	if err != nil {
		return found(err, id, "User")
	}
	return writeJSON(w, http.StatusOK, a.userJSON(u))
}

// updateUser is POST (merge the profile) or PUT (replace it).
func (a *API) updateUser(replace bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body userRequest
		if err := decodeJSON(r, &body); err != nil {
			return err
		}
		id := r.PathValue("id")
		u, err := a.svc.UpdateUser(r.Context(), id, body.input(), replace)
		if err != nil {
			return found(err, id, "User")
		}
		return writeJSON(w, http.StatusOK, a.userJSON(u))
	}
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := a.svc.DeleteUser(r.Context(), id); err != nil {
		return found(err, id, "User")
	}
	return noContent(w)
}

func (a *API) userLifecycle(w http.ResponseWriter, r *http.Request) error {
	id, action := r.PathValue("id"), r.PathValue("action")
	u, err := a.svc.UserLifecycle(r.Context(), id, action)
	if errors.Is(err, domain.ErrUnknownAction) {
		return apierr.Newf(apierr.NotFound, "Not found: Resource not found: %s (Lifecycle action)", action)
	}
	if err != nil {
		return found(err, id, "User")
	}
	if action == domain.ActionExpirePassword {
		return writeJSON(w, http.StatusOK, a.userJSON(u))
	}
	// Okta answers the others with an empty object (activation and reset
	// links are sent by email, which Gatehouse leaves to the operator).
	return writeJSON(w, http.StatusOK, struct{}{})
}

// passwordValue is {"value": "…"}.
type passwordValue struct {
	Value *string `json:"value"`
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		OldPassword    *passwordValue `json:"oldPassword"`
		NewPassword    *passwordValue `json:"newPassword"`
		RevokeSessions bool           `json:"revokeSessions"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	var v []string
	if body.OldPassword == nil || body.OldPassword.Value == nil {
		v = append(v, "oldPassword")
	}
	if body.NewPassword == nil || body.NewPassword.Value == nil {
		v = append(v, "newPassword")
	}
	if len(v) > 0 {
		err := &domain.ValidationError{}
		for _, f := range v {
			err.Problems = append(err.Problems, domain.FieldProblem{Field: f, Message: "The field cannot be left blank"})
		}
		return err
	}
	id := r.PathValue("id")
	u, err := a.svc.ChangePassword(r.Context(), id, *body.OldPassword.Value, *body.NewPassword.Value, body.RevokeSessions)
	if err != nil {
		return found(err, id, "User")
	}
	return writeJSON(w, http.StatusOK, a.userJSON(u).Credentials)
}

func (a *API) listUserGroups(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	groups, err := a.svc.UserGroups(r.Context(), id)
	if err != nil {
		return found(err, id, "User")
	}
	return a.writePage(w, r, a.groupsJSON(groups), "")
}

func (a *API) endUserSessions(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.svc.EndUserSessions(r.Context(), id); err != nil {
		return found(err, id, "User")
	}
	return noContent(w)
}
