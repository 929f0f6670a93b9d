package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

const secretCols = `id, client_id, hash, hint_key, status, created, last_updated`

func scanSecret(row scanner) (store.AppSecret, error) {
	var sec store.AppSecret
	var created, updated int64
	err := row.Scan(&sec.ID, &sec.ClientID, &sec.Hash, &sec.HintKey, &sec.Status, &created, &updated)
	sec.Created, sec.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return sec, err
}

// insertSecret stores sec, with a fresh hint key when it has none.
func insertSecret(ctx context.Context, t tx, sec store.AppSecret) error {
	if sec.HintKey == "" {
		sec.HintKey = newHintKey()
	}
	_, err := t.exec(ctx, `INSERT INTO app_secrets (`+secretCols+`) VALUES (?,?,?,?,?,?,?)`,
		sec.ID, sec.ClientID, sec.Hash, sec.HintKey, sec.Status, sec.Created.Unix(), sec.LastUpdated.Unix())
	return err
}

// newHintKey is 256 random bits, hex.
func newHintKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
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

// lockAppSecrets starts a change to an app's secrets whose rule reads the
// other secrets: it writes the app's row, which locks it on PostgreSQL
// until the transaction ends (SQLite transactions hold the write lock from
// BEGIN), so that a parallel change waits and then sees this one. An
// unknown app is ErrNotFound.
func (s *Store) lockAppSecrets(ctx context.Context, t tx, clientID string) error {
	res, err := t.exec(ctx, `UPDATE apps SET last_updated = last_updated WHERE client_id = ?`, clientID)
	return s.oneRow(res, err)
}

// CreateAppSecret adds a secret to an existing app holding fewer than max.
func (s *Store) CreateAppSecret(ctx context.Context, sec store.AppSecret, max int) error {
	return s.inTx(ctx, func(t tx) error {
		if err := s.lockAppSecrets(ctx, t, sec.ClientID); err != nil {
			return err
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM app_secrets WHERE client_id = ?`, sec.ClientID).Scan(&n); err != nil {
			return s.translate(err)
		}
		if max > 0 && n >= max {
			return store.ErrSecretLimit
		}
		return s.translate(insertSecret(ctx, t, sec))
	})
}

// SetAppSecretStatus changes a secret's status; a deactivation that
// leaves no ACTIVE secret is rolled back.
func (s *Store) SetAppSecretStatus(ctx context.Context, clientID, secretID, status string, now time.Time) error {
	return s.inTx(ctx, func(t tx) error {
		if err := s.lockAppSecrets(ctx, t, clientID); err != nil {
			return err
		}
		if err := t.execOne(ctx, `UPDATE app_secrets SET status = ?, last_updated = ? WHERE client_id = ? AND id = ?`,
			status, now.Unix(), clientID, secretID); err != nil || status == store.StatusActive {
			return err
		}
		var active int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM app_secrets WHERE client_id = ? AND status = ?`,
			clientID, store.StatusActive).Scan(&active); err != nil {
			return s.translate(err)
		}
		if active == 0 {
			return store.ErrLastActiveSecret
		}
		return nil
	})
}

// DeleteAppSecret deletes an INACTIVE secret. The status is part of the
// delete's condition, so a parallel activation cannot slip in between.
func (s *Store) DeleteAppSecret(ctx context.Context, clientID, secretID string) error {
	res, err := s.exec(ctx, `DELETE FROM app_secrets WHERE client_id = ? AND id = ? AND status <> ?`,
		clientID, secretID, store.StatusActive)
	if err := s.oneRow(res, err); !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, err := s.GetAppSecret(ctx, clientID, secretID); err != nil {
		return err
	}
	return store.ErrActiveSecret
}
