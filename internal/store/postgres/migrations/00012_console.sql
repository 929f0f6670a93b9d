-- +goose Up
-- Administrator roles (Okta's user role assignments): a user with one may
-- sign in to the Admin Console. One row per user and role type.
CREATE TABLE user_roles (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type    TEXT NOT NULL,
    created INTEGER NOT NULL,
    UNIQUE (user_id, type)
);
CREATE INDEX user_roles_type ON user_roles(type);

-- The org's sign-in page branding: one row, id 'org'.
CREATE TABLE branding (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL DEFAULT '',
    primary_color    TEXT NOT NULL DEFAULT '',
    background_color TEXT NOT NULL DEFAULT '',
    logo             BYTEA,
    logo_type        TEXT NOT NULL DEFAULT '',
    updated          INTEGER NOT NULL
);

-- +goose Down
DROP TABLE branding;
DROP TABLE user_roles;
