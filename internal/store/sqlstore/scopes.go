package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateScope(ctx context.Context, sc store.Scope) error {
	_, err := s.exec(ctx, `INSERT INTO scopes (id, auth_server_id, name, display_name, description, consent, is_default,
		optional, metadata_publish, created, last_updated) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		sc.ID, sc.AuthServerID, sc.Name, sc.DisplayName, sc.Description, sc.Consent, sc.Default, sc.Optional,
		sc.MetadataPublish, sc.Created.Unix(), unixOr(sc.LastUpdated, sc.Created))
	return s.translate(err)
}

const scopeCols = `id, auth_server_id, name, display_name, description, consent, is_default, optional, metadata_publish,
	created, last_updated`

func scanScope(row scanner) (store.Scope, error) {
	var sc store.Scope
	var created, updated int64
	err := row.Scan(&sc.ID, &sc.AuthServerID, &sc.Name, &sc.DisplayName, &sc.Description, &sc.Consent, &sc.Default,
		&sc.Optional, &sc.MetadataPublish, &created, &updated)
	sc.Created, sc.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return sc, err
}

func (s *Store) ListScopes(ctx context.Context, authServerID string) ([]store.Scope, error) {
	return queryAll(ctx, s, scanScope, `SELECT `+scopeCols+` FROM scopes WHERE auth_server_id = ? ORDER BY name`, authServerID)
}

func (s *Store) GetScope(ctx context.Context, authServerID, id string) (store.Scope, error) {
	sc, err := scanScope(s.queryRow(ctx, `SELECT `+scopeCols+` FROM scopes WHERE auth_server_id = ? AND id = ?`,
		authServerID, id))
	return sc, s.translate(err)
}

func (s *Store) UpdateScope(ctx context.Context, sc store.Scope) error {
	return s.execOne(ctx, `UPDATE scopes SET name = ?, display_name = ?, description = ?, consent = ?, is_default = ?,
		optional = ?, metadata_publish = ?, last_updated = ? WHERE auth_server_id = ? AND id = ?`,
		sc.Name, sc.DisplayName, sc.Description, sc.Consent, sc.Default, sc.Optional, sc.MetadataPublish,
		sc.LastUpdated.Unix(), sc.AuthServerID, sc.ID)
}

func (s *Store) DeleteScope(ctx context.Context, authServerID, id string) error {
	return s.execOne(ctx, `DELETE FROM scopes WHERE auth_server_id = ? AND id = ?`, authServerID, id)
}
