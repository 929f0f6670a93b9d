-- +goose Up
CREATE TABLE refresh_tokens (
    hash                    TEXT PRIMARY KEY,
    family_id               TEXT NOT NULL,
    auth_server_id          TEXT NOT NULL,
    client_id               TEXT NOT NULL,
    user_id                 TEXT NOT NULL,
    scopes                  TEXT NOT NULL,
    amr                     TEXT NOT NULL,
    auth_time               INTEGER NOT NULL,
    access_token_jti        TEXT NOT NULL,
    access_token_expires_at INTEGER NOT NULL,
    created                 INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL,
    idle_expires_at         INTEGER NOT NULL,
    rotated_at              INTEGER,
    revoked_at              INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_idle_expires_at ON refresh_tokens(idle_expires_at);

CREATE TABLE scopes (
    auth_server_id   TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    consent          TEXT NOT NULL,
    is_default       INTEGER NOT NULL,
    metadata_publish TEXT NOT NULL,
    created          INTEGER NOT NULL,
    PRIMARY KEY (auth_server_id, name)
);

-- One next key per server, as there is one current key.
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys(auth_server_id) WHERE status = 'next';

-- +goose Down
DROP INDEX signing_keys_one_next;
DROP TABLE scopes;
DROP TABLE refresh_tokens;
