"""Type-ahead through the real key path: QTest key clicks on the window's QWindow at 25
keys a second, the default 160 ms pause after each sentence, labels read back from a
second connection (issue 14: keys typed during the pause were dropped or applied to the
sentence being left)."""

from __future__ import annotations

import random
import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core import store
from desktop.core.session import Phase
from desktop.ui import settings


def qt_key(char: str) -> Qt.Key:
    return getattr(Qt.Key, f"Key_{char.upper()}")


KEY_INTERVAL_S = 0.040  # 25 keys a second
SENTENCES = 32


def type_at_pace(window, keys, interval=KEY_INTERVAL_S, modifier=Qt.KeyboardModifier.NoModifier):
    """Key clicks on the window's QWindow (the path of a real key, shortcut map included),
    one every ``interval`` seconds on a fixed schedule; events run in between."""
    app = QApplication.instance()
    start = time.perf_counter()
    for n, key in enumerate(keys):
        while time.perf_counter() < start + n * interval:
            app.processEvents()
            time.sleep(0.002)
        QTest.keyClick(window.windowHandle(), qt_key(key), modifier)
        app.processEvents()


def test_every_key_typed_at_25_a_second_lands_on_its_sentence(qtbot, demo_window, demo_path):
    settings.put(settings.TRANSITION_MS, 160)  # the default pause, as a coder has it
    window = demo_window()
    scheme = window.scheme
    rng = random.Random(14)
    seqs = window.session.seqs[:SENTENCES]
    assert len(seqs) == SENTENCES
    expected = []
    keys = []
    for _ in seqs:
        values = {}
        for dimension in scheme.dimensions:
            category = rng.choice(dimension.categories)
            values[dimension.id] = category.code
            keys.append(category.key.lower())
        expected.append(values)
    type_at_pace(window, keys)
    qtbot.waitUntil(
        lambda: window.session.phase is Phase.SHOWING and not window.session.pending, timeout=5000
    )
    other = store.open_project(demo_path, readonly=True)
    try:
        for seq, values in zip(seqs, expected, strict=True):
            unit = store.get_unit_by_seq(other, seq)
            assert store.unit_labels(other, unit.id, "ak") == values, seq
        history = store.label_history(other, coder="ak")
        assert len(history) == len(keys)  # one write a key, none lost, none twice
    finally:
        other.close()
    assert window.session.unit.seq == window.session.seqs[SENTENCES]
    assert window.session.progress[0] == SENTENCES
    assert f"{SENTENCES} of" in window.progress_label.text()
    first_article = store.get_unit_by_seq(window.db, seqs[0]).article_id
    coded, _total = window.sidebar.articles.progress(first_article)
    assert coded == sum(
        1 for seq in seqs if store.get_unit_by_seq(window.db, seq).article_id == first_article
    )


def test_the_nine_keys_of_the_issue_at_100_and_50_ms(qtbot, demo_window, demo_path):
    settings.put(settings.TRANSITION_MS, 160)
    window = demo_window()
    seqs = window.session.seqs[:6]
    type_at_pace(window, list("1qs3ef2wd"), interval=0.100)
    type_at_pace(window, list("1qs3ef2wd"), interval=0.050)
    qtbot.waitUntil(lambda: window.session.phase is Phase.SHOWING and not window.session.pending)
    other = store.open_project(demo_path, readonly=True)
    try:
        stances = [store.unit_labels(other, store.get_unit_by_seq(other, s).id, "ak") for s in seqs]
    finally:
        other.close()
    runs = [
        {"stance": "pressure", "alliance_trust": "strained", "china_role": "obstructive"},
        {"stance": "engagement", "alliance_trust": "solid", "china_role": "none"},
        {"stance": "mixed", "alliance_trust": "ambivalent", "china_role": "mixed"},
    ]
    assert stances == runs + runs


def test_undo_typed_ahead_undoes_exactly_one_action(qtbot, demo_window, demo_path):
    settings.put(settings.TRANSITION_MS, 160)
    window = demo_window()
    seqs = window.session.seqs[:2]
    type_at_pace(window, list("1qs3e"))
    type_at_pace(window, ["z"], modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.session.phase is Phase.SHOWING and not window.session.pending)
    first, second = (store.get_unit_by_seq(window.db, s).id for s in seqs)
    assert store.unit_labels(window.db, first, "ak") == {
        "stance": "pressure",
        "alliance_trust": "strained",
        "china_role": "obstructive",
    }
    assert store.unit_labels(window.db, second, "ak") == {"stance": "engagement"}
    assert window.session.unit.id == second
