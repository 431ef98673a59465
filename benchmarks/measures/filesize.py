"""file_bytes_per_label: the project file's size divided by its labels (issue 24).

The size is the file on disk (its pages in use and free; the benchmark fixture is written
in one pass and has next to no free pages), so it counts every label's history rows, the
coders' unit states, every index and the corpus. SQLite's ``dbstat`` table gives the
bytes of each table and index, reported in the details per label, largest first. The
target is absolute (bytes do not depend on the machine's speed): 150 bytes a label.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from benchmarks.harness import Result

TARGET_BYTES = 150.0


def breakdown(project: Path) -> tuple[int, int, dict[str, int], int]:
    """``(file bytes, labels, {table or index: bytes}, free bytes)`` of a project file;
    the labels are the human coders' current labels and the machine coders' labels."""
    conn = sqlite3.connect(f"{project.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        # label_current since migration 0007; a file of an earlier format has labels
        table = "label_current" if "label_current" in tables else "labels"
        labels = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        # A machine coder's labels (migration 0006) are labels of the project too; since
        # 0009 in model_label_rows (model_labels is a view of it).
        model = "model_label_rows" if "model_label_rows" in tables else "model_labels"
        if model in tables:
            labels += conn.execute(f"SELECT count(*) FROM {model}").fetchone()[0]
        sizes = dict(
            conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        )
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    finally:
        conn.close()
    return project.stat().st_size, labels, sizes, free


def measure_file_size(project: Path) -> Result:
    """The project file's bytes per current label, with the per-table breakdown."""
    size, labels, sizes, free = breakdown(project)
    per_label = size / labels if labels else float("nan")
    details = {
        "file_bytes": size,
        "labels": labels,
        "free_bytes": free,
        "bytes_per_label_by_table": {
            name: round(pages / labels, 1) for name, pages in sizes.items() if labels
        },
    }
    return Result(
        "file_bytes_per_label",
        "project file size / labels (history, states, indexes and corpus included)",
        round(per_label, 1),
        "bytes/label",
        f"<= {TARGET_BYTES:g}",
        per_label <= TARGET_BYTES,
        figures={"file_mb": round(size / 1e6, 1), "labels": labels},
        details=details,
        summary=f"{per_label:.1f} B/label ({size / 1e6:.0f} MB, {labels:,} labels)",
    )
