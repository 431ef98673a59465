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
from desktop.core.team.screen import screen_source

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
    labels: list[tuple]
    history: list[tuple]
    states: list[tuple]
    rounds: list[tuple]
    assignments: list[tuple]
    gold: list[tuple]
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
            labels=team_store.label_rows(db),
            history=team_store.history_rows(db),
            states=team_store.state_rows(db),
            rounds=team_store.round_rows(db),
            assignments=team_store.assignment_rows(db),
            # A coder's package carries the lead's gold of its calibration units (for
            # feedback); _screen sets those aside and refuses any other gold in a package.
            gold=team_store.gold_rows(db),
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
    used = {r[0] for r in source.labels} | {r[1] for r in source.history}
    used |= {r[0] for r in source.states} | {r[0] for r in source.assignments}
    used |= {r[0] for r in source.gold}
    unknown = sorted(used - team_store.unit_ids(db))
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise MergeRefused(
            f"has data on {len(unknown)} unit(s) this project does not have: "
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
    for _, _, dimension, value, *_ in source.labels:
        if not codes.resolve(dimension, value)[0]:
            problems[(dimension, value)] += 1
    for _, dimension, value, *_ in source.gold:
        if not codes.resolve(dimension, value)[0]:
            problems[(dimension, value)] += 1
    if problems:
        listed = "; ".join(f"{d}={c} ({n} labels)" for (d, c), n in sorted(problems.items())[:3])
        raise MergeRefused(
            f"uses codes this project's scheme ({ours.version}) does not have: {listed} — "
            f"apply the file's scheme version {source.scheme.version} first "
            "(stancecoder scheme-apply) or map the codes",
            source.path,
        )


# -- the merge of one file (inside the transaction) ----------------------------------------


def _history_key(row: Sequence) -> tuple:
    """(unit, coder, dimension, changed_at, action, old, new) of a HISTORY_COLUMNS row."""
    return (row[1], row[2], row[3], row[8], row[6], row[4], row[5])


def _tie(value: object) -> str:
    """A content hash that orders two changes made at the same time, the same way on
    every machine and in every merge order."""
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()


def _later(at: str, value: object, other_at: str, other_value: object) -> bool:
    """Whether the change (``at``, ``value``) wins over the other one: the later time, and
    at the same time the larger content hash (merge is commutative; README)."""
    return (at, _tie(value)) > (other_at, _tie(other_value))


def _states(labels: Iterable[tuple], history: Iterable[tuple]) -> dict[tuple, tuple]:
    """``{(unit, coder, dim): (value or None, changed_at, seconds)}`` of one side.

    A key with history but no label was cleared; its time is that of its last change.
    """
    states = {(u, c, d): (value, at, seconds) for u, c, d, value, at, seconds in labels}
    cleared: dict[tuple, str] = {}
    for row in history:
        key = tuple(row[1:4])
        if key not in states and row[8] > cleared.get(key, ""):
            cleared[key] = row[8]
    return {**states, **{key: (None, at, 0.0) for key, at in cleared.items()}}


def _merge_labels(
    db: Database, source: _Source, codes: CodeMap, report: FileMerge
) -> set[tuple[str, str]]:
    """Bring in the file's labels and history; returns the (unit, coder) pairs whose
    labels came in."""
    ours_history = team_store.history_rows(db)
    ours = _states(team_store.label_rows(db), ours_history)
    ids = {_history_key(r): r[0] for r in ours_history}
    # (time, value) points each side has passed through, old codes read through the
    # recorded scheme mappings, to tell "went on from" apart from "changed independently".
    our_points: dict[tuple, set] = defaultdict(set)
    for row in ours_history:
        our_points[row[1:4]].update({(row[8], row[5]), (row[8], codes.resolve(row[3], row[5])[1])})
    their_points: dict[tuple, set] = defaultdict(set)
    for row in source.history:
        their_points[row[1:4]].add((row[8], codes.resolve(row[3], row[5])[1]))

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

    by_id = {row[0]: row for row in source.history}
    for row in source.history:  # in the file's order, so that reverts point backwards
        key7 = _history_key(row)
        if key7 in ids:
            continue
        reverts = ids.get(_history_key(by_id[row[7]])) if row[7] in by_id else None
        ids[key7] = team_store.insert_history_row(db, (*row[1:7], reverts, row[8]))
        our_points[row[1:4]].update({(row[8], row[5]), (row[8], codes.resolve(row[3], row[5])[1])})
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


def _merge_states(db: Database, source: _Source, report: FileMerge) -> None:
    """Unsure flags and notes: the later change wins; time: the larger total, never a sum."""
    ours = {(r[0], r[1]): r for r in team_store.state_rows(db)}
    for row in source.states:
        mine = ours.get(row[:2])
        if mine is None:
            team_store.put_state_row(db, row)
            report.states_new += 1
            continue
        newer = row if _later(row[5], row[2:4], mine[5], mine[2:4]) else mine
        merged = (*row[:2], newer[2], newer[3], max(row[4], mine[4]), newer[5], mine[6])
        if merged[3] != mine[3]:
            report.notes_updated += 1
            if mine[3]:
                report.notes_replaced.append(
                    {"unit_id": row[0], "coder": row[1], "replaced": mine[3], "by": merged[3]}
                )
        elif row[3] and row[3] != mine[3]:
            report.notes_older += 1  # their note is older than ours; it stays in their file
        if merged == mine:
            continue
        report.flags_updated += merged[2] != mine[2]
        report.times_updated += merged[4] != mine[4]
        team_store.put_state_row(db, merged)


def _merge_assignments(db: Database, source: _Source, report: FileMerge) -> None:
    ours = {(r[0], r[1]) for r in team_store.assignment_rows(db)}
    rounds = {r[0]: r for r in source.rounds}
    for row in source.assignments:
        if (row[0], row[1]) in ours:
            continue
        team_store.insert_round_row(db, rounds[row[2]])
        team_store.insert_assignment_row(db, row)
        report.assignments_new += 1


def _merge_gold(db: Database, source: _Source, codes: CodeMap, report: FileMerge) -> None:
    ours = {(r[0], r[1]): r for r in team_store.gold_rows(db)}
    for row in source.gold:
        row = (row[0], row[1], codes.resolve(row[1], row[2])[1], *row[3:])
        mine = ours.get(row[:2])
        if row[2] is None:
            continue
        if mine is not None and not _later(row[6], row[2:6], mine[6], mine[2:6]):
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
    db: Database, source: _Source, codes: CodeMap, who: str, skipped: list[str]
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
    labelled = _merge_labels(db, source, codes, report)
    # Curation the file has not seen: labels landed on their unit ids; flag the coders to
    # re-code units whose text changed since, and keep labels on retired units visible.
    for unit_id, coder, fate in reconcile_package_labels(
        db, labelled, since=source.known_until or None, who=who
    ):
        report.curated.append(f"{unit_id} ({coder}): {fate}")
    _merge_states(db, source, report)
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
            [_merge_one(db, s, codes, who, left) for s, left in zip(sources, skipped, strict=True)]
        )
