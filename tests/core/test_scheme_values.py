"""Item 12 of issue 15: scheme values are finite scale points, keys can be typed.

`value = nan`, `1e23`, a NUL key and an emoji key used to pass `scheme check`; nan then
changed alpha's point estimate silently.
"""

from __future__ import annotations

import pytest

from desktop import cli
from desktop.core.resources import default_scheme_path
from desktop.core.scheme import check_scheme_text

BASE = default_scheme_path().read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    assert BASE.count(old) >= 1
    return BASE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("value = 1\n", "value = nan\n", "'value' nan must be a finite number"),
        ("value = 1\n", "value = inf\n", "'value' inf must be a finite number"),
        ("value = 1\n", "value = -inf\n", "'value' -inf must be a finite number"),
        ("value = 1\n", "value = 1e23\n", "'value' 1e+23 must be a finite number"),
        ('key = "1"', 'key = "\\u0000"', "key '\\x00' cannot be typed"),
        ('key = "1"', 'key = "\U0001f600"', "cannot be typed"),
        ('key = "1"', 'key = "\\u200b"', "cannot be typed"),
        ('key = "1"', 'key = "\\ufffe"', "cannot be typed"),
        ('key = "1"', 'key = " "', "'key' is empty"),
        ('key = "1"', 'key = "ß"', "cannot be typed"),
    ],
)
def test_a_value_or_key_that_cannot_work_is_refused(old, new, says, tmp_path, capsys):
    scheme, errors = check_scheme_text(_edited(old, new))
    assert scheme is None
    assert any(says in e for e in errors), errors
    path = tmp_path / "scheme.toml"
    path.write_text(_edited(old, new), encoding="utf-8")
    assert cli.main(["scheme", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert says in err and all(line.startswith(str(path)) for line in err.splitlines())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("value = 1\n", "value = -2.5\n"),
        ("value = 1\n", "value = 1000000\n"),
        ('key = "1"', 'key = "é"'),
        ('key = "1"', 'key = ";"'),
    ],
)
def test_ordinary_values_and_keys_still_pass(old, new):
    scheme, errors = check_scheme_text(_edited(old, new))
    assert errors == [] and scheme is not None
