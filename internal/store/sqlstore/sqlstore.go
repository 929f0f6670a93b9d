// Package sqlstore implements store.Store once, in plain SQL over
// database/sql, for every SQL backend. A Dialect supplies the little that
// differs: placeholder syntax and how driver errors map onto the store's
// sentinel errors. Each backend package opens its driver, owns its
// migrations and builds a Store with its Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Dialect is what differs between SQL backends.
type Dialect struct {
	// Goose names the migration dialect.
	Goose goose.Dialect
	// Numbered placeholders ($1, $2, …) instead of '?'.
	Numbered bool
	// ModifyingCTE: a WITH clause may hold an UPDATE … RETURNING, so a
	// write and a join can share one statement.
	ModifyingCTE bool
	// Translate maps a driver error onto store.ErrConflict or
	// store.ErrUnavailable where it means one; other errors pass through.
	Translate func(error) error
	// Migrations holds the dialect's versioned .sql files.
	Migrations fs.FS
	// MigrationOptions adds provider options, such as a lock that lets
	// several replicas start at once.
	MigrationOptions []goose.ProviderOption
}

// Store is a store.Store over one SQL database.
type Store struct {
	db      *sql.DB
	dialect Dialect
}

var _ store.Store = (*Store)(nil)

// New migrates db and returns a Store over it. A database whose schema is
// newer than the migrations this binary embeds is refused.
func New(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, dialect: d}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// DB is the underlying handle, for backend-specific tests and tools.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) provider() (*goose.Provider, error) {
	p, err := goose.NewProvider(s.dialect.Goose, s.db, s.dialect.Migrations, s.dialect.MigrationOptions...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

func (s *Store) migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", s.translate(err))
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	if current > known {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade Gatehouse", current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationStatus lists each migration and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]*goose.MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	return p.Status(ctx)
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.translate(s.db.PingContext(ctx)) }

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.rebind(query), args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.rebind(query), args...)
}

// rebind turns '?' placeholders into $1, $2, … for dialects that number
// them. Queries here hold no '?' inside string literals.
func (s *Store) rebind(query string) string {
	if !s.dialect.Numbered {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// translate maps no-rows onto store.ErrNotFound and lets the dialect map
// the rest.
func (s *Store) translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return s.dialect.Translate(err)
}

// codeReplayWindow is how long a used or expired code row is kept, so that a
// replay can still be detected and can revoke the access token (lifetime 1 h)
// that the first redemption issued.
const codeReplayWindow = time.Hour

// DeleteExpired removes expired rows in bounded batches.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	total := 0
	for _, q := range []struct {
		sql    string
		cutoff time.Time
	}{
		{`DELETE FROM codes WHERE hash IN (SELECT hash FROM codes WHERE expires_at < ? LIMIT ?)`, now.Add(-codeReplayWindow)},
		{`DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE expires_at < ? LIMIT ?)`, now},
		{`DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE expires_at < ? LIMIT ?)`, now},
		// A rotated-out token is kept until its own idle expiry, so that its
		// replay is still recognised and ends the family.
		{`DELETE FROM refresh_tokens WHERE hash IN (SELECT hash FROM refresh_tokens WHERE idle_expires_at < ? LIMIT ?)`, now},
		{`DELETE FROM client_assertions WHERE jti_hash IN (SELECT jti_hash FROM client_assertions WHERE expires_at < ? LIMIT ?)`, now},
	} {
		res, err := s.exec(ctx, q.sql, q.cutoff.Unix(), limit)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// --- authorization servers ---

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

// --- apps ---

func (s *Store) CreateApp(ctx context.Context, a store.App) error {
	_, err := s.exec(ctx, `INSERT INTO apps (client_id, name, type, token_endpoint_auth_method,
		secret_hash, redirect_uris, post_logout_redirect_uris, grant_types, response_types, pkce_required,
		status, created, jwks, jwks_uri, secret_sealed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ClientID, a.Name, a.Type, a.TokenEndpointAuthMethod, a.SecretHash, list(a.RedirectURIs),
		list(a.PostLogoutRedirectURIs), list(a.GrantTypes), list(a.ResponseTypes), a.PKCERequired,
		a.Status, a.Created.Unix(), a.JWKS, a.JWKSURI, nullBytes(a.SecretSealed))
	return s.translate(err)
}

const appCols = `client_id, name, type, token_endpoint_auth_method, secret_hash, redirect_uris,
	post_logout_redirect_uris, grant_types, response_types, pkce_required, status, created, jwks, jwks_uri,
	secret_sealed`

func scanApp(row scanner) (store.App, error) {
	var a store.App
	var redirects, postLogout, grants, responses string
	var created int64
	err := row.Scan(&a.ClientID, &a.Name, &a.Type, &a.TokenEndpointAuthMethod, &a.SecretHash, &redirects,
		&postLogout, &grants, &responses, &a.PKCERequired, &a.Status, &created, &a.JWKS, &a.JWKSURI, &a.SecretSealed)
	if err != nil {
		return a, err
	}
	if len(a.SecretSealed) == 0 {
		a.SecretSealed = nil
	}
	a.Created = time.Unix(created, 0).UTC()
	return a, unlist(map[*[]string]string{&a.RedirectURIs: redirects, &a.PostLogoutRedirectURIs: postLogout,
		&a.GrantTypes: grants, &a.ResponseTypes: responses})
}

func (s *Store) GetApp(ctx context.Context, clientID string) (store.App, error) {
	v, err := scanApp(s.queryRow(ctx, `SELECT `+appCols+` FROM apps WHERE client_id = ?`, clientID))
	return v, s.translate(err)
}

func (s *Store) ListApps(ctx context.Context) ([]store.App, error) {
	return queryAll(ctx, s, scanApp, `SELECT `+appCols+` FROM apps ORDER BY created, client_id`)
}

// --- users ---

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (id, login, login_lower, email, first_name, last_name,
		display_name, mobile_phone, street_address, city, state, zip_code, country_code, locale, time_zone,
		password_hash, status, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		u.ID, u.Login, strings.ToLower(u.Login), u.Email, u.FirstName, u.LastName, u.DisplayName,
		u.MobilePhone, u.StreetAddr, u.City, u.State, u.ZipCode, u.CountryCode, u.Locale, u.TimeZone,
		u.PasswordHash, u.Status, u.Created.Unix(), u.Updated.Unix())
	return s.translate(err)
}

const userCols = `u.id, u.login, u.email, u.first_name, u.last_name, u.display_name, u.mobile_phone,
	u.street_address, u.city, u.state, u.zip_code, u.country_code, u.locale, u.time_zone,
	u.password_hash, u.status, u.created, u.updated`

func userDest(u *store.User, created, updated *int64) []any {
	return []any{&u.ID, &u.Login, &u.Email, &u.FirstName, &u.LastName, &u.DisplayName, &u.MobilePhone,
		&u.StreetAddr, &u.City, &u.State, &u.ZipCode, &u.CountryCode, &u.Locale, &u.TimeZone,
		&u.PasswordHash, &u.Status, created, updated}
}

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var created, updated int64
	err := row.Scan(userDest(&u, &created, &updated)...)
	u.Created, u.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return u, err
}

func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	v, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id))
	return v, s.translate(err)
}

func (s *Store) GetUserByLogin(ctx context.Context, login string) (store.User, error) {
	v, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.login_lower = ?`,
		strings.ToLower(login)))
	return v, s.translate(err)
}

// --- sessions ---

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

// --- codes ---

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
		c, err := scanCode(s.queryRow(ctx, redeemWithUser, now.Unix(), hash, now.Unix()), userDest(&u, &uCreated, &uUpdated)...)
		if err == nil {
			u.Created, u.Updated = time.Unix(uCreated, 0).UTC(), time.Unix(uUpdated, 0).UTC()
			return c, u, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return c, u, s.translate(err)
		}
		return s.whyNotRedeemed(ctx, hash)
	}
	c, err := scanCode(s.queryRow(ctx, `UPDATE codes SET used_at = ?
		WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING `+codeCols, now.Unix(), hash, now.Unix()))
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

// --- signing keys ---

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

// --- revoked tokens ---

func (s *Store) RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
		ON CONFLICT (jti) DO NOTHING`, jti, expiresAt.Unix())
	return s.translate(err)
}

func (s *Store) IsTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM revoked_tokens WHERE jti = ?`, jti).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.translate(err)
}

// --- helpers ---

type scanner interface{ Scan(dest ...any) error }

func queryAll[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.translate(err)
		}
		out = append(out, v)
	}
	return out, s.translate(rows.Err())
}

// list encodes a string list as a JSON array (never null).
func list(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func unlist(fields map[*[]string]string) error {
	for dst, raw := range fields {
		if err := json.Unmarshal([]byte(raw), dst); err != nil {
			return fmt.Errorf("decode list column: %w", err)
		}
	}
	return nil
}
