-- lab 0001: the lab's shared store on PostgreSQL, in the schema "stance".
--
-- The lead's tables mirror the project file's (same columns, same ids), so that a coder's
-- local project can be filled from them. The coders' tables hold what a coder package
-- carries back: labels, the append-only label log and unit states. Who may read and write
-- which rows is decided here, by grants and row-level security, not by the client:
--   * the lead is the owner of every table (owners are not subject to row security);
--   * coders belong to the group role named in meta.coder_group; they get SELECT on the
--     corpus, on their own assignments and on only the log entries a package would hold,
--     and INSERT/UPDATE on their own labels, on units they are assigned.
-- {group} below is replaced by the group role's name when the migration runs.

CREATE TABLE stance.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE stance.schemes (
    seq          bigint PRIMARY KEY,
    scheme_id    text NOT NULL,
    version      text NOT NULL,
    title        text NOT NULL,
    source_toml  text NOT NULL,
    installed_at text NOT NULL
);

CREATE TABLE stance.articles (
    id           text PRIMARY KEY,
    position     bigint NOT NULL,
    title        text NOT NULL,
    source       text NOT NULL,
    author       text NOT NULL,
    date         text NOT NULL,
    url          text NOT NULL,
    text         text NOT NULL,
    content_hash text NOT NULL,
    metadata     text NOT NULL,
    origin       text NOT NULL,
    encoding     text NOT NULL,
    excluded     bigint NOT NULL,
    imported_at  text NOT NULL
);

CREATE TABLE stance.paragraphs (
    article_id  text NOT NULL REFERENCES stance.articles (id),
    idx         bigint NOT NULL,
    start       bigint NOT NULL,
    "end"       bigint NOT NULL,
    excluded    bigint NOT NULL,
    excluded_by text NOT NULL,
    PRIMARY KEY (article_id, idx)
);

CREATE TABLE stance.units (
    id          text PRIMARY KEY,
    seq         bigint NOT NULL,
    article_id  text NOT NULL REFERENCES stance.articles (id),
    paragraph   bigint NOT NULL,
    sentence    bigint NOT NULL,
    start       bigint NOT NULL,
    "end"       bigint NOT NULL,
    text        text NOT NULL,
    excluded    bigint NOT NULL,
    excluded_by text NOT NULL,
    created_at  text NOT NULL,
    retired     bigint NOT NULL,
    manual      bigint NOT NULL
);

-- role_name: the database role a coder logs in as (NULL for a coder without one).
CREATE TABLE stance.coders (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    is_lead    bigint NOT NULL,
    created_at text NOT NULL,
    role_name  text UNIQUE
);

CREATE TABLE stance.rounds (
    id         text PRIMARY KEY,
    kind       text NOT NULL,
    seed       bigint,
    created_at text NOT NULL,
    created_by text NOT NULL,
    details    text NOT NULL
);

CREATE TABLE stance.assignments (
    unit_id     text NOT NULL REFERENCES stance.units (id),
    coder_id    text NOT NULL REFERENCES stance.coders (id),
    round_id    text NOT NULL REFERENCES stance.rounds (id),
    reliability bigint NOT NULL,
    assigned_at text NOT NULL,
    PRIMARY KEY (unit_id, coder_id)
);
CREATE INDEX assignments_coder ON stance.assignments (coder_id, unit_id);

CREATE TABLE stance.change_log (
    id      bigint PRIMARY KEY,
    at      text NOT NULL,
    who     text NOT NULL,
    action  text NOT NULL,
    details text NOT NULL
);

CREATE TABLE stance.unit_changes (
    id         bigint PRIMARY KEY,
    change_id  bigint NOT NULL,
    unit_id    text NOT NULL,
    event      text NOT NULL,
    other_unit text NOT NULL,
    old_start  bigint NOT NULL,
    old_end    bigint NOT NULL,
    old_text   text NOT NULL
);

CREATE TABLE stance.curation_labels (
    id         bigint PRIMARY KEY,
    change_id  bigint NOT NULL,
    unit_id    text NOT NULL,
    from_unit  text NOT NULL,
    from_text  text NOT NULL,
    kind       text NOT NULL,
    coder_id   text NOT NULL,
    dimension  text NOT NULL,
    value      text NOT NULL,
    changed_at text NOT NULL
);

CREATE TABLE stance.gold_labels (
    unit_id     text NOT NULL,
    dimension   text NOT NULL,
    value       text NOT NULL,
    method      text NOT NULL,
    adjudicator text NOT NULL,
    rationale   text NOT NULL,
    decided_at  text NOT NULL,
    PRIMARY KEY (unit_id, dimension)
);

CREATE TABLE stance.gold_history (
    id          bigint PRIMARY KEY,
    unit_id     text NOT NULL,
    dimension   text NOT NULL,
    old_value   text,
    new_value   text,
    method      text NOT NULL,
    adjudicator text NOT NULL,
    rationale   text NOT NULL,
    decided_at  text NOT NULL
);

-- The coders' side. A label is the current value of (unit, coder, dimension).
CREATE TABLE stance.labels (
    unit_id    text NOT NULL REFERENCES stance.units (id),
    coder_id   text NOT NULL REFERENCES stance.coders (id),
    dimension  text NOT NULL,
    value      text NOT NULL,
    changed_at text NOT NULL,
    seconds    double precision NOT NULL,
    PRIMARY KEY (unit_id, coder_id, dimension)
);
CREATE INDEX labels_coder ON stance.labels (coder_id, unit_id);

-- Append-only: one row per change of a coder's local label history, keyed by the change id
-- the coder's file gave it (its project id and history row id), so a change pushed twice
-- is stored once. local_id orders one coder's changes; reverts names a change id.
CREATE TABLE stance.label_events (
    coder_id    text NOT NULL REFERENCES stance.coders (id),
    change_id   text NOT NULL,
    local_id    bigint NOT NULL,
    unit_id     text NOT NULL REFERENCES stance.units (id),
    dimension   text NOT NULL,
    old_value   text,
    new_value   text,
    action      text NOT NULL,
    reverts     text,
    changed_at  text NOT NULL,
    server_seq  bigserial NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (coder_id, change_id)
);
CREATE INDEX label_events_seq ON stance.label_events (server_seq);

CREATE TABLE stance.unit_states (
    unit_id        text NOT NULL REFERENCES stance.units (id),
    coder_id       text NOT NULL REFERENCES stance.coders (id),
    unsure         bigint NOT NULL,
    note           text NOT NULL,
    seconds        double precision NOT NULL,
    changed_at     text NOT NULL,
    needs_recoding bigint NOT NULL,
    PRIMARY KEY (unit_id, coder_id)
);

-- One row per coder: version grows with every push, so the lead pulls only coders that
-- pushed since; known_until is the latest change-log time the coder's file has seen.
CREATE TABLE stance.coder_sync (
    coder_id    text PRIMARY KEY REFERENCES stance.coders (id),
    version     bigint NOT NULL DEFAULT 0,
    known_until text NOT NULL DEFAULT '',
    pushed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- -- who is asking: functions the policies call (they read the lead's tables as owner) ----

CREATE FUNCTION stance.coder_of(role text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = stance, pg_temp
    AS $$ SELECT id FROM stance.coders WHERE role_name = role $$;

CREATE FUNCTION stance.unlocked() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = stance, pg_temp
    AS $$ SELECT coalesce((SELECT value = '1' FROM stance.meta
                           WHERE key = 'comparison_unlocked'), false) $$;

-- A coder may code a unit assigned to them, or any unit when the lead allows unassigned work.
CREATE FUNCTION stance.may_code(unit text, coder text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = stance, pg_temp
    AS $$ SELECT coder IS NOT NULL AND (
              EXISTS (SELECT 1 FROM stance.assignments WHERE unit_id = unit AND coder_id = coder)
              OR coalesce((SELECT value = '1' FROM stance.meta
                           WHERE key = 'allow_unassigned'), false)) $$;

-- The change-log rule of a coder package: entries by nobody or by the coder, naming no
-- other coder (by id or name) in their details.
CREATE FUNCTION stance.log_visible(entry_who text, entry_details text, coder text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = stance, pg_temp
    AS $$ SELECT coder IS NOT NULL AND entry_who IN ('', coder) AND NOT EXISTS (
              SELECT 1 FROM stance.coders c WHERE c.id <> coder AND (
                  strpos(entry_details, c.id) > 0 OR (c.name <> '' AND strpos(entry_details, c.name) > 0))) $$;

REVOKE ALL ON FUNCTION stance.coder_of(text), stance.unlocked(), stance.may_code(text, text),
    stance.log_visible(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stance.coder_of(text), stance.unlocked(), stance.may_code(text, text),
    stance.log_visible(text, text, text) TO {group};

-- -- grants and policies ------------------------------------------------------------------

GRANT USAGE ON SCHEMA stance TO {group};
GRANT SELECT ON stance.schemes, stance.articles, stance.paragraphs, stance.units TO {group};
GRANT SELECT ON stance.meta, stance.coders, stance.assignments, stance.change_log TO {group};
GRANT SELECT (id, kind, created_at) ON stance.rounds TO {group};  -- no seed: with it a coder could redraw a split and find its hidden overlap
GRANT SELECT, INSERT, UPDATE, DELETE ON stance.labels, stance.unit_states TO {group};
GRANT SELECT, INSERT ON stance.label_events TO {group};
GRANT USAGE ON SEQUENCE stance.label_events_server_seq_seq TO {group};
GRANT SELECT, INSERT, UPDATE ON stance.coder_sync TO {group};

ALTER TABLE stance.meta ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.meta FOR SELECT TO {group} USING (
    key IN ('project_id', 'allow_unassigned', 'comparison_unlocked', 'published'));

ALTER TABLE stance.coders ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.coders FOR SELECT TO {group} USING (
    role_name = current_user OR stance.unlocked());

ALTER TABLE stance.rounds ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.rounds FOR SELECT TO {group} USING (
    EXISTS (SELECT 1 FROM stance.assignments s WHERE s.round_id = id
            AND s.coder_id = stance.coder_of(current_user)));

ALTER TABLE stance.assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.assignments FOR SELECT TO {group} USING (
    coder_id = stance.coder_of(current_user));

ALTER TABLE stance.change_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.change_log FOR SELECT TO {group} USING (
    stance.log_visible(who, details, stance.coder_of(current_user)));

ALTER TABLE stance.labels ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.labels FOR SELECT TO {group} USING (
    coder_id = stance.coder_of(current_user) OR stance.unlocked());
CREATE POLICY coder_inserts ON stance.labels FOR INSERT TO {group} WITH CHECK (
    coder_id = stance.coder_of(current_user) AND stance.may_code(unit_id, coder_id));
CREATE POLICY coder_updates ON stance.labels FOR UPDATE TO {group}
    USING (coder_id = stance.coder_of(current_user))
    WITH CHECK (coder_id = stance.coder_of(current_user) AND stance.may_code(unit_id, coder_id));
CREATE POLICY coder_deletes ON stance.labels FOR DELETE TO {group} USING (
    coder_id = stance.coder_of(current_user));

ALTER TABLE stance.label_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.label_events FOR SELECT TO {group} USING (
    coder_id = stance.coder_of(current_user) OR stance.unlocked());
CREATE POLICY coder_inserts ON stance.label_events FOR INSERT TO {group} WITH CHECK (
    coder_id = stance.coder_of(current_user) AND stance.may_code(unit_id, coder_id));

ALTER TABLE stance.unit_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_reads ON stance.unit_states FOR SELECT TO {group} USING (
    coder_id = stance.coder_of(current_user));
CREATE POLICY coder_inserts ON stance.unit_states FOR INSERT TO {group} WITH CHECK (
    coder_id = stance.coder_of(current_user) AND stance.may_code(unit_id, coder_id));
CREATE POLICY coder_updates ON stance.unit_states FOR UPDATE TO {group}
    USING (coder_id = stance.coder_of(current_user))
    WITH CHECK (coder_id = stance.coder_of(current_user) AND stance.may_code(unit_id, coder_id));
CREATE POLICY coder_deletes ON stance.unit_states FOR DELETE TO {group} USING (
    coder_id = stance.coder_of(current_user));

ALTER TABLE stance.coder_sync ENABLE ROW LEVEL SECURITY;
CREATE POLICY coder_own ON stance.coder_sync FOR ALL TO {group}
    USING (coder_id = stance.coder_of(current_user))
    WITH CHECK (coder_id = stance.coder_of(current_user));
