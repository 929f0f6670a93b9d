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

// Groups holds groups and their members.
type Groups interface {
	// ListUserGroups returns every group the user belongs to, the built-in
	// Everyone group included, ordered by name.
	ListUserGroups(ctx context.Context, userID string) ([]Group, error)
}
