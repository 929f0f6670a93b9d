package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

const groupCols = `g.id, g.name, g.description, g.type, g.created, g.last_updated, g.last_membership_updated`

func scanGroup(row scanner) (store.Group, error) {
	var g store.Group
	var created, updated, membership int64
	err := row.Scan(&g.ID, &g.Name, &g.Description, &g.Type, &created, &updated, &membership)
	g.Created, g.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	g.LastMembershipUpdated = time.Unix(membership, 0).UTC()
	return g, err
}

func (s *Store) ListUserGroups(ctx context.Context, userID string) ([]store.Group, error) {
	return queryAll(ctx, s, scanGroup, `SELECT `+groupCols+` FROM groups g WHERE g.type = ?
		OR g.id IN (SELECT group_id FROM group_members WHERE user_id = ?) ORDER BY g.name_lower`,
		store.GroupTypeBuiltIn, userID)
}

func (s *Store) CreateGroup(ctx context.Context, g store.Group) error {
	_, err := s.exec(ctx, `INSERT INTO groups (id, name, name_lower, description, type, created, last_updated,
		last_membership_updated) VALUES (?,?,?,?,?,?,?,?)`, g.ID, g.Name, strings.ToLower(g.Name), g.Description,
		g.Type, g.Created.Unix(), g.LastUpdated.Unix(), g.LastMembershipUpdated.Unix())
	return s.translate(err)
}

func (s *Store) GetGroup(ctx context.Context, id string) (store.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, `SELECT `+groupCols+` FROM groups g WHERE g.id = ?`, id))
	return g, s.translate(err)
}

// groupFilterColumns is how each filterable group property is held.
var groupFilterColumns = map[string]column{
	"id": {"g.id", colExact}, "type": {"g.type", colUpper},
	"created": {"g.created", colTime}, "lastUpdated": {"g.last_updated", colTime},
	"lastMembershipUpdated": {"g.last_membership_updated", colTime},
	"profile.name":          {"g.name_lower", colLower}, "profile.description": {"g.description", colText},
}

func (s *Store) ListGroups(ctx context.Context, q store.GroupQuery) ([]store.Group, string, error) {
	where, args, exact := compileFilter(q.Filter, groupFilterColumns)
	return pageFiltered(ctx, s, scanGroup, `SELECT `+groupCols+` FROM groups g WHERE g.id > ? AND (`+where+`)
		ORDER BY g.id LIMIT ?`, args, exact, q.Page, store.MaxExamined(q.Page.Limit), func(g store.Group) (string, bool) {
		return g.ID, q.Filter == nil || q.Filter.Match(g.Attr)
	})
}

func (s *Store) UpdateGroup(ctx context.Context, g store.Group) error {
	res, err := s.exec(ctx, `UPDATE groups SET name = ?, name_lower = ?, description = ?, last_updated = ? WHERE id = ?`,
		g.Name, strings.ToLower(g.Name), g.Description, g.LastUpdated.Unix(), g.ID)
	return s.oneRow(res, err)
}

func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	return s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `DELETE FROM group_members WHERE group_id = ?`, id); err != nil {
			return s.translate(err)
		}
		res, err := t.exec(ctx, `DELETE FROM groups WHERE id = ?`, id)
		return s.oneRow(res, err)
	})
}

// addMember adds a membership inside t. The built-in group holds everyone
// already, so nothing is added to it.
func addMember(ctx context.Context, t tx, groupID, userID string, now time.Time) (bool, error) {
	var typ string
	if err := t.queryRow(ctx, `SELECT type FROM groups WHERE id = ?`, groupID).Scan(&typ); err != nil {
		return false, t.s.translate(err)
	}
	var one int
	if err := t.queryRow(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); err != nil {
		return false, t.s.translate(err)
	}
	if typ == store.GroupTypeBuiltIn {
		return false, nil
	}
	res, err := t.exec(ctx, `INSERT INTO group_members (group_id, user_id, created) VALUES (?,?,?)
		ON CONFLICT (group_id, user_id) DO NOTHING`, groupID, userID, now.Unix())
	if err != nil {
		return false, t.s.translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, t.s.translate(err)
	}
	_, err = t.exec(ctx, `UPDATE groups SET last_membership_updated = ? WHERE id = ?`, now.Unix(), groupID)
	return true, t.s.translate(err)
}

func (s *Store) AddGroupMember(ctx context.Context, groupID, userID string, now time.Time) (bool, error) {
	var added bool
	err := s.inTx(ctx, func(t tx) error {
		var err error
		added, err = addMember(ctx, t, groupID, userID, now)
		return err
	})
	return added, err
}

func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID string, now time.Time) (bool, error) {
	var removed bool
	err := s.inTx(ctx, func(t tx) error {
		var one int
		if err := t.queryRow(ctx, `SELECT 1 FROM groups WHERE id = ?`, groupID).Scan(&one); err != nil {
			return s.translate(err)
		}
		res, err := t.exec(ctx, `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
		if err != nil {
			return s.translate(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return s.translate(err)
		}
		removed = true
		_, err = t.exec(ctx, `UPDATE groups SET last_membership_updated = ? WHERE id = ?`, now.Unix(), groupID)
		return s.translate(err)
	})
	return removed, err
}

func (s *Store) ListGroupMembers(ctx context.Context, groupID string, p store.Page) ([]store.User, error) {
	g, err := s.GetGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if g.Type == store.GroupTypeBuiltIn {
		return queryAll(ctx, s, scanUser, `SELECT `+userCols+` FROM users u WHERE u.id > ? ORDER BY u.id LIMIT ?`,
			p.After, p.Limit+1)
	}
	return queryAll(ctx, s, scanUser, `SELECT `+userCols+` FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = ? AND u.id > ? ORDER BY u.id LIMIT ?`, groupID, p.After, p.Limit+1)
}
