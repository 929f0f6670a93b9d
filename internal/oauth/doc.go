// Package oauth serves the OAuth 2.0 and OpenID Connect endpoints of every
// authorization server, on Okta's paths: the org server at /oauth2/v1/… with
// the base URL as issuer, and custom servers at /oauth2/{id}/v1/… with
// {base}/oauth2/{id} as issuer. It owns authorize (RFC 6749 §4.1, OIDC Core
// §3.1.2, PKCE RFC 7636, RFC 9207 iss), the hosted sign-in hand-off, token
// (grant table, client authentication), userinfo, keys and discovery
// (OIDC Discovery, RFC 8414). It never writes SQL: the store does.
package oauth
