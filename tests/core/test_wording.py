"""Counted nouns: messages say "1 unit" and "3 units", never "unit(s)"."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core.wording import counted, plural


def test_one_is_singular_and_every_other_count_plural():
    assert [counted(n, "unit") for n in (0, 1, 2)] == ["0 units", "1 unit", "2 units"]
    assert counted(1204, "coding") == "1,204 codings"
    assert counted(1, "match", "matches") == "1 match"
    assert counted(3, "match", "matches") == "3 matches"
    assert plural(1, "was", "were") == "was" and plural(2, "was", "were") == "were"


def test_no_message_in_the_package_writes_a_noun_with_s_in_brackets():
    package = Path(__file__).resolve().parents[2] / "desktop"
    found = [
        f"{path.relative_to(package.parent)}:{i}"
        for path in package.rglob("*.py")
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\w\(s\)", line.replace("http(s)", "")) and path.name != "wording.py"
    ]
    assert found == []
