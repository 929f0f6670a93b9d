package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateAuthServer(ctx context.Context, as store.AuthServer) error {
	_, err := s.exec(ctx,
		`INSERT INTO auth_servers (id, name, description, audience, status, created, signing_alg) VALUES (?,?,?,?,?,?,?)`,
		as.ID, as.Name, as.Description, as.Audience, as.Status, as.Created.Unix(), as.Alg())
	return s.translate(err)
}

const authServerCols = `id, name, description, audience, status, created, signing_alg`

func scanAuthServer(row scanner) (store.AuthServer, error) {
	var as store.AuthServer
	var created int64
	err := row.Scan(&as.ID, &as.Name, &as.Description, &as.Audience, &as.Status, &created, &as.SigningAlg)
	as.Created = time.Unix(created, 0).UTC()
	if as.SigningAlg == store.DefaultSigningAlg {
		as.SigningAlg = "" // the zero value means the default
	}
	return as, err
}

// SetAuthServerSigningAlg records the algorithm of the server's future keys.
func (s *Store) SetAuthServerSigningAlg(ctx context.Context, id, alg string) error {
	as := store.AuthServer{SigningAlg: alg}
	res, err := s.exec(ctx, `UPDATE auth_servers SET signing_alg = ? WHERE id = ?`, as.Alg(), id)
	if err != nil {
		return s.translate(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) GetAuthServer(ctx context.Context, id string) (store.AuthServer, error) {
	v, err := scanAuthServer(s.queryRow(ctx, `SELECT `+authServerCols+` FROM auth_servers WHERE id = ?`, id))
	return v, s.translate(err)
}

func (s *Store) ListAuthServers(ctx context.Context) ([]store.AuthServer, error) {
	return queryAll(ctx, s, scanAuthServer, `SELECT `+authServerCols+` FROM auth_servers ORDER BY created, id`)
}
