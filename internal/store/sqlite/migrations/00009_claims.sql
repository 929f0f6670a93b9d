-- +goose Up
-- Custom token claims of authorization servers (Okta's OAuth2Claim). A
-- claim goes with its server.
CREATE TABLE claims (
    id                      TEXT PRIMARY KEY,
    auth_server_id          TEXT NOT NULL REFERENCES auth_servers(id) ON DELETE CASCADE,
    name                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    claim_type              TEXT NOT NULL,
    value_type              TEXT NOT NULL,
    value                   TEXT NOT NULL,
    group_filter_type       TEXT NOT NULL DEFAULT '',
    always_include_in_token BOOLEAN NOT NULL,
    scopes                  TEXT NOT NULL, -- JSON array
    is_system               BOOLEAN NOT NULL DEFAULT FALSE,
    created                 INTEGER NOT NULL,
    last_updated            INTEGER NOT NULL,
    UNIQUE (auth_server_id, claim_type, name)
);

-- +goose Down
DROP TABLE claims;
