-- +goose Up
-- Management API tokens (SSWS), kept as hashes.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    window_secs  BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used    BIGINT NOT NULL DEFAULT 0,
    created      BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);

-- Groups and their members. The built-in Everyone group holds every user
-- without rows here.
CREATE TABLE groups (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    name_lower              TEXT NOT NULL UNIQUE,
    description             TEXT NOT NULL DEFAULT '',
    type                    TEXT NOT NULL,
    created                 BIGINT NOT NULL,
    last_updated            BIGINT NOT NULL,
    last_membership_updated BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

-- Every org has the built-in Everyone group.
INSERT INTO groups (id, name, name_lower, description, type, created, last_updated, last_membership_updated)
VALUES ('00geveryone000000000', 'Everyone', 'everyone', 'All users in your organization', 'BUILT_IN',
        CAST(EXTRACT(EPOCH FROM now()) AS BIGINT), CAST(EXTRACT(EPOCH FROM now()) AS BIGINT), CAST(EXTRACT(EPOCH FROM now()) AS BIGINT));

-- The System Log: the whole event as JSON, and the fields it is searched by.
CREATE TABLE log_events (
    uuid       TEXT PRIMARY KEY,
    published  BIGINT NOT NULL, -- Unix milliseconds
    event_type TEXT NOT NULL,
    severity   TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX log_events_published ON log_events(published, uuid);

-- +goose Down
DROP TABLE log_events;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE api_tokens;
