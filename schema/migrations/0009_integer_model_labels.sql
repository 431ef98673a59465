-- 0009: a machine coder's labels with integer keys (issue 24), as 0007 did for the human
-- labels. model_labels kept the unit id, coder id, dimension, code and ISO time as text and
-- each row's probabilities as JSON with every code spelled out: about 180 bytes a row, 36
-- bytes a label of a 1M project. Now model_label_rows holds numbers of unit_keys and
-- label_terms, the time as 0007's integer microseconds, and the probabilities as
--   * codes: the number in label_terms of the JSON array of the object's keys, in order
--     (one term per dimension's code list: '["against","neutral","pro"]'), and
--   * probabilities: the numbers exactly as they were written, separated by one space
--     ('0.123456 0.2 0.676544'); the text '{"against": 0.123456, ...}' reads back byte
--     for byte (json.dumps' separators), so every value is the same double;
-- when an object cannot be read back byte for byte that way (not written by json.dumps, a
-- key outside printable ASCII or holding a quote or backslash, a value that is not a number, NaN) it is kept as it came,
-- with codes NULL; '' (no probabilities) stays ''.
-- The old name becomes a view with the same columns; INSTEAD OF triggers let plain INSERT,
-- UPDATE and DELETE through it. The store (desktop/core/store/machine.py) reads and writes
-- the table directly.
--
-- Also dropped: units_by_id_codable (0004). Every query it served is answered by the
-- units' primary key index (sqlite_autoindex_units_1 on id) since 0008's articles_listing
-- covers the article side; see tests/store/test_model_label_keys.py.

CREATE TABLE model_label_rows (
    coder         INTEGER NOT NULL,
    run           INTEGER NOT NULL,
    unit          INTEGER NOT NULL,
    dimension     INTEGER NOT NULL,
    value         INTEGER,
    codes         INTEGER,
    probabilities TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    out_of_fold   INTEGER NOT NULL DEFAULT 0,
    created_at    NOT NULL,
    PRIMARY KEY (coder, run, unit, dimension)
) WITHOUT ROWID;

-- Each row's key list and numbers, worked out once: a row qualifies when its text is an
-- object of numbers whose keys are printable ASCII and which json.dumps' separators
-- rebuild byte for byte.
CREATE TEMP TABLE model_label_split AS
SELECT * FROM (
    SELECT coder_id, run, unit_id, dimension, (SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (probabilities -> j.fullkey), ', ') || '}' = probabilities THEN json_group_array(j.key) END FROM json_each(CASE WHEN json_valid(probabilities) AND json_type(probabilities) = 'object' THEN probabilities ELSE '{}' END) j) AS codes,
           (SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (probabilities -> j.fullkey), ', ') || '}' = probabilities THEN group_concat(probabilities -> j.fullkey, ' ') END FROM json_each(CASE WHEN json_valid(probabilities) AND json_type(probabilities) = 'object' THEN probabilities ELSE '{}' END) j) AS numbers
    FROM model_labels WHERE probabilities <> ''
) WHERE codes IS NOT NULL;

INSERT INTO unit_keys (unit_id)
SELECT DISTINCT unit_id FROM model_labels WHERE unit_id NOT IN (SELECT unit_id FROM unit_keys)
ORDER BY 1;

INSERT INTO label_terms (text)
SELECT t FROM (
    SELECT coder_id AS t FROM model_labels UNION SELECT dimension FROM model_labels
    UNION SELECT value FROM model_labels UNION SELECT codes FROM temp.model_label_split
) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms) ORDER BY t;

INSERT INTO model_label_rows (coder, run, unit, dimension, value, codes, probabilities, reason,
                              out_of_fold, created_at)
SELECT c.id, m.run, k.id, d.id, v.id, p.id, coalesce(s.numbers, m.probabilities), m.reason,
       m.out_of_fold, CASE WHEN m.created_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND m.created_at >= '1970' AND substr(m.created_at, 12, 2) < '24' AND date(substr(m.created_at, 1, 10), '+0 days') = substr(m.created_at, 1, 10) THEN CAST(strftime('%s', substr(m.created_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(m.created_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE m.created_at END
FROM model_labels m
JOIN label_terms c ON c.text = m.coder_id
JOIN unit_keys k ON k.unit_id = m.unit_id
JOIN label_terms d ON d.text = m.dimension
LEFT JOIN label_terms v ON v.text = m.value
LEFT JOIN temp.model_label_split s ON s.coder_id = m.coder_id AND s.run = m.run
    AND s.unit_id = m.unit_id AND s.dimension = m.dimension
LEFT JOIN label_terms p ON p.text = s.codes
ORDER BY c.id, m.run, k.id, d.id;

DROP TABLE temp.model_label_split;
DROP TABLE model_labels;
DROP INDEX IF EXISTS units_by_id_codable;

CREATE VIEW model_labels (coder_id, run, unit_id, dimension, value, probabilities, reason,
                          out_of_fold, created_at) AS
SELECT c.text, m.run, k.unit_id, d.text, (SELECT text FROM label_terms WHERE id = m.value),
       CASE WHEN m.codes IS NULL THEN m.probabilities ELSE (SELECT '{' || group_concat(json_quote(e.value) || ': ' || n.value, ', ') || '}' FROM json_each((SELECT text FROM label_terms WHERE id = m.codes)) e JOIN json_each('["' || replace(m.probabilities, ' ', '","') || '"]') n ON n.key = e.key) END,
       m.reason, m.out_of_fold, CASE WHEN typeof(m.created_at) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', (m.created_at - ((m.created_at % 1000000 + 1000000) % 1000000)) / 1000000 + 1830297600, 'unixepoch') || printf('.%06dZ', ((m.created_at % 1000000 + 1000000) % 1000000)) ELSE m.created_at END
FROM model_label_rows m
JOIN label_terms c ON c.id = m.coder
JOIN unit_keys k ON k.id = m.unit
JOIN label_terms d ON d.id = m.dimension;

CREATE TRIGGER model_labels_insert INSTEAD OF INSERT ON model_labels BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t UNION SELECT NEW.dimension UNION SELECT NEW.value UNION SELECT (SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (coalesce(NEW.probabilities, '') -> j.fullkey), ', ') || '}' = coalesce(NEW.probabilities, '') THEN json_group_array(j.key) END FROM json_each(CASE WHEN json_valid(coalesce(NEW.probabilities, '')) AND json_type(coalesce(NEW.probabilities, '')) = 'object' THEN coalesce(NEW.probabilities, '') ELSE '{}' END) j)) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    INSERT INTO model_label_rows (coder, run, unit, dimension, value, codes, probabilities, reason, out_of_fold, created_at)
    VALUES ((SELECT id FROM label_terms WHERE text = NEW.coder_id), coalesce(NEW.run, 1), (SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), (SELECT id FROM label_terms WHERE text = NEW.dimension), (SELECT id FROM label_terms WHERE text = NEW.value), (SELECT id FROM label_terms WHERE text = (SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (coalesce(NEW.probabilities, '') -> j.fullkey), ', ') || '}' = coalesce(NEW.probabilities, '') THEN json_group_array(j.key) END FROM json_each(CASE WHEN json_valid(coalesce(NEW.probabilities, '')) AND json_type(coalesce(NEW.probabilities, '')) = 'object' THEN coalesce(NEW.probabilities, '') ELSE '{}' END) j)), coalesce((SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (coalesce(NEW.probabilities, '') -> j.fullkey), ', ') || '}' = coalesce(NEW.probabilities, '') THEN group_concat(coalesce(NEW.probabilities, '') -> j.fullkey, ' ') END FROM json_each(CASE WHEN json_valid(coalesce(NEW.probabilities, '')) AND json_type(coalesce(NEW.probabilities, '')) = 'object' THEN coalesce(NEW.probabilities, '') ELSE '{}' END) j), coalesce(NEW.probabilities, '')), coalesce(NEW.reason, ''), coalesce(NEW.out_of_fold, 0), CASE WHEN NEW.created_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.created_at >= '1970' AND substr(NEW.created_at, 12, 2) < '24' AND date(substr(NEW.created_at, 1, 10), '+0 days') = substr(NEW.created_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.created_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.created_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.created_at END);
END;

CREATE TRIGGER model_labels_update INSTEAD OF UPDATE ON model_labels BEGIN
    INSERT INTO unit_keys (unit_id) SELECT NEW.unit_id WHERE NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_keys WHERE unit_id = NEW.unit_id);
    INSERT INTO label_terms (text) SELECT t FROM (SELECT NEW.coder_id AS t UNION SELECT NEW.dimension UNION SELECT NEW.value UNION SELECT (SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (coalesce(NEW.probabilities, '') -> j.fullkey), ', ') || '}' = coalesce(NEW.probabilities, '') THEN json_group_array(j.key) END FROM json_each(CASE WHEN json_valid(coalesce(NEW.probabilities, '')) AND json_type(coalesce(NEW.probabilities, '')) = 'object' THEN coalesce(NEW.probabilities, '') ELSE '{}' END) j)) WHERE t IS NOT NULL AND t NOT IN (SELECT text FROM label_terms);
    UPDATE model_label_rows SET coder = (SELECT id FROM label_terms WHERE text = NEW.coder_id), run = coalesce(NEW.run, 1), unit = (SELECT id FROM unit_keys WHERE unit_id = NEW.unit_id), dimension = (SELECT id FROM label_terms WHERE text = NEW.dimension), value = (SELECT id FROM label_terms WHERE text = NEW.value), codes = (SELECT id FROM label_terms WHERE text = (SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (coalesce(NEW.probabilities, '') -> j.fullkey), ', ') || '}' = coalesce(NEW.probabilities, '') THEN json_group_array(j.key) END FROM json_each(CASE WHEN json_valid(coalesce(NEW.probabilities, '')) AND json_type(coalesce(NEW.probabilities, '')) = 'object' THEN coalesce(NEW.probabilities, '') ELSE '{}' END) j)), probabilities = coalesce((SELECT CASE WHEN count(*) > 0 AND sum(j.type IN ('integer', 'real') AND j.key NOT GLOB '*[^ -~]*' AND instr(j.key, '"') = 0 AND instr(j.key, '\') = 0) = count(*) AND '{' || group_concat(json_quote(j.key) || ': ' || (coalesce(NEW.probabilities, '') -> j.fullkey), ', ') || '}' = coalesce(NEW.probabilities, '') THEN group_concat(coalesce(NEW.probabilities, '') -> j.fullkey, ' ') END FROM json_each(CASE WHEN json_valid(coalesce(NEW.probabilities, '')) AND json_type(coalesce(NEW.probabilities, '')) = 'object' THEN coalesce(NEW.probabilities, '') ELSE '{}' END) j), coalesce(NEW.probabilities, '')), reason = coalesce(NEW.reason, ''), out_of_fold = coalesce(NEW.out_of_fold, 0), created_at = CASE WHEN NEW.created_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' AND NEW.created_at >= '1970' AND substr(NEW.created_at, 12, 2) < '24' AND date(substr(NEW.created_at, 1, 10), '+0 days') = substr(NEW.created_at, 1, 10) THEN CAST(strftime('%s', substr(NEW.created_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.created_at, 21, 6) AS INTEGER) - 1830297600000000 ELSE NEW.created_at END
    WHERE coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id) AND run = OLD.run AND unit = (SELECT id FROM unit_keys WHERE unit_id = OLD.unit_id) AND dimension = (SELECT id FROM label_terms WHERE text = OLD.dimension);
END;

CREATE TRIGGER model_labels_delete INSTEAD OF DELETE ON model_labels BEGIN
    DELETE FROM model_label_rows WHERE coder = (SELECT id FROM label_terms WHERE text = OLD.coder_id) AND run = OLD.run AND unit = (SELECT id FROM unit_keys WHERE unit_id = OLD.unit_id) AND dimension = (SELECT id FROM label_terms WHERE text = OLD.dimension);
END;

-- The search index of 0008 without word positions (detail=none): 13 bytes a label at
-- 100k, of which the positions (with their copies in the three prefix indexes) were two
-- thirds, now about 5. Phrases ("jong-un") and the words of what is typed are
-- matched as an AND of words by the index and checked in order by store.search
-- (phrase_filter), with the same results. The triggers of 0008 keep it current as before.
DROP TABLE unit_search;

CREATE VIRTUAL TABLE unit_search USING fts5(
    text,
    content = 'units',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3',
    detail = none
);

INSERT INTO unit_search (unit_search) VALUES ('rebuild');
