package sqlstore

import (
	"context"
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
