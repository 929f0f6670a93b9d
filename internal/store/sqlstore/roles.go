package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// AddUserRole inserts only when the user exists, in one statement, so that
// a user deleted meanwhile cannot be left holding a role.
func (s *Store) AddUserRole(ctx context.Context, a store.RoleAssignment) error {
	return s.execOne(ctx, `INSERT INTO user_roles (id, user_id, type, created)
		SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)`,
		a.ID, a.UserID, a.Type, a.Created.Unix(), a.UserID)
}

const roleCols = `id, user_id, type, created`

func scanRole(row scanner) (store.RoleAssignment, error) {
	var a store.RoleAssignment
	var created int64
	err := row.Scan(&a.ID, &a.UserID, &a.Type, &created)
	a.Created = time.Unix(created, 0).UTC()
	return a, err
}

func (s *Store) ListUserRoles(ctx context.Context, userID string) ([]store.RoleAssignment, error) {
	return queryAll(ctx, s, scanRole, `SELECT `+roleCols+` FROM user_roles WHERE user_id = ? ORDER BY created, id`, userID)
}

func (s *Store) DeleteUserRole(ctx context.Context, userID, id string) error {
	return s.execOne(ctx, `DELETE FROM user_roles WHERE user_id = ? AND id = ?`, userID, id)
}

func (s *Store) ListRoleHolders(ctx context.Context) ([]store.RoleAssignment, error) {
	return queryAll(ctx, s, scanRole, `SELECT `+roleCols+` FROM user_roles ORDER BY created, id`)
}

func (s *Store) GetBranding(ctx context.Context) (store.Branding, error) {
	var b store.Branding
	var updated int64
	err := s.queryRow(ctx, `SELECT title, primary_color, background_color, logo, logo_type, updated
		FROM branding WHERE id = 'org'`).Scan(&b.Title, &b.PrimaryColor, &b.BackgroundColor, &b.Logo, &b.LogoType, &updated)
	if err != nil {
		if err = s.translate(err); err == store.ErrNotFound {
			return store.Branding{}, nil
		}
		return store.Branding{}, err
	}
	if len(b.Logo) == 0 {
		b.Logo = nil
	}
	b.Updated = time.Unix(updated, 0).UTC()
	return b, nil
}

func (s *Store) SetBranding(ctx context.Context, b store.Branding) error {
	_, err := s.exec(ctx, `INSERT INTO branding (id, title, primary_color, background_color, logo, logo_type, updated)
		VALUES ('org', ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, primary_color = excluded.primary_color,
		background_color = excluded.background_color, logo = excluded.logo, logo_type = excluded.logo_type,
		updated = excluded.updated`,
		b.Title, b.PrimaryColor, b.BackgroundColor, b.Logo, b.LogoType, b.Updated.Unix())
	return s.translate(err)
}
