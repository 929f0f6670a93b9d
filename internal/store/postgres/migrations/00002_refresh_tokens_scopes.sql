-- +goose Up
CREATE TABLE refresh_tokens (
    hash                    TEXT PRIMARY KEY,
    family_id               TEXT NOT NULL,
    auth_server_id          TEXT NOT NULL,
    client_id               TEXT NOT NULL,
    user_id                 TEXT NOT NULL,
    scopes                  TEXT NOT NULL,
    amr                     TEXT NOT NULL,
    auth_time               BIGINT NOT NULL,
    access_token_jti        TEXT NOT NULL,
    access_token_expires_at BIGINT NOT NULL,
    created                 BIGINT NOT NULL,
    expires_at              BIGINT NOT NULL,
    idle_expires_at         BIGINT NOT NULL,
    rotated_at              BIGINT,
    revoked_at              BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_idle_expires_at ON refresh_tokens(idle_expires_at);

CREATE TABLE scopes (
    auth_server_id   TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    consent          TEXT NOT NULL,
    is_default       BOOLEAN NOT NULL,
    metadata_publish TEXT NOT NULL,
    created          BIGINT NOT NULL,
    PRIMARY KEY (auth_server_id, name)
);

-- One next key per server, as there is one current key.
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys(auth_server_id) WHERE status = 'next';

-- +goose Down
DROP INDEX signing_keys_one_next;
DROP TABLE scopes;
DROP TABLE refresh_tokens;
