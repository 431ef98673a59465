"""What the About box and ``stancecoder --version`` say: the version, and where the data
folder, the backups and (in a bundle) the program are.

Nothing here creates a folder: a user asking where the data lives must not change it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from desktop import __version__
from desktop.core.paths import BACKUPS_FOLDER, data_folder_path


class AboutInfo(NamedTuple):
    """The facts the About box and ``--version`` show."""

    version: str
    data_folder: Path
    backups_folder: Path
    program_folder: Path | None  # the bundle's folder when frozen, else None


def about_info() -> AboutInfo:
    """The version and the folders of this installation (none of them is created)."""

    folder = data_folder_path()
    program = Path(sys.executable).resolve().parent if getattr(sys, "frozen", False) else None
    return AboutInfo(__version__, folder, folder / BACKUPS_FOLDER, program)


def about_lines(info: AboutInfo | None = None) -> list[str]:
    """``info`` (default: :func:`about_info`) as lines of text, the version first."""
    info = info or about_info()
    lines = [
        f"stancecoder {info.version}",
        f"Data folder: {info.data_folder}",
        f"Backups: {info.backups_folder}",
    ]
    if info.program_folder is not None:
        lines.append(f"Program: {info.program_folder}")
    return lines


class VersionAction(argparse.Action):
    """``--version``: print :func:`about_lines` and exit (computed only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the version and where the data and backups are")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.stdout.write("\n".join(about_lines()) + "\n")  # stdout, as argparse's version
        parser.exit(0)
