-- +goose Up
-- The rest of Okta's base profile attributes, custom attributes as a JSON
-- object, and the user lifecycle's timestamps and failed sign-in count.
ALTER TABLE users ADD COLUMN second_email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN middle_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN honorific_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN honorific_suffix TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN nick_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN profile_url TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN primary_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN preferred_language TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN user_type TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN employee_number TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN cost_center TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN organization TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN division TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN manager_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN manager TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN activated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN status_changed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_sign_ins BIGINT NOT NULL DEFAULT 0;

-- Users made before this schema were active from the start.
UPDATE users SET activated = created, status_changed = created WHERE status = 'ACTIVE';
UPDATE users SET password_changed = created WHERE password_hash <> '';

-- Lists filter on these; lookups of a user's tokens and sessions use user_id.
CREATE INDEX users_status ON users(status);
CREATE INDEX users_updated ON users(updated);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

-- +goose Down
DROP INDEX refresh_tokens_user;
DROP INDEX sessions_user;
DROP INDEX users_updated;
DROP INDEX users_status;
ALTER TABLE users DROP COLUMN failed_sign_ins;
ALTER TABLE users DROP COLUMN password_changed;
ALTER TABLE users DROP COLUMN last_login;
ALTER TABLE users DROP COLUMN status_changed;
ALTER TABLE users DROP COLUMN activated;
ALTER TABLE users DROP COLUMN profile;
ALTER TABLE users DROP COLUMN manager;
ALTER TABLE users DROP COLUMN manager_id;
ALTER TABLE users DROP COLUMN department;
ALTER TABLE users DROP COLUMN division;
ALTER TABLE users DROP COLUMN organization;
ALTER TABLE users DROP COLUMN cost_center;
ALTER TABLE users DROP COLUMN employee_number;
ALTER TABLE users DROP COLUMN user_type;
ALTER TABLE users DROP COLUMN preferred_language;
ALTER TABLE users DROP COLUMN postal_address;
ALTER TABLE users DROP COLUMN primary_phone;
ALTER TABLE users DROP COLUMN profile_url;
ALTER TABLE users DROP COLUMN nick_name;
ALTER TABLE users DROP COLUMN title;
ALTER TABLE users DROP COLUMN honorific_suffix;
ALTER TABLE users DROP COLUMN honorific_prefix;
ALTER TABLE users DROP COLUMN middle_name;
ALTER TABLE users DROP COLUMN second_email;
