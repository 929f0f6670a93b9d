package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (kid, auth_server_id, alg, private_key, status, created)
		VALUES (?,?,?,?,?,?)`, k.KID, k.AuthServerID, k.Alg, k.PrivateKey, k.Status, k.Created.Unix())
	return s.translate(err)
}

func (s *Store) ListSigningKeys(ctx context.Context, authServerID string) ([]store.SigningKey, error) {
	return queryAll(ctx, s, func(row scanner) (store.SigningKey, error) {
		var k store.SigningKey
		var created int64
		err := row.Scan(&k.KID, &k.AuthServerID, &k.Alg, &k.PrivateKey, &k.Status, &created)
		k.Created = time.Unix(created, 0).UTC()
		return k, err
	}, `SELECT kid, auth_server_id, alg, private_key, status, created FROM signing_keys
		WHERE auth_server_id = ? ORDER BY created, kid`, authServerID)
}

func (s *Store) RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
		ON CONFLICT (jti) DO NOTHING`, jti, expiresAt.Unix())
	return s.translate(err)
}

// RevokedAmong looks jtis up in one query. The IN list is padded to a
// power of two (repeating the last jti) so that a few statements serve
// every batch size and stay prepared.
func (s *Store) RevokedAmong(ctx context.Context, jtis []string) (map[string]bool, error) {
	revoked := make(map[string]bool)
	if len(jtis) == 0 {
		return revoked, nil
	}
	n := 1
	for n < len(jtis) {
		n *= 2
	}
	args := make([]any, n)
	for i := range args {
		args[i] = jtis[min(i, len(jtis)-1)]
	}
	query := `SELECT jti FROM revoked_tokens WHERE jti IN (` + strings.TrimSuffix(strings.Repeat("?,", n), ",") + `)`
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var jti string
		if err := rows.Scan(&jti); err != nil {
			return nil, s.translate(err)
		}
		revoked[jti] = true
	}
	return revoked, s.translate(rows.Err())
}

func (s *Store) RotateSigningKeys(ctx context.Context, authServerID string, newNext store.SigningKey, notAfter time.Time) (bool, error) {
	rotated := false
	err := s.inTx(ctx, func(t tx) error {
		created, found, err := s.lockCurrentKey(ctx, t, authServerID)
		if err != nil {
			return err
		}
		if found && !notAfter.IsZero() && created >= notAfter.Unix() {
			return nil // rotated recently, perhaps by another replica
		}
		// The promoted key's created time becomes "current since", which the
		// rotation timer measures.
		steps := []struct {
			query string
			args  []any
		}{
			{`DELETE FROM signing_keys WHERE auth_server_id = ? AND status = 'previous'`, []any{authServerID}},
			{`UPDATE signing_keys SET status = 'previous' WHERE auth_server_id = ? AND status = 'current'`, []any{authServerID}},
			{`UPDATE signing_keys SET status = 'current', created = ? WHERE auth_server_id = ? AND status = 'next'`,
				[]any{newNext.Created.Unix(), authServerID}},
		}
		for _, st := range steps {
			if _, err := t.exec(ctx, st.query, st.args...); err != nil {
				return s.translate(err)
			}
		}
		newNext.AuthServerID, newNext.Status = authServerID, store.KeyNext
		if _, err := t.exec(ctx, `INSERT INTO signing_keys (kid, auth_server_id, alg, private_key, status, created)
			VALUES (?,?,?,?,?,?)`, newNext.KID, authServerID, newNext.Alg, newNext.PrivateKey, newNext.Status,
			newNext.Created.Unix()); err != nil {
			return s.translate(err)
		}
		rotated = true
		return nil
	})
	return rotated, err
}

// lockCurrentKey locks the server's current key and returns its created
// time; found is false when the server has none. Under PostgreSQL's read
// committed isolation a rotator that waited here for a concurrent rotation
// finds the row it waited for no longer current; it then reads again and
// locks the key that is current now, so that it judges the rotated keys.
// (SQLite's immediate transactions run one at a time.)
func (s *Store) lockCurrentKey(ctx context.Context, t tx, authServerID string) (created int64, found bool, err error) {
	for range 10 {
		err = t.queryRow(ctx, `UPDATE signing_keys SET status = status WHERE auth_server_id = ? AND status = 'current'
			RETURNING created`, authServerID).Scan(&created)
		if err == nil {
			return created, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, false, s.translate(err)
		}
		var n int
		if err := t.queryRow(ctx, `SELECT count(*) FROM signing_keys WHERE auth_server_id = ? AND status = 'current'`,
			authServerID).Scan(&n); err != nil {
			return 0, false, s.translate(err)
		}
		if n == 0 {
			return 0, false, nil
		}
	}
	return 0, false, fmt.Errorf("%w: the signing keys of %s keep changing", store.ErrUnavailable, authServerID)
}
