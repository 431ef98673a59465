"""What changed in an open project, and who changed it: the hub's announcements.

The coding loop already answers every key press with an :class:`~desktop.core.session.Update`
listing what it wrote. The rest of the app (merges, curation, samples, the lead's unlock,
gold values, another program writing to the file, the lab server's sync) announces its
changes through the project hub as a :class:`ProjectChange`: the parts of the project that
changed and the view that changed them, so every other view refreshes and the one that
made the change does not (the shape of Anki's ``OpChanges`` and ``initiator``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Changed(enum.Flag):
    """The parts of a project a change touched (several at once: ``LABELS | UNITS``)."""

    LABELS = enum.auto()  # coders' labels, notes, flags
    UNITS = enum.auto()  # articles and units: import, merge, curation
    TEAM = enum.auto()  # coders, the lead, rounds, samples, the comparison unlock
    GOLD = enum.auto()  # the lead's adjudicated values
    SCHEME = enum.auto()  # the coding scheme
    EVERYTHING = LABELS | UNITS | TEAM | GOLD | SCHEME


# Another program (``stancecoder merge``, a second window, the lab server) wrote to the file:
# what it changed is unknown.
OUTSIDE = Changed.EVERYTHING


@dataclass(frozen=True)
class ProjectChange:
    """One announcement: what changed, who made it (None: another program), and why.

    ``coders`` names the coders whose labels changed, when that is known (empty: any).
    """

    what: Changed
    initiator: object | None = None
    reason: str = ""
    coders: frozenset[str] = frozenset()

    def touches(self, parts: Changed) -> bool:
        """Whether this change touched any of ``parts``."""
        return bool(self.what & parts)

    def only_others_labels(self, coder: str) -> bool:
        """Whether the change is only labels of coders other than ``coder``."""
        return self.what == Changed.LABELS and bool(self.coders) and coder not in self.coders
