"""file_bytes_per_label: the file's bytes over its labels, with dbstat's breakdown."""

from __future__ import annotations

from benchmarks.measures.filesize import breakdown, measure_file_size
from desktop.core import store
from desktop.core.store.db import project_path


def test_file_size_per_label_is_the_file_over_its_labels_and_its_tables_add_up(
    corpus_project, tmp_path
):
    db = corpus_project
    units = [r[0] for r in db.execute("SELECT id FROM units ORDER BY seq LIMIT 20")]
    for unit in units:
        store.set_label(db, unit, "ann", "stance", "neutral", seconds=2.5)
        store.set_label(db, unit, "bob", "china_role", "none")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = project_path(db)
    size, labels, sizes, free = breakdown(path)
    assert labels == 40
    assert size == path.stat().st_size
    # every page is in a table, an index or the free list (page 1 holds the schema)
    page = db.execute("PRAGMA page_size").fetchone()[0]
    assert sum(sizes.values()) + free == size
    assert sizes["label_current"] >= page and "labels" not in sizes  # a view has no pages
    result = measure_file_size(path)
    assert result.value == round(size / 40, 1)
    assert result.met is (size / 40 <= 150)
    assert result.details["bytes_per_label_by_table"]["label_changes"] == round(
        sizes["label_changes"] / 40, 1
    )
