package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (s *Store) CreateSession(ctx context.Context, ses store.Session) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (id_hash, user_id, auth_time, amr, created, expires_at)
		VALUES (?,?,?,?,?,?)`, ses.IDHash, ses.UserID, ses.AuthTime.Unix(), list(ses.AMR), ses.Created.Unix(),
		ses.ExpiresAt.Unix())
	return s.translate(err)
}

func (s *Store) GetSession(ctx context.Context, idHash string, now time.Time) (store.Session, store.User, error) {
	var ses store.Session
	var u store.User
	var authTime, created, expires, uCreated, uUpdated int64
	var amr string
	dest := append([]any{&ses.IDHash, &ses.UserID, &authTime, &amr, &created, &expires}, userDest(&u, &uCreated, &uUpdated)...)
	err := s.queryRow(ctx, `SELECT s.id_hash, s.user_id, s.auth_time, s.amr, s.created, s.expires_at, `+
		userCols+` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`,
		idHash, now.Unix()).Scan(dest...)
	if err != nil {
		return ses, u, s.translate(err)
	}
	ses.AuthTime, ses.Created, ses.ExpiresAt = time.Unix(authTime, 0).UTC(), time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	u.Created, u.Updated = time.Unix(uCreated, 0).UTC(), time.Unix(uUpdated, 0).UTC()
	return ses, u, unlist(map[*[]string]string{&ses.AMR: amr})
}

func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return s.translate(err)
}

func (s *Store) CreateCode(ctx context.Context, c store.Code) error {
	_, err := s.exec(ctx, `INSERT INTO codes (hash, auth_server_id, client_id, user_id, session_id_hash,
		redirect_uri, scopes, nonce, code_challenge, code_challenge_method, auth_time, amr, access_token_jti,
		expires_at, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.Hash, c.AuthServerID, c.ClientID, c.UserID, c.SessionIDHash, c.RedirectURI, list(c.Scopes), c.Nonce,
		c.CodeChallenge, c.CodeChallengeMethod, c.AuthTime.Unix(), list(c.AMR), c.AccessTokenJTI,
		c.ExpiresAt.Unix(), c.Created.Unix())
	return s.translate(err)
}

const codeCols = `hash, auth_server_id, client_id, user_id, session_id_hash, redirect_uri, scopes, nonce,
	code_challenge, code_challenge_method, auth_time, amr, access_token_jti, expires_at, created`

// scanCode reads codeCols, then any extra columns into extra.
func scanCode(row scanner, extra ...any) (store.Code, error) {
	var c store.Code
	var scopes, amr string
	var authTime, expires, created int64
	err := row.Scan(append([]any{&c.Hash, &c.AuthServerID, &c.ClientID, &c.UserID, &c.SessionIDHash, &c.RedirectURI, &scopes,
		&c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod, &authTime, &amr, &c.AccessTokenJTI, &expires, &created}, extra...)...)
	if err != nil {
		return c, err
	}
	c.AuthTime, c.ExpiresAt, c.Created = time.Unix(authTime, 0).UTC(), time.Unix(expires, 0).UTC(), time.Unix(created, 0).UTC()
	return c, unlist(map[*[]string]string{&c.Scopes: scopes, &c.AMR: amr})
}

// redeemWithUser consumes a code and reads its user in one statement, for
// dialects whose CTEs may modify rows: one round trip on the token path.
var redeemWithUser = `WITH c AS (UPDATE codes SET used_at = ?
	WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING ` + codeCols + `)
	SELECT ` + qualified("c", codeCols) + `, ` + userCols + ` FROM c JOIN users u ON u.id = c.user_id`

// qualified prefixes each column of a comma-separated list with table.
func qualified(table, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = table + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func (s *Store) RedeemCode(ctx context.Context, hash string, now time.Time) (store.Code, store.User, error) {
	if s.dialect.ModifyingCTE {
		var u store.User
		var uCreated, uUpdated int64
		var c store.Code
		err := s.writeRow(ctx, func(row *sql.Row) (err error) {
			c, err = scanCode(row, userDest(&u, &uCreated, &uUpdated)...)
			return err
		}, redeemWithUser, now.Unix(), hash, now.Unix())
		if err == nil {
			u.Created, u.Updated = time.Unix(uCreated, 0).UTC(), time.Unix(uUpdated, 0).UTC()
			return c, u, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return c, u, s.translate(err)
		}
		return s.whyNotRedeemed(ctx, hash)
	}
	var c store.Code
	err := s.writeRow(ctx, func(row *sql.Row) (err error) {
		c, err = scanCode(row)
		return err
	}, `UPDATE codes SET used_at = ?
		WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING `+codeCols, now.Unix(), hash, now.Unix())
	if errors.Is(err, sql.ErrNoRows) {
		return s.whyNotRedeemed(ctx, hash)
	}
	if err != nil {
		return c, store.User{}, s.translate(err)
	}
	u, err := s.GetUser(ctx, c.UserID)
	return c, u, err
}

// whyNotRedeemed tells a replay of a used code (ErrAlreadyUsed, with the
// code) apart from an unknown or expired one (ErrNotFound).
func (s *Store) whyNotRedeemed(ctx context.Context, hash string) (store.Code, store.User, error) {
	used, err := scanCode(s.queryRow(ctx, `SELECT `+codeCols+` FROM codes WHERE hash = ? AND used_at IS NOT NULL`, hash))
	if err == nil {
		return used, store.User{}, store.ErrAlreadyUsed
	}
	return store.Code{}, store.User{}, s.translate(err)
}
