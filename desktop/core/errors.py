"""Errors a user may see. Each carries one line naming the file and the problem."""

from __future__ import annotations

from pathlib import Path


def one_line(text: str) -> str:
    """``text`` with control and format characters (newlines, bidi overrides, zero-width
    marks) shown as escapes, so that user text quoted in a message keeps it on one line."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


class StanceError(Exception):
    """Base of every error that is reported to the user as one line (exit code 2)."""

    def __init__(self, message: str, path: str | Path | None = None):
        self.path = one_line(str(path)) if path is not None else None
        self.message = one_line(message)
        super().__init__(f"{self.path}: {self.message}" if self.path else self.message)


class SchemeError(StanceError):
    """A coding scheme file is malformed or inconsistent."""


class ProjectError(StanceError):
    """A project file cannot be opened or used."""


class NotAProject(ProjectError):
    """The path exists but is not a Stance Coder project."""


class ProjectTooNew(ProjectError):
    """The project was written by a newer version of the app."""


class CorruptProject(ProjectError):
    """SQLite reports the file as damaged."""


class InputError(StanceError):
    """An input file (article, CSV, JSONL, labels) cannot be read."""


class UsageError(StanceError):
    """A request that makes no sense (unknown unit, impossible option combination)."""
