-- 0002: the team workflow — assignments and rounds, gold labels from adjudication,
-- merges of coder packages, and per-coder "needs re-coding" flags.

-- A round is one draw of work: a reliability sample, a calibration batch, or the split of
-- the remaining units among coders. seed makes it reproducible.
CREATE TABLE rounds (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,            -- reliability | calibration | split | manual
    seed       INTEGER,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    details    TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE assignments (
    unit_id     TEXT NOT NULL REFERENCES units(id),
    coder_id    TEXT NOT NULL REFERENCES coders(id),
    round_id    TEXT NOT NULL REFERENCES rounds(id),
    reliability INTEGER NOT NULL DEFAULT 0,   -- 1: part of the reliability sample
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, coder_id)
) WITHOUT ROWID;
CREATE INDEX assignments_coder ON assignments (coder_id, round_id);
CREATE INDEX assignments_round ON assignments (round_id);

-- The adjudicated value of a unit on a dimension: what a classifier trains on.
CREATE TABLE gold_labels (
    unit_id     TEXT NOT NULL REFERENCES units(id),
    dimension   TEXT NOT NULL,
    value       TEXT NOT NULL,
    method      TEXT NOT NULL,            -- adjudicated | unanimous | majority
    adjudicator TEXT NOT NULL,
    rationale   TEXT NOT NULL DEFAULT '',
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (unit_id, dimension)
) WITHOUT ROWID;

-- Append-only record of every gold decision and its reversal.
CREATE TABLE gold_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    method      TEXT NOT NULL,
    adjudicator TEXT NOT NULL,
    rationale   TEXT NOT NULL DEFAULT '',
    decided_at  TEXT NOT NULL
);

-- One row per file merged into this project; report holds counts and conflicts.
CREATE TABLE merges (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    merged_at         TEXT NOT NULL,
    merged_by         TEXT NOT NULL DEFAULT '',
    source_path       TEXT NOT NULL,
    source_project_id TEXT NOT NULL,
    source_digest     TEXT NOT NULL,      -- sha256 of the merged content, to spot repeats
    report            TEXT NOT NULL DEFAULT '{}'
);

-- A unit whose text changed after a coder coded it is shown to that coder again.
ALTER TABLE unit_states ADD COLUMN needs_recoding INTEGER NOT NULL DEFAULT 0;
