"""Merge, split, exclude and include units on the demo articles (see tests/curation/conftest)."""

from __future__ import annotations

import pytest

from desktop.core import curation, store
from desktop.core.curation import ConfirmationRequired, FateKind
from desktop.core.errors import UsageError

# The Seoul op-ed has 33 units (tests/curation/conftest.py): a split adds 34, then 35.
SEOUL_UNITS = 33


def all_unit_ids(db) -> list[str]:
    """Every unit id in the project file, retired ones included, sorted."""
    return sorted(r[0] for r in db.execute("SELECT id FROM units"))


def codable_ids(db) -> list[str]:
    """Ids of the units a coder is shown, in project order."""
    return [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)]


def seqs(db) -> dict[str, int]:
    return dict(db.execute("SELECT id, seq FROM units").fetchall())


def u(article_id: str, ordinal: int) -> str:
    return f"{article_id}-{ordinal:04d}"


def last_log(db) -> dict:
    return store.change_log(db)[-1]


# -- exclude and include -------------------------------------------------------------------


def test_the_getty_images_line_toggles_in_and_out(project, seoul, dump):
    db, path = project
    getty = u(seoul, 2)
    layout = curation.article_layout(db, seoul)
    line = layout.paragraphs[1]
    assert line.text == "Getty Images" and line.excluded and line.excluded_by == "photo credit"
    assert [x.id for x in line.units] == [getty]
    before = codable_ids(db)

    result = curation.toggle_paragraph(db, seoul, 1, who="lead")
    assert result.units == (getty,) and result.changed
    assert getty in codable_ids(db) and len(codable_ids(db)) == len(before) + 1
    line = curation.article_layout(db, seoul).paragraphs[1]
    assert not line.excluded and line.units[0].manual and not line.units[0].excluded
    assert last_log(db)["action"] == "include_units" and last_log(db)["who"] == "lead"

    curation.toggle_paragraph(db, seoul, 1, who="lead")
    line = curation.article_layout(db, seoul).paragraphs[1]
    assert line.excluded and line.excluded_by == curation.MANUAL_REASON
    assert codable_ids(db) == before
    assert [e["action"] for e in curation.curation_log(db)] == ["include_units", "exclude_units"]
    # Nothing left to switch: no step, no log entry, the file unchanged.
    snapshot = dump(path)
    assert not curation.exclude_units(db, [getty]).changed
    assert dump(path) == snapshot


def test_exclude_and_include_a_single_unit_keeps_the_paragraph_flag_true(project, seoul):
    db, _ = project
    curation.exclude_units(db, [u(seoul, 4)])
    paragraph = curation.article_layout(db, seoul).paragraphs[2]
    assert [x.excluded for x in paragraph.units] == [False, True, False]
    assert not paragraph.excluded
    curation.exclude_units(db, [u(seoul, 3), u(seoul, 5)])
    assert curation.article_layout(db, seoul).paragraphs[2].excluded
    curation.include_units(db, [u(seoul, 3), u(seoul, 4), u(seoul, 5)])
    assert not curation.article_layout(db, seoul).paragraphs[2].excluded


def test_excluding_a_coded_unit_needs_confirmation_and_keeps_its_labels(project, seoul, dump):
    db, path = project
    unit = u(seoul, 7)
    store.set_label(db, unit, "ak", "stance", "pressure")
    snapshot = dump(path)
    with pytest.raises(ConfirmationRequired, match=f"{unit}.*ak 1") as refused:
        curation.exclude_units(db, [unit, u(seoul, 8)])
    assert refused.value.coded == {unit: {"ak": 1}}
    assert dump(path) == snapshot

    curation.exclude_units(db, [unit], confirm=True)
    assert unit not in codable_ids(db)
    assert store.unit_labels(db, unit, "ak") == {"stance": "pressure"}
    assert last_log(db)["details"]["coded_units"] == [unit]
    curation.include_units(db, [unit])  # free: nothing can be lost by including
    assert store.labels_frame(db)["unit_id"].tolist() == [unit]


def test_unknown_units_are_refused_without_a_change(project, dump):
    db, path = project
    snapshot = dump(path)
    with pytest.raises(UsageError, match="no unit nope-0001"):
        curation.include_units(db, ["nope-0001"])
    assert dump(path) == snapshot


# -- merge ---------------------------------------------------------------------------------


def test_merging_uncoded_neighbours_is_free_and_keeps_every_other_id(project, seoul):
    db, _ = project
    ids, order = all_unit_ids(db), seqs(db)
    a, b = u(seoul, 15), u(seoul, 16)
    text_a, text_b = store.get_unit(db, a).text, store.get_unit(db, b).text

    result = curation.merge_units(db, b, a, who="lead")  # either order: the earlier stays

    assert (result.units, result.retired_units, result.kept_labels) == ((a,), (b,), 0)
    merged = store.get_unit(db, a)
    assert merged.text == f"{text_a} {text_b}"
    assert store.article_text(db, seoul)[merged.start : merged.end].startswith(text_a)
    assert merged.end == store.get_unit(db, u(seoul, 16)).end
    assert all_unit_ids(db) == ids  # the retired unit stays in the file
    assert seqs(db) == order
    assert b not in codable_ids(db) and a in codable_ids(db)
    paragraph = curation.article_layout(db, seoul).paragraphs[5]
    assert [(x.id, x.sentence) for x in paragraph.units] == [(a, 0), (u(seoul, 17), 1)]
    entry = last_log(db)
    assert (entry["action"], entry["who"]) == ("merge_units", "lead")
    assert entry["details"]["retired"] == b


def test_a_retired_unit_can_never_come_back_or_change(project, seoul, dump):
    db, path = project
    a, b = u(seoul, 15), u(seoul, 16)
    curation.merge_units(db, a, b)
    snapshot = dump(path)
    for step in (
        lambda: curation.include_units(db, [b]),
        lambda: curation.exclude_units(db, [b]),
        lambda: curation.split_unit(db, b, 5),
        lambda: curation.merge_units(db, a, b),
    ):
        with pytest.raises(UsageError, match=f"{b} was merged into {a}"):
            step()
    assert dump(path) == snapshot
    assert curation.unit_fate(db, b).kind is FateKind.MERGED_INTO


def test_merges_of_non_neighbours_or_mixed_units_are_refused(project, seoul, beijing, dump):
    db, path = project
    snapshot = dump(path)
    with pytest.raises(UsageError, match="not neighbours"):
        curation.merge_units(db, u(seoul, 3), u(seoul, 5))
    with pytest.raises(UsageError, match="different articles"):
        curation.merge_units(db, u(seoul, 30), u(beijing, 3))
    with pytest.raises(UsageError, match="is excluded"):
        curation.merge_units(db, u(seoul, 30), u(seoul, 31))
    with pytest.raises(UsageError, match="with itself"):
        curation.merge_units(db, u(seoul, 3), u(seoul, 3))
    assert dump(path) == snapshot


def test_merging_across_a_paragraph_break(project, seoul):
    db, _ = project
    end_of_next = store.get_unit(db, u(seoul, 15)).end
    curation.merge_units(db, u(seoul, 14), u(seoul, 15))
    merged = store.get_unit(db, u(seoul, 14))
    assert merged.paragraph == 4 and merged.end == end_of_next
    text = store.article_text(db, seoul)[merged.start : merged.end]
    assert text.startswith("(She has advised") and text.endswith("the headlines suggest.")
    assert [x.id for x in curation.article_layout(db, seoul).paragraphs[5].units] == [
        u(seoul, 16),
        u(seoul, 17),
    ]


def test_merging_coded_units_keeps_both_units_labels_for_adjudication(project, seoul, dump):
    db, path = project
    a, b = u(seoul, 18), u(seoul, 19)
    store.set_label(db, a, "ak", "stance", "pressure")
    store.set_label(db, b, "ak", "stance", "engagement")
    store.set_label(db, b, "bb", "china_role", "obstructive")
    snapshot = dump(path)
    with pytest.raises(ConfirmationRequired, match="confirm") as refused:
        curation.merge_units(db, a, b)
    assert refused.value.coded == {a: {"ak": 1}, b: {"ak": 1, "bb": 1}}
    assert dump(path) == snapshot

    result = curation.merge_units(db, a, b, confirm=True, who="lead")

    assert result.kept_labels == 3
    assert set(result.needs_recoding) == {(a, "ak"), (a, "bb")}
    assert store.unit_labels(db, a, "ak") == {"stance": "pressure"}  # nothing overwritten
    assert store.unit_labels(db, b, "ak") == {"stance": "engagement"}  # still in the file
    kept = curation.curation_labels(db, a)
    assert {(k.from_unit, k.coder, k.dimension, k.value) for k in kept} == {
        (a, "ak", "stance", "pressure"),
        (b, "ak", "stance", "engagement"),
        (b, "bb", "china_role", "obstructive"),
    }
    assert {k.from_text for k in kept if k.from_unit == b} == {store.get_unit(db, b).text}
    for coder in ("ak", "bb"):
        assert curation.units_needing_recoding(db, coder) == [a]
    layout_unit = curation.article_layout(db, seoul).paragraphs[6].units[0]
    assert (layout_unit.needs_recoding, layout_unit.kept_labels) == (("ak", "bb"), 3)
    # The retired unit's labels leave agreement and exports with it.
    assert set(store.labels_frame(db)["unit_id"]) == {a}
    details = last_log(db)["details"]
    assert details["confirmed"] and details["coded_units"] == [a, b]
    assert details["coders"] == ["ak", "bb"]


# -- split ---------------------------------------------------------------------------------


def test_splitting_an_uncoded_unit_adds_a_new_id_right_after_it(project, seoul):
    db, _ = project
    ids, order = all_unit_ids(db), seqs(db)
    unit = store.get_unit(db, u(seoul, 16))
    at = unit.text.index("and the allies")
    result = curation.split_unit(db, unit.id, at, who="lead")

    new_id = u(seoul, SEOUL_UNITS + 1)  # one past the article's highest ordinal
    assert result.new_units == (new_id,)
    assert all_unit_ids(db) == sorted([*ids, new_id])
    head, tail = store.get_unit(db, unit.id), store.get_unit(db, new_id)
    assert head.text == unit.text[:at].strip() and tail.text == unit.text[at:]
    text = store.article_text(db, seoul)
    assert text[head.start : head.end] == head.text and text[tail.start : tail.end] == tail.text
    assert (tail.paragraph, tail.sentence, store.get_unit(db, u(seoul, 17)).sentence) == (5, 2, 3)
    # seq keeps text order: the new unit comes right after, every later unit moves by one.
    now = seqs(db)
    assert now[new_id] == order[unit.id] + 1
    assert all(now[i] == order[i] + (order[i] > order[unit.id]) for i in ids)
    assert codable_ids(db)[codable_ids(db).index(unit.id) + 1] == new_id
    assert last_log(db)["details"]["new_unit"] == new_id


def test_a_split_id_is_never_reused_even_after_a_merge_retires_it(project, seoul):
    db, _ = project
    first = curation.split_unit(db, u(seoul, 3), 10).new_units[0]
    assert first == u(seoul, SEOUL_UNITS + 1)
    curation.merge_units(db, u(seoul, 3), first)
    assert curation.split_unit(db, u(seoul, 3), 10).new_units[0] == u(seoul, SEOUL_UNITS + 2)


def test_split_and_merge_back_inside_text_with_inline_clutter(project, seoul):
    db, _ = project
    unit = store.get_unit(db, u(seoul, 10))  # its line starts with "{mosads}"
    text = store.article_text(db, seoul)
    assert text[unit.start - 8 : unit.start] == "{mosads}"
    at = unit.text.index("not sentimental")
    new_id = curation.split_unit(db, unit.id, at).new_units[0]
    tail = store.get_unit(db, new_id)
    assert text[tail.start : tail.end] == tail.text and tail.text.startswith("not sentimental")
    # Split inside a word and merge back: the text comes back exactly.
    curation.merge_units(db, unit.id, new_id)
    assert store.get_unit(db, unit.id).text == unit.text
    word_split = curation.split_unit(db, unit.id, 20).new_units[0]
    curation.merge_units(db, unit.id, word_split)
    assert store.get_unit(db, unit.id) == unit


def test_split_positions_that_leave_an_empty_part_are_refused(project, seoul, dump):
    db, path = project
    unit = store.get_unit(db, u(seoul, 11))
    snapshot = dump(path)
    for at in (0, len(unit.text), -3, 999):
        with pytest.raises(UsageError, match="cannot split"):
            curation.split_unit(db, unit.id, at)
    assert dump(path) == snapshot


def test_splitting_a_coded_unit_keeps_labels_on_the_first_part(project, seoul, dump):
    db, path = project
    unit = store.get_unit(db, u(seoul, 15))
    store.set_label(db, unit.id, "ak", "stance", "mixed")
    store.set_label(db, unit.id, "ak", "alliance_trust", "strained")
    db.execute("INSERT INTO rounds (id, kind, created_at) VALUES ('r1', 'split', '2026-01-01')")
    db.execute(
        "INSERT INTO assignments (unit_id, coder_id, round_id, assigned_at) "
        "VALUES (?, 'ak', 'r1', '2026-01-01')",
        [unit.id],
    )
    snapshot = dump(path)
    with pytest.raises(ConfirmationRequired, match=f"splitting {unit.id}.*2 labels: ak 2"):
        curation.split_unit(db, unit.id, 40)
    assert dump(path) == snapshot

    result = curation.split_unit(db, unit.id, 40, confirm=True)

    new_id = result.new_units[0]
    assert store.unit_labels(db, unit.id, "ak") == {"stance": "mixed", "alliance_trust": "strained"}
    assert store.unit_labels(db, new_id, "ak") == {}
    assert result.needs_recoding == ((unit.id, "ak"),)
    assert curation.units_needing_recoding(db, "ak") == [unit.id]
    assert {k.from_text for k in curation.curation_labels(db, unit.id)} == {unit.text}
    assigned = db.execute("SELECT unit_id FROM assignments WHERE coder_id = 'ak' ORDER BY 1")
    assert [r[0] for r in assigned] == sorted([unit.id, new_id])
    # The coder re-codes: the flag clears (what the coding window calls when saving).
    curation.clear_needs_recoding(db, unit.id, "ak")
    assert curation.units_needing_recoding(db, "ak") == []


def test_every_step_is_in_the_change_log_and_changes_after_coding_are_listed(project, seoul):
    db, _ = project
    curation.exclude_units(db, [u(seoul, 3)])  # before coding began
    assert curation.changes_after_coding(db) == []
    store.set_label(db, u(seoul, 9), "ak", "stance", "pressure")
    curation.split_unit(db, u(seoul, 9), 20, confirm=True)
    curation.merge_units(db, u(seoul, 4), u(seoul, 5))
    actions = [e["action"] for e in curation.curation_log(db)]
    assert actions == ["exclude_units", "split_unit", "merge_units"]
    assert [e["action"] for e in curation.changes_after_coding(db)] == [
        "split_unit",
        "merge_units",
    ]
    assert all(e["at"] and "details" in e for e in curation.curation_log(db))
