"""A project for reading exports in other programs, built from files in the repository:
the demo articles, the default scheme (or a copy with long ids and repeated labels),
three coders (one with a 22-character id), notes, unsure flags, a label whose coder
chose not applicable, a label imported without times and an adjudicated gold label."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core import store
from desktop.core.resources import data_dir, default_scheme_path
from desktop.core.scheme import load_scheme, parse_scheme

LONG_CODER = "research_assistant_022"  # 22 characters
CODERS = ("ann", "bo", LONG_CODER)
NAMES = {"ann": "Ann Lee", "bo": "Bo Park", LONG_CODER: "Chloé Kim"}
UNITS = 12  # units coded by all three coders
LONG_DIMENSION = "china_role_in_the_peninsula_talk"  # 32 characters


def long_scheme_text() -> str:
    """The default scheme with a 32-character dimension id and labels that repeat
    across dimensions ("Mixed" and "None" twice), as ``scheme check`` accepts."""
    text = default_scheme_path().read_text(encoding="utf-8")
    text = text.replace('id = "china_role"', f'id = "{LONG_DIMENSION}"')
    text = text.replace('id = "korea_alliance"', 'id = "korea_alliance_long"')
    text = text.replace('label = "Pressure and engagement"', 'label = "Mixed"')
    text = text.replace('label = "No stance"', 'label = "None"')
    text = text.replace('label = "No role"', 'label = "None"')
    assert re.search(r'label = "Mixed"[\s\S]*label = "Mixed"', text)
    return text


def build(path: Path, *, long_ids: bool = False) -> Path:
    """Create and code the project at ``path``; returns ``path``."""
    from desktop.core.corpus.importer import import_paths

    if long_ids:
        scheme = parse_scheme(long_scheme_text(), "long.toml")
    else:
        scheme = load_scheme(default_scheme_path())
    db = store.create_project(path, scheme)
    try:
        demo = sorted(p for p in (data_dir("resources") / "demo").glob("0*.txt"))[:3]
        import_paths(db, demo, workers=1)
        code(db)
    finally:
        db.close()
    return path


def code(db) -> None:
    """Three coders on the first :data:`UNITS` units, agreeing on most; notes; one
    not-applicable label; one label with unknown time; one adjudicated gold label."""
    scheme = store.current_scheme(db)
    units = [r["unit_id"] for r in store.iter_units_rows(db)]
    for coder in CODERS:
        store.ensure_coder(db, coder, NAMES[coder])
    n = 0
    for i, unit in enumerate(units[:UNITS]):
        for j, coder in enumerate(CODERS):
            for k, d in enumerate(scheme.dimensions):
                pick = (i + k + (j if i % 4 == 0 else 0)) % len(d.codes)
                n += 1
                store.set_label(db, unit, coder, d.id, d.codes[pick], seconds=1.5 + n)
    # Unknown time: stored as 0 seconds, as import-labels stores a row without times.
    store.set_label(db, units[UNITS], "ann", "stance", "engagement", seconds=0.0)
    store.set_note(db, units[0], "ann", "Sarcastic; =not a formula")
    store.set_note(db, units[1], "bo", 'A note, with "quotes",\nand a second line.')
    store.set_note(db, units[1], LONG_CODER, "Second opinion on the same sentence.")
    store.set_unsure(db, units[1], "bo", True)
    with store.write_transaction(db):
        db.execute(
            "INSERT INTO gold_labels (unit_id, dimension, value, method, adjudicator, "
            "rationale, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [units[0], "stance", "mixed", "adjudicated", "lead", "", "2024-05-01T10:00:00.000000Z"],
        )
