"""Choosing who codes: a name typed for a coder is checked against the registered ones,
so that a typo ("Ak" for "AK") never silently becomes a new coder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class CoderChoice(NamedTuple):
    """What a typed coder name means: ``coder`` (stripped), whether it is ``new`` to the
    project, and for a new one the ``question`` to confirm before adding it."""

    coder: str
    new: bool
    question: str


def resolve_coder(typed: str, existing: Sequence[str]) -> CoderChoice:
    """Check ``typed`` against the ``existing`` coder ids.

    Examples
    --------
    >>> resolve_coder(" AK ", ["AK", "BK"])
    CoderChoice(coder='AK', new=False, question='')
    >>> resolve_coder("Ak", ["AK", "BK"]).question
    "Add coder 'Ak'? Existing: AK, BK. Did you mean AK?"
    """
    coder = typed.strip()
    if coder in existing:
        return CoderChoice(coder, False, "")
    question = f"Add coder '{coder}'?"
    if existing:
        question += f" Existing: {', '.join(existing)}."
        alike = [c for c in existing if c.casefold() == coder.casefold()]
        if alike:
            question += f" Did you mean {alike[0]}?"
    return CoderChoice(coder, True, question)
