"""Coder packages: a project file for one coder, blind by construction.

A package is a real project file (same migrations) holding the corpus with the same
article and unit ids, the scheme snapshots, and one coder's own row, labels, history,
notes, flags, times and assignments. Nothing of the other coders is in the file at all:
the package is a fresh file filled with ``INSERT … SELECT`` from the project attached
read-only, filtered by coder, then vacuumed. (Copying the project and deleting the
others would leave their data in free pages.)
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ProjectError, UsageError
from desktop.core.store import team as team_store
from desktop.core.store.db import (
    Database,
    create_project,
    current_scheme,
    get_meta,
    set_meta,
    utc_now,
    write_transaction,
)
from desktop.core.store.labels import list_coders


@dataclass(frozen=True)
class PackageSummary:
    """What went into a coder package."""

    path: str
    coder: str
    articles: int
    units: int
    labels: int
    history: int
    assignments: int


def _log_for(rows: list[tuple], coder: str, others: set[str]) -> list[tuple]:
    """The change-log rows that name no coder but ``coder`` (by who or in their details)."""
    kept = []
    for at, who, action, details in rows:
        if who not in ("", coder):
            continue
        if any(other in details for other in others):
            continue  # a crude test errs on the side of leaving a row out
        kept.append((at, who, action, details))
    return kept


def create_package(db: Database, coder: str, output: str | Path) -> PackageSummary:
    """Write the project file for one coder to ``output``.

    Parameters
    ----------
    db
        The lead's project (its committed state is packaged).
    coder
        A registered coder id.
    output
        Path of the new package; it must not exist. The file appears only when complete.

    Raises
    ------
    UsageError
        If the coder is unknown.
    ProjectError
        If ``output`` exists or cannot be written.
    """
    output = Path(output)
    if team_store.unknown_coders(db, [coder]):
        raise UsageError(f"unknown coder '{coder}'")
    if output.exists():
        raise ProjectError("already exists; choose a new file name for the package", output)
    if db.conn.in_transaction:
        raise UsageError("finish the current change before writing a package")
    source = team_store.database_path(db)
    others = set()
    for row in list_coders(db):
        if row["id"] != coder:
            others.update(name for name in (row["id"], row["name"]) if name)
    root = get_meta(db, team_store.PARENT_PROJECT_ID) or get_meta(db, "project_id") or ""
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        create_project(partial, current_scheme(db)).close()
        package = team_store.open_for_copy(partial)
        try:
            team_store.attach_source(package, source)
            with write_transaction(package):
                team_store.copy_corpus(package)
                team_store.copy_coder(package, coder)
                # The gold of this coder's calibration units only, for offline feedback.
                team_store.copy_gold_of_kind(package, coder, "gold")
                log = _log_for(team_store.source_change_log(package), coder, others)
                log.append((utc_now(), "", "package", json.dumps({"coder": coder})))
                team_store.replace_change_log(package, log)
                set_meta(package, team_store.PARENT_PROJECT_ID, root)
                set_meta(package, team_store.PACKAGE_CODER, coder)
                allowed = team_store.source_meta(package, team_store.ALLOW_UNASSIGNED)
                if allowed is not None:
                    set_meta(package, team_store.ALLOW_UNASSIGNED, allowed)
            team_store.detach_source(package)
            counts = team_store.table_counts(
                package, ("articles", "units", "labels", "label_history", "assignments")
            )
            # VACUUM rewrites the file from live rows only; DELETE journal mode makes the
            # package one self-contained file (the app switches it back to WAL on open).
            package.execute("VACUUM")
            package.execute("PRAGMA journal_mode = DELETE")
        finally:
            package.close()
        os.replace(partial, output)
    except BaseException:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise
    return PackageSummary(
        path=str(output),
        coder=coder,
        articles=counts["articles"],
        units=counts["units"],
        labels=counts["labels"],
        history=counts["label_history"],
        assignments=counts["assignments"],
    )
