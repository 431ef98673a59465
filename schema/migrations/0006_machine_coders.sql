-- 0006: machine coders. A model (trained on the project's labels, an LLM behind a
-- chat-completions endpoint, or predictions imported from elsewhere) is a coder of kind
-- 'model'. Its labels live in model_labels, never in labels: every human figure, coder
-- package, adjudication and export of human labels therefore leaves it out by
-- construction, and it enters a comparison only when asked for by name.
ALTER TABLE coders ADD COLUMN kind TEXT NOT NULL DEFAULT 'human';

-- Provenance of a model coder. method: train | llm | import. basis: what it learnt from
-- or was asked with (gold, majority, coder:NAME, prompt, a file name); basis_hash: the
-- sha256 of the training labels or of the prompt template. parameters, library_versions
-- and report (cross-validation, run counts) are JSON. No secret is ever stored here.
CREATE TABLE model_coders (
    coder_id         TEXT PRIMARY KEY REFERENCES coders(id),
    method           TEXT NOT NULL,
    basis            TEXT NOT NULL DEFAULT '',
    basis_hash       TEXT NOT NULL DEFAULT '',
    parameters       TEXT NOT NULL DEFAULT '{}',
    library_versions TEXT NOT NULL DEFAULT '{}',
    report           TEXT NOT NULL DEFAULT '{}',
    created_at       TEXT NOT NULL
) WITHOUT ROWID;

-- A model's label of a unit on a dimension in one run (LLM runs repeat the coding to
-- measure run-to-run reliability). value NULL: no valid answer, reason says why.
-- probabilities: JSON {code: p} where the method gives them. out_of_fold: 1 when the unit
-- was predicted by a model that never saw its article.
CREATE TABLE model_labels (
    coder_id      TEXT NOT NULL REFERENCES coders(id),
    run           INTEGER NOT NULL DEFAULT 1,
    unit_id       TEXT NOT NULL REFERENCES units(id),
    dimension     TEXT NOT NULL,
    value         TEXT,
    probabilities TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    out_of_fold   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (coder_id, run, unit_id, dimension)
) WITHOUT ROWID;

-- Responses of a chat-completions endpoint, so that a rerun or a resume after a kill
-- asks nothing twice. prompt_hash covers the template and the scheme, not the unit.
CREATE TABLE llm_cache (
    model       TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    run         INTEGER NOT NULL DEFAULT 1,
    response    TEXT NOT NULL,
    tokens_in   INTEGER NOT NULL DEFAULT 0,
    tokens_out  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (model, prompt_hash, unit_id, run)
) WITHOUT ROWID;
