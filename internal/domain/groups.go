package domain

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// PrefixGroup starts the id of a group (Okta: 00g…).
const PrefixGroup = "00g"

// ErrBuiltInGroup refuses a change to the built-in Everyone group: its
// profile and its members (everyone) are fixed.
var ErrBuiltInGroup = errors.New("domain: the built-in group cannot be changed")

// GroupProfile is what an administrator sets on a group.
type GroupProfile struct {
	Name        string
	Description string
}

func (p *GroupProfile) check() error {
	var v ValidationError
	p.Name, p.Description = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
	switch {
	case p.Name == "":
		v.add("name", msgBlank)
	case len(p.Name) > 255:
		v.add("name", "must be at most 255 characters")
	}
	if len(p.Description) > maxAttributeLength {
		v.add("description", "must be at most 1024 characters")
	}
	return v.err()
}

// CreateGroup makes an OKTA_GROUP; names are unique ignoring case.
func (s *Service) CreateGroup(ctx context.Context, p GroupProfile) (store.Group, error) {
	if err := p.check(); err != nil {
		return store.Group{}, err
	}
	now := s.now().UTC()
	g := store.Group{ID: NewID(PrefixGroup), Name: p.Name, Description: p.Description, Type: store.GroupTypeOkta,
		Created: now, LastUpdated: now, LastMembershipUpdated: now}
	if err := s.Store.CreateGroup(ctx, g); errors.Is(err, store.ErrConflict) {
		return store.Group{}, Invalid("name", msgLoginTaken)
	} else if err != nil {
		return store.Group{}, err
	}
	s.record(ctx, "group.lifecycle.create", "Create Okta group", groupTarget(g))
	return g, nil
}

// UpdateGroup replaces a group's profile.
func (s *Service) UpdateGroup(ctx context.Context, id string, p GroupProfile) (store.Group, error) {
	g, err := s.Store.GetGroup(ctx, id)
	if err != nil {
		return store.Group{}, err
	}
	if g.Type == store.GroupTypeBuiltIn {
		return store.Group{}, ErrBuiltInGroup
	}
	if err := p.check(); err != nil {
		return store.Group{}, err
	}
	g.Name, g.Description, g.LastUpdated = p.Name, p.Description, s.now().UTC()
	if err := s.Store.UpdateGroup(ctx, g); errors.Is(err, store.ErrConflict) {
		return store.Group{}, Invalid("name", msgLoginTaken)
	} else if err != nil {
		return store.Group{}, err
	}
	s.record(ctx, "group.profile.update", "Update group profile", groupTarget(g))
	return g, nil
}

// DeleteGroup removes a group and its memberships.
func (s *Service) DeleteGroup(ctx context.Context, id string) error {
	g, err := s.Store.GetGroup(ctx, id)
	if err != nil {
		return err
	}
	if g.Type == store.GroupTypeBuiltIn {
		return ErrBuiltInGroup
	}
	if err := s.Store.DeleteGroup(ctx, id); err != nil {
		return err
	}
	s.record(ctx, "group.lifecycle.delete", "Delete Okta group", groupTarget(g))
	return nil
}

// AddGroupMember puts a user in a group; a member already in it stays,
// and nothing is recorded.
func (s *Service) AddGroupMember(ctx context.Context, groupID, userID string) error {
	return s.changeMembership(ctx, groupID, userID, true)
}

// RemoveGroupMember takes a user out of a group; a user not in it is no
// error.
func (s *Service) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return s.changeMembership(ctx, groupID, userID, false)
}

func (s *Service) changeMembership(ctx context.Context, groupID, userID string, add bool) error {
	g, err := s.Store.GetGroup(ctx, groupID)
	if err != nil {
		return err
	}
	if g.Type == store.GroupTypeBuiltIn {
		return ErrBuiltInGroup
	}
	u, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	var changed bool
	if add {
		changed, err = s.Store.AddGroupMember(ctx, groupID, userID, s.now().UTC())
	} else {
		changed, err = s.Store.RemoveGroupMember(ctx, groupID, userID, s.now().UTC())
	}
	if err != nil || !changed {
		return err
	}
	if add {
		s.record(ctx, "group.user_membership.add", "Add user to group membership", userTarget(u), groupTarget(g))
	} else {
		s.record(ctx, "group.user_membership.remove", "Remove user from group membership", userTarget(u), groupTarget(g))
	}
	return nil
}

// GroupListParams narrow a group list: at most one of q (name starts
// with), filter and search.
type GroupListParams struct {
	Q, Filter, Search string
	Page              store.Page
}

// ListGroups returns a page of groups and the cursor of the next one ("" when none).
func (s *Service) ListGroups(ctx context.Context, p GroupListParams) ([]store.Group, string, error) {
	if n := btoi(p.Q != "") + btoi(p.Filter != "") + btoi(p.Search != ""); n > 1 {
		return nil, "", &SearchError{"Invalid search criteria: use only one of q, filter and search"}
	}
	var f *store.Filter
	var err error
	switch {
	case p.Filter != "":
		f, err = ParseGroupFilter(p.Filter)
	case p.Search != "":
		f, err = ParseGroupSearch(p.Search)
	case p.Q != "":
		if len(p.Q) > maxQueryLength {
			return nil, "", &SearchError{"Invalid search criteria: q is too long"}
		}
		f = &store.Filter{Op: store.OpSw, Attr: "profile.name", Value: p.Q}
	}
	if err != nil {
		return nil, "", err
	}
	return s.Store.ListGroups(ctx, store.GroupQuery{Filter: f, Page: p.Page})
}

// groupTarget is a group as the target of a System Log event.
func groupTarget(g store.Group) store.EventObject {
	return store.EventObject{ID: g.ID, Type: "UserGroup", AlternateID: g.Name, DisplayName: g.Name}
}
