package domain

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// msgPasswordPolicy is Okta's cause for a password the policy refuses.
var msgPasswordPolicy = "Password requirements were not met. Password requirements: at least " +
	strings.TrimPrefix(ErrWeakPassword.Error(), "password must be at least ") + "."

// maxGroupIDs bounds the groups a user can be created in at once.
const maxGroupIDs = 100

// UserInput is a user's profile and credentials as an administrator
// sends them.
type UserInput struct {
	// Profile maps attribute names to JSON values; nil leaves the profile
	// as it is on a partial update.
	Profile map[string]any
	// Password is credentials.password.value; nil when not sent.
	Password *string
	// GroupIDs are groups to create the user in.
	GroupIDs []string
}

// CreateUser adds a user to the directory. Without activate the user is
// STAGED; activated, a user with a password is ACTIVE and one without is
// PROVISIONED (they cannot sign in until an administrator sets one).
func (s *Service) CreateUser(ctx context.Context, in UserInput, activate bool) (store.User, error) {
	now := s.now().UTC()
	u := store.User{ID: NewID(PrefixUser), Status: store.UserStaged, Created: now, Updated: now}
	var v ValidationError
	applyProfile(&u, in.Profile, true, &v)
	s.setPassword(&u, in.Password, &v)
	groups, err := s.checkGroupIDs(ctx, in.GroupIDs, &v)
	if err != nil {
		return store.User{}, err
	}
	if err := v.err(); err != nil {
		return store.User{}, err
	}
	if activate {
		s.activate(&u, now)
	}
	err = s.Store.CreateUserInGroups(ctx, u, groupIDs(groups))
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.User{}, Invalid("login", msgLoginTaken)
	case errors.Is(err, store.ErrNotFound): // a group deleted meanwhile
		return store.User{}, Invalid("groupIds", "a group no longer exists")
	case err != nil:
		return store.User{}, err
	}
	s.record(ctx, "user.lifecycle.create", "Create Okta user", userTarget(u))
	if activate {
		s.record(ctx, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	}
	for _, g := range groups {
		s.record(ctx, "group.user_membership.add", "Add user to group membership", userTarget(u), groupTarget(g))
	}
	return u, nil
}

// setPassword hashes a password that was sent onto u.
func (s *Service) setPassword(u *store.User, password *string, v *ValidationError) {
	if password == nil {
		return
	}
	hash, err := HashPassword(*password)
	if err != nil {
		v.add("password", msgPasswordPolicy)
		return
	}
	u.PasswordHash, u.PasswordChanged = hash, s.now().UTC()
}

// activate moves a staged or deactivated user to ACTIVE, or PROVISIONED
// when they have no password yet.
func (s *Service) activate(u *store.User, now time.Time) {
	u.Status, u.StatusChanged = store.UserProvisioned, now
	if u.PasswordHash != "" {
		u.Status, u.Activated = store.UserActive, now
	}
}

// checkGroupIDs looks up the groups a user is to be created in, each
// once; the built-in group is skipped, as everyone is in it.
func (s *Service) checkGroupIDs(ctx context.Context, ids []string, v *ValidationError) ([]store.Group, error) {
	if len(ids) > maxGroupIDs {
		v.add("groupIds", "at most 100 groups")
		return nil, nil
	}
	var groups []store.Group
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || id == store.EveryoneGroupID {
			continue
		}
		seen[id] = true
		g, err := s.Store.GetGroup(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			v.add("groupIds", "group "+id+" does not exist")
			continue
		}
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// UpdateUser changes a user's profile and password. A replace (Okta's PUT)
// removes the profile attributes not sent; a merge (POST) keeps them.
// Setting the password of a user who could not sign in for want of one
// (PROVISIONED, RECOVERY, PASSWORD_EXPIRED) makes them ACTIVE, and ends
// the user's sessions. The change applies to the user as stored when it
// is written (Store.ModifyUser), so it never undoes a concurrent one such
// as a deactivation or a lockout; the password is hashed before that.
func (s *Service) UpdateUser(ctx context.Context, id string, in UserInput, replace bool) (store.User, error) {
	var hash string
	var hashErr error
	if in.Password != nil {
		if _, err := s.Store.GetUser(ctx, id); err != nil { // no hashing for a user that does not exist
			return store.User{}, err
		}
		hash, hashErr = HashPassword(*in.Password)
	}
	passwordSet := in.Password != nil
	now := s.now().UTC()
	var before store.User
	var activated bool
	u, err := s.Store.ModifyUser(ctx, id, func(u *store.User) (bool, error) {
		before = *u
		var v ValidationError
		if in.Profile != nil || replace {
			applyProfile(u, in.Profile, replace, &v)
		}
		switch {
		case hashErr != nil:
			v.add("password", msgPasswordPolicy)
		case passwordSet:
			u.PasswordHash, u.PasswordChanged = hash, now
		}
		if err := v.err(); err != nil {
			return false, err
		}
		activated = passwordSet && slices.Contains([]string{store.UserProvisioned, store.UserRecovery, store.UserPasswordExpired}, u.Status)
		if activated {
			u.Status, u.StatusChanged = store.UserActive, now
			if u.Activated.IsZero() {
				u.Activated = now
			}
		}
		u.Updated = now
		return passwordSet, nil
	})
	if errors.Is(err, store.ErrConflict) {
		return store.User{}, Invalid("login", msgLoginTaken)
	} else if err != nil {
		return store.User{}, err
	}
	if profileChanged(before, u) {
		s.record(ctx, "user.account.update_profile", "Update user profile for Okta", userTarget(u))
	}
	if passwordSet {
		s.record(ctx, "user.account.update_password", "Update password for Okta user", userTarget(u))
	}
	if activated && before.Status == store.UserProvisioned {
		s.record(ctx, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	}
	return u, nil
}

func profileChanged(a, b store.User) bool {
	for _, attr := range store.ProfileAttributes {
		if *attr.Field(&a) != *attr.Field(&b) {
			return true
		}
	}
	return !jsonEqual(a.Profile, b.Profile)
}

// GetUser finds a user by id or, failing that, by login.
func (s *Service) GetUser(ctx context.Context, idOrLogin string) (store.User, error) {
	u, err := s.Store.GetUser(ctx, idOrLogin)
	if errors.Is(err, store.ErrNotFound) {
		return s.Store.GetUserByLogin(ctx, idOrLogin)
	}
	return u, err
}

// DeleteUser deactivates a user who is not yet DEPROVISIONED (deleted
// reports false), and deletes a deprovisioned one with their sessions,
// tokens and group memberships.
func (s *Service) DeleteUser(ctx context.Context, id string) (deleted bool, err error) {
	u, err := s.Store.GetUser(ctx, id)
	if err != nil {
		return false, err
	}
	if u.Status != store.UserDeprovisioned {
		_, err := s.UserLifecycle(ctx, id, ActionDeactivate)
		return false, err
	}
	if err := s.Store.DeleteUser(ctx, id); err != nil {
		return false, err
	}
	s.record(ctx, "user.lifecycle.delete.completed", "Delete Okta user completed", userTarget(u))
	return true, nil
}

// EndUserSessions signs a user out everywhere and revokes their refresh
// tokens.
func (s *Service) EndUserSessions(ctx context.Context, id string) error {
	u, err := s.Store.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.EndUserSessions(ctx, id, s.now()); err != nil {
		return err
	}
	s.record(ctx, "user.session.clear", "Clear user session", userTarget(u))
	return nil
}

// UserGroups lists the groups of a user, Everyone included.
func (s *Service) UserGroups(ctx context.Context, id string) ([]store.Group, error) {
	if _, err := s.Store.GetUser(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.ListUserGroups(ctx, id)
}

// UserListParams are the ways a user list is narrowed: at most one of a
// quick search (q), a filter and a search expression, and optionally one
// status (the Admin Console's status filter).
type UserListParams struct {
	Q, Filter, Search string
	// Status keeps only users in this status (one of Okta's user statuses).
	Status string
	Page   store.Page
}

// maxQueryLength bounds q.
const maxQueryLength = 256

// ListUsers returns a page of at most p.Page.Limit users and the cursor
// of the next page ("" at the end; see store.Users.ListUsers for pages a
// costly search cuts short). Without a filter, search or status,
// deprovisioned users are left out, as Okta leaves them out.
func (s *Service) ListUsers(ctx context.Context, p UserListParams) ([]store.User, string, error) {
	if n := btoi(p.Q != "") + btoi(p.Filter != "") + btoi(p.Search != ""); n > 1 {
		return nil, "", &SearchError{"Invalid search criteria: use only one of q, filter and search"}
	}
	if p.Status != "" && !slices.Contains(allStatuses, p.Status) {
		return nil, "", &SearchError{"Invalid search criteria: unknown status " + p.Status}
	}
	var f *store.Filter
	var err error
	switch {
	case p.Filter != "":
		f, err = ParseUserFilter(p.Filter)
	case p.Search != "":
		f, err = ParseUserSearch(p.Search)
	case p.Q != "":
		if len(p.Q) > maxQueryLength {
			return nil, "", &SearchError{"Invalid search criteria: q is too long"}
		}
		f = &store.Filter{Op: store.OpOr}
		for _, attr := range []string{"profile.firstName", "profile.lastName", "profile.email", "profile.login"} {
			f.Args = append(f.Args, &store.Filter{Op: store.OpSw, Attr: attr, Value: p.Q})
		}
	}
	if err != nil {
		return nil, "", err
	}
	switch {
	case p.Status != "":
		f = andFilter(f, &store.Filter{Op: store.OpEq, Attr: "status", Value: p.Status})
	case p.Filter == "" && p.Search == "":
		notDeprovisioned := &store.Filter{Op: store.OpNot, Args: []*store.Filter{{Op: store.OpEq, Attr: "status", Value: store.UserDeprovisioned}}}
		f = andFilter(f, notDeprovisioned)
	}
	return s.Store.ListUsers(ctx, store.UserQuery{Filter: f, Page: p.Page})
}

// andFilter is a and b, where a may be nil (no condition).
func andFilter(a, b *store.Filter) *store.Filter {
	if a == nil {
		return b
	}
	return &store.Filter{Op: store.OpAnd, Args: []*store.Filter{a, b}}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// userTarget is a user as the target of a System Log event.
func userTarget(u store.User) store.EventObject {
	return store.EventObject{ID: u.ID, Type: "User", AlternateID: u.Login,
		DisplayName: strings.TrimSpace(u.FirstName + " " + u.LastName)}
}

func groupIDs(groups []store.Group) []string {
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	return ids
}

// jsonEqual compares two custom profiles as JSON (maps marshal with sorted
// keys).
func jsonEqual(a, b map[string]any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
