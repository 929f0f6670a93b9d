-- +goose Up
-- Authorization servers as the Management API shows them.
ALTER TABLE auth_servers ADD COLUMN issuer_mode TEXT NOT NULL DEFAULT 'ORG_URL';
ALTER TABLE auth_servers ADD COLUMN last_updated BIGINT NOT NULL DEFAULT 0;
UPDATE auth_servers SET last_updated = created;

-- Scopes get an Okta-style id (scp…) so that they can be read, replaced
-- and deleted by id; the name stays unique per server.
ALTER TABLE scopes ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE scopes ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE scopes ADD COLUMN optional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE scopes ADD COLUMN last_updated BIGINT NOT NULL DEFAULT 0;
UPDATE scopes SET id = 'scp' || substr(md5(random()::text || auth_server_id || name), 1, 17), last_updated = created;
CREATE UNIQUE INDEX scopes_id ON scopes(id);

-- Access policies of custom authorization servers and their rules, each
-- ordered by priority (1..n, kept dense). Lists are JSON arrays.
CREATE TABLE auth_policies (
    id             TEXT PRIMARY KEY,
    auth_server_id TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    priority       INTEGER NOT NULL,
    status         TEXT NOT NULL,
    is_system      BOOLEAN NOT NULL,
    clients        TEXT NOT NULL,
    created        BIGINT NOT NULL,
    last_updated   BIGINT NOT NULL
);
CREATE UNIQUE INDEX auth_policies_name ON auth_policies(auth_server_id, name);

CREATE TABLE auth_policy_rules (
    id                     TEXT PRIMARY KEY,
    policy_id              TEXT NOT NULL REFERENCES auth_policies(id) ON DELETE CASCADE,
    auth_server_id         TEXT NOT NULL,
    name                   TEXT NOT NULL,
    priority               INTEGER NOT NULL,
    status                 TEXT NOT NULL,
    is_system              BOOLEAN NOT NULL,
    users_include          TEXT NOT NULL,
    users_exclude          TEXT NOT NULL,
    groups_include         TEXT NOT NULL,
    groups_exclude         TEXT NOT NULL,
    grant_types            TEXT NOT NULL,
    scopes                 TEXT NOT NULL,
    access_token_minutes   INTEGER NOT NULL,
    refresh_token_minutes  INTEGER NOT NULL,
    refresh_window_minutes INTEGER NOT NULL,
    created                BIGINT NOT NULL,
    last_updated           BIGINT NOT NULL
);
CREATE UNIQUE INDEX auth_policy_rules_name ON auth_policy_rules(policy_id, name);
CREATE INDEX auth_policy_rules_server ON auth_policy_rules(auth_server_id);

-- The default server's Default Policy and Default Policy Rule: every
-- client, everyone, every grant and scope, 1 h access tokens, refresh
-- tokens without an absolute end and a 7-day idle window.
INSERT INTO auth_policies (id, auth_server_id, name, description, priority, status, is_system, clients, created, last_updated)
VALUES ('00pdefaultpolicy0000', 'default', 'Default Policy', 'Default policy description', 1, 'ACTIVE', FALSE,
        '["ALL_CLIENTS"]', CAST(EXTRACT(EPOCH FROM now()) AS BIGINT), CAST(EXTRACT(EPOCH FROM now()) AS BIGINT));
INSERT INTO auth_policy_rules (id, policy_id, auth_server_id, name, priority, status, is_system, users_include, users_exclude,
        groups_include, groups_exclude, grant_types, scopes, access_token_minutes, refresh_token_minutes,
        refresh_window_minutes, created, last_updated)
VALUES ('0prdefaultrule000000', '00pdefaultpolicy0000', 'default', 'Default Policy Rule', 1, 'ACTIVE', FALSE, '[]', '[]',
        '["EVERYONE"]', '[]', '["authorization_code","client_credentials","implicit","password"]', '["*"]', 60, 0, 10080,
        CAST(EXTRACT(EPOCH FROM now()) AS BIGINT), CAST(EXTRACT(EPOCH FROM now()) AS BIGINT));

-- +goose Down
DROP TABLE auth_policy_rules;
DROP TABLE auth_policies;
DROP INDEX scopes_id;
ALTER TABLE scopes DROP COLUMN last_updated;
ALTER TABLE scopes DROP COLUMN optional;
ALTER TABLE scopes DROP COLUMN display_name;
ALTER TABLE scopes DROP COLUMN id;
ALTER TABLE auth_servers DROP COLUMN last_updated;
ALTER TABLE auth_servers DROP COLUMN issuer_mode;
