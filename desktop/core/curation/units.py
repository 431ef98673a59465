"""Merge, split, exclude and include units — each step one transaction, logged, and
refused on coded units unless the lead confirms.

Ids: the units a step does not touch keep their ids and never change. A merge keeps the
earlier unit's id (it holds the start of the merged text) and retires the later one; a
split keeps the id on the first part and gives the second part an id that no unit of the
article ever had (one past the highest ordinal, retired units included). seq, the global
navigation order, is not an id: a split shifts the seq of every later unit up by one.

Labels: nothing is deleted. When a coded unit's text changes, the labels it and its
merge partner held are copied to curation_labels on the unit that inherits the text, the
labels of a retired unit stay on it (hidden with it), and every coder who had labelled
either unit is asked to code the surviving unit again (unit_states.needs_recoding).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from desktop.core.corpus.clutter import inline_spans
from desktop.core.curation.model import (
    MANUAL_REASON,
    CurationAction,
    CurationResult,
    require_confirmation,
    unknown_unit,
)
from desktop.core.curation.rules import project_rules
from desktop.core.errors import UsageError
from desktop.core.store import curation as cstore
from desktop.core.store.corpus import Unit, article_text, article_units, get_unit, paragraph_units
from desktop.core.store.db import Database, log_change, write_transaction
from desktop.core.wording import counted


def live_unit(db: Database, unit_id: str) -> Unit:
    """The unit ``unit_id``, refusing unknown and retired units with a one-line error."""
    unit = get_unit(db, unit_id)
    if unit is None:
        raise unknown_unit(unit_id)
    into = cstore.retired_into(db, unit_id)
    if into is not None:
        raise UsageError(f"unit {unit_id} was merged into {into} and can no longer be changed")
    return unit


def _finish_paragraphs(db: Database, article_id: str, paragraphs: Iterable[int]) -> None:
    for paragraph in sorted(set(paragraphs)):
        cstore.renumber_sentences(db, article_id, paragraph)
        cstore.sync_paragraph(db, article_id, paragraph)


# -- merge ---------------------------------------------------------------------------------


def merge_units(
    db: Database, unit_a: str, unit_b: str, *, who: str = "", confirm: bool = False
) -> CurationResult:
    """Merge two neighbouring units of an article into one.

    The earlier unit keeps its id and gets the combined span and text (joined by a space);
    the later one is retired. The two must be consecutive among the article's units (in
    the same paragraph or across a paragraph break) and both coded or both excluded.

    Parameters
    ----------
    unit_a, unit_b
        The two units, in either order.
    confirm
        Required when either unit has labels: then both units' labels are kept on the
        merged unit for adjudication and its coders are asked to code it again.

    Raises
    ------
    UsageError
        Unknown, retired or non-neighbouring units.
    ConfirmationRequired
        A unit is coded and ``confirm`` is False; nothing is changed.
    """
    with write_transaction(db):
        a, b = live_unit(db, unit_a), live_unit(db, unit_b)
        if a.id == b.id:
            raise UsageError(f"cannot merge unit {a.id} with itself")
        if a.article_id != b.article_id:
            raise UsageError(f"units {a.id} and {b.id} are in different articles")
        if (b.start, b.seq) < (a.start, a.seq):
            a, b = b, a
        order = [u.id for u in article_units(db, a.article_id)]
        if order.index(b.id) != order.index(a.id) + 1:
            raise UsageError(f"units {a.id} and {b.id} are not neighbours; merge pairs in turn")
        if a.excluded != b.excluded:
            raise UsageError(
                f"unit {(a if a.excluded else b).id} is excluded and the other is not; "
                "include or exclude it first"
            )
        coded = require_confirmation(db, f"merging {a.id} and {b.id}", [a.id, b.id], confirm)
        coders = cstore.label_coders(db, [a.id, b.id])
        log_change(
            db,
            CurationAction.MERGE_UNITS.value,
            who,
            {
                "units": [a.id, b.id],
                "kept": a.id,
                "retired": b.id,
                "coded_units": sorted(coded),
                "coders": coders,
                "confirmed": bool(coded),
            },
        )
        change_id = cstore.last_change_id(db)
        kept = 0
        if coded:
            kept = cstore.snapshot_labels(db, change_id, a.id, a)
            kept += cstore.snapshot_labels(db, change_id, a.id, b)
        cstore.record_unit_change(db, change_id, a, "merged", b.id)
        cstore.record_unit_change(db, change_id, b, "merged_into", a.id)
        # A split inside a word merges back without a space; anything else is one space.
        gap = article_text(db, a.article_id)[a.end : b.start]
        joiner = " " if any(c.isspace() for c in gap) else ""
        cstore.set_unit_span(db, a.id, a.start, b.end, f"{a.text}{joiner}{b.text}")
        cstore.retire_unit(db, b.id, a.id)
        cstore.flag_needs_recoding(db, a.id, coders)
        cstore.copy_assignments(db, b.id, a.id)
        _finish_paragraphs(db, a.article_id, (a.paragraph, b.paragraph))
    return CurationResult(
        CurationAction.MERGE_UNITS,
        change_id,
        units=(a.id,),
        retired_units=(b.id,),
        articles=(a.article_id,),
        needs_recoding=tuple((a.id, c) for c in coders),
        kept_labels=kept,
    )


# -- split ---------------------------------------------------------------------------------


def _origins(raw: str, clean: str) -> list[int] | None:
    """For each character of ``clean``, its offset in ``raw`` (None if they do not align).

    A unit's text is its span of the article with inline clutter removed and whitespace
    runs collapsed, so it is a subsequence of the span in which one space stands for a run
    of whitespace; ``raw`` has the inline clutter blanked out so that greedy matching
    cannot land inside it.
    """
    found, p = [], 0
    for char in clean:
        if char.isspace():
            while p < len(raw) and not raw[p].isspace():
                p += 1
        else:
            while p < len(raw) and raw[p] != char:
                p += 1
        if p >= len(raw):
            return None
        found.append(p)
        p += 1
    return found


def _split_offsets(db: Database, unit: Unit, at: int) -> tuple[int, int]:
    """Article offsets ``(end of the first part, start of the second)`` for a split at ``at``."""
    raw = article_text(db, unit.article_id)[unit.start : unit.end]
    if raw == unit.text:
        origins: list[int] | None = list(range(len(raw)))
    else:
        masked = raw
        for s, e, _ in inline_spans(raw, project_rules(db)):
            masked = masked[:s] + " " * (e - s) + masked[e:]
        origins = _origins(masked, unit.text)
    text = unit.text
    last = max(i for i in range(at) if not text[i].isspace())
    first = min(i for i in range(at, len(text)) if not text[i].isspace())
    if origins is None:  # the text no longer matches its span: split by position
        head_end = unit.start + min(last + 1, len(raw))
        tail_start = unit.start + min(first, len(raw))
    else:
        head_end, tail_start = unit.start + origins[last] + 1, unit.start + origins[first]
    return head_end, max(tail_start, head_end)


def split_unit(
    db: Database, unit_id: str, at: int, *, who: str = "", confirm: bool = False
) -> CurationResult:
    """Split a unit in two at character ``at`` of its text (``unit.text[:at]`` stays).

    The unit keeps its id, its labels and the first part (it holds the original start);
    the second part becomes a new unit with a new id, placed right after it in project
    order, excluded or not like the original.

    Parameters
    ----------
    at
        A position in the unit's text (0-based, as Python slices count), so that both
        ``text[:at]`` and ``text[at:]`` hold more than whitespace.
    confirm
        Required when the unit has labels: then they stay on the first part, are kept in
        curation_labels too, and its coders are asked to code it again.

    Raises
    ------
    UsageError
        Unknown or retired unit, or a position that leaves an empty part.
    ConfirmationRequired
        The unit is coded and ``confirm`` is False; nothing is changed.
    """
    with write_transaction(db):
        unit = live_unit(db, unit_id)
        head, tail = unit.text[:at].strip(), unit.text[at:].strip()
        if not 0 < at < len(unit.text) or not head or not tail:
            raise UsageError(
                f"cannot split unit {unit.id} at {at}: choose a position between 1 and "
                f"{len(unit.text) - 1} that leaves text on both sides"
            )
        coded = require_confirmation(db, f"splitting {unit.id}", [unit.id], confirm)
        coders = cstore.label_coders(db, [unit.id])
        head_end, tail_start = _split_offsets(db, unit, at)
        new_id = cstore.next_unit_id(db, unit.article_id)
        log_change(
            db,
            CurationAction.SPLIT_UNIT.value,
            who,
            {
                "unit": unit.id,
                "at": at,
                "new_unit": new_id,
                "coded_units": sorted(coded),
                "coders": coders,
                "confirmed": bool(coded),
            },
        )
        change_id = cstore.last_change_id(db)
        kept = cstore.snapshot_labels(db, change_id, unit.id, unit) if coded else 0
        cstore.record_unit_change(db, change_id, unit, "split", new_id)
        paragraph = cstore.paragraph_at(db, unit.article_id, tail_start)
        new = Unit(
            id=new_id,
            seq=cstore.make_room_after_seq(db, unit.seq),
            article_id=unit.article_id,
            paragraph=unit.paragraph if paragraph is None else paragraph,
            sentence=unit.sentence + 1,
            start=tail_start,
            end=unit.end,
            text=tail,
            excluded=unit.excluded,
            excluded_by=unit.excluded_by,
        )
        cstore.set_unit_span(db, unit.id, unit.start, head_end, head)
        cstore.insert_unit(db, new, manual=cstore.is_manual(db, unit.id))
        cstore.record_unit_change(db, change_id, new, "split_off", unit.id)
        cstore.flag_needs_recoding(db, unit.id, coders)
        cstore.copy_assignments(db, unit.id, new_id)
        _finish_paragraphs(db, unit.article_id, (unit.paragraph, new.paragraph))
    return CurationResult(
        CurationAction.SPLIT_UNIT,
        change_id,
        units=(unit.id,),
        new_units=(new_id,),
        articles=(unit.article_id,),
        needs_recoding=tuple((unit.id, c) for c in coders),
        kept_labels=kept,
    )


# -- exclude and include -------------------------------------------------------------------


def _set_excluded(
    db: Database, unit_ids: Sequence[str], excluded: bool, who: str, confirm: bool
) -> CurationResult:
    action = CurationAction.EXCLUDE_UNITS if excluded else CurationAction.INCLUDE_UNITS
    with write_transaction(db):
        units = [live_unit(db, unit_id) for unit_id in dict.fromkeys(unit_ids)]
        targets = [u for u in units if u.excluded != excluded]
        if not targets:
            return CurationResult(action, None)
        ids = [u.id for u in targets]
        coded = (
            require_confirmation(db, f"excluding {counted(len(ids), 'unit')}", ids, confirm)
            if excluded
            else cstore.label_counts(db, ids)
        )
        log_change(
            db,
            action.value,
            who,
            {
                "units": ids,
                "coded_units": sorted(coded),
                "confirmed": bool(coded) and excluded,
            },
        )
        change_id = cstore.last_change_id(db)
        event = "excluded" if excluded else "included"
        for unit in targets:
            cstore.record_unit_change(db, change_id, unit, event)
        cstore.set_units_excluded(db, ids, excluded, MANUAL_REASON if excluded else "", manual=True)
        for article_id in dict.fromkeys(u.article_id for u in targets):
            _finish_paragraphs(
                db, article_id, (u.paragraph for u in targets if u.article_id == article_id)
            )
    return CurationResult(
        action,
        change_id,
        units=tuple(ids),
        articles=tuple(dict.fromkeys(u.article_id for u in targets)),
    )


def exclude_units(
    db: Database, unit_ids: Sequence[str], *, who: str = "", confirm: bool = False
) -> CurationResult:
    """Exclude units from coding by hand (kept as context; re-applied rules leave them).

    Units already excluded are left as they are.

    Raises
    ------
    UsageError
        An unknown or retired unit.
    ConfirmationRequired
        A unit to exclude is coded and ``confirm`` is False (its labels would leave the
        agreement and the exports; they are kept and come back when it is included).
    """
    return _set_excluded(db, unit_ids, True, who, confirm)


def include_units(db: Database, unit_ids: Sequence[str], *, who: str = "") -> CurationResult:
    """Switch excluded units (clutter) back to coded, by hand; never needs confirming.

    Raises
    ------
    UsageError
        An unknown unit, or a retired one (a merged unit cannot come back on its own).
    """
    return _set_excluded(db, unit_ids, False, who, False)


def paragraph_unit_ids(db: Database, article_id: str, paragraph: int) -> list[str]:
    """The live units of one paragraph (one line of the article).

    Raises
    ------
    UsageError
        If the article has no such paragraph or it holds no unit.
    """
    ids = [u.id for u in paragraph_units(db, article_id, paragraph)]
    if not ids:
        raise UsageError(f"article {article_id} has no paragraph {paragraph} with sentences")
    return ids


def toggle_paragraph(
    db: Database, article_id: str, paragraph: int, *, who: str = "", confirm: bool = False
) -> CurationResult:
    """One action for the article view: exclude a paragraph that has coded units, else
    include all of it.

    Raises
    ------
    ConfirmationRequired
        Excluding a paragraph with labelled units without ``confirm``.
    """
    units = paragraph_units(db, article_id, paragraph)
    ids = paragraph_unit_ids(db, article_id, paragraph)
    if any(not u.excluded for u in units):
        return exclude_units(db, ids, who=who, confirm=confirm)
    return include_units(db, ids, who=who)
