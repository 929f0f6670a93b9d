package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateScope(ctx context.Context, sc store.Scope) error {
	_, err := s.exec(ctx, `INSERT INTO scopes (auth_server_id, name, description, consent, is_default, metadata_publish, created)
		VALUES (?,?,?,?,?,?,?)`, sc.AuthServerID, sc.Name, sc.Description, sc.Consent, sc.Default, sc.MetadataPublish, sc.Created.Unix())
	return s.translate(err)
}

func (s *Store) ListScopes(ctx context.Context, authServerID string) ([]store.Scope, error) {
	return queryAll(ctx, s, func(row scanner) (store.Scope, error) {
		var sc store.Scope
		var created int64
		err := row.Scan(&sc.AuthServerID, &sc.Name, &sc.Description, &sc.Consent, &sc.Default, &sc.MetadataPublish, &created)
		sc.Created = time.Unix(created, 0).UTC()
		return sc, err
	}, `SELECT auth_server_id, name, description, consent, is_default, metadata_publish, created FROM scopes
		WHERE auth_server_id = ? ORDER BY name`, authServerID)
}
