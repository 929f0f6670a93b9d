package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// CreateApp stores the app, its first secret and its group assignments in
// one transaction.
func (s *Store) CreateApp(ctx context.Context, a store.App) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return fmt.Errorf("encode app settings: %w", err)
	}
	if a.LastUpdated.IsZero() {
		a.LastUpdated = a.Created
	}
	return s.inTx(ctx, func(t tx) error {
		_, err := t.exec(ctx, `INSERT INTO apps (client_id, name, type, token_endpoint_auth_method,
			redirect_uris, post_logout_redirect_uris, grant_types, response_types, pkce_required,
			status, created, last_updated, jwks, jwks_uri, secret_sealed, settings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			a.ClientID, a.Name, a.Type, a.TokenEndpointAuthMethod, list(a.RedirectURIs),
			list(a.PostLogoutRedirectURIs), list(a.GrantTypes), list(a.ResponseTypes), a.PKCERequired,
			a.Status, a.Created.Unix(), a.LastUpdated.Unix(), a.JWKS, a.JWKSURI, nullBytes(a.SecretSealed), string(settings))
		if err != nil {
			return s.translate(err)
		}
		if a.SecretHash != "" {
			sec := store.AppSecret{ID: newSecretID(), ClientID: a.ClientID, Hash: a.SecretHash,
				Status: store.StatusActive, Created: a.Created, LastUpdated: a.Created}
			if err := insertSecret(ctx, t, sec); err != nil {
				return s.translate(err)
			}
		}
		for i, g := range a.GroupIDs {
			res, err := t.exec(ctx, `INSERT INTO app_group_assignments (client_id, group_id, priority, profile, created, last_updated)
				SELECT ?, id, ?, '{}', ?, ? FROM groups WHERE id = ?`, a.ClientID, i, a.Created.Unix(), a.Created.Unix(), g)
			if err != nil {
				return s.translate(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("assign group %s: %w", g, store.ErrNotFound)
			}
		}
		return nil
	})
}

// UpdateApp replaces the settings of an app and, with newSecret, its
// secrets.
func (s *Store) UpdateApp(ctx context.Context, a store.App, newSecret *store.AppSecret) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return fmt.Errorf("encode app settings: %w", err)
	}
	return s.inTx(ctx, func(t tx) error {
		res, err := t.exec(ctx, `UPDATE apps SET name = ?, type = ?, token_endpoint_auth_method = ?, redirect_uris = ?,
		post_logout_redirect_uris = ?, grant_types = ?, response_types = ?, pkce_required = ?, last_updated = ?,
		jwks = ?, jwks_uri = ?, secret_sealed = ?, settings = ? WHERE client_id = ?`,
			a.Name, a.Type, a.TokenEndpointAuthMethod, list(a.RedirectURIs), list(a.PostLogoutRedirectURIs),
			list(a.GrantTypes), list(a.ResponseTypes), a.PKCERequired, a.LastUpdated.Unix(), a.JWKS, a.JWKSURI,
			nullBytes(a.SecretSealed), string(settings), a.ClientID)
		if err := s.oneRow(res, err); err != nil || newSecret == nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM app_secrets WHERE client_id = ?`, a.ClientID); err != nil {
			return s.translate(err)
		}
		return s.translate(insertSecret(ctx, t, *newSecret))
	})
}

// SetAppStatus changes an app's status.
func (s *Store) SetAppStatus(ctx context.Context, clientID, status string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE apps SET status = ?, last_updated = ? WHERE client_id = ?`, status, now.Unix(), clientID)
	return s.oneRow(res, err)
}

// DeleteApp removes an app; its secrets, assignments and grants go with it.
func (s *Store) DeleteApp(ctx context.Context, clientID string, now time.Time) error {
	return s.inTx(ctx, func(t tx) error {
		if err := s.endClientGrants(ctx, t, clientID, now); err != nil {
			return err
		}
		// Explicit deletes, so that the outcome does not hang on the
		// database enforcing ON DELETE CASCADE.
		if err := t.execEach(ctx, clientID,
			`DELETE FROM app_secrets WHERE client_id = ?`,
			`DELETE FROM app_user_assignments WHERE client_id = ?`,
			`DELETE FROM app_group_assignments WHERE client_id = ?`,
		); err != nil {
			return err
		}
		return t.execOne(ctx, `DELETE FROM apps WHERE client_id = ?`, clientID)
	})
}

// maxAccessTokenLife bounds the life of an access token minted from a
// code: the longest lifetime a policy rule allows (domain's
// MaxAccessTokenMinutes), with a margin.
const maxAccessTokenLife = 24*time.Hour + 5*time.Minute

// endClientGrants ends every grant of a client in t: the access tokens its
// refresh tokens and redeemed codes issued are recorded as revoked while
// they may live, a code exchange still running gets no refresh token (its
// family is tombstoned, as a replay does), and its refresh tokens and codes
// are deleted. Set-based statements: one round trip each, however many
// users the app had.
func (s *Store) endClientGrants(ctx context.Context, t tx, clientID string, now time.Time) error {
	for _, st := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO revoked_tokens (jti, expires_at)
			SELECT ? || access_token_jti, access_token_expires_at FROM refresh_tokens
			WHERE client_id = ? AND revoked_at IS NULL AND access_token_jti <> '' AND access_token_expires_at > ?
			ON CONFLICT (jti) DO NOTHING`, []any{store.AccessTokenPrefix, clientID, now.Unix()}},
		{`INSERT INTO revoked_tokens (jti, expires_at)
			SELECT ? || access_token_jti, used_at + ? FROM codes
			WHERE client_id = ? AND used_at IS NOT NULL AND access_token_jti <> '' AND used_at > ?
			ON CONFLICT (jti) DO NOTHING`,
			[]any{store.AccessTokenPrefix, int64(maxAccessTokenLife / time.Second), clientID, now.Add(-maxAccessTokenLife).Unix()}},
		{`INSERT INTO revoked_tokens (jti, expires_at)
			SELECT ? || hash, ? FROM codes WHERE client_id = ? AND used_at IS NOT NULL AND used_at > ?
			ON CONFLICT (jti) DO NOTHING`, []any{tombstonePrefix, now.Add(tombstoneLife).Unix(), clientID, now.Add(-tombstoneLife).Unix()}},
		{`DELETE FROM refresh_tokens WHERE client_id = ?`, []any{clientID}},
		{`DELETE FROM codes WHERE client_id = ?`, []any{clientID}},
	} {
		if _, err := t.exec(ctx, st.query, st.args...); err != nil {
			return s.translate(err)
		}
	}
	return nil
}

// appSelect reads apps with their ACTIVE secrets' hashes: one row per
// (app, active secret), or one row with NULL for an app without one. The
// apps come from the subquery src, which must select every column of apps.
func appSelect(src string) string {
	return `SELECT a.client_id, a.name, a.type, a.token_endpoint_auth_method, a.redirect_uris,
		a.post_logout_redirect_uris, a.grant_types, a.response_types, a.pkce_required, a.status, a.created,
		a.last_updated, a.jwks, a.jwks_uri, a.secret_sealed, a.settings, sec.hash
		FROM (` + src + `) a LEFT JOIN app_secrets sec ON sec.client_id = a.client_id AND sec.status = 'ACTIVE'`
}

// queryApps runs an appSelect query (ordered by app, then newest secret
// first) and folds its rows into apps.
func (s *Store) queryApps(ctx context.Context, query string, args ...any) ([]store.App, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	var out []store.App
	for rows.Next() {
		var a store.App
		var redirects, postLogout, grants, responses, settings string
		var created, updated int64
		var hash *string
		err := rows.Scan(&a.ClientID, &a.Name, &a.Type, &a.TokenEndpointAuthMethod, &redirects, &postLogout,
			&grants, &responses, &a.PKCERequired, &a.Status, &created, &updated, &a.JWKS, &a.JWKSURI,
			&a.SecretSealed, &settings, &hash)
		if err != nil {
			return nil, s.translate(err)
		}
		if n := len(out); n > 0 && out[n-1].ClientID == a.ClientID {
			if hash != nil {
				out[n-1].SecretHashes = append(out[n-1].SecretHashes, *hash)
			}
			continue
		}
		if len(a.SecretSealed) == 0 {
			a.SecretSealed = nil
		}
		if hash != nil {
			a.SecretHash, a.SecretHashes = *hash, []string{*hash}
		}
		a.Created, a.LastUpdated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
		if err := unlist(map[*[]string]string{&a.RedirectURIs: redirects, &a.PostLogoutRedirectURIs: postLogout,
			&a.GrantTypes: grants, &a.ResponseTypes: responses}); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(settings), &a.Settings); err != nil {
			return nil, fmt.Errorf("decode app settings: %w", err)
		}
		out = append(out, a)
	}
	return out, s.translate(rows.Err())
}

const newestSecretFirst = `sec.created DESC, sec.id DESC`

func (s *Store) GetApp(ctx context.Context, clientID string) (store.App, error) {
	apps, err := s.queryApps(ctx, appSelect(`SELECT * FROM apps WHERE client_id = ?`)+
		` ORDER BY `+newestSecretFirst, clientID)
	if err != nil {
		return store.App{}, err
	}
	if len(apps) == 0 {
		return store.App{}, store.ErrNotFound
	}
	return apps[0], nil
}

func (s *Store) ListApps(ctx context.Context) ([]store.App, error) {
	return s.queryApps(ctx, appSelect(`SELECT * FROM apps`)+` ORDER BY a.created, a.client_id, `+newestSecretFirst)
}

// SearchApps returns a page of the apps matching f, by client id.
func (s *Store) SearchApps(ctx context.Context, f store.AppFilter, p store.Page) ([]store.App, error) {
	where, args := []string{"client_id > ?"}, []any{p.After}
	if f.LabelPrefix != "" {
		prefix := strings.ToLower(f.LabelPrefix)
		where = append(where, "substr(lower(name), 1, ?) = ?")
		args = append(args, utf8.RuneCountInString(prefix), prefix)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if f.UserID != "" {
		where = append(where, `(client_id IN (SELECT client_id FROM app_user_assignments WHERE user_id = ?)
			OR client_id IN (SELECT client_id FROM app_group_assignments WHERE group_id = ?
				OR group_id IN (SELECT group_id FROM group_members WHERE user_id = ?)))`)
		args = append(args, f.UserID, store.EveryoneGroupID, f.UserID)
	}
	if f.GroupID != "" {
		where = append(where, "client_id IN (SELECT client_id FROM app_group_assignments WHERE group_id = ?)")
		args = append(args, f.GroupID)
	}
	args = append(args, p.Limit+1)
	src := `SELECT * FROM apps WHERE ` + strings.Join(where, " AND ") + ` ORDER BY client_id LIMIT ?`
	return s.queryApps(ctx, appSelect(src)+` ORDER BY a.client_id, `+newestSecretFirst, args...)
}
