package store

import (
	"context"
	"time"
)

// Group types, as Okta spells them.
const (
	GroupTypeOkta    = "OKTA_GROUP" // made by an administrator
	GroupTypeBuiltIn = "BUILT_IN"   // Everyone: every user, implicitly
)

// EveryoneGroupID is the id of the built-in Everyone group, which every
// org has (made by the schema) and which holds every user implicitly.
const EveryoneGroupID = "00geveryone000000000"

// Group is a set of users (Okta: a group of type OKTA_GROUP, or the
// built-in Everyone group).
type Group struct {
	ID                    string
	Name                  string
	Description           string
	Type                  string
	Created               time.Time
	LastUpdated           time.Time
	LastMembershipUpdated time.Time
}

// Attr returns a filterable property of g: id, type, created,
// lastUpdated, lastMembershipUpdated, profile.name or profile.description.
func (g Group) Attr(name string) (any, bool) {
	switch name {
	case "id":
		return g.ID, true
	case "type":
		return g.Type, true
	case "created":
		return presentTime(g.Created)
	case "lastUpdated":
		return presentTime(g.LastUpdated)
	case "lastMembershipUpdated":
		return presentTime(g.LastMembershipUpdated)
	case "profile.name":
		return g.Name, true
	case "profile.description":
		return g.Description, g.Description != ""
	}
	return nil, false
}

// GroupQuery selects a page of groups.
type GroupQuery struct {
	Filter *Filter
	Page   Page
}

// Groups holds groups and their members.
type Groups interface {
	// ListUserGroups returns every group the user belongs to, the built-in
	// Everyone group included, ordered by name.
	ListUserGroups(ctx context.Context, userID string) ([]Group, error)
	// CreateGroup stores g; a name already used (ignoring case) is
	// ErrConflict.
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, id string) (Group, error)
	// ListGroups returns, in id order, at most q.Page.Limit groups whose
	// id sorts after q.Page.After and who match q.Filter (nil: all), and
	// the cursor of the next page ("" when none), reading at most
	// MaxExamined rows (as ListUsers).
	ListGroups(ctx context.Context, q GroupQuery) ([]Group, string, error)
	// UpdateGroup replaces the name, description and lastUpdated of a
	// group (ErrNotFound; ErrConflict when the name is taken).
	UpdateGroup(ctx context.Context, g Group) error
	// DeleteGroup removes a group and its memberships.
	DeleteGroup(ctx context.Context, id string) error
	// AddGroupMember makes the user a member (already one: no change, and
	// added is false). An unknown group or user is ErrNotFound.
	AddGroupMember(ctx context.Context, groupID, userID string, now time.Time) (added bool, err error)
	// RemoveGroupMember ends a membership (none: no change, removed is
	// false). An unknown group is ErrNotFound.
	RemoveGroupMember(ctx context.Context, groupID, userID string, now time.Time) (removed bool, err error)
	// ListGroupMembers returns, in id order, at most p.Limit+1 members
	// whose id sorts after p.After; the Everyone group lists every user.
	ListGroupMembers(ctx context.Context, groupID string, p Page) ([]User, error)
}
