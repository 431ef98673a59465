"""Helpers shared by the team workflow tests (imported by name: tests/team is on sys.path)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core import store

CODERS = {"ann_q7": "Annika Quist", "bob_z3": "Boris Zell", "cyd_k9": "Cydney Kroll"}
THREE = list(CODERS)


def codable(db) -> list[str]:
    """Ids of the codable units in project order."""
    return [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)]


def copy_project(source: Path, target: Path) -> Path:
    """A consistent copy of a project file (SQLite backup, WAL included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def table_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (and view: labels, label_history, unit_states) of a file."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        ]
        return {n: conn.execute(f'SELECT * FROM "{n}"').fetchall() for n in names}
    finally:
        conn.close()


def scheme_variant(
    scheme,
    version: str,
    *,
    add: tuple[str, str, str, float] | None = None,
    drop: tuple[str, str] | None = None,
    relabel: tuple[str, str, str] | None = None,
    new_dimension: bool = False,
    scheme_id: str | None = None,
):
    """Another version of ``scheme``, edited as a researcher would edit the TOML.

    ``add=(dimension, code, key, value)`` adds a category, ``drop=(dimension, code)``
    removes one, ``relabel=(dimension, code, label)`` renames one, ``new_dimension`` adds
    a nominal dimension 'tone' (keys Z, X).
    """
    from desktop.core.scheme import parse_scheme

    blocks = scheme.source.split("\n[[")
    out, dimension = [blocks[0]], None
    for i, block in enumerate(blocks[1:], start=1):
        if block.startswith("dimensions]]"):
            dimension = block.split('id = "', 1)[1].split('"', 1)[0]
        code = block.split('code = "', 1)[1].split('"', 1)[0] if "code =" in block else None
        if drop == (dimension, code):
            continue
        if relabel and relabel[:2] == (dimension, code):
            block = block.replace("\nlabel = ", f'\nlabel = "{relabel[2]}"\nold_label = ', 1)
            block = "\n".join(ln for ln in block.splitlines() if not ln.startswith("old_label"))
        out.append(block)
        following = blocks[i + 1] if i + 1 < len(blocks) else "dimensions]]"
        if add and dimension == add[0] and following.startswith("dimensions]]"):
            out.append(
                f'dimensions.categories]]\ncode = "{add[1]}"\nlabel = "{add[1].title()}"\n'
                f'key = "{add[2]}"\nvalue = {add[3]}\n'
            )
    text = "\n[[".join(out)
    if new_dimension:
        text += (
            '\n[[dimensions]]\nid = "tone"\nlabel = "Tone"\nlevel = "nominal"\n'
            '[[dimensions.categories]]\ncode = "calm"\nlabel = "Calm"\nkey = "Z"\n'
            '[[dimensions.categories]]\ncode = "alarmed"\nlabel = "Alarmed"\nkey = "X"\n'
        )
    text = text.replace('version = "1.0"', f'version = "{version}"', 1)
    if scheme_id:
        text = text.replace('id = "korea_alliance"', f'id = "{scheme_id}"', 1)
    return parse_scheme(text, "<variant>")
