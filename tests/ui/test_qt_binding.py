"""The Qt binding itself: PySide6 6.12.0 on Python 3.11 drops a reference to None on
every Qt call that returns None, and the interpreter aborts after a few thousand key
presses ("Fatal Python error: none_dealloc"). pyproject.toml pins below 6.12; this test
catches a binding with the same fault before a research assistant does."""

from __future__ import annotations

import sys


def test_qt_calls_keep_the_reference_count_of_none(qapp):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2_000):
        label.setText("x")
        label.update()
    # Other code may take or drop a few references meanwhile; a leak is one per call.
    assert abs(sys.getrefcount(None) - before) < 100
