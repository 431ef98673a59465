-- 0007: labels, their history and the coders' unit states with integer keys (issue 24).
-- A project of 1M sentences and 12M labels was 4.7 GB, about 390 bytes a label, because
-- every table and index repeated the unit id, coder id, dimension, code and ISO time as
-- text. Now:
--   * label_terms numbers every coder id, dimension id, code and history action (one
--     dictionary of short texts, append-only: a number is never reused or changed, so a
--     code dropped from the scheme stays readable);
--   * unit_keys numbers every unit that has a label, history row or state (units.seq
--     is renumbered by curation, so it cannot be the key); numbers are never reused;
--   * a time in the project's form (2026-11-22T10:14:00.123456Z) is stored as integer
--     microseconds since 2028-01-01T00:00:00Z (six bytes from mid-2023 to mid-2032,
--     eight outside) and reads back as exactly that text; any other text (a file from
--     elsewhere) is kept as it came;
--   * history rows are stored by coder and id (the undo stack and a coder's package read
--     one coder's rows in order), with one index by unit; label_clock keeps the last
--     history id given out and the earliest and latest history times (it replaces the
--     time index).
-- The old names (labels, label_history, unit_states) become views with the same columns,
-- so that rare readers, other programs and files attached as packages read them as
-- before; INSTEAD OF triggers let plain INSERT, UPDATE and DELETE through them.

CREATE TABLE label_terms (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL UNIQUE
);

CREATE TABLE unit_keys (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id TEXT NOT NULL UNIQUE
);

-- changed_at has no declared type: integer microseconds or the original text.
CREATE TABLE label_current (
    unit       INTEGER NOT NULL,
    coder      INTEGER NOT NULL,
    dimension  INTEGER NOT NULL,
    value      INTEGER NOT NULL,
    changed_at NOT NULL,
    seconds    REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, coder, dimension)
) WITHOUT ROWID;

-- id is unique over the table (given out from label_clock); reverts is the id of the
-- row an undo or redo reverses (a row of the same coder).
CREATE TABLE label_changes (
    coder      INTEGER NOT NULL,
    id         INTEGER NOT NULL,
    unit       INTEGER NOT NULL,
    dimension  INTEGER NOT NULL,
    old_value  INTEGER,
    new_value  INTEGER,
    action     INTEGER NOT NULL,
    reverts    INTEGER,
    changed_at NOT NULL,
    PRIMARY KEY (coder, id)
) WITHOUT ROWID;

CREATE TABLE unit_state_rows (
    unit           INTEGER NOT NULL,
    coder          INTEGER NOT NULL,
    unsure         INTEGER NOT NULL DEFAULT 0,
    note           TEXT NOT NULL DEFAULT '',
    seconds        REAL NOT NULL DEFAULT 0,
    changed_at     NOT NULL,
    needs_recoding INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, coder)
) WITHOUT ROWID;

-- One row: the last history id given out, and the earliest and latest history times
-- (ISO text; rows deleted later, which only lab sync does, do not move them back).
CREATE TABLE label_clock (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_change INTEGER NOT NULL,
    earliest    TEXT,
    latest      TEXT
);

-- 'set', the action of most history rows, is number 1: SQLite stores 0 and 1 in no bytes.
INSERT INTO label_terms (text) VALUES ('set');

-- Every other text key, numbered in text order, as are the units: the copies below read
-- the old tables in their key order (no sort), which is then the new tables' key order,
-- and fill their pages in one pass.
INSERT INTO label_terms (text)
WITH l AS MATERIALIZED (SELECT DISTINCT coder_id, dimension, value FROM labels),
     h AS MATERIALIZED (
         SELECT DISTINCT coder_id, dimension, old_value, new_value, action FROM label_history)
SELECT t FROM (
    SELECT id AS t FROM coders
    UNION SELECT coder_id FROM l UNION SELECT dimension FROM l UNION SELECT value FROM l
    UNION SELECT coder_id FROM h UNION SELECT dimension FROM h UNION SELECT action FROM h
    UNION SELECT old_value FROM h UNION SELECT new_value FROM h
    UNION SELECT coder_id FROM unit_states
    UNION VALUES ('clear'), ('undo'), ('redo'), ('import'), ('merge')
) WHERE t IS NOT NULL AND t <> 'set' ORDER BY t;

INSERT INTO unit_keys (unit_id)
SELECT unit_id FROM labels
UNION SELECT unit_id FROM label_history
UNION SELECT unit_id FROM unit_states
ORDER BY 1;

-- The three copies below run in chunks (migrate() reports each one; every chunk is a
-- statement of this migration's transaction): units by their number, history rows by
-- id. unit_keys drives the unit-keyed copies (CROSS JOIN keeps it outside), so the rows
-- still come in the old tables' key order.
-- chunks: unit_keys.id
INSERT INTO label_current (unit, coder, dimension, value, changed_at, seconds)
SELECT k.id, c.id, d.id, v.id, CASE WHEN l.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND l.changed_at >= '1970' AND substr(l.changed_at, 12, 2) < '24' AND date(substr(l.changed_at, 1, 10), '+0 days') = substr(l.changed_at, 1, 10) THEN CAST(strftime('%s', substr(l.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(l.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE l.changed_at END, l.seconds
FROM unit_keys k
CROSS JOIN labels l ON l.unit_id = k.unit_id
JOIN label_terms c ON c.text = l.coder_id
JOIN label_terms d ON d.text = l.dimension
JOIN label_terms v ON v.text = l.value
WHERE k.id BETWEEN :chunk_start AND :chunk_end
ORDER BY k.id, l.coder_id, l.dimension;

-- chunks: label_history.id
INSERT INTO label_changes (coder, id, unit, dimension, old_value, new_value, action, reverts,
                           changed_at)
SELECT c.id, h.id, k.id, d.id, (SELECT id FROM label_terms WHERE text = h.old_value), (SELECT id FROM label_terms WHERE text = h.new_value), a.id, h.reverts,
       CASE WHEN h.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND h.changed_at >= '1970' AND substr(h.changed_at, 12, 2) < '24' AND date(substr(h.changed_at, 1, 10), '+0 days') = substr(h.changed_at, 1, 10) THEN CAST(strftime('%s', substr(h.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(h.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE h.changed_at END
FROM label_history h
JOIN unit_keys k ON k.unit_id = h.unit_id
JOIN label_terms c ON c.text = h.coder_id
JOIN label_terms d ON d.text = h.dimension
JOIN label_terms a ON a.text = h.action
WHERE h.id BETWEEN :chunk_start AND :chunk_end
ORDER BY h.coder_id, h.id;

-- chunks: unit_keys.id
INSERT INTO unit_state_rows (unit, coder, unsure, note, seconds, changed_at, needs_recoding)
SELECT k.id, c.id, s.unsure, s.note, s.seconds, CASE WHEN s.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND s.changed_at >= '1970' AND substr(s.changed_at, 12, 2) < '24' AND date(substr(s.changed_at, 1, 10), '+0 days') = substr(s.changed_at, 1, 10) THEN CAST(strftime('%s', substr(s.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(s.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE s.changed_at END, s.needs_recoding
FROM unit_keys k
CROSS JOIN unit_states s ON s.unit_id = k.unit_id
JOIN label_terms c ON c.text = s.coder_id
WHERE k.id BETWEEN :chunk_start AND :chunk_end
ORDER BY k.id, s.coder_id;

-- Numbers of deleted history rows are not given out again.
INSERT INTO label_clock (id, last_change, earliest, latest)
SELECT 1, max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'label_history'), 0),
              coalesce((SELECT max(id) FROM label_history), 0)),
       (SELECT min(changed_at) FROM label_history),
       (SELECT max(changed_at) FROM label_history);

-- migrate() runs every migration with foreign keys off: with them on, dropping
-- label_history would delete its rows one by one and check each one's references.
DROP TABLE labels;
DROP TABLE label_history;
DROP TABLE unit_states;

CREATE INDEX label_current_coder ON label_current (coder, unit);
CREATE INDEX label_changes_unit ON label_changes (unit, coder);

CREATE TRIGGER label_changes_clock AFTER INSERT ON label_changes BEGIN
    UPDATE label_clock SET last_change = max(last_change, NEW.id),
        earliest = min(coalesce(earliest, t.at), t.at), latest = max(coalesce(latest, ''), t.at)
    FROM (SELECT CASE WHEN typeof(NEW.changed_at) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', (NEW.changed_at - ((NEW.changed_at % 1000000 + 1000000) % 1000000)) / 1000000 + 1830297600, 'unixepoch') || printf('.%06dZ', ((NEW.changed_at % 1000000 + 1000000) % 1000000)) ELSE NEW.changed_at END AS at) AS t;
END;

-- The old tables' shapes, read and written through the integer tables.

CREATE VIEW labels (unit_id, coder_id, dimension, value, changed_at, seconds) AS
SELECT k.unit_id, c.text, d.text, v.text, CASE WHEN typeof(l.changed_at) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', (l.changed_at - ((l.changed_at % 1000000 + 1000000) % 1000000)) / 1000000 + 1830297600, 'unixepoch') || printf('.%06dZ', ((l.changed_at % 1000000 + 1000000) % 1000000)) ELSE l.changed_at END, l.seconds
FROM label_current l
JOIN unit_keys k ON k.id = l.unit
JOIN label_terms c ON c.id = l.coder
JOIN label_terms d ON d.id = l.dimension
JOIN label_terms v ON v.id = l.value;

CREATE VIEW label_history (id, unit_id, coder_id, dimension, old_value, new_value, action,
                           reverts, changed_at) AS
SELECT h.id, k.unit_id, c.text, d.text,
       (SELECT text FROM label_terms WHERE id = h.old_value),
       (SELECT text FROM label_terms WHERE id = h.new_value),
       a.text, h.reverts, CASE WHEN typeof(h.changed_at) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', (h.changed_at - ((h.changed_at % 1000000 + 1000000) % 1000000)) / 1000000 + 1830297600, 'unixepoch') || printf('.%06dZ', ((h.changed_at % 1000000 + 1000000) % 1000000)) ELSE h.changed_at END
FROM label_changes h
JOIN unit_keys k ON k.id = h.unit
JOIN label_terms c ON c.id = h.coder
JOIN label_terms d ON d.id = h.dimension
JOIN label_terms a ON a.id = h.action;

CREATE VIEW unit_states (unit_id, coder_id, unsure, note, seconds, changed_at,
                         needs_recoding) AS
SELECT k.unit_id, c.text, s.unsure, s.note, s.seconds, CASE WHEN typeof(s.changed_at) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', (s.changed_at - ((s.changed_at % 1000000 + 1000000) % 1000000)) / 1000000 + 1830297600, 'unixepoch') || printf('.%06dZ', ((s.changed_at % 1000000 + 1000000) % 1000000)) ELSE s.changed_at END, s.needs_recoding
FROM unit_state_rows s
JOIN unit_keys k ON k.id = s.unit
JOIN label_terms c ON c.id = s.coder;

CREATE TRIGGER labels_insert INSTEAD OF INSERT ON labels BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t UNION SELECT NEW.dimension UNION SELECT NEW.value) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    INSERT INTO label_current (unit, coder, dimension, value, changed_at, seconds)
    VALUES ((SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), (SELECT id FROM label_terms WHERE text = NEW.coder_id), (SELECT id FROM label_terms WHERE text = NEW.dimension),
            (SELECT id FROM label_terms WHERE text = NEW.value), CASE WHEN NEW.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.changed_at >= '1970' AND substr(NEW.changed_at, 12, 2) < '24' AND date(substr(NEW.changed_at, 1, 10), '+0 days') = substr(NEW.changed_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.changed_at END, coalesce(NEW.seconds, 0));
END;

CREATE TRIGGER labels_update INSTEAD OF UPDATE ON labels BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t UNION SELECT NEW.dimension UNION SELECT NEW.value) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    UPDATE label_current SET unit = (SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), coder = (SELECT id FROM label_terms WHERE text = NEW.coder_id),
        dimension = (SELECT id FROM label_terms WHERE text = NEW.dimension), value = (SELECT id FROM label_terms WHERE text = NEW.value),
        changed_at = CASE WHEN NEW.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.changed_at >= '1970' AND substr(NEW.changed_at, 12, 2) < '24' AND date(substr(NEW.changed_at, 1, 10), '+0 days') = substr(NEW.changed_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.changed_at END, seconds = NEW.seconds
    WHERE unit = (SELECT id FROM unit_keys WHERE unit_id = OLD.unit_id) AND coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id)
        AND dimension = (SELECT id FROM label_terms WHERE text = OLD.dimension);
END;

CREATE TRIGGER labels_delete INSTEAD OF DELETE ON labels BEGIN
    DELETE FROM label_current WHERE unit = (SELECT id FROM unit_keys WHERE unit_id = OLD.unit_id)
        AND coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id) AND dimension = (SELECT id FROM label_terms WHERE text = OLD.dimension);
END;

-- A history row's id is unique in the whole table (the key is coder and id, so that one
-- coder's rows are stored together): a row given an id already taken is refused.
CREATE TRIGGER label_history_insert INSTEAD OF INSERT ON label_history BEGIN
    SELECT RAISE(ABORT, 'UNIQUE constraint failed: label_history.id')
    WHERE EXISTS (SELECT 1 FROM label_changes WHERE id = NEW.id
                  AND coder IN (SELECT id FROM label_terms));
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t UNION SELECT NEW.dimension UNION SELECT NEW.action UNION SELECT NEW.old_value UNION SELECT NEW.new_value) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    INSERT INTO label_changes (coder, id, unit, dimension, old_value, new_value, action,
                               reverts, changed_at)
    VALUES ((SELECT id FROM label_terms WHERE text = NEW.coder_id),
            coalesce(NEW.id, (SELECT last_change + 1 FROM label_clock)),
            (SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), (SELECT id FROM label_terms WHERE text = NEW.dimension),
            (SELECT id FROM label_terms WHERE text = NEW.old_value), (SELECT id FROM label_terms WHERE text = NEW.new_value), (SELECT id FROM label_terms WHERE text = NEW.action),
            NEW.reverts, CASE WHEN NEW.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.changed_at >= '1970' AND substr(NEW.changed_at, 12, 2) < '24' AND date(substr(NEW.changed_at, 1, 10), '+0 days') = substr(NEW.changed_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.changed_at END);
END;

CREATE TRIGGER label_history_update INSTEAD OF UPDATE ON label_history BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t UNION SELECT NEW.dimension UNION SELECT NEW.action UNION SELECT NEW.old_value UNION SELECT NEW.new_value) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    UPDATE label_changes SET id = NEW.id, unit = (SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id),
        coder = (SELECT id FROM label_terms WHERE text = NEW.coder_id), dimension = (SELECT id FROM label_terms WHERE text = NEW.dimension),
        old_value = (SELECT id FROM label_terms WHERE text = NEW.old_value), new_value = (SELECT id FROM label_terms WHERE text = NEW.new_value),
        action = (SELECT id FROM label_terms WHERE text = NEW.action), reverts = NEW.reverts,
        changed_at = CASE WHEN NEW.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.changed_at >= '1970' AND substr(NEW.changed_at, 12, 2) < '24' AND date(substr(NEW.changed_at, 1, 10), '+0 days') = substr(NEW.changed_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.changed_at END
    WHERE coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id) AND id = OLD.id;
END;

CREATE TRIGGER label_history_delete INSTEAD OF DELETE ON label_history BEGIN
    DELETE FROM label_changes WHERE coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id) AND id = OLD.id;
END;

CREATE TRIGGER unit_states_insert INSTEAD OF INSERT ON unit_states BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    -- chunks: unit_keys.id
INSERT INTO unit_state_rows (unit, coder, unsure, note, seconds, changed_at, needs_recoding)
    VALUES ((SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), (SELECT id FROM label_terms WHERE text = NEW.coder_id), coalesce(NEW.unsure, 0),
            coalesce(NEW.note, ''), coalesce(NEW.seconds, 0), CASE WHEN NEW.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.changed_at >= '1970' AND substr(NEW.changed_at, 12, 2) < '24' AND date(substr(NEW.changed_at, 1, 10), '+0 days') = substr(NEW.changed_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.changed_at END,
            coalesce(NEW.needs_recoding, 0));
END;

CREATE TRIGGER unit_states_update INSTEAD OF UPDATE ON unit_states BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    UPDATE unit_state_rows SET unit = (SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), coder = (SELECT id FROM label_terms WHERE text = NEW.coder_id),
        unsure = NEW.unsure, note = NEW.note, seconds = NEW.seconds,
        changed_at = CASE WHEN NEW.changed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.changed_at >= '1970' AND substr(NEW.changed_at, 12, 2) < '24' AND date(substr(NEW.changed_at, 1, 10), '+0 days') = substr(NEW.changed_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.changed_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.changed_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.changed_at END, needs_recoding = NEW.needs_recoding
    WHERE unit = (SELECT id FROM unit_keys WHERE unit_id = OLD.unit_id) AND coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id);
END;

CREATE TRIGGER unit_states_delete INSTEAD OF DELETE ON unit_states BEGIN
    DELETE FROM unit_state_rows WHERE unit = (SELECT id FROM unit_keys WHERE unit_id = OLD.unit_id)
        AND coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id);
END;
