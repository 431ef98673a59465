"""A coder package holds no other coder's data: every cell of every table, and every byte
of the file, is scanned for the other coders' ids, names and words.

The lead's project is made to carry other coders' data everywhere it can: labels, history,
notes, flags, times, assignments, a merged package (the merges table), change-log rows.
"""

from __future__ import annotations

import sqlite3

from desktop.core import store, team

ME = ("ra_p1", "Rachel Adams")
OTHERS = {"kb_q2": "Kim Bora", "lc_r3": "Lee Chul", "lead_x9": "Mara Lindqvist"}
SECRETS = [
    "KB-NOTE-5521 the minister is being ironic",
    "LC-NOTE-8830 Beijing line unclear",
    "KB-PACKAGE-NOTE-1207 coded at home",
    "LEAD-LOG-4410 rationale by the lead",
]


def _codable(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]


def _busy_study(db, tmp_path) -> None:
    for coder, name in [ME, *OTHERS.items()]:
        store.ensure_coder(db, coder, name)
    team.set_lead(db, "lead_x9")
    coders = [ME[0], "kb_q2", "lc_r3"]
    team.draw_reliability_sample(db, coders, count=6, seed=5)
    team.split_remaining(db, coders, seed=5)
    units = _codable(db)
    for i, coder in enumerate(coders):
        for unit in units[:8]:
            store.set_label(db, unit, coder, "stance", ("pressure", "mixed", "engagement")[i])
        store.set_unsure(db, units[i], coder, True)
        store.add_time(db, units[i], coder, 30.0 + i)
    store.set_label(db, units[9], "kb_q2", "china_role", "obstructive")
    store.undo(db, "kb_q2")
    store.set_note(db, units[1], "kb_q2", SECRETS[0])
    store.set_note(db, units[2], "lc_r3", SECRETS[1])
    store.set_note(db, units[3], ME[0], "my own note")
    # kb codes at home in a package, and the lead merges it back.
    kb_package = tmp_path / "kb.stance"
    team.create_package(db, "kb_q2", kb_package)
    home = store.open_project(kb_package)
    store.set_label(home, units[10], "kb_q2", "alliance_trust", "solid")
    store.set_note(home, units[10], "kb_q2", SECRETS[2])
    home.close()
    team.merge_files(db, [kb_package], who="lead_x9")
    with store.write_transaction(db):
        store.log_change(db, "adjudicate", "lead_x9", {"note": SECRETS[3], "by": "Kim Bora"})


def _cells(path) -> list[tuple[str, str]]:
    """(table, cell as text) for every cell of every table, sqlite_master included."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = []
        for table in [*tables, "sqlite_master"]:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    text = cell.decode("utf-8", "replace") if isinstance(cell, bytes) else cell
                    found.append((table, str(text)))
        return found
    finally:
        conn.close()


def test_a_package_holds_nothing_of_the_other_coders_anywhere(corpus_project, tmp_path):
    db = corpus_project
    _busy_study(db, tmp_path)
    assert any(SECRETS[2] == store.unit_state(db, u, "kb_q2")["note"] for u in _codable(db))
    out = tmp_path / "ra.stance"
    team.create_package(db, ME[0], out)
    needles = [*OTHERS, *OTHERS.values(), *SECRETS]

    cells = _cells(out)
    assert len(cells) > 1000  # the corpus is there: the scan looked at real content
    leaks = [(table, needle) for table, text in cells for needle in needles if needle in text]
    assert leaks == []

    raw = out.read_bytes()
    for extra in (f"{out}-wal", f"{out}-journal"):
        assert not (tmp_path / extra).exists()
    for needle in needles:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert needle.encode(encoding) not in raw, (needle, encoding)

    conn = sqlite3.connect(out)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # no stale pages
        for table in ("labels", "label_history", "unit_states", "assignments"):
            coders = {r[0] for r in conn.execute(f"SELECT DISTINCT coder_id FROM {table}")}
            assert coders <= {ME[0]}, table
        assert conn.execute("SELECT count(*) FROM labels").fetchone()[0] == 8
    finally:
        conn.close()
    package = store.open_project(out)
    assert store.unit_state(package, _codable(package)[3], ME[0])["note"] == "my own note"
    package.close()
