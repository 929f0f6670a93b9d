-- +goose Up
-- The algorithm of the keys an authorization server generates: RS256 (the
-- default, and Okta's only one), ES256 or EdDSA. Each signing key keeps its
-- own alg, so a server's keys may mix algorithms while it switches.
ALTER TABLE auth_servers ADD COLUMN signing_alg TEXT NOT NULL DEFAULT 'RS256';

-- +goose Down
ALTER TABLE auth_servers DROP COLUMN signing_alg;
