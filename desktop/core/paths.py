"""The user's data folder: where the demo project and the backups live.

A leaf of the core (it imports nothing of the project but its errors), so the store,
the demo and the about box can all ask for it without importing one another.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from desktop.core.errors import StanceError

DATA_DIR_ENV = "STANCECODER_DATA_DIR"

#: The backups' folder inside the data folder.
BACKUPS_FOLDER = "backups"


class DataFolderError(StanceError):
    """The data folder cannot be created or written."""


def data_folder_path() -> Path:
    """Where the user's data folder is (``STANCECODER_DATA_DIR`` overrides it); not created."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(user_data_dir("StanceCoder", appauthor=False))


def data_folder() -> Path:
    """The user's data folder for Stance Coder, created if needed.

    Raises
    ------
    DataFolderError
        If the folder cannot be created or is not writable: one line that names the
        folder, the reason and the way out (``STANCECODER_DATA_DIR``).
    """
    folder = data_folder_path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(folder, exc.strerror or str(exc)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _unwritable(folder, "permission denied")
    return folder


def _unwritable(folder: Path, reason: str) -> DataFolderError:
    return DataFolderError(
        f"the data folder cannot be written ({reason.lower()}); Stance Coder keeps the demo "
        f"project and the backups there. Make it writable, or set {DATA_DIR_ENV} to a "
        "folder you can write",
        folder,
    )


def backups_root() -> Path:
    """``<data folder>/backups`` (``STANCECODER_DATA_DIR`` moves the data folder)."""
    return data_folder() / BACKUPS_FOLDER
