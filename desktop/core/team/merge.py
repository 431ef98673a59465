"""Merging coder packages and other copies of a project back into it.

Matching is by unit id. A file is refused, before anything is written, when it comes
from another corpus, holds units this project does not have, or uses codes its scheme
cannot take. Everything that comes in — coders, labels, history, notes, unsure flags,
times, assignments, gold labels — is merged in one transaction for all files.

For one coder, unit and dimension, each side's *state* is its current value (or no
value) and the time it was set. The incoming state replaces ours when ours is in its
history (the coder went on coding); ours stays when the incoming one is in our history
(an older copy). Otherwise both sides changed independently: a conflict, decided by the
later change and listed in the report; the losing value stays in the history. History
rows are appended when missing, compared by (unit, coder, dimension, time, action, old,
new), so merging the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.core.curation.fate import reconcile_package_labels
from desktop.core.errors import StanceError
from desktop.core.scheme import Scheme, parse_scheme
from desktop.core.store import keyed as keyed_store
from desktop.core.store import team as team_store
from desktop.core.store.db import (
    Database,
    change_log,
    current_scheme,
    get_meta,
    open_project,
    write_transaction,
)
from desktop.core.team.calibration import GOLD_KIND
from desktop.core.team.rows import (
    AssignmentRow,
    GoldRow,
    HistoryRow,
    LabelRow,
    RoundRow,
    StateRow,
    as_rows,
)
from desktop.core.team.screen import screen_source
from desktop.core.wording import counted

SCHEME_CHANGE = "scheme_change"


class MergeRefused(StanceError):
    """A file cannot be merged into the project; nothing was written."""


@dataclass(frozen=True)
class Conflict:
    """The same coder, unit and dimension set to different values independently."""

    unit_id: str
    coder: str
    dimension: str
    kept: str | None
    kept_at: str
    lost: str | None
    lost_at: str
    kept_from: str  # "file" or "project"


@dataclass
class FileMerge:
    """What one file brought into the project."""

    path: str
    source_project_id: str
    coders: tuple[str, ...] = ()
    coders_new: int = 0
    labels_new: int = 0
    labels_updated: int = 0
    labels_unchanged: int = 0
    labels_remapped: int = 0
    history_added: int = 0
    states_new: int = 0
    notes_updated: int = 0
    notes_older: int = 0
    flags_updated: int = 0
    times_updated: int = 0
    assignments_new: int = 0
    gold_new: int = 0
    gold_updated: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    notes_replaced: list[dict] = field(default_factory=list)
    # Units the lead merged, split or excluded after the file was made: one line each.
    curated: list[str] = field(default_factory=list)
    # What the file held but may not bring (a package speaks only for its coder).
    skipped: list[str] = field(default_factory=list)
    merge_id: int | None = None

    @property
    def changed(self) -> bool:
        """Whether the file changed anything in the project."""
        return bool(
            self.coders_new
            or self.labels_new
            or self.labels_updated
            or self.history_added
            or self.states_new
            or self.notes_updated
            or self.flags_updated
            or self.times_updated
            or self.assignments_new
            or self.gold_new
            or self.gold_updated
            or self.conflicts
        )

    def as_dict(self) -> dict:
        """The report as JSON-ready data (stored in the merges table)."""
        data = asdict(self)
        data.pop("merge_id")
        return data


@dataclass
class MergeReport:
    """The outcome of one merge command: one :class:`FileMerge` per file, in order."""

    files: list[FileMerge]

    @property
    def conflicts(self) -> list[Conflict]:
        """Every conflict of every file."""
        return [c for f in self.files for c in f.conflicts]

    @property
    def changed(self) -> bool:
        """Whether any file changed anything."""
        return any(f.changed for f in self.files)


@dataclass
class _Source:
    """Everything read from one file to merge."""

    path: Path
    project_id: str
    parent_id: str | None
    scheme: Scheme
    articles: dict[str, str]
    units: set[str]
    coders: list[tuple]
    labels: list[LabelRow]
    history: list[HistoryRow]
    states: list[StateRow]
    rounds: list[RoundRow]
    assignments: list[AssignmentRow]
    gold: list[GoldRow]
    gold_history: list[tuple]
    known_until: str = ""  # the file's latest change-log time: curation it has seen
    package_coder: str | None = None  # the coder a package was made for

    def digest(self) -> str:
        """A sha256 of the merged content, stored with the merge to spot repeats."""
        content = [
            sorted(self.labels),
            [row[1:] for row in self.history],
            sorted(self.states),
            sorted(self.assignments),
            sorted(self.gold),
        ]
        return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()


def _read_source(path: Path) -> _Source:
    db = open_project(path, readonly=True)
    try:
        project_id, parent_id = team_store.project_ids(db)
        return _Source(
            path=path,
            project_id=project_id or "",
            parent_id=parent_id,
            scheme=current_scheme(db),
            articles=team_store.article_hashes(db),
            units=team_store.unit_ids(db),
            coders=team_store.coder_rows(db),
            labels=as_rows(LabelRow, team_store.label_rows(db)),
            history=as_rows(HistoryRow, team_store.history_rows(db)),
            states=as_rows(StateRow, team_store.state_rows(db)),
            rounds=as_rows(RoundRow, team_store.round_rows(db)),
            assignments=as_rows(AssignmentRow, team_store.assignment_rows(db)),
            # A coder's package carries the lead's gold of its calibration units (for
            # feedback); _screen sets those aside and refuses any other gold in a package.
            gold=as_rows(GoldRow, team_store.gold_rows(db)),
            gold_history=team_store.gold_history_rows(db),
            known_until=max((entry["at"] for entry in change_log(db)), default=""),
            package_coder=get_meta(db, team_store.PACKAGE_CODER),
        )
    except sqlite3.Error as exc:
        raise MergeRefused(
            f"cannot be read for merging ({exc}); open it once in Stance Coder to update it", path
        ) from None
    finally:
        db.close()


# -- checks before anything is written ------------------------------------------------------


class CodeMap:
    """Which codes a project's scheme takes, and how recorded scheme changes map old codes.

    Parameters
    ----------
    current
        The scheme in force.
    snapshots
        Every scheme version installed in the project, oldest first.
    steps
        The mappings of recorded scheme changes, oldest first: ``{(dim, old): new}``.
    """

    def __init__(self, current: Scheme, snapshots: Sequence[Scheme], steps: Sequence[dict]):
        self.current = {d.id: set(d.codes) for d in current.dimensions}
        self.retired: dict[str, set[str]] = defaultdict(set)
        for scheme in snapshots:
            for d in scheme.dimensions:
                if d.id not in self.current:
                    self.retired[d.id].update(d.codes)
        self.steps = list(steps)

    @classmethod
    def of_project(cls, db: Database) -> CodeMap:
        """The code map of a project: its scheme snapshots and recorded mappings."""
        snapshots = [parse_scheme(text) for text in team_store.scheme_sources(db)]
        steps = [
            {(d, old): new for d, old, new in entry["details"].get("mapping", [])}
            for entry in change_log(db)
            if entry["action"] == SCHEME_CHANGE
        ]
        return cls(current_scheme(db), snapshots, steps)

    def resolve(self, dimension: str, code: str | None) -> tuple[bool, str | None]:
        """``(known, code in this project)`` for an incoming ``code`` (None stays None)."""
        if code is None:
            return True, None
        if dimension not in self.current:
            return code in self.retired.get(dimension, ()), code
        for step in self.steps:
            if (dimension, code) in step:
                code = step[(dimension, code)]
                if code is None:
                    return True, None
        return code in self.current[dimension], code


def _check_corpus(db: Database, source: _Source) -> None:
    ours = {i for i in team_store.project_ids(db) if i}
    theirs = {i for i in (source.project_id, source.parent_id) if i}
    if not ours & theirs:
        raise MergeRefused(
            f"comes from another corpus (project {source.project_id[:8]}, not a package or "
            f"copy of this project {team_store.project_ids(db)[0][:8]})",
            source.path,
        )
    articles = team_store.article_hashes(db)
    changed = sorted(a for a, h in source.articles.items() if a in articles and articles[a] != h)
    if changed:
        raise MergeRefused(
            f"comes from another corpus (article {changed[0]} has different text)", source.path
        )
    used = {r.unit_id for r in source.labels} | {r.unit_id for r in source.history}
    used |= {r.unit_id for r in source.states} | {r.unit_id for r in source.assignments}
    used |= {r.unit_id for r in source.gold}
    unknown = sorted(used - team_store.unit_ids(db))
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise MergeRefused(
            f"has data on {counted(len(unknown), 'unit')} this project does not have: "
            f"{', '.join(unknown[:5])}{more}",
            source.path,
        )


def _check_scheme(db: Database, source: _Source, codes: CodeMap) -> None:
    ours = current_scheme(db)
    if source.scheme.id != ours.id:
        raise MergeRefused(
            f"uses the scheme '{source.scheme.id}', this project uses '{ours.id}'", source.path
        )
    problems: dict[tuple[str, str], int] = defaultdict(int)
    for row in [*source.labels, *source.gold]:
        if not codes.resolve(row.dimension, row.value)[0]:
            problems[(row.dimension, row.value)] += 1
    if problems:
        listed = "; ".join(f"{d}={c} ({n} labels)" for (d, c), n in sorted(problems.items())[:3])
        raise MergeRefused(
            f"uses codes this project's scheme ({ours.version}) does not have: {listed} — "
            f"apply the file's scheme version {source.scheme.version} first "
            "(stancecoder scheme-apply) or map the codes",
            source.path,
        )


# -- the merge of one file (inside the transaction) ----------------------------------------


def _history_key(row: HistoryRow) -> tuple:
    """(unit, coder, dimension, changed_at, action, old, new) of a history row."""
    return (*row.key, row.changed_at, row.action, row.old_value, row.new_value)


def _tie(value: object) -> str:
    """A content hash that orders two changes made at the same time, the same way on
    every machine and in every merge order."""
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()


def _later(at: str, value: object, other_at: str, other_value: object) -> bool:
    """Whether the change (``at``, ``value``) wins over the other one: the later time, and
    at the same time the larger content hash (merge is commutative; README)."""
    return (at, _tie(value)) > (other_at, _tie(other_value))


def _states(labels: Iterable[LabelRow], history: Iterable[HistoryRow]) -> dict[tuple, tuple]:
    """``{(unit, coder, dim): (value or None, changed_at, seconds)}`` of one side.

    A key with history but no label was cleared; its time is that of its last change.
    """
    states = {(u, c, d): (value, at, seconds) for u, c, d, value, at, seconds in labels}
    cleared: dict[tuple, str] = {}
    for row in history:
        key = row.key
        if key not in states and row.changed_at > cleared.get(key, ""):
            cleared[key] = row.changed_at
    return {**states, **{key: (None, at, 0.0) for key, at in cleared.items()}}


def _our_labels(db: Database, keys: set[tuple] | None) -> tuple[list, list]:
    """Our labels and history rows: all of them, or those of ``keys`` only (every key is
    decided on its own rows alone, so the two give the same outcome on ``keys``)."""
    if keys is None:
        return as_rows(LabelRow, team_store.label_rows(db)), as_rows(
            HistoryRow, team_store.history_rows(db)
        )
    return as_rows(LabelRow, keyed_store.label_rows_of(db, keys)), as_rows(
        HistoryRow, keyed_store.history_rows_of(db, keys)
    )


def _points(row: HistoryRow, codes: CodeMap) -> set[tuple]:
    """The (time, value) points a history row passed through, raw and mapped."""
    return {
        (row.changed_at, row.new_value),
        (row.changed_at, codes.resolve(row.dimension, row.new_value)[1]),
    }


def _merge_labels(
    db: Database, source: _Source, codes: CodeMap, report: FileMerge, keys: set | None = None
) -> set[tuple[str, str]]:
    """Bring in the file's labels and history; returns the (unit, coder) pairs whose
    labels came in. With ``keys``, only our rows of those keys are read (the source
    must hold every row of its keys)."""
    ours_labels, ours_history = _our_labels(db, keys)
    ours = _states(ours_labels, ours_history)
    ids = {_history_key(r): r.id for r in ours_history}
    # (time, value) points each side has passed through, old codes read through the
    # recorded scheme mappings, to tell "went on from" apart from "changed independently".
    our_points: dict[tuple, set] = defaultdict(set)
    for row in ours_history:
        our_points[row.key].update(_points(row, codes))
    their_points: dict[tuple, set] = defaultdict(set)
    for row in source.history:
        their_points[row.key].add((row.changed_at, codes.resolve(row.dimension, row.new_value)[1]))

    taken: dict[tuple, tuple] = {}  # key: (our old value, their raw value, their value, at)
    # key: (their value, its time, our value, its time): we won a conflict
    kept: dict[tuple, tuple] = {}
    for key, (raw, at, seconds) in _states(source.labels, source.history).items():
        value = codes.resolve(key[2], raw)[1]
        report.labels_remapped += value != raw
        mine = ours.get(key)
        if mine is None:
            if value is None:
                continue  # set and cleared there, never here: only history comes in
            report.labels_new += 1
        elif mine[0] == value:
            # The same value set on both sides: the later time and the larger coding time,
            # whichever side comes first (so that merge order does not matter).
            if value is not None and (seconds > mine[2] or at > mine[1]):
                team_store.put_label_row(db, *key, value, max(at, mine[1]), max(seconds, mine[2]))
                report.times_updated += 1
            report.labels_unchanged += 1
            continue
        elif (went_on := (mine[1], mine[0]) in their_points[key]) != (
            (at, value) in our_points[key]
        ):
            if not went_on:
                report.labels_unchanged += 1  # we went on from theirs: the file is older
                continue
            report.labels_updated += 1  # they went on from our state
        elif _later(at, value, mine[1], mine[0]):
            report.conflicts.append(Conflict(*key, value, at, mine[0], mine[1], "file"))
        else:
            report.conflicts.append(Conflict(*key, mine[0], mine[1], value, at, "project"))
            kept[key] = (value, at, mine[0], mine[1])
            continue
        team_store.put_label_row(db, *key, value, at, seconds)
        taken[key] = (mine[0] if mine else None, raw, value, at)

    by_id = {row.id: row for row in source.history}
    for row in source.history:  # in the file's order, so that reverts point backwards
        key7 = _history_key(row)
        if key7 in ids:
            continue
        reverts = ids.get(_history_key(by_id[row.reverts])) if row.reverts in by_id else None
        ids[key7] = team_store.insert_history_row(
            db,
            (*row.key, row.old_value, row.new_value, row.action, reverts, row.changed_at),
        )
        our_points[row.key].update(_points(row, codes))
        report.history_added += 1
    # The last history row of a key must show its current value: add one where the
    # file's own rows do not (a code read through a mapping, a conflict we won).
    for key, (old, raw, value, at) in taken.items():
        if raw != value or (at, value) not in our_points[key]:
            before = raw if raw != value else old
            team_store.insert_history_row(db, (*key, before, value, "merge", None, at))
            report.history_added += 1
    for key, (theirs, at, mine, mine_at) in kept.items():
        if (at, theirs) not in our_points[key]:  # a file without the row of its own value
            team_store.insert_history_row(db, (*key, None, theirs, "merge", None, at))
            report.history_added += 1
        # At our state's time, not the clock's: a cleared label's state time is its last
        # history row's, and "now" would let it win every later merge (order-dependent).
        team_store.insert_history_row(db, (*key, theirs, mine, "merge", None, mine_at))
        report.history_added += 1
    return {(key[0], key[1]) for key in taken}


def _merge_states(db: Database, source: _Source, report: FileMerge, keyed: bool = False) -> None:
    """Unsure flags and notes: the later change wins; time: the larger total, never a sum.

    With ``keyed``, only our states of the source's (unit, coder) pairs are read."""
    if keyed:
        pairs = {(r.unit_id, r.coder_id) for r in source.states}
        rows = keyed_store.state_rows_of(db, pairs)
    else:
        rows = team_store.state_rows(db)
    ours = {(r.unit_id, r.coder_id): r for r in as_rows(StateRow, rows)}
    for row in source.states:
        mine = ours.get((row.unit_id, row.coder_id))
        if mine is None:
            team_store.put_state_row(db, row)
            report.states_new += 1
            continue
        flag = (row.unsure, row.note)
        newer = (
            row if _later(row.changed_at, flag, mine.changed_at, (mine.unsure, mine.note)) else mine
        )
        merged = row._replace(
            unsure=newer.unsure,
            note=newer.note,
            seconds=max(row.seconds, mine.seconds),
            changed_at=newer.changed_at,
            needs_recoding=mine.needs_recoding,
        )
        if merged.note != mine.note:
            report.notes_updated += 1
            if mine.note:
                report.notes_replaced.append(
                    {
                        "unit_id": row.unit_id,
                        "coder": row.coder_id,
                        "replaced": mine.note,
                        "by": merged.note,
                    }
                )
        elif row.note and row.note != mine.note:
            report.notes_older += 1  # their note is older than ours; it stays in their file
        if merged == mine:
            continue
        report.flags_updated += merged.unsure != mine.unsure
        report.times_updated += merged.seconds != mine.seconds
        team_store.put_state_row(db, merged)


def _merge_assignments(db: Database, source: _Source, report: FileMerge) -> None:
    if not source.assignments:
        return
    ours = {(r[0], r[1]) for r in team_store.assignment_rows(db)}
    rounds = {r.id: r for r in source.rounds}
    for row in source.assignments:
        if (row.unit_id, row.coder_id) in ours:
            continue
        team_store.insert_round_row(db, rounds[row.round_id])
        team_store.insert_assignment_row(db, row)
        report.assignments_new += 1


def _gold_content(row: GoldRow) -> tuple:
    return (row.value, row.method, row.adjudicator, row.rationale)


def _merge_gold(db: Database, source: _Source, codes: CodeMap, report: FileMerge) -> None:
    if not source.gold and not source.gold_history:
        return
    ours = {(r.unit_id, r.dimension): r for r in as_rows(GoldRow, team_store.gold_rows(db))}
    for row in source.gold:
        row = row._replace(value=codes.resolve(row.dimension, row.value)[1])
        mine = ours.get((row.unit_id, row.dimension))
        if row.value is None:
            continue
        if mine is not None and not _later(
            row.decided_at, _gold_content(row), mine.decided_at, _gold_content(mine)
        ):
            continue
        team_store.put_gold_row(db, row)
        report.gold_new += mine is None
        report.gold_updated += mine is not None
    history = set(team_store.gold_history_rows(db))
    for row in source.gold_history:
        if row not in history:
            team_store.insert_gold_history_row(db, row)
            history.add(row)


def _speaks_for(db: Database, source: _Source) -> str | None:
    """The coder a file may speak for: its package's coder, or None for a copy of this
    project (which brings everything)."""
    if source.package_coder:
        return source.package_coder
    ours = {i for i in team_store.project_ids(db) if i}
    if source.project_id not in ours and source.parent_id in ours:
        raise MergeRefused(
            "is a package of this project without the coder it was made for", source.path
        )
    return None  # a copy; a file from another corpus is refused by _check_corpus


def _screen(db: Database, source: _Source, skip_foreign: bool) -> list[str]:
    coder = _speaks_for(db, source)
    if coder is not None:
        # The gold the lead sent with the coder's calibration units never comes back in:
        # a package never changes the gold (never trust a file a coder sends back). Gold
        # on any other unit is something no package of ours holds: screened as foreign.
        sent = set(team_store.units_in_rounds_of_kind(db, coder, GOLD_KIND))
        source.gold = [row for row in source.gold if row[0] not in sent]
        source.gold_history = [row for row in source.gold_history if row[0] not in sent]
    foreign = screen_source(source, coder)
    if foreign and not skip_foreign:
        kind = f"a package for {source.package_coder}" if source.package_coder else "a copy"
        raise MergeRefused(
            f"holds what {kind} may not bring: {'; '.join(foreign)}; nothing was merged "
            "(--skip-foreign merges the rest and lists what it left out)",
            source.path,
        )
    return foreign


def _merge_one(
    db: Database, source: _Source, codes: CodeMap, who: str, skipped: list[str], keyed: bool
) -> FileMerge:
    report = FileMerge(
        path=str(source.path),
        source_project_id=source.project_id,
        coders=tuple(r[0] for r in source.coders),
        skipped=skipped,
    )
    ours = {r[0] for r in team_store.coder_rows(db)}
    for coder, name, created_at in source.coders:
        if coder not in ours:
            team_store.insert_coder_row(db, coder, name, created_at)
            report.coders_new += 1
    keys = None
    if keyed:
        keys = {r.key for r in source.history} | {r[:3] for r in source.labels}
    labelled = _merge_labels(db, source, codes, report, keys)
    # Curation the file has not seen: labels landed on their unit ids; flag the coders to
    # re-code units whose text changed since, and keep labels on retired units visible.
    for unit_id, coder, fate in reconcile_package_labels(
        db, labelled, since=source.known_until or None, who=who
    ):
        report.curated.append(f"{unit_id} ({coder}): {fate}")
    _merge_states(db, source, report, keyed)
    _merge_assignments(db, source, report)
    _merge_gold(db, source, codes, report)
    if report.changed:
        report.merge_id = team_store.record_merge(
            db, str(source.path), source.project_id, source.digest(), who, report.as_dict()
        )
    return report


def merge_files(
    db: Database, paths: Sequence[str | Path], *, who: str = "", skip_foreign: bool = False
) -> MergeReport:
    """Merge coder packages or copies of this project into it, all files or none.

    Parameters
    ----------
    db
        The project to merge into.
    paths
        Files to merge, in order (a later file sees what the earlier ones brought).
    who
        Who merges, for the merges table.
    skip_foreign
        Leave out what a file may not bring (another coder's rows in a package, gold
        labels, bad or future times; see :mod:`desktop.core.team.screen`) and list it in
        the report, instead of refusing the file.

    Returns
    -------
    MergeReport
        Per file: coders, labels new / updated / unchanged, history rows, notes, flags,
        times, assignments and gold labels that came in, and every conflict. A file that
        changed nothing leaves no trace (not even a row in the merges table).

    Raises
    ------
    MergeRefused
        For the first file from another corpus, with unknown units or incompatible
        codes, or (without ``skip_foreign``) holding what it may not bring; nothing is
        written then.
    """
    here = team_store.database_path(db).resolve()
    sources = []
    for path in map(Path, paths):
        if path.exists() and path.resolve() == here:
            raise MergeRefused("is this project itself", path)
        sources.append(_read_source(path))
    return _merge_sources(db, sources, who, skip_foreign, keyed=False)


def _merge_sources(
    db: Database, sources: list[_Source], who: str, skip_foreign: bool, *, keyed: bool
) -> MergeReport:
    """Check every source, then merge them in order, in one transaction."""
    with write_transaction(db):
        # Checked under the write lock: a scheme change or curation committed by another
        # program between the check and the write cannot let unknown codes in.
        codes = CodeMap.of_project(db)
        skipped = []
        for source in sources:
            _check_corpus(db, source)
            skipped.append(_screen(db, source, skip_foreign))
            _check_scheme(db, source, codes)
        return MergeReport(
            [
                _merge_one(db, s, codes, who, left, keyed)
                for s, left in zip(sources, skipped, strict=True)
            ]
        )


@dataclass(frozen=True)
class CoderChanges:
    """One coder's changed keys as another store holds them (the lab server).

    ``labels`` and ``history`` must hold *every* row of the coder on each changed key
    (unit, coder, dimension), not only the new ones: a key is decided on its whole
    history, as :func:`merge_files` decides it. ``states`` are the unit states that may
    have changed. Rows are LABEL_COLUMNS, HISTORY_COLUMNS (in the coder's order, ids and
    reverts in the source's own numbering) and STATE_COLUMNS tuples.
    """

    coder: str
    labels: Sequence[Sequence] = ()
    history: Sequence[Sequence] = ()
    states: Sequence[Sequence] = ()
    known_until: str = ""  # the latest curation (change-log time) the coder had seen


def merge_changes(
    db: Database,
    changes: Sequence[CoderChanges],
    *,
    origin: str = "lab",
    who: str = "",
    skip_foreign: bool = False,
) -> MergeReport:
    """Merge coders' changed keys into the project, reading only our rows of those keys.

    The same checks, screening and resolution as :func:`merge_files` on a package of
    each coder: for the keys given, the project ends as merging the packages would leave
    it (tests/team/test_merge_changes.py), and keys not given are not read. A cycle thus
    costs in proportion to what changed, not to the project's history.

    Parameters
    ----------
    db
        The project to merge into.
    changes
        Per coder, in order: its rows on the changed keys and its changed unit states.
    origin
        Named in the report and the merges table, as ``origin/coder``.
    who, skip_foreign
        As for :func:`merge_files`.

    Returns
    -------
    MergeReport
        One :class:`FileMerge` per coder.

    Raises
    ------
    MergeRefused
        As :func:`merge_files`: unknown units or codes, or (without ``skip_foreign``)
        rows of another coder or with bad times; nothing is written then.
    """
    project_id = team_store.project_ids(db)[0] or ""
    scheme = current_scheme(db)
    sources = [
        _Source(
            path=Path(origin) / change.coder,
            project_id="",
            parent_id=project_id,  # as a package of this project
            scheme=scheme,
            articles={},
            units=set(),
            coders=[],
            labels=as_rows(LabelRow, change.labels),
            history=as_rows(HistoryRow, change.history),
            states=as_rows(StateRow, change.states),
            rounds=[],
            assignments=[],
            gold=[],
            gold_history=[],
            known_until=change.known_until,
            package_coder=change.coder,
        )
        for change in changes
    ]
    return _merge_sources(db, sources, who, skip_foreign, keyed=True)
