"""Every QSettings key of the app, declared once with its type and default.

Settings and window state live here; project data lives only in the project file.
The store is an INI file in the user's configuration folder on every platform (tests
point ``QSettings.setPath`` at a temporary folder).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "StanceCoder"
APPLICATION = "Stance Coder"
RECENT_LIMIT = 8


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    kind: type


CODER = Setting("coder/id", "", str)
LAST_PROJECT = Setting("projects/last", "", str)
RECENT_PROJECTS = Setting("projects/recent", "[]", str)  # JSON list of paths
AUTO_ADVANCE = Setting("coding/auto_advance", True, bool)
TRANSITION_MS = Setting("coding/transition_ms", 160, int)
TEXT_ZOOM = Setting("view/text_zoom", 0, int)  # steps of 10 % from the default size
SIDEBAR_VISIBLE = Setting("view/sidebar_visible", True, bool)
WINDOW_GEOMETRY = Setting("window/geometry", QByteArray(), QByteArray)
SPLITTER_STATE = Setting("window/splitter", QByteArray(), QByteArray)
CODEBOOK_VISIBLE = Setting("view/codebook_visible", True, bool)
# The team windows (agreement, adjudication, curation) remember their geometry too.
AGREEMENT_GEOMETRY = Setting("window/agreement_geometry", QByteArray(), QByteArray)
ADJUDICATION_GEOMETRY = Setting("window/adjudication_geometry", QByteArray(), QByteArray)
CURATION_GEOMETRY = Setting("window/curation_geometry", QByteArray(), QByteArray)

ALL_SETTINGS = (
    CODER,
    LAST_PROJECT,
    RECENT_PROJECTS,
    AUTO_ADVANCE,
    TRANSITION_MS,
    TEXT_ZOOM,
    SIDEBAR_VISIBLE,
    WINDOW_GEOMETRY,
    SPLITTER_STATE,
    CODEBOOK_VISIBLE,
    AGREEMENT_GEOMETRY,
    ADJUDICATION_GEOMETRY,
    CURATION_GEOMETRY,
)


def _store() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


def get(setting: Setting) -> Any:
    value = _store().value(setting.key, setting.default)
    if setting.kind is bool:
        # INI files hand booleans back as the strings "true" / "false".
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
    if setting.kind is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            return setting.default
    if setting.kind is QByteArray:
        return value if isinstance(value, QByteArray) else setting.default
    return str(value) if value is not None else setting.default


def put(setting: Setting, value: Any) -> None:
    _store().setValue(setting.key, value)


def position_key(project: Path, coder: str) -> str:
    # Python's hash() changes between runs; a digest keeps the key stable.
    digest = hashlib.sha1(f"{project.resolve()}\n{coder}".encode()).hexdigest()[:16]
    return f"positions/{digest}"


def last_position(project: Path, coder: str) -> int | None:
    """The seq of the unit this coder last had open in this project, if remembered."""
    value = _store().value(position_key(project, coder))
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def remember_position(project: Path, coder: str, seq: int) -> None:
    _store().setValue(position_key(project, coder), seq)


def recent_projects() -> list[Path]:
    try:
        paths = json.loads(get(RECENT_PROJECTS))
    except (TypeError, ValueError):
        return []
    return [Path(p) for p in paths if isinstance(p, str)]


def remember_project(path: Path) -> None:
    """Make ``path`` the last project and the first of the recent ones."""
    path = path.resolve()
    paths = [p for p in recent_projects() if p != path]
    put(RECENT_PROJECTS, json.dumps([str(p) for p in [path, *paths][:RECENT_LIMIT]]))
    put(LAST_PROJECT, str(path))
