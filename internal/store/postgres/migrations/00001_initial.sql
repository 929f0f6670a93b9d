-- +goose Up
CREATE TABLE auth_servers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    audience    TEXT NOT NULL,
    status      TEXT NOT NULL,
    created     BIGINT NOT NULL
);

CREATE TABLE apps (
    client_id                  TEXT PRIMARY KEY,
    name                       TEXT NOT NULL,
    type                       TEXT NOT NULL,
    token_endpoint_auth_method TEXT NOT NULL,
    secret_hash                TEXT NOT NULL DEFAULT '',
    redirect_uris              TEXT NOT NULL,
    post_logout_redirect_uris  TEXT NOT NULL,
    grant_types                TEXT NOT NULL,
    response_types             TEXT NOT NULL,
    pkce_required              BOOLEAN NOT NULL,
    status                     TEXT NOT NULL,
    created                    BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    login          TEXT NOT NULL,
    login_lower    TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL DEFAULT '',
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    display_name   TEXT NOT NULL DEFAULT '',
    mobile_phone   TEXT NOT NULL DEFAULT '',
    street_address TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL DEFAULT '',
    zip_code       TEXT NOT NULL DEFAULT '',
    country_code   TEXT NOT NULL DEFAULT '',
    locale         TEXT NOT NULL DEFAULT '',
    time_zone      TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    created        BIGINT NOT NULL,
    updated        BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,
    created    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions(expires_at);

CREATE TABLE codes (
    hash                  TEXT PRIMARY KEY,
    auth_server_id        TEXT NOT NULL,
    client_id             TEXT NOT NULL,
    user_id               TEXT NOT NULL,
    session_id_hash       TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    auth_time             BIGINT NOT NULL,
    amr                   TEXT NOT NULL,
    access_token_jti      TEXT NOT NULL,
    expires_at            BIGINT NOT NULL,
    created               BIGINT NOT NULL,
    used_at               BIGINT
);
CREATE INDEX codes_expires_at ON codes(expires_at);

CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY,
    auth_server_id TEXT NOT NULL,
    alg            TEXT NOT NULL,
    private_key    BYTEA NOT NULL,
    status         TEXT NOT NULL,
    created        BIGINT NOT NULL
);
-- One current key per server: replicas racing to create it make exactly one.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys(auth_server_id) WHERE status = 'current';

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens(expires_at);

-- +goose Down
DROP TABLE revoked_tokens;
DROP TABLE signing_keys;
DROP TABLE codes;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE apps;
DROP TABLE auth_servers;
