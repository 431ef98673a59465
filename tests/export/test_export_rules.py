"""The rules an export applies: the gold value, numeric codes, variable names."""

from __future__ import annotations

import pytest

from desktop.core.export.layouts import gold_value
from desktop.core.export.variables import value_codes, variable_names
from desktop.core.scheme import parse_scheme


@pytest.mark.parametrize(
    ("coded", "decided", "cells"),
    [
        ({}, None, (None, "none", None, 0)),
        ({"a": "x"}, None, ("x", "single", None, 1)),
        ({"a": "x", "b": "x"}, None, ("x", "unanimous", True, 2)),
        ({"a": "x", "b": "y"}, None, (None, "none", False, 2)),  # 1 of 2 is no majority
        ({"a": "x", "b": "x", "c": "y"}, None, ("x", "majority", False, 3)),
        ({"a": "x", "b": "y", "c": "z"}, None, (None, "none", False, 3)),
        ({"a": "x", "b": "x", "c": "y", "d": "y"}, None, (None, "none", False, 4)),
        ({"a": "x", "b": "y"}, ("y", "adjudicated"), ("y", "adjudicated", False, 2)),
        ({}, ("z", "adjudicated"), ("z", "adjudicated", None, 0)),
    ],
)
def test_gold_value_follows_the_stated_rule(coded, decided, cells):
    assert gold_value(coded, decided) == cells


def _scheme(level: str, values: list, na: bool = True) -> str:
    text = '[scheme]\nid = "s"\ntitle = "S"\nversion = "1"\n'
    text += f'[[dimensions]]\nid = "d"\nlabel = "D"\nlevel = "{level}"\n'
    for n, value in enumerate(values, start=1):
        text += f'[[dimensions.categories]]\ncode = "c{n}"\nlabel = "C{n}"\nkey = "{n}"\n'
        text += f"value = {value}\n"
    if na:
        text += '[[dimensions.categories]]\ncode = "na"\nlabel = "NA"\nkey = "9"\n'
        text += "not_applicable = true\n"
    return text


def test_whole_number_scales_keep_their_values_and_mark_not_applicable_missing():
    dim = parse_scheme(_scheme("interval", [0, 5, 10]), "t").dimensions[0]
    codes = value_codes(dim)
    assert codes.codes == {"c1": 0, "c2": 5, "c3": 10, "na": -1}
    assert codes.missing == (-1,)
    negative = value_codes(parse_scheme(_scheme("interval", [-2, 0, 2]), "t").dimensions[0])
    assert negative.codes["na"] == -3  # below the scale, never a value on it


def test_fractional_scales_and_nominal_dimensions_count_from_one():
    fractional = value_codes(parse_scheme(_scheme("interval", [0.5, 1.5]), "t").dimensions[0])
    assert fractional.codes == {"c1": 1, "c2": 2, "na": 3} and fractional.missing == (3,)
    nominal = value_codes(parse_scheme(_scheme("nominal", [7, 8]), "t").dimensions[0])
    assert nominal.codes == {"c1": 1, "c2": 2, "na": 3} and nominal.missing == ()
    assert nominal.labels == {1: "C1", 2: "C2", 3: "NA"}


def test_variable_names_are_valid_unique_and_short():
    names = variable_names(
        ["stance", "Stance", "with", "2nd", "a" * 40, "a" * 40 + "b", "ünïcode name", "ok"]
    )
    assert names == {
        "stance": "stance",
        "Stance": "Stance_2",
        "with": "with_",
        "2nd": "v2nd",
        "a" * 40: "a" * 32,
        "a" * 40 + "b": "a" * 30 + "_2",
        "ünïcode name": "unicode_name",
        "ok": "ok",
    }
