-- +goose Up
-- Columns the System Log filters and searches on; body stays the source of
-- the event itself.
ALTER TABLE log_events ADD COLUMN actor_type TEXT NOT NULL DEFAULT '';
ALTER TABLE log_events ADD COLUMN actor_alternate_id TEXT NOT NULL DEFAULT '';
ALTER TABLE log_events ADD COLUMN actor_display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE log_events ADD COLUMN outcome_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE log_events ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE log_events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE log_events ADD COLUMN display_message TEXT NOT NULL DEFAULT '';
-- Lower-cased type, message, actor and target ids and names, for q.
ALTER TABLE log_events ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
CREATE INDEX log_events_type ON log_events(event_type, published);
CREATE INDEX log_events_actor ON log_events(actor_id, published);

-- One row per target of an event, for target.id / target.type filters.
CREATE TABLE log_event_targets (
    event_uuid   TEXT NOT NULL REFERENCES log_events(uuid) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    id           TEXT NOT NULL,
    type         TEXT NOT NULL,
    alternate_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (event_uuid, position)
);
CREATE INDEX log_event_targets_id ON log_event_targets(id);

-- +goose Down
DROP TABLE log_event_targets;
DROP INDEX log_events_actor;
DROP INDEX log_events_type;
ALTER TABLE log_events DROP COLUMN search_text;
ALTER TABLE log_events DROP COLUMN display_message;
ALTER TABLE log_events DROP COLUMN request_id;
ALTER TABLE log_events DROP COLUMN client_ip;
ALTER TABLE log_events DROP COLUMN outcome_reason;
ALTER TABLE log_events DROP COLUMN actor_display_name;
ALTER TABLE log_events DROP COLUMN actor_alternate_id;
ALTER TABLE log_events DROP COLUMN actor_type;
