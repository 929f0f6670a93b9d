package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) error {
	_, err := s.exec(ctx, `INSERT INTO api_tokens (id, name, user_id, hash, window_secs, expires_at, last_used,
		created, last_updated) VALUES (?,?,?,?,?,?,?,?,?)`, t.ID, t.Name, t.UserID, t.Hash, int64(t.Window/time.Second),
		t.ExpiresAt.Unix(), unixOrZero(t.LastUsed), t.Created.Unix(), t.LastUpdated.Unix())
	return s.translate(err)
}

const apiTokenCols = `id, name, user_id, hash, window_secs, expires_at, last_used, created, last_updated`

func scanAPIToken(row scanner) (store.APIToken, error) {
	var t store.APIToken
	var window, expires, lastUsed, created, updated int64
	err := row.Scan(&t.ID, &t.Name, &t.UserID, &t.Hash, &window, &expires, &lastUsed, &created, &updated)
	t.Window = time.Duration(window) * time.Second
	t.ExpiresAt, t.Created, t.LastUpdated = time.Unix(expires, 0).UTC(), time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	t.LastUsed = timeOrZero(lastUsed)
	return t, err
}

func (s *Store) GetAPIToken(ctx context.Context, id string) (store.APIToken, error) {
	t, err := scanAPIToken(s.queryRow(ctx, `SELECT `+apiTokenCols+` FROM api_tokens WHERE id = ?`, id))
	return t, s.translate(err)
}

func (s *Store) GetAPITokenByHash(ctx context.Context, hash string, now time.Time) (store.APIToken, error) {
	t, err := scanAPIToken(s.queryRow(ctx, `SELECT `+apiTokenCols+` FROM api_tokens WHERE hash = ? AND expires_at > ?`,
		hash, now.Unix()))
	return t, s.translate(err)
}

func (s *Store) ListAPITokens(ctx context.Context) ([]store.APIToken, error) {
	return queryAll(ctx, s, scanAPIToken, `SELECT `+apiTokenCols+` FROM api_tokens ORDER BY created, id`)
}

func (s *Store) TouchAPIToken(ctx context.Context, id string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE api_tokens SET last_used = ?, expires_at = ? + window_secs WHERE id = ?`,
		now.Unix(), now.Unix(), id)
	return s.translate(err)
}

func (s *Store) DeleteAPIToken(ctx context.Context, id string) error {
	return s.execOne(ctx, `DELETE FROM api_tokens WHERE id = ?`, id)
}
