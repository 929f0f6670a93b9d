package sqlstore

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

const secretCols = `id, client_id, hash, status, created, last_updated`

func scanSecret(row scanner) (store.AppSecret, error) {
	var sec store.AppSecret
	var created, updated int64
	err := row.Scan(&sec.ID, &sec.ClientID, &sec.Hash, &sec.Status, &created, &updated)
	sec.Created, sec.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return sec, err
}

func insertSecret(ctx context.Context, t tx, sec store.AppSecret) error {
	_, err := t.exec(ctx, `INSERT INTO app_secrets (`+secretCols+`) VALUES (?,?,?,?,?,?)`,
		sec.ID, sec.ClientID, sec.Hash, sec.Status, sec.Created.Unix(), sec.LastUpdated.Unix())
	return err
}

// newSecretID names the first secret of an app made by CreateApp, Okta
// style ("ocs" and 17 random base62 characters).
func newSecretID() string {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := []byte("ocs")
	b := make([]byte, 1)
	for len(out) < 20 {
		rand.Read(b)
		if b[0] < 248 { // 248 = 4*62: keeps the draw uniform
			out = append(out, base62[b[0]%62])
		}
	}
	return string(out)
}

func (s *Store) ListAppSecrets(ctx context.Context, clientID string) ([]store.AppSecret, error) {
	return queryAll(ctx, s, scanSecret, `SELECT `+secretCols+` FROM app_secrets WHERE client_id = ?
		ORDER BY created, id`, clientID)
}

func (s *Store) GetAppSecret(ctx context.Context, clientID, secretID string) (store.AppSecret, error) {
	sec, err := scanSecret(s.queryRow(ctx, `SELECT `+secretCols+` FROM app_secrets WHERE client_id = ? AND id = ?`,
		clientID, secretID))
	return sec, s.translate(err)
}

// CreateAppSecret adds a secret to an existing app (ErrNotFound otherwise).
func (s *Store) CreateAppSecret(ctx context.Context, sec store.AppSecret) error {
	res, err := s.exec(ctx, `INSERT INTO app_secrets (`+secretCols+`)
		SELECT ?, client_id, ?, ?, ?, ? FROM apps WHERE client_id = ?`,
		sec.ID, sec.Hash, sec.Status, sec.Created.Unix(), sec.LastUpdated.Unix(), sec.ClientID)
	return s.oneRow(res, err)
}

func (s *Store) SetAppSecretStatus(ctx context.Context, clientID, secretID, status string, now time.Time) error {
	return s.deleteOne(ctx, `UPDATE app_secrets SET status = ?, last_updated = ? WHERE client_id = ? AND id = ?`,
		status, now.Unix(), clientID, secretID)
}

func (s *Store) DeleteAppSecret(ctx context.Context, clientID, secretID string) error {
	return s.deleteOne(ctx, `DELETE FROM app_secrets WHERE client_id = ? AND id = ?`, clientID, secretID)
}
