package store

import (
	"context"
	"time"
)

// RoleAssignment gives a user an administrator role (Okta: a standard role
// assigned to a user).
type RoleAssignment struct {
	ID      string
	UserID  string
	Type    string // SUPER_ADMIN, READ_ONLY_ADMIN
	Created time.Time
}

// Roles holds administrator role assignments.
type Roles interface {
	// AddUserRole stores an assignment: ErrNotFound for an unknown user,
	// ErrConflict when the user already holds that role type.
	AddUserRole(ctx context.Context, a RoleAssignment) error
	// ListUserRoles returns the user's assignments, oldest first.
	ListUserRoles(ctx context.Context, userID string) ([]RoleAssignment, error)
	// DeleteUserRole removes one of the user's assignments (ErrNotFound).
	DeleteUserRole(ctx context.Context, userID, id string) error
	// ListRoleHolders returns every assignment of any type, oldest first:
	// the org's administrators.
	ListRoleHolders(ctx context.Context) ([]RoleAssignment, error)
}

// Branding is how the org's hosted sign-in page looks. The zero value is
// Gatehouse's own look.
type Branding struct {
	Title           string
	PrimaryColor    string // #rrggbb, or "" for the default
	BackgroundColor string // #rrggbb, or "" for the default
	Logo            []byte // nil when there is none
	LogoType        string // its media type
	Updated         time.Time
}

// Brandings holds the org's branding.
type Brandings interface {
	// GetBranding returns the stored branding, or the zero value when none
	// was ever set.
	GetBranding(ctx context.Context) (Branding, error)
	// SetBranding replaces the branding.
	SetBranding(ctx context.Context, b Branding) error
}
