"""A coded project written for these tests: articles whose sentences carry their stance in
their words, three human coders who disagree now and then, and gold labels."""

from __future__ import annotations

import numpy as np
import pytest
from machine_phrases import PHRASES

DIMENSIONS = tuple(PHRASES)
HUMANS = ("ana", "ben", "cho")


def _sentence(rng: np.random.Generator, truth: dict[str, str], serial: int) -> str:
    parts = [str(rng.choice(PHRASES[d][truth[d]])) for d in DIMENSIONS]
    return f"In note {serial}, {parts[0]}, while {parts[1]}, and {parts[2]}."


def write_corpus(
    folder, *, articles: int = 12, paragraphs: int = 3, sentences: int = 4, seed: int = 7
) -> dict[tuple[int, int, int], dict[str, str]]:
    """Write ``articles`` text files; returns the true labels by (article, paragraph, sentence)."""
    rng = np.random.default_rng(seed)
    truths = {}
    serial = 0
    for a in range(articles):
        paras = []
        for p in range(paragraphs):
            lines = []
            for s in range(sentences):
                truth = {d: str(rng.choice(list(PHRASES[d]))) for d in DIMENSIONS}
                serial += 1
                lines.append(_sentence(rng, truth, serial))
                truths[(a, p, s)] = truth
            paras.append(" ".join(lines))
        (folder / f"article_{a:02d}.txt").write_text(
            f"Opinion number {a}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8"
        )
    return truths


def noisy(rng: np.random.Generator, value: str, codes: list[str], error: float) -> str:
    return str(rng.choice([c for c in codes if c != value])) if rng.random() < error else value


@pytest.fixture
def coded_path(tmp_path, scheme):
    """A project file of 12 articles (144 units), coded by three humans, gold for all."""
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths
    from desktop.core.store.team import write_gold

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus)
    path = tmp_path / "coded.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [corpus], workers=1)
    rng = np.random.default_rng(11)
    units = db.execute(
        "SELECT u.id, u.text FROM units u WHERE u.excluded = 0 ORDER BY u.seq"
    ).fetchall()
    truth = {}
    for unit_id, text in units:
        truth[unit_id] = {
            d: next(
                (code for code, bank in PHRASES[d].items() if any(p in text for p in bank)), "none"
            )
            for d in DIMENSIONS
        }
    codes = {d.id: list(d.codes) for d in scheme.dimensions}
    with store.write_transaction(db):
        for unit_id, _ in units:
            for d in DIMENSIONS:
                write_gold(db, unit_id, d, truth[unit_id][d], "adjudicated", "lead")
    for coder, error in zip(HUMANS, (0.1, 0.15, 0.2), strict=True):
        store.ensure_coder(db, coder)
        with store.write_transaction(db):
            for unit_id, _ in units:
                for d in DIMENSIONS:
                    store.set_label(
                        db, unit_id, coder, d, noisy(rng, truth[unit_id][d], codes[d], error)
                    )
    db.close()
    return path


@pytest.fixture
def coded_project(coded_path):
    """The coded project, open."""
    from desktop.core import store

    db = store.open_project(coded_path)
    yield db
    db.close()
