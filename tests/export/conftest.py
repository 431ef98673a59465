"""A coded project for export tests: the demo articles plus an article whose sentences
look like spreadsheet formulas, three coders who agree and disagree, notes, unsure
flags and one adjudicated gold label."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from export_helpers import FORMULA_NOTE, add_formula_article

from desktop.core import store

DEMO_CORPUS = Path(__file__).resolve().parents[2] / "resources" / "demo"
CODERS = ("ann", "bo", "Chloé K")


def code_project(db) -> None:
    """Three coders on the first 30 units (deterministic; some disagreement), two more
    units by ann alone, notes, unsure flags, and one adjudicated gold label."""
    scheme = store.current_scheme(db)
    units = [r["unit_id"] for r in store.iter_units_rows(db)]
    for coder in CODERS:
        store.ensure_coder(db, coder, "Chloé Kim" if coder == "Chloé K" else "")
    counter = itertools.count()
    for i, unit in enumerate(units[:30]):
        for j, coder in enumerate(CODERS):
            for k, d in enumerate(scheme.dimensions):
                # Coders agree on most units; every fifth unit they split.
                pick = (i + k + (j if i % 5 == 0 else 0)) % len(d.codes)
                store.set_label(db, unit, coder, d.id, d.codes[pick], seconds=next(counter) / 4)
    for unit in units[30:32]:
        store.set_label(db, unit, "ann", "stance", "engagement", seconds=2.0)
    store.set_note(db, units[0], "ann", FORMULA_NOTE)
    store.set_note(db, units[1], "bo", 'A note, with "quotes",\nand a second line.')
    store.set_unsure(db, units[1], "bo", True)
    store.set_unsure(db, units[5], "Chloé K", True)
    # One adjudicated gold label, written with a fixed decision time.
    with store.write_transaction(db):
        db.execute(
            "INSERT INTO gold_labels (unit_id, dimension, value, method, adjudicator, "
            "rationale, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [units[0], "stance", "mixed", "adjudicated", "lead", "", "2024-05-01T10:00:00.000000Z"],
        )
    # The last units of the formula article, coded by bo so they reach the label layouts.
    for unit in units[-4:]:
        store.set_label(db, unit, "bo", "china_role", "none")
    store.set_note(db, units[-1], "bo", "@mention the editor")


@pytest.fixture(scope="session")
def coded_template(tmp_path_factory) -> Path:
    """The coded project built once per session (labels are written one transaction at a
    time, as the app does, which takes a while); tests get a copy."""
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    folder = tmp_path_factory.mktemp("coded")
    path = folder / "template.stance"
    db = store.create_project(path, load_scheme(default_scheme_path()))
    try:
        import_paths(db, [DEMO_CORPUS])
        add_formula_article(db, folder)
        code_project(db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return path


@pytest.fixture
def coded_project(coded_template, tmp_path):
    """A fresh copy of the coded project (see :func:`code_project`), open."""
    path = tmp_path / "project.stance"
    shutil.copyfile(coded_template, path)
    db = store.open_project(path)
    yield db
    db.close()


@pytest.fixture
def project_path(coded_project, tmp_path):
    """The coded project's file, closed (for the command line)."""
    coded_project.close()
    return tmp_path / "project.stance"


# -- projects for reading exports in other programs (repository data only) ----------------


@pytest.fixture(scope="session")
def client_templates(tmp_path_factory) -> dict[str, Path]:
    """The client-reading projects (see ``client_project``), built once per session:
    ``default`` (the default scheme) and ``long`` (32-character dimension id, repeated
    labels)."""
    import client_project

    folder = tmp_path_factory.mktemp("clients")
    return {
        "default": client_project.build(folder / "default.stance"),
        "long": client_project.build(folder / "long.stance", long_ids=True),
    }


@pytest.fixture(params=["default", "long"])
def client_db(request, client_templates, tmp_path):
    """A fresh copy of a client-reading project, open; both schemes."""
    path = tmp_path / "client.stance"
    shutil.copyfile(client_templates[request.param], path)
    db = store.open_project(path)
    yield db
    db.close()
