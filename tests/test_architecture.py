"""The shape of the house: a Qt-free core, data shipped inside the wheel."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import desktop.core

REPO = Path(__file__).resolve().parents[1]


def test_core_imports_no_qt():
    """Import every core module in a fresh interpreter: PySide6 must not be loaded."""
    modules = [m.name for m in pkgutil.walk_packages(desktop.core.__path__, "desktop.core.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'desktop.ui'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert len(modules) >= 10


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("stancecoder-*.whl")
    return path


def test_wheel_ships_schema_resources_and_exports(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "desktop/_data/schema/migrations/0001_initial.sql" in names
    assert "desktop/_data/schema/schemes/korea_alliance.toml" in names
    assert "desktop/_data/resources/clutter_rules.toml" in names
    assert any(n.startswith("desktop/_data/resources/demo/") for n in names)
    assert any(n.startswith("desktop/_data/exports/") for n in names)


def test_the_app_works_installed_from_the_wheel(wheel, tmp_path):
    """Unpack the wheel elsewhere and run the command line from it, not from the checkout."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "PYTHONPATH": str(site),
        "STANCECODER_DATA_DIR": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "desktop", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import desktop; print(desktop.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site))
    demo = run("demo")
    assert demo.returncode == 0, demo.stderr
    info = run("info", demo.stdout.strip())
    assert info.returncode == 0 and "Scheme    korea_alliance" in info.stdout
    check = run("scheme", "check", str(site / "desktop/_data/schema/schemes/korea_alliance.toml"))
    assert check.returncode == 0, check.stderr
