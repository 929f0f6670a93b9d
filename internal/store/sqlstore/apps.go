package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

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
