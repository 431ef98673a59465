"""Locate the data folders (schema/, resources/, exports/) in a checkout or an installed wheel.

In the wheel they are shipped as ``desktop/_data/<name>``; in a checkout (and an editable
install) they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` ("schema", "resources" or "exports").

    Raises
    ------
    FileNotFoundError
        If neither the wheel layout nor the checkout layout has the folder.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} is missing from the installation")


def migrations_dir() -> Path:
    return data_dir("schema") / "migrations"


def schemes_dir() -> Path:
    return data_dir("schema") / "schemes"


def default_scheme_path() -> Path:
    return schemes_dir() / "korea_alliance.toml"


def clutter_rules_path() -> Path:
    return data_dir("resources") / "clutter_rules.toml"


def demo_articles_dir() -> Path:
    return data_dir("resources") / "demo"
