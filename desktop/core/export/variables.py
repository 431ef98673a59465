"""Variables for statistics packages: numeric codes, value labels and valid names.

SPSS and Stata store a category as a number with a value label. The mapping, stated in
every export's sidecar and in the codebook's ``numeric_code`` column:

- ordinal, interval and ratio dimensions whose values are whole numbers: the category's
  value (stance: pressure = 1, mixed = 2, engagement = 3); a not-applicable category gets
  a negative code (-1, -2, ...), declared user-missing in SPSS, as the ordinal alpha
  treats it;
- nominal dimensions, and scales with fractional or repeated values: 1..k in the
  scheme's order (a not-applicable category keeps its place and is not missing).

Names: letters, digits and ``_``, starting with a letter, at most 32 characters, unique
without regard to case (SPSS ignores case), never a reserved word of either package.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.core.scheme import Dimension

MAX_NAME = 32
_RESERVED = {
    # SPSS
    "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",
    # Stata
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long",
    "_n", "_pi", "_pred", "_rc", "_skip", "strl", "using",
}  # fmt: skip
_INVALID = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True)
class ValueCodes:
    """How one dimension's categories become numbers in SPSS and Stata."""

    dimension: str
    codes: dict[str, int]
    labels: dict[int, str]
    missing: tuple[int, ...]
    rule: str

    def as_dict(self) -> dict:
        """The mapping as the sidecar records it (JSON keys are text)."""
        return {
            "rule": self.rule,
            "codes": dict(self.codes),
            "labels": {str(k): v for k, v in self.labels.items()},
            "user_missing": list(self.missing),
        }


def value_codes(dimension: Dimension) -> ValueCodes:
    """The numeric code and value label of each category of ``dimension``."""
    scored = [c for c in dimension.categories if not c.not_applicable]
    values = [c.value for c in scored]
    whole = (
        dimension.is_quantitative
        and all(v is not None and float(v).is_integer() for v in values)
        and len(set(values)) == len(values)
    )
    codes: dict[str, int] = {}
    missing: list[int] = []
    if whole:
        for c in scored:
            codes[c.code] = int(c.value)  # type: ignore[arg-type]
        next_code = min(-1, min((int(v) for v in values), default=0) - 1)  # type: ignore[arg-type]
        for c in dimension.categories:
            if c.not_applicable:
                codes[c.code] = next_code
                missing.append(next_code)
                next_code -= 1
        rule = "the category's value; not applicable gets a negative code, missing in SPSS"
    else:
        for position, c in enumerate(dimension.categories, start=1):
            codes[c.code] = position
            if c.not_applicable and dimension.is_quantitative:
                missing.append(position)
        rule = "1..k in the scheme's order"
    labels = {codes[c.code]: c.label for c in dimension.categories}
    return ValueCodes(dimension.id, codes, labels, tuple(missing), rule)


def safe_identifier(text: str, fallback: str = "v") -> str:
    """``text`` reduced to ASCII letters, digits and ``_`` (accents dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _INVALID.sub("_", ascii_text).strip("_")
    return cleaned or fallback


def _fit(name: str, used: set[str], limit: int | None = MAX_NAME) -> str:
    """Make ``name`` valid and unique among ``used`` (compared case-insensitively), at
    most ``limit`` characters long (None: any length)."""
    name = safe_identifier(name)
    if not name[0].isalpha():
        name = "v" + name
    if name.lower() in _RESERVED:
        name += "_"
    room = len(name) if limit is None else limit
    candidate = name[:room]
    n = 1
    while candidate.lower() in used:
        n += 1
        suffix = f"_{n}"
        candidate = name[: max(1, room - len(suffix))] + suffix
    used.add(candidate.lower())
    return candidate


def variable_names(names: Iterable[str], limits: dict[str, int] | None = None) -> dict[str, str]:
    """Valid SPSS/Stata names for ``names``, in order: ``{original: valid}``.

    A name that is already valid, unique and short enough is kept as it is.
    ``limits`` gives a shorter limit than :data:`MAX_NAME` for some names (Stata names a
    variable's value-label set after the variable plus a number, and that name has the
    same limit).
    """
    used: set[str] = set()
    limits = limits or {}
    return {name: _fit(name, used, limits.get(name, MAX_NAME)) for name in names}


def coder_column(dimension_id: str, coder: str, used: set[str]) -> str:
    """The wide layout's column for one dimension and coder: ``<dimension>__<coder>``.

    Not shortened: formats without a name limit keep it whole; SPSS and Stata files
    shorten it and the sidecar maps each shortened name back.
    """
    return _fit(f"{dimension_id}__{safe_identifier(coder, 'coder')}", used, None)
