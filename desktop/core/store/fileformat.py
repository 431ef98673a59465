"""What marks a file as a Stance Coder project: SQLite's header and our application id.

A leaf of the store, read by the opening code, the backups and the guard alike.
"""

from __future__ import annotations

# "STNC" in ASCII: marks a SQLite file as a Stance Coder project.
APPLICATION_ID = 0x53544E43
SQLITE_HEADER = b"SQLite format 3\x00"


def application_id_of(header: bytes) -> int | None:
    """The application id in the first 100 bytes of a file, None when they are too few."""
    return int.from_bytes(header[68:72], "big") if len(header) >= 100 else None
