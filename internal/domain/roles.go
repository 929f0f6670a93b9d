package domain

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Administrator roles Gatehouse knows, spelled as Okta's standard roles.
const (
	RoleSuperAdmin    = "SUPER_ADMIN"
	RoleReadOnlyAdmin = "READ_ONLY_ADMIN"
)

// PrefixRole starts a role assignment id (Okta: ra1…).
const PrefixRole = "ra1"

// RoleTypes lists the supported roles, most powerful first.
var RoleTypes = []string{RoleSuperAdmin, RoleReadOnlyAdmin}

// RoleLabel is the name Okta shows for a role type.
func RoleLabel(typ string) string {
	switch typ {
	case RoleSuperAdmin:
		return "Super Administrator"
	case RoleReadOnlyAdmin:
		return "Read Only Administrator"
	}
	return typ
}

// AdminAccess is what a user may do in the Admin Console.
type AdminAccess int

const (
	// NoAdminAccess: not an administrator.
	NoAdminAccess AdminAccess = iota
	// ReadOnlyAccess sees everything and changes nothing.
	ReadOnlyAccess
	// FullAccess changes anything.
	FullAccess
)

// AccessOf is the access a set of role assignments grants.
func AccessOf(roles []store.RoleAssignment) AdminAccess {
	access := NoAdminAccess
	for _, r := range roles {
		switch r.Type {
		case RoleSuperAdmin:
			return FullAccess
		case RoleReadOnlyAdmin:
			access = ReadOnlyAccess
		}
	}
	return access
}

// AdminAccessOf is the console access of user u: only an ACTIVE user with a
// role has any.
func (s *Service) AdminAccessOf(ctx context.Context, u store.User) (AdminAccess, error) {
	if u.Status != store.StatusActive {
		return NoAdminAccess, nil
	}
	roles, err := s.Store.ListUserRoles(ctx, u.ID)
	if err != nil {
		return NoAdminAccess, err
	}
	return AccessOf(roles), nil
}

// UserRoles lists the roles assigned to a user (ErrNotFound for an unknown
// user).
func (s *Service) UserRoles(ctx context.Context, userID string) ([]store.RoleAssignment, error) {
	if _, err := s.Store.GetUser(ctx, userID); err != nil {
		return nil, err
	}
	return s.Store.ListUserRoles(ctx, userID)
}

// AssignRole gives a user an administrator role. Assigning a role the user
// already holds is a ValidationError, as in Okta.
func (s *Service) AssignRole(ctx context.Context, userID, typ string) (store.RoleAssignment, error) {
	typ = strings.TrimSpace(typ)
	if !slices.Contains(RoleTypes, typ) {
		return store.RoleAssignment{}, Invalid("type", "must be one of "+strings.Join(RoleTypes, ", "))
	}
	u, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		return store.RoleAssignment{}, err
	}
	a := store.RoleAssignment{ID: NewID(PrefixRole), UserID: u.ID, Type: typ, Created: s.now().UTC()}
	switch err := s.Store.AddUserRole(ctx, a); {
	case errors.Is(err, store.ErrConflict):
		return store.RoleAssignment{}, Invalid("type", "the user already has this role")
	case err != nil:
		return store.RoleAssignment{}, err
	}
	s.record(ctx, "user.account.privilege.grant", "Grant user privilege", userTarget(u), roleTarget(a))
	return a, nil
}

// UnassignRole takes a role assignment away from a user.
func (s *Service) UnassignRole(ctx context.Context, userID, id string) error {
	u, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	roles, err := s.Store.ListUserRoles(ctx, userID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(roles, func(r store.RoleAssignment) bool { return r.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	if roles[i].Type == RoleSuperAdmin && u.Status == store.StatusActive {
		if err := s.keepOneSuperAdmin(ctx, u.ID); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteUserRole(ctx, userID, id); err != nil {
		return err
	}
	s.record(ctx, "user.account.privilege.revoke", "Revoke user privilege", userTarget(u), roleTarget(roles[i]))
	return nil
}

// keepOneSuperAdmin refuses to take SUPER_ADMIN away from userID, an
// active user, when no other active user holds it: that would leave the
// org without anyone who can use the console to assign roles (a role held
// by a suspended or deactivated user gives no access, so it does not
// count). Two concurrent removals can still both pass; the command line's
// "users create --admin" is the way back.
func (s *Service) keepOneSuperAdmin(ctx context.Context, userID string) error {
	holders, err := s.Store.ListRoleHolders(ctx)
	if err != nil {
		return err
	}
	for _, h := range holders {
		if h.Type != RoleSuperAdmin || h.UserID == userID {
			continue
		}
		switch other, err := s.Store.GetUser(ctx, h.UserID); {
		case err == nil && other.Status == store.StatusActive:
			return nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	return &StateError{"This is the last super administrator able to sign in: assign SUPER_ADMIN to someone else first."}
}

// keepSuperAdminAbleToSignIn refuses to lock out user id when they are the
// last ACTIVE super administrator, which would leave no one able to run
// the console (the command line's "users create --admin" still could).
func (s *Service) keepSuperAdminAbleToSignIn(ctx context.Context, id string) error {
	u, err := s.Store.GetUser(ctx, id)
	if err != nil || u.Status != store.StatusActive {
		return err
	}
	roles, err := s.Store.ListUserRoles(ctx, id)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(roles, func(r store.RoleAssignment) bool { return r.Type == RoleSuperAdmin }) {
		return nil
	}
	return s.keepOneSuperAdmin(ctx, id)
}

func roleTarget(a store.RoleAssignment) store.EventObject {
	return store.EventObject{ID: a.ID, Type: "ROLE", AlternateID: a.Type, DisplayName: RoleLabel(a.Type)}
}
