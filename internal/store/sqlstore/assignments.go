package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// profileJSON stores a profile object, "{}" when there is none.
func profileJSON(p json.RawMessage) string {
	if len(p) == 0 {
		return "{}"
	}
	return string(p)
}

// AssignAppUser inserts or updates a direct assignment of an existing user.
func (s *Store) AssignAppUser(ctx context.Context, u store.AppUser) error {
	res, err := s.exec(ctx, `INSERT INTO app_user_assignments (client_id, user_id, user_name, profile, created, last_updated)
		SELECT ?, id, ?, ?, ?, ? FROM users WHERE id = ?
		ON CONFLICT (client_id, user_id) DO UPDATE SET user_name = excluded.user_name, profile = excluded.profile,
			last_updated = excluded.last_updated`,
		u.ClientID, u.UserName, profileJSON(u.Profile), u.Created.Unix(), u.LastUpdated.Unix(), u.UserID)
	return s.oneRow(res, err)
}

// appUserSelect reads the users assigned to an app with their direct
// assignment (d) and the earliest group assignment that reaches them (gm:
// through a group they belong to; ev: Everyone). Callers append the rest
// of the WHERE clause.
const appUserSelect = `SELECT u.id, u.login, d.user_name, d.profile, d.created, d.last_updated,
	CASE WHEN gm.created IS NULL THEN ev.created WHEN ev.created IS NULL THEN gm.created
		WHEN gm.created < ev.created THEN gm.created ELSE ev.created END
	FROM users u
	LEFT JOIN app_user_assignments d ON d.client_id = ? AND d.user_id = u.id
	LEFT JOIN (SELECT m.user_id, MIN(g.created) AS created FROM app_group_assignments g
		JOIN group_members m ON m.group_id = g.group_id WHERE g.client_id = ? GROUP BY m.user_id) gm ON gm.user_id = u.id
	LEFT JOIN app_group_assignments ev ON ev.client_id = ? AND ev.group_id = ?
	WHERE (d.user_id IS NOT NULL OR gm.user_id IS NOT NULL OR ev.group_id IS NOT NULL) AND `

func scanAppUser(clientID string) func(scanner) (store.AppUser, error) {
	return func(row scanner) (store.AppUser, error) {
		u := store.AppUser{ClientID: clientID}
		var login string
		var userName, profile sql.NullString
		var created, updated, groupCreated sql.NullInt64
		if err := row.Scan(&u.UserID, &login, &userName, &profile, &created, &updated, &groupCreated); err != nil {
			return u, err
		}
		if created.Valid {
			u.Scope, u.UserName, u.Profile = store.AssignmentScopeUser, userName.String, json.RawMessage(profile.String)
			u.Created, u.LastUpdated = time.Unix(created.Int64, 0).UTC(), time.Unix(updated.Int64, 0).UTC()
		} else {
			u.Scope, u.Profile = store.AssignmentScopeGroup, json.RawMessage("{}")
			u.Created = time.Unix(groupCreated.Int64, 0).UTC()
			u.LastUpdated = u.Created
		}
		if u.UserName == "" {
			u.UserName = login
		}
		return u, nil
	}
}

func (s *Store) GetAppUser(ctx context.Context, clientID, userID string) (store.AppUser, error) {
	u, err := scanAppUser(clientID)(s.queryRow(ctx, appUserSelect+`u.id = ?`,
		clientID, clientID, clientID, store.EveryoneGroupID, userID))
	return u, s.translate(err)
}

func (s *Store) ListAppUsers(ctx context.Context, clientID string, p store.Page) ([]store.AppUser, error) {
	return queryAll(ctx, s, scanAppUser(clientID), appUserSelect+`u.id > ? ORDER BY u.id LIMIT ?`,
		clientID, clientID, clientID, store.EveryoneGroupID, p.After, p.Limit+1)
}

func (s *Store) UnassignAppUser(ctx context.Context, clientID, userID string) error {
	return s.execOne(ctx, `DELETE FROM app_user_assignments WHERE client_id = ? AND user_id = ?`, clientID, userID)
}

// AssignAppGroup inserts or updates the assignment of an existing group.
func (s *Store) AssignAppGroup(ctx context.Context, g store.AppGroup) error {
	res, err := s.exec(ctx, `INSERT INTO app_group_assignments (client_id, group_id, priority, profile, created, last_updated)
		SELECT ?, id, ?, ?, ?, ? FROM groups WHERE id = ?
		ON CONFLICT (client_id, group_id) DO UPDATE SET priority = excluded.priority, profile = excluded.profile,
			last_updated = excluded.last_updated`,
		g.ClientID, g.Priority, profileJSON(g.Profile), g.Created.Unix(), g.LastUpdated.Unix(), g.GroupID)
	return s.oneRow(res, err)
}

const appGroupCols = `client_id, group_id, priority, profile, created, last_updated`

func scanAppGroup(row scanner) (store.AppGroup, error) {
	var g store.AppGroup
	var profile string
	var created, updated int64
	err := row.Scan(&g.ClientID, &g.GroupID, &g.Priority, &profile, &created, &updated)
	g.Profile = json.RawMessage(profile)
	g.Created, g.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return g, err
}

func (s *Store) GetAppGroup(ctx context.Context, clientID, groupID string) (store.AppGroup, error) {
	g, err := scanAppGroup(s.queryRow(ctx, `SELECT `+appGroupCols+` FROM app_group_assignments
		WHERE client_id = ? AND group_id = ?`, clientID, groupID))
	return g, s.translate(err)
}

func (s *Store) ListAppGroups(ctx context.Context, clientID string, p store.Page) ([]store.AppGroup, error) {
	return queryAll(ctx, s, scanAppGroup, `SELECT `+appGroupCols+` FROM app_group_assignments
		WHERE client_id = ? AND group_id > ? ORDER BY group_id LIMIT ?`, clientID, p.After, p.Limit+1)
}

func (s *Store) UnassignAppGroup(ctx context.Context, clientID, groupID string) error {
	return s.execOne(ctx, `DELETE FROM app_group_assignments WHERE client_id = ? AND group_id = ?`, clientID, groupID)
}

// UserAssigned answers in one query: a direct assignment, or a group
// assignment to Everyone or to a group the user is a member of.
func (s *Store) UserAssigned(ctx context.Context, clientID, userID string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT CASE WHEN EXISTS (
			SELECT 1 FROM app_user_assignments WHERE client_id = ? AND user_id = ?)
		OR EXISTS (SELECT 1 FROM app_group_assignments g WHERE g.client_id = ? AND (g.group_id = ?
			OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.group_id AND m.user_id = ?)))
		THEN 1 ELSE 0 END`, clientID, userID, clientID, store.EveryoneGroupID, userID).Scan(&n)
	return n == 1, s.translate(err)
}
