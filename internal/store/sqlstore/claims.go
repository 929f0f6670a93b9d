package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

const claimCols = `id, auth_server_id, name, status, claim_type, value_type, value, group_filter_type,
	always_include_in_token, scopes, is_system, created, last_updated`

// CreateClaim checks the server in the same transaction as the insert, so
// that an unknown server is ErrNotFound rather than a foreign-key failure.
func (s *Store) CreateClaim(ctx context.Context, c store.Claim) error {
	return s.inTx(ctx, func(t tx) error {
		var one int
		if err := t.queryRow(ctx, `SELECT 1 FROM auth_servers WHERE id = ?`, c.AuthServerID).Scan(&one); err != nil {
			return s.translate(err)
		}
		_, err := t.exec(ctx, `INSERT INTO claims (`+claimCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			c.ID, c.AuthServerID, c.Name, c.Status, c.ClaimType, c.ValueType, c.Value, c.GroupFilterType,
			c.AlwaysIncludeInToken, list(c.Scopes), c.System, c.Created.Unix(), c.LastUpdated.Unix())
		return s.translate(err)
	})
}

func scanClaim(row scanner) (store.Claim, error) {
	var c store.Claim
	var scopes string
	var created, updated int64
	err := row.Scan(&c.ID, &c.AuthServerID, &c.Name, &c.Status, &c.ClaimType, &c.ValueType, &c.Value, &c.GroupFilterType,
		&c.AlwaysIncludeInToken, &scopes, &c.System, &created, &updated)
	if err != nil {
		return c, err
	}
	c.Created, c.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return c, unlist(map[*[]string]string{&c.Scopes: scopes})
}

func (s *Store) GetClaim(ctx context.Context, authServerID, id string) (store.Claim, error) {
	c, err := scanClaim(s.queryRow(ctx, `SELECT `+claimCols+` FROM claims WHERE auth_server_id = ? AND id = ?`, authServerID, id))
	return c, s.translate(err)
}

func (s *Store) ListClaims(ctx context.Context, authServerID string) ([]store.Claim, error) {
	return queryAll(ctx, s, scanClaim, `SELECT `+claimCols+` FROM claims WHERE auth_server_id = ? ORDER BY name, id`, authServerID)
}

func (s *Store) UpdateClaim(ctx context.Context, c store.Claim) error {
	return s.execOne(ctx, `UPDATE claims SET name = ?, status = ?, claim_type = ?, value_type = ?, value = ?,
		group_filter_type = ?, always_include_in_token = ?, scopes = ?, is_system = ?, last_updated = ?
		WHERE auth_server_id = ? AND id = ?`,
		c.Name, c.Status, c.ClaimType, c.ValueType, c.Value, c.GroupFilterType, c.AlwaysIncludeInToken, list(c.Scopes),
		c.System, c.LastUpdated.Unix(), c.AuthServerID, c.ID)
}

func (s *Store) DeleteClaim(ctx context.Context, authServerID, id string) error {
	return s.execOne(ctx, `DELETE FROM claims WHERE auth_server_id = ? AND id = ?`, authServerID, id)
}
