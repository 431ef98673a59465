"""The coding scheme: the shipped default and the errors a researcher sees."""

from __future__ import annotations

import re

import pytest

from desktop.core.errors import SchemeError
from desktop.core.keys import reserved_keys
from desktop.core.resources import default_scheme_path, schemes_dir
from desktop.core.scheme import check_scheme_text, load_scheme, parse_scheme

GOOD = """
[scheme]
id = "t"
title = "Test"
version = "1"

[[dimensions]]
id = "stance"
label = "Stance"
level = "ordinal"

[[dimensions.categories]]
code = "low"
label = "Low"
key = "1"
value = 1

[[dimensions.categories]]
code = "high"
label = "High"
key = "2"
value = 2

[[dimensions.categories]]
code = "none"
label = "None"
key = "3"
not_applicable = true
"""


def errors_of(text: str) -> list[str]:
    scheme, errors = check_scheme_text(text)
    assert scheme is None
    return errors


def test_default_scheme_follows_the_codebook(scheme):
    # ../shared/codebook.md: three dimensions, keys 1-4, Q-R, A-F.
    assert scheme.id == "korea_alliance"
    assert scheme.dimension_ids == ("stance", "alliance_trust", "china_role")
    assert [d.level for d in scheme.dimensions] == ["ordinal", "ordinal", "nominal"]
    assert "".join(scheme.key_map()) == "1234QWERASDF"
    stance = scheme.dimension("stance")
    assert [c.value for c in stance.categories] == [1.0, 2.0, 3.0, None]
    assert [c.not_applicable for c in stance.categories] == [False, False, False, True]
    for d in scheme.dimensions:
        for c in d.categories:
            assert c.definition, f"{d.id}/{c.code} has no definition"
            assert c.examples, f"{d.id}/{c.code} has no examples"


def test_every_shipped_scheme_is_valid():
    for path in schemes_dir().glob("*.toml"):
        load_scheme(path)


def test_a_good_scheme_parses():
    s = parse_scheme(GOOD)
    assert s.dimension("stance").category("high").value == 2.0
    assert s.key_map()["3"] == ("stance", "none")


def test_duplicate_key_across_dimensions_names_both_places():
    text = (
        GOOD
        + """
[[dimensions]]
id = "other"
label = "Other"
level = "nominal"
[[dimensions.categories]]
code = "a"
label = "A"
key = "1"
[[dimensions.categories]]
code = "b"
label = "B"
key = "x"
"""
    )
    errors = errors_of(text)
    assert any(
        "dimension 'other', category 'a': key '1' is already used by dimension 'stance', "
        "category 'low'" in e
        for e in errors
    )


def test_keys_are_case_insensitive_duplicates():
    text = GOOD.replace('key = "1"', 'key = "q"').replace('key = "2"', 'key = "Q"')
    assert any("key 'Q' is already used" in e for e in errors_of(text))


def test_duplicate_code():
    text = GOOD.replace('code = "high"', 'code = "low"')
    assert "dimension 'stance': duplicate code 'low'" in errors_of(text)


def test_missing_value_on_an_ordinal_scale():
    text = GOOD.replace("value = 2\n", "")
    errors = errors_of(text)
    assert any(
        e.startswith("dimension 'stance', category 'high': missing 'value' on an ordinal scale")
        for e in errors
    )


def test_unknown_level():
    errors = errors_of(GOOD.replace('level = "ordinal"', 'level = "ordnial"'))
    assert any("dimension 'stance': unknown level 'ordnial'" in e for e in errors)


def test_toml_syntax_error_gives_the_line():
    text = GOOD.replace('label = "High"', 'label = "High')
    (error,) = errors_of(text)
    line = GOOD.splitlines().index('label = "High"') + 1
    assert re.match(rf"TOML syntax error on line {line}\b", error), error


def test_unknown_field_is_a_typo_not_ignored():
    errors = errors_of(GOOD.replace('label = "Low"', 'label = "Low"\ndefintion = "x"'))
    assert any("category 'low': unknown field 'defintion'" in e for e in errors)


def test_a_category_key_may_not_take_an_app_key():
    assert "U" in reserved_keys() and "N" in reserved_keys()
    errors = errors_of(GOOD.replace('key = "1"', 'key = "u"'))
    assert any("key 'U' is reserved by the app" in e for e in errors)


def test_key_must_be_one_character():
    errors = errors_of(GOOD.replace('key = "1"', 'key = "F1"'))
    assert any("key 'F1' must be a single keyboard key" in e for e in errors)


def test_load_scheme_error_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace("value = 2\n", "").replace('code = "none"', 'code = "low"'))
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert "\n" not in message
    assert "and 1 more problem" in message


def test_non_utf8_scheme_is_refused_clearly(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(GOOD.replace("Low", "Bas\xe9").encode("latin-1"))
    with pytest.raises(SchemeError, match="is not UTF-8 text"):
        load_scheme(path)


def test_default_scheme_path_is_the_shipped_file():
    assert default_scheme_path().name == "korea_alliance.toml"
