-- +goose Up
-- SQLite finds an event's targets in its body: every body holds them
-- (Targets, written since 00005), and SQLite never used this table's index
-- to drive a target filter, only to probe it once per event in the time
-- range, which reading the body does as well. Writing two more B-trees per
-- target cost as much CPU as the event itself. PostgreSQL, whose planner
-- may drive a selective filter from the index, keeps the table.
DROP TABLE log_event_targets;

-- +goose Down
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
INSERT INTO log_event_targets (event_uuid, position, id, type, alternate_id, display_name)
    SELECT e.uuid, t.key, COALESCE(t.value ->> '$.ID', ''), COALESCE(t.value ->> '$.Type', ''),
           COALESCE(t.value ->> '$.AlternateID', ''), COALESCE(t.value ->> '$.DisplayName', '')
    FROM log_events e, json_each(e.body, '$.Targets') t
    WHERE t.type = 'object';
