package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateAuthServer(ctx context.Context, as store.AuthServer) error {
	_, err := s.exec(ctx,
		`INSERT INTO auth_servers (id, name, description, audience, status, created, signing_alg, issuer_mode, last_updated)
		VALUES (?,?,?,?,?,?,?,?,?)`,
		as.ID, as.Name, as.Description, as.Audience, as.Status, as.Created.Unix(), as.Alg(), issuerMode(as),
		unixOr(as.LastUpdated, as.Created))
	return s.translate(err)
}

// issuerMode is the stored issuer mode: ORG_URL unless another was set.
func issuerMode(as store.AuthServer) string {
	if as.IssuerMode == "" {
		return "ORG_URL"
	}
	return as.IssuerMode
}

// unixOr is t in Unix seconds, or fallback's when t is zero.
func unixOr(t, fallback time.Time) int64 {
	if t.IsZero() {
		return fallback.Unix()
	}
	return t.Unix()
}

const authServerCols = `id, name, description, audience, status, created, signing_alg, issuer_mode, last_updated`

func scanAuthServer(row scanner) (store.AuthServer, error) {
	var as store.AuthServer
	var created, updated int64
	err := row.Scan(&as.ID, &as.Name, &as.Description, &as.Audience, &as.Status, &created, &as.SigningAlg,
		&as.IssuerMode, &updated)
	as.Created, as.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	if as.SigningAlg == store.DefaultSigningAlg {
		as.SigningAlg = "" // the zero value means the default
	}
	return as, err
}

// SetAuthServerSigningAlg records the algorithm of the server's future keys.
func (s *Store) SetAuthServerSigningAlg(ctx context.Context, id, alg string) error {
	as := store.AuthServer{SigningAlg: alg}
	return s.execOne(ctx, `UPDATE auth_servers SET signing_alg = ? WHERE id = ?`, as.Alg(), id)
}

func (s *Store) GetAuthServer(ctx context.Context, id string) (store.AuthServer, error) {
	v, err := scanAuthServer(s.queryRow(ctx, `SELECT `+authServerCols+` FROM auth_servers WHERE id = ?`, id))
	return v, s.translate(err)
}

func (s *Store) ListAuthServers(ctx context.Context) ([]store.AuthServer, error) {
	return queryAll(ctx, s, scanAuthServer, `SELECT `+authServerCols+` FROM auth_servers ORDER BY created, id`)
}

func (s *Store) UpdateAuthServer(ctx context.Context, as store.AuthServer) error {
	return s.execOne(ctx, `UPDATE auth_servers SET name = ?, description = ?, audience = ?, issuer_mode = ?, status = ?,
		last_updated = ? WHERE id = ?`, as.Name, as.Description, as.Audience, issuerMode(as), as.Status,
		as.LastUpdated.Unix(), as.ID)
}

// DeleteAuthServer deletes the server and everything that belongs to it.
func (s *Store) DeleteAuthServer(ctx context.Context, id string) error {
	return s.inTx(ctx, func(t tx) error {
		if err := t.execOne(ctx, `DELETE FROM auth_servers WHERE id = ?`, id); err != nil {
			return err
		}
		return t.execEach(ctx, id,
			`DELETE FROM auth_policy_rules WHERE auth_server_id = ?`,
			`DELETE FROM auth_policies WHERE auth_server_id = ?`,
			`DELETE FROM scopes WHERE auth_server_id = ?`,
			`DELETE FROM signing_keys WHERE auth_server_id = ?`)
	})
}
