-- +goose Up
-- A random key per client secret, never shown: the secret_hash hint the
-- Management API shows is an HMAC under it, so that the hint cannot be
-- used to test guesses of the secret offline.
ALTER TABLE app_secrets ADD COLUMN hint_key TEXT NOT NULL DEFAULT '';
UPDATE app_secrets SET hint_key = lower(hex(randomblob(32))) WHERE hint_key = '';

-- Deleting an app ends its grants: its refresh tokens and codes are found
-- by client id.
CREATE INDEX refresh_tokens_client ON refresh_tokens(client_id);
CREATE INDEX codes_client ON codes(client_id);

-- +goose Down
DROP INDEX codes_client;
DROP INDEX refresh_tokens_client;
ALTER TABLE app_secrets DROP COLUMN hint_key;
