-- 0003: corpus curation — the lead merges, splits, excludes and includes units after import.
-- Unit ids never change: a merge keeps the first unit's id and retires the second, a split
-- keeps the id on the part that holds the original start and gives the rest a new id.

-- A retired unit was merged into its neighbour. It stays (its labels and history point at
-- it) but is never shown, coded or included again; it is also excluded, so every query
-- that asks for codable units (excluded = 0) already leaves it out.
ALTER TABLE units ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;

-- 1: the lead excluded or included this unit by hand; re-applying clutter rules leaves it.
ALTER TABLE units ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;

-- What each curation step did to each unit, so that a coder package made before a step
-- can be matched unit by unit. event: merged (absorbed other_unit), merged_into (retired
-- into other_unit), split (gave its end to other_unit), split_off (new, taken from
-- other_unit), excluded, included. old_* is the unit before the step.
CREATE TABLE unit_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  INTEGER NOT NULL REFERENCES change_log(id),
    unit_id    TEXT NOT NULL,
    event      TEXT NOT NULL,
    other_unit TEXT NOT NULL DEFAULT '',
    old_start  INTEGER NOT NULL,
    old_end    INTEGER NOT NULL,
    old_text   TEXT NOT NULL
);
CREATE INDEX unit_changes_unit ON unit_changes (unit_id, id);

-- The labels a coded unit held when its text changed, attached to the unit that inherits
-- the text (both units' labels after a merge), for adjudication. kind: label | gold
-- (coder_id is the adjudicator for gold). The labels themselves stay where they were.
CREATE TABLE curation_labels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  INTEGER NOT NULL REFERENCES change_log(id),
    unit_id    TEXT NOT NULL,
    from_unit  TEXT NOT NULL,
    from_text  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    coder_id   TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    value      TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX curation_labels_unit ON curation_labels (unit_id, id);
