package domain

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// maxUserNameLen bounds an app user's credentials.userName.
const maxUserNameLen = 100

// AssignUserToApp assigns a user to an app directly, or updates the user
// name and profile of that assignment. An empty userName shows the login.
func (s *Service) AssignUserToApp(ctx context.Context, clientID, userID, userName string, profile json.RawMessage) (store.AppUser, error) {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return store.AppUser{}, err
	}
	user, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		return store.AppUser{}, err
	}
	var v ValidationError
	if userName = strings.TrimSpace(userName); len(userName) > maxUserNameLen {
		v.add("credentials.userName", "must be at most 100 characters")
	}
	if len(profile) > 0 && string(profile) != "null" && !isJSONObject(profile) {
		v.add("profile", "must be a JSON object")
	} else if len(profile) > maxProfileBytes {
		v.add("profile", "is too large")
	}
	if err := v.err(); err != nil {
		return store.AppUser{}, err
	}
	if string(profile) == "null" {
		profile = nil
	}
	now := s.now().UTC()
	existing, err := s.Store.GetAppUser(ctx, clientID, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.AppUser{}, err
	}
	created := now
	if err == nil && existing.Scope == store.AssignmentScopeUser {
		created = existing.Created
	}
	au := store.AppUser{ClientID: clientID, UserID: userID, Scope: store.AssignmentScopeUser, UserName: userName,
		Profile: profile, Created: created, LastUpdated: now}
	if err := s.Store.AssignAppUser(ctx, au); err != nil {
		return au, err
	}
	if created.Equal(now) {
		s.record(ctx, "application.user_membership.add", "Add user to application membership", appTarget(app), userTarget(user))
	} else {
		s.record(ctx, "application.user_membership.update", "Update user's application membership", appTarget(app), userTarget(user))
	}
	return s.Store.GetAppUser(ctx, clientID, userID)
}

// UnassignUserFromApp removes a user's direct assignment. A user who is
// assigned only through a group stays so: the group assignment, or the
// membership, is what to remove.
func (s *Service) UnassignUserFromApp(ctx context.Context, clientID, userID string) error {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return err
	}
	au, err := s.Store.GetAppUser(ctx, clientID, userID)
	if err != nil {
		return err
	}
	if au.Scope != store.AssignmentScopeUser {
		return &StateError{Message: "The user is assigned to the application through a group: remove the group assignment or the group membership."}
	}
	if err := s.Store.UnassignAppUser(ctx, clientID, userID); err != nil {
		return err
	}
	target := store.EventObject{ID: userID, Type: "User"}
	if user, err := s.Store.GetUser(ctx, userID); err == nil {
		target = userTarget(user)
	}
	s.record(ctx, "application.user_membership.remove", "Remove user from application membership", appTarget(app), target)
	return nil
}

// AssignGroupToApp assigns a group (its members may then sign in), or
// updates the assignment's priority and profile. A nil priority keeps the
// assignment's, or for a new one comes after every other group's.
func (s *Service) AssignGroupToApp(ctx context.Context, clientID, groupID string, priority *int, profile json.RawMessage) (store.AppGroup, error) {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return store.AppGroup{}, err
	}
	group, err := s.Store.GetGroup(ctx, groupID)
	if err != nil {
		return store.AppGroup{}, err
	}
	var v ValidationError
	if priority != nil && (*priority < 0 || *priority > 100_000) {
		v.add("priority", "must be 0 to 100000")
	}
	if len(profile) > 0 && string(profile) != "null" && !isJSONObject(profile) {
		v.add("profile", "must be a JSON object")
	} else if len(profile) > maxProfileBytes {
		v.add("profile", "is too large")
	}
	if err := v.err(); err != nil {
		return store.AppGroup{}, err
	}
	if string(profile) == "null" {
		profile = nil
	}
	now := s.now().UTC()
	g := store.AppGroup{ClientID: clientID, GroupID: groupID, Profile: profile, Created: now, LastUpdated: now}
	existing, err := s.Store.GetAppGroup(ctx, clientID, groupID)
	isNew := errors.Is(err, store.ErrNotFound)
	switch {
	case err == nil:
		g.Created, g.Priority = existing.Created, existing.Priority
	case !isNew:
		return g, err
	default:
		if g.Priority, err = s.nextGroupPriority(ctx, clientID); err != nil {
			return g, err
		}
	}
	if priority != nil {
		g.Priority = *priority
	}
	if err := s.Store.AssignAppGroup(ctx, g); err != nil {
		return g, err
	}
	event, message := "group.application_assignment.update", "Update group's application assignment"
	if isNew {
		event, message = "group.application_assignment.add", "Add assigned application to group"
	}
	s.record(ctx, event, message, appTarget(app), groupTarget(group))
	return s.Store.GetAppGroup(ctx, clientID, groupID)
}

// nextGroupPriority is one more than the highest priority of the app's
// group assignments (0 for the first).
func (s *Service) nextGroupPriority(ctx context.Context, clientID string) (int, error) {
	next, page := 0, store.Page{Limit: 1000}
	for {
		groups, err := s.Store.ListAppGroups(ctx, clientID, page)
		if err != nil {
			return 0, err
		}
		for _, g := range groups {
			next = max(next, g.Priority+1)
		}
		if len(groups) <= page.Limit {
			return next, nil
		}
		page.After = groups[page.Limit-1].GroupID
	}
}

// UnassignGroupFromApp removes a group's assignment: its members keep
// access only when assigned some other way.
func (s *Service) UnassignGroupFromApp(ctx context.Context, clientID, groupID string) error {
	app, err := s.Store.GetApp(ctx, clientID)
	if err != nil {
		return err
	}
	if err := s.Store.UnassignAppGroup(ctx, clientID, groupID); err != nil {
		return err
	}
	target := store.EventObject{ID: groupID, Type: "UserGroup"}
	if group, err := s.Store.GetGroup(ctx, groupID); err == nil {
		target = groupTarget(group)
	}
	s.record(ctx, "group.application_assignment.remove", "Remove assigned application from group", appTarget(app), target)
	return nil
}
