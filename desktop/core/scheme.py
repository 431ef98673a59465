"""Coding schemes: TOML files of dimensions and categories, parsed and validated.

A scheme looks like::

    [scheme]
    id = "korea_alliance"
    title = "Korea alliance stance"
    version = "1.0"

    [[dimensions]]
    id = "stance"
    label = "Engagement vs. pressure"
    question = "Which approach to North Korea does the sentence favour?"
    level = "ordinal"

    [[dimensions.categories]]
    code = "pressure"
    label = "Pressure"
    key = "1"
    value = 1
    definition = "..."
    examples = ["...", "..."]

Errors name the dimension, the category and what is wrong, in words a researcher
understands; :func:`check_scheme` collects all of them, :func:`load_scheme` raises the
first batch as one :class:`SchemeError`.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import SchemeError, one_line
from desktop.core.keys import reserved_keys

LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Category values are scale points (1, 2, 3 ...): anything beyond this is a typing error,
# loses precision in agreement's squared differences, and fits no SPSS/Stata value label.
MAX_ABS_VALUE = 1_000_000_000
# Unicode categories of characters a keyboard types: letters, digits, punctuation, and
# math, currency and modifier symbols. Not controls, spaces, format marks or emoji.
_SYMBOL_CATEGORIES = ("Sm", "Sc", "Sk")


def _usable_key(key: str) -> bool:
    """Whether ``key`` (one character) can be a shortcut key of a category."""
    category = unicodedata.category(key)
    return (
        key.isprintable()
        and not key.isspace()
        and len(key.upper()) == 1
        and (category[0] in "LNP" or category in _SYMBOL_CATEGORIES)
    )


_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_CODE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")

_SCHEME_FIELDS = {"id", "title", "version", "description"}
_DIMENSION_FIELDS = {"id", "label", "question", "level", "categories", "description"}
_CATEGORY_FIELDS = {
    "code",
    "label",
    "key",
    "definition",
    "examples",
    "value",
    "not_applicable",
}


@dataclass(frozen=True)
class Category:
    """One answer to a dimension's question."""

    code: str
    label: str
    key: str
    definition: str = ""
    examples: tuple[str, ...] = ()
    value: float | None = None
    not_applicable: bool = False


@dataclass(frozen=True)
class Dimension:
    """One closed question asked of every unit."""

    id: str
    label: str
    question: str
    level: str
    categories: tuple[Category, ...]
    description: str = ""

    def category(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    @property
    def is_quantitative(self) -> bool:
        """True for ordinal, interval and ratio dimensions (categories carry values)."""
        return self.level != "nominal"


@dataclass(frozen=True)
class Scheme:
    """A validated coding scheme; ``source`` is the TOML text it was read from."""

    id: str
    title: str
    version: str
    dimensions: tuple[Dimension, ...]
    description: str = ""
    source: str = field(default="", repr=False, compare=False)

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    def key_map(self) -> dict[str, tuple[str, str]]:
        """Map each category key (upper case) to ``(dimension id, category code)``."""
        return {c.key: (d.id, c.code) for d in self.dimensions for c in d.categories}


_TOML_POSITION = re.compile(r"^(?P<msg>.*?) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def _line_of(exc: tomllib.TOMLDecodeError) -> str:
    match = _TOML_POSITION.match(str(exc))
    if match:
        return f"TOML syntax error on line {match['line']}, column {match['col']}: {match['msg']}"
    return f"TOML syntax error: {exc}"


def _text(value: object, where: str, name: str, errors: list[str], required: bool) -> str:
    if value is None:
        if required:
            errors.append(f"{where}: '{name}' is missing")
        return ""
    if not isinstance(value, str):
        errors.append(f"{where}: '{name}' must be text, not {type(value).__name__}")
        return ""
    if required and not value.strip():
        errors.append(f"{where}: '{name}' is empty")
    return value.strip()


def _unknown_fields(table: dict, allowed: set[str], where: str, errors: list[str]) -> None:
    for name in sorted(set(table) - allowed):
        errors.append(f"{where}: unknown field '{name}' (allowed: {', '.join(sorted(allowed))})")


def _parse_category(
    raw: object, dim_where: str, level: str, index: int, errors: list[str]
) -> Category | None:
    if not isinstance(raw, dict):
        errors.append(f"{dim_where}: category {index} is not a table")
        return None
    code = raw.get("code")
    where = (
        f"{dim_where}, category '{code}'"
        if isinstance(code, str)
        else f"{dim_where}, category {index}"
    )
    _unknown_fields(raw, _CATEGORY_FIELDS, where, errors)
    code = _text(raw.get("code"), where, "code", errors, required=True)
    if code and not _CODE.match(code):
        errors.append(f"{where}: code must be letters, digits, '_', '.' or '-' without spaces")
    label = _text(raw.get("label"), where, "label", errors, required=True)
    key = _text(raw.get("key"), where, "key", errors, required=True)
    if key and len(key) != 1:
        errors.append(f"{where}: key '{one_line(key)}' must be a single keyboard key")
    elif key and not _usable_key(key):
        errors.append(
            f"{where}: key '{one_line(key)}' cannot be typed as a shortcut "
            "(use a letter, digit or punctuation mark)"
        )
    definition = _text(raw.get("definition"), where, "definition", errors, required=False)
    examples = raw.get("examples", [])
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        errors.append(f"{where}: 'examples' must be a list of texts")
        examples = []
    not_applicable = raw.get("not_applicable", False)
    if not isinstance(not_applicable, bool):
        errors.append(f"{where}: 'not_applicable' must be true or false")
        not_applicable = False
    value = raw.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        errors.append(f"{where}: 'value' must be a number")
        value = None
    elif value is not None and not (math.isfinite(value) and abs(value) <= MAX_ABS_VALUE):
        errors.append(
            f"{where}: 'value' {value!r} must be a finite number between "
            f"-{MAX_ABS_VALUE:,} and {MAX_ABS_VALUE:,} (it is what agreement computes with, "
            "and what SPSS and Stata store as the value label)"
        )
        value = None
    if level in ("ordinal", "interval", "ratio") and value is None and not not_applicable:
        errors.append(
            f"{where}: missing 'value' on an {level} scale "
            "(every category needs a number unless it is not_applicable)"
        )
    if level == "ratio" and value is not None and value < 0:
        errors.append(f"{where}: a ratio scale cannot have the negative value {value}")
    return Category(
        code=code,
        label=label,
        key=key.upper(),
        definition=definition,
        examples=tuple(e.strip() for e in examples),
        value=float(value) if value is not None else None,
        not_applicable=not_applicable,
    )


def _parse_dimension(raw: object, index: int, errors: list[str]) -> Dimension | None:
    if not isinstance(raw, dict):
        errors.append(f"dimension {index} is not a table")
        return None
    dim_id = raw.get("id")
    where = f"dimension '{dim_id}'" if isinstance(dim_id, str) else f"dimension {index}"
    _unknown_fields(raw, _DIMENSION_FIELDS, where, errors)
    dim_id = _text(raw.get("id"), where, "id", errors, required=True)
    if dim_id and not _ID.match(dim_id):
        errors.append(
            f"{where}: id must start with a letter and use only letters, digits and '_' "
            "(at most 32 characters, so that SPSS and Stata accept it)"
        )
    label = _text(raw.get("label"), where, "label", errors, required=True)
    question = _text(raw.get("question"), where, "question", errors, required=False)
    description = _text(raw.get("description"), where, "description", errors, required=False)
    level = _text(raw.get("level"), where, "level", errors, required=True)
    if level and level not in LEVELS:
        errors.append(f"{where}: unknown level '{level}' (use one of {', '.join(LEVELS)})")
    raw_categories = raw.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        errors.append(f"{where}: has no categories")
        raw_categories = []
    categories = [
        c
        for i, item in enumerate(raw_categories, start=1)
        if (c := _parse_category(item, where, level, i, errors)) is not None
    ]
    seen: set[str] = set()
    for c in categories:
        if c.code and c.code in seen:
            errors.append(f"{where}: duplicate code '{c.code}'")
        seen.add(c.code)
    if level in ("ordinal", "interval", "ratio"):
        values: dict[float, str] = {}
        for c in categories:
            if c.value is None or c.not_applicable:
                continue
            if c.value in values:
                errors.append(
                    f"{where}: categories '{values[c.value]}' and '{c.code}' "
                    f"share the value {c.value:g}"
                )
            values[c.value] = c.code
        unvalued = any(c.value is None and not c.not_applicable for c in categories)
        if len(values) < 2 and categories and not unvalued:
            errors.append(f"{where}: an {level} scale needs at least two valued categories")
    elif len(categories) == 1:
        errors.append(f"{where}: needs at least two categories")
    return Dimension(
        id=dim_id,
        label=label,
        question=question,
        level=level,
        categories=tuple(categories),
        description=description,
    )


def check_scheme_text(text: str) -> tuple[Scheme | None, list[str]]:
    """Parse and validate scheme TOML.

    Returns
    -------
    (scheme, errors)
        ``scheme`` is None when ``errors`` is not empty.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_line_of(exc)]
    except RecursionError:
        return None, ["the scheme is nested too deeply to be read"]
    errors: list[str] = []
    _unknown_fields(data, {"scheme", "dimensions"}, "top level", errors)
    head = data.get("scheme")
    if not isinstance(head, dict):
        errors.append("the [scheme] table with id, title and version is missing")
        head = {}
    _unknown_fields(head, _SCHEME_FIELDS, "[scheme]", errors)
    scheme_id = _text(head.get("id"), "[scheme]", "id", errors, required=True)
    if scheme_id and not _ID.match(scheme_id):
        errors.append("[scheme]: id must start with a letter and use only letters, digits and '_'")
    title = _text(head.get("title"), "[scheme]", "title", errors, required=True)
    version = head.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    version = _text(version, "[scheme]", "version", errors, required=True)
    description = _text(head.get("description"), "[scheme]", "description", errors, False)
    raw_dims = data.get("dimensions")
    if not isinstance(raw_dims, list) or not raw_dims:
        errors.append("the scheme has no [[dimensions]]")
        raw_dims = []
    dimensions = [
        d
        for i, item in enumerate(raw_dims, start=1)
        if (d := _parse_dimension(item, i, errors)) is not None
    ]
    seen_dims: set[str] = set()
    for d in dimensions:
        if d.id and d.id in seen_dims:
            errors.append(f"duplicate dimension id '{d.id}'")
        seen_dims.add(d.id)
    owners: dict[str, str] = {}
    reserved = reserved_keys()
    for d in dimensions:
        for c in d.categories:
            if not c.key or len(c.key) != 1:
                continue
            here = f"dimension '{d.id}', category '{c.code}'"
            if c.key in owners:
                errors.append(f"{here}: key '{c.key}' is already used by {owners[c.key]}")
            else:
                owners[c.key] = here
            if c.key in reserved:
                errors.append(
                    f"{here}: key '{c.key}' is reserved by the app "
                    "(navigation, unsure, note or help)"
                )
            elif c.key.isspace():
                errors.append(f"{here}: key must be a visible character")
    if errors:
        return None, [one_line(e) for e in errors]
    return (
        Scheme(
            id=scheme_id,
            title=title,
            version=version,
            dimensions=tuple(dimensions),
            description=description,
            source=text,
        ),
        [],
    )


def parse_scheme(text: str, origin: str | Path = "<scheme>") -> Scheme:
    """Parse scheme TOML, raising :class:`SchemeError` naming ``origin`` on any problem."""
    scheme, errors = check_scheme_text(text)
    if scheme is None:
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise SchemeError(errors[0] + (more if len(errors) > 1 else ""), origin)
    return scheme


def read_scheme_file(path: str | Path) -> str:
    """Read a scheme file as UTF-8 text, with a one-line error for unreadable files."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SchemeError("no such file", path) from None
    except IsADirectoryError:
        raise SchemeError("is a folder, not a scheme file", path) from None
    except OSError as exc:
        raise SchemeError(f"cannot be read ({exc.strerror})", path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SchemeError("is not UTF-8 text (save the scheme as UTF-8)", path) from None


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate the scheme at ``path``."""
    return parse_scheme(read_scheme_file(path), path)


def repeated_labels(scheme: Scheme) -> list[str]:
    """Warnings for labels that repeat across the scheme (dimension and category labels
    compared without regard to case).

    The scheme is valid; but programs that key codes by name merge such codes (QualCoder
    imports two "Mixed" categories as one code), so exports name them with their
    dimension, and a reader of the data may confuse them.
    """
    where: dict[str, list[str]] = {}
    for d in scheme.dimensions:
        where.setdefault(d.label.casefold(), []).append(f"dimension '{d.id}'")
        for c in d.categories:
            where.setdefault(c.label.casefold(), []).append(f"'{d.id}.{c.code}'")
    labels = {d.label.casefold(): d.label for d in scheme.dimensions}
    labels.update({c.label.casefold(): c.label for d in scheme.dimensions for c in d.categories})
    return [
        one_line(f"the label '{labels[key]}' is used by {', '.join(places)}")
        for key, places in where.items()
        if len(places) > 1
    ]
