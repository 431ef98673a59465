-- 0001: the project file's first shape.
-- Ids are text chosen by the app so that they stay the same when the file is copied to
-- other machines and merged back: an article's id comes from its content hash, a unit's
-- id from its article and its position at import.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE schemes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    scheme_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    source_toml  TEXT NOT NULL,
    installed_at TEXT NOT NULL
);

CREATE TABLE articles (
    id           TEXT PRIMARY KEY,
    position     INTEGER NOT NULL UNIQUE,
    title        TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    date         TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    metadata     TEXT NOT NULL DEFAULT '{}',
    origin       TEXT NOT NULL DEFAULT '',
    encoding     TEXT NOT NULL DEFAULT 'utf-8',
    excluded     INTEGER NOT NULL DEFAULT 0,
    imported_at  TEXT NOT NULL
);

CREATE TABLE paragraphs (
    article_id  TEXT NOT NULL REFERENCES articles(id),
    idx         INTEGER NOT NULL,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    excluded    INTEGER NOT NULL DEFAULT 0,
    excluded_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, idx)
) WITHOUT ROWID;

-- One row per sentence, excluded clutter included (it is shown as context, never coded).
-- seq orders all units of the project for navigation.
CREATE TABLE units (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    article_id  TEXT NOT NULL REFERENCES articles(id),
    paragraph   INTEGER NOT NULL,
    sentence    INTEGER NOT NULL,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    excluded    INTEGER NOT NULL DEFAULT 0,
    excluded_by TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX units_article ON units (article_id, start);

CREATE TABLE coders (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    is_lead    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- The current value of each (unit, coder, dimension); history keeps every change.
CREATE TABLE labels (
    unit_id    TEXT NOT NULL REFERENCES units(id),
    coder_id   TEXT NOT NULL REFERENCES coders(id),
    dimension  TEXT NOT NULL,
    value      TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    seconds    REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, coder_id, dimension)
) WITHOUT ROWID;
CREATE INDEX labels_coder ON labels (coder_id, unit_id);

-- Append-only. action: set, clear, undo, redo, import, merge. old/new NULL = no value.
-- reverts points at the history row that an undo or redo reverses.
CREATE TABLE label_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id    TEXT NOT NULL,
    coder_id   TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    action     TEXT NOT NULL,
    reverts    INTEGER REFERENCES label_history(id),
    changed_at TEXT NOT NULL
);
CREATE INDEX label_history_coder ON label_history (coder_id, id);
CREATE INDEX label_history_unit ON label_history (unit_id, coder_id, dimension);

-- Per unit and coder: the unsure flag, a note, and the time spent on the sentence.
CREATE TABLE unit_states (
    unit_id    TEXT NOT NULL REFERENCES units(id),
    coder_id   TEXT NOT NULL REFERENCES coders(id),
    unsure     INTEGER NOT NULL DEFAULT 0,
    note       TEXT NOT NULL DEFAULT '',
    seconds    REAL NOT NULL DEFAULT 0,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, coder_id)
) WITHOUT ROWID;

-- Who did what to the corpus or the project (imports, curation, scheme changes).
CREATE TABLE change_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    who     TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
