-- +goose Up
-- Okta app settings that round-trip through the Management API, and the
-- time of an app's last change.
ALTER TABLE apps ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE apps ADD COLUMN last_updated BIGINT NOT NULL DEFAULT 0;
UPDATE apps SET last_updated = created;

-- Client secrets, kept as hashes. An app may hold two, so that a secret
-- can be rotated without downtime: the token endpoint accepts any ACTIVE one.
CREATE TABLE app_secrets (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES apps(client_id) ON DELETE CASCADE,
    hash         TEXT NOT NULL,
    status       TEXT NOT NULL,
    created      BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE INDEX app_secrets_client ON app_secrets(client_id);
INSERT INTO app_secrets (id, client_id, hash, status, created, last_updated)
SELECT 'ocs' || substr(md5(random()::text || client_id), 1, 17), client_id, secret_hash, 'ACTIVE', created, created
FROM apps WHERE secret_hash <> '';
ALTER TABLE apps DROP COLUMN secret_hash;

-- Who may sign in to an app: users directly, and groups' members.
CREATE TABLE app_user_assignments (
    client_id    TEXT NOT NULL REFERENCES apps(client_id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_name    TEXT NOT NULL DEFAULT '',
    profile      TEXT NOT NULL DEFAULT '{}',
    created      BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    PRIMARY KEY (client_id, user_id)
);
CREATE INDEX app_user_assignments_user ON app_user_assignments(user_id);

CREATE TABLE app_group_assignments (
    client_id    TEXT NOT NULL REFERENCES apps(client_id) ON DELETE CASCADE,
    group_id     TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    priority     INTEGER NOT NULL,
    profile      TEXT NOT NULL DEFAULT '{}',
    created      BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    PRIMARY KEY (client_id, group_id)
);
CREATE INDEX app_group_assignments_group ON app_group_assignments(group_id);

-- Apps made before assignments existed let every user in: keep it so.
INSERT INTO app_group_assignments (client_id, group_id, priority, profile, created, last_updated)
SELECT client_id, '00geveryone000000000', 0, '{}', created, created FROM apps;

-- +goose Down
DROP TABLE app_group_assignments;
DROP TABLE app_user_assignments;
ALTER TABLE apps ADD COLUMN secret_hash TEXT NOT NULL DEFAULT '';
UPDATE apps SET secret_hash = COALESCE((SELECT s.hash FROM app_secrets s WHERE s.client_id = apps.client_id
    AND s.status = 'ACTIVE' ORDER BY s.created DESC, s.id DESC LIMIT 1), '');
DROP TABLE app_secrets;
ALTER TABLE apps DROP COLUMN last_updated;
ALTER TABLE apps DROP COLUMN settings;
