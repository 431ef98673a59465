"""Helpers shared by the lab tests (imported by name: tests/lab is on sys.path)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core import store
from desktop.core.store import team as team_store


def code(path: Path, coder: str, count: int, offset: int = 0) -> list[str]:
    """Code ``count`` of the coder's assigned units from ``offset`` as the window would:
    every dimension, time on the unit, then an undo, a clear, a note and an unsure flag.
    Returns the units touched."""
    db = store.open_project(path)
    try:
        scheme = store.current_scheme(db)
        seqs = team_store.assigned_seqs(db, coder)[offset : offset + count]
        units = [store.get_unit_by_seq(db, seq).id for seq in seqs]
        for i, unit in enumerate(units):
            for j, dim in enumerate(scheme.dimensions):
                value = dim.codes[(i + j + len(coder) + offset) % len(dim.codes)]
                store.set_label(db, unit, coder, dim.id, value)
            store.add_time(db, unit, coder, 5.0 + i)
        store.undo(db, coder)
        store.clear_label(db, units[0], coder, scheme.dimensions[0].id)
        store.set_note(db, units[1], coder, f"note {offset} of {coder}")
        store.set_unsure(db, units[1], coder, True)
        return units
    finally:
        db.close()


def copy_project(source: Path, target: Path) -> Path:
    """A consistent copy of a project file (SQLite backup, WAL included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def rows(path: Path, table: str, columns: str = "*", order: str = "1") -> list[tuple]:
    """Rows of one table of a project file."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY {order}").fetchall()
    finally:
        conn.close()
