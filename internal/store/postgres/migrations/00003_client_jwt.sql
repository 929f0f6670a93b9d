-- +goose Up
-- private_key_jwt: the client's public keys, inline or by URL.
ALTER TABLE apps ADD COLUMN jwks TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';
-- client_secret_jwt: the secret sealed with the master key (HMAC needs it).
ALTER TABLE apps ADD COLUMN secret_sealed BYTEA;

-- Used client assertion ids, keyed by a hash of client id and jti, kept
-- until the assertion expires.
CREATE TABLE client_assertions (
    jti_hash   TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX client_assertions_expires_at ON client_assertions(expires_at);

-- +goose Down
DROP TABLE client_assertions;
ALTER TABLE apps DROP COLUMN secret_sealed;
ALTER TABLE apps DROP COLUMN jwks_uri;
ALTER TABLE apps DROP COLUMN jwks;
