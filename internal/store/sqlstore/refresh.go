package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

const refreshCols = `hash, family_id, auth_server_id, client_id, user_id, scopes, amr, auth_time, access_token_jti,
	access_token_expires_at, created, expires_at, idle_expires_at, rotated_at, revoked_at`

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func scanRefresh(row scanner) (store.RefreshToken, error) {
	var rt store.RefreshToken
	var scopes, amr string
	var authTime, atExp, created, expires, idle int64
	var rotated, revoked sql.NullInt64
	err := row.Scan(&rt.Hash, &rt.FamilyID, &rt.AuthServerID, &rt.ClientID, &rt.UserID, &scopes, &amr, &authTime,
		&rt.AccessTokenJTI, &atExp, &created, &expires, &idle, &rotated, &revoked)
	if err != nil {
		return rt, err
	}
	rt.AuthTime, rt.AccessTokenExpiresAt, rt.Created = timeOrZero(authTime), timeOrZero(atExp), timeOrZero(created)
	rt.ExpiresAt, rt.IdleExpiresAt = timeOrZero(expires), timeOrZero(idle)
	rt.RotatedAt, rt.RevokedAt = timeOrZero(rotated.Int64), timeOrZero(revoked.Int64)
	return rt, unlist(map[*[]string]string{&rt.Scopes: scopes, &rt.AMR: amr})
}

const insertRefresh = `INSERT INTO refresh_tokens (hash, family_id, auth_server_id, client_id, user_id, scopes, amr,
	auth_time, access_token_jti, access_token_expires_at, created, expires_at, idle_expires_at)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`

func refreshArgs(rt store.RefreshToken) []any {
	return []any{rt.Hash, rt.FamilyID, rt.AuthServerID, rt.ClientID, rt.UserID, list(rt.Scopes), list(rt.AMR),
		rt.AuthTime.Unix(), rt.AccessTokenJTI, unixOrZero(rt.AccessTokenExpiresAt), rt.Created.Unix(),
		unixOrZero(rt.ExpiresAt), rt.IdleExpiresAt.Unix()}
}

// familyTombstone names the revocation record of a whole family, which
// keeps a token from joining a family that was revoked before it was made
// (a code replay racing the exchange it replays).
func familyTombstone(familyID string) string { return tombstonePrefix + familyID }

const tombstonePrefix = "RF."

// tombstoneLife is how long a revoked family refuses new tokens: longer
// than any exchange that could still be creating one.
const tombstoneLife = time.Hour

func (s *Store) CreateRefreshToken(ctx context.Context, rt store.RefreshToken) error {
	res, err := s.exec(ctx, `INSERT INTO refresh_tokens (hash, family_id, auth_server_id, client_id, user_id, scopes, amr,
		auth_time, access_token_jti, access_token_expires_at, created, expires_at, idle_expires_at)
		SELECT ?,?,?,?,?,?,?,?,?,?,?,?,? WHERE NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?)`,
		append(refreshArgs(rt), familyTombstone(rt.FamilyID))...)
	if err != nil {
		return s.translate(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return store.ErrAlreadyUsed
	}
	return nil
}

func (s *Store) GetRefreshToken(ctx context.Context, hash string) (store.RefreshToken, error) {
	rt, err := scanRefresh(s.queryRow(ctx, `SELECT `+refreshCols+` FROM refresh_tokens WHERE hash = ?`, hash))
	return rt, s.translate(err)
}

func (s *Store) RotateRefreshToken(ctx context.Context, hash, clientID, authServerID string, next store.RefreshToken,
	now time.Time, grace time.Duration) (store.RefreshToken, store.User, error) {
	var old store.RefreshToken
	var user store.User
	replay := false
	err := s.inTx(ctx, func(t tx) error {
		var err error
		old, err = scanRefresh(t.queryRow(ctx, `UPDATE refresh_tokens SET rotated_at = COALESCE(rotated_at, ?)
			WHERE hash = ? AND client_id = ? AND auth_server_id = ? AND revoked_at IS NULL
			AND idle_expires_at > ? AND (expires_at = 0 OR expires_at > ?)
			AND (rotated_at IS NULL OR rotated_at > ?)
			RETURNING `+refreshCols, now.Unix(), hash, clientID, authServerID, now.Unix(), now.Unix(), now.Add(-grace).Unix()))
		if errors.Is(err, sql.ErrNoRows) {
			// A replay revokes the family: that must commit, so the
			// transaction ends well and ErrAlreadyUsed is returned after.
			if err := s.detectReuse(ctx, t, hash, clientID, authServerID, now); !errors.Is(err, store.ErrAlreadyUsed) {
				return err
			}
			replay = true
			return nil
		}
		if err != nil {
			return s.translate(err)
		}
		// A retry within the grace period replaces the successor the first
		// use made: a family keeps a single live token.
		if err := s.revokeTokens(ctx, t, `family_id = ? AND rotated_at IS NULL AND revoked_at IS NULL`, old.FamilyID, now); err != nil {
			return err
		}
		next.FamilyID, next.AuthServerID, next.ClientID, next.UserID = old.FamilyID, old.AuthServerID, old.ClientID, old.UserID
		next.Scopes, next.AMR, next.AuthTime, next.ExpiresAt = old.Scopes, old.AMR, old.AuthTime, old.ExpiresAt
		if _, err := t.exec(ctx, insertRefresh, refreshArgs(next)...); err != nil {
			return s.translate(err)
		}
		user, err = scanUser(t.queryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, old.UserID))
		return s.translate(err)
	})
	if err == nil && replay {
		return store.RefreshToken{}, store.User{}, store.ErrAlreadyUsed
	}
	return old, user, err
}

// detectReuse decides why a rotation found no live token: a token retired
// past the grace period means a replay, which ends the family.
func (s *Store) detectReuse(ctx context.Context, t tx, hash, clientID, authServerID string, now time.Time) error {
	rt, err := scanRefresh(t.queryRow(ctx, `SELECT `+refreshCols+` FROM refresh_tokens
		WHERE hash = ? AND client_id = ? AND auth_server_id = ?`, hash, clientID, authServerID))
	if err != nil {
		return s.translate(err)
	}
	switch {
	case rt.RotatedAt.IsZero() && rt.RevokedAt.IsZero():
		return store.ErrNotFound // expired
	case !rt.RevokedAt.IsZero():
		// Revoked alone while its family lives on: it was replaced by a
		// retry within the grace period, so two parties hold the grant.
		var live int
		err := t.queryRow(ctx, `SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NULL`,
			rt.FamilyID).Scan(&live)
		if err != nil {
			return s.translate(err)
		}
		if live == 0 {
			return store.ErrNotFound // the grant has ended already
		}
	}
	if err := s.revokeFamily(ctx, t, rt.FamilyID, now); err != nil {
		return err
	}
	return store.ErrAlreadyUsed
}

func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	return s.inTx(ctx, func(t tx) error { return s.revokeFamily(ctx, t, familyID, now) })
}

// revokeFamily locks the family's rows before it writes any revoked_tokens
// key, as every revocation does (see revokeTokens): two replays taking the
// two in opposite orders deadlocked on PostgreSQL.
func (s *Store) revokeFamily(ctx context.Context, t tx, familyID string, now time.Time) error {
	if err := s.revokeTokens(ctx, t, `family_id = ? AND revoked_at IS NULL`, familyID, now); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`,
		familyTombstone(familyID), now.Add(tombstoneLife).Unix())
	return s.translate(err)
}

// revokeTokens revokes the refresh tokens that where selects (with one
// argument) and records their access tokens as revoked.
func (s *Store) revokeTokens(ctx context.Context, t tx, where, arg string, now time.Time) error {
	if s.dialect.ForUpdate != "" {
		// Lock the rows in one order first: two replays revoking the same
		// family row by row in whatever order the UPDATE met them could
		// each hold the row the other wanted (PostgreSQL then aborts one
		// with "deadlock detected").
		if _, err := t.exec(ctx, `SELECT hash FROM refresh_tokens WHERE `+where+` ORDER BY hash`+s.dialect.ForUpdate, arg); err != nil {
			return s.translate(err)
		}
	}
	rows, err := t.query(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE `+where+`
		RETURNING access_token_jti, access_token_expires_at`, now.Unix(), arg)
	if err != nil {
		return s.translate(err)
	}
	type issued struct {
		jti string
		exp int64
	}
	var ats []issued
	for rows.Next() {
		var a issued
		if err := rows.Scan(&a.jti, &a.exp); err != nil {
			rows.Close()
			return s.translate(err)
		}
		ats = append(ats, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.translate(err)
	}
	// Keys in one order too, for the same reason.
	slices.SortFunc(ats, func(a, b issued) int { return strings.Compare(a.jti, b.jti) })
	for _, a := range ats {
		if a.jti == "" || a.exp <= now.Unix() {
			continue
		}
		if _, err := t.exec(ctx, `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`,
			store.AccessTokenPrefix+a.jti, a.exp); err != nil {
			return s.translate(err)
		}
	}
	return nil
}
