"""Build the desktop bundle for this operating system and pack it (``make dist``).

    python packaging/build.py

Runs PyInstaller on packaging/stancecoder.spec (work files in build/, the folder in
dist/StanceCoder-<version>/) and packs it as

- Linux:   dist/StanceCoder-<version>-linux-<machine>.tar.gz (the folder inside)
- Windows: dist/StanceCoder-<version>-windows-<machine>.zip (the folder inside)
- macOS:   dist/StanceCoder-<version>-macos-<machine>.dmg ("Stance Coder.app" inside)

and prints the archive's path, its size and the build time. Only the standard library is
imported here; PyInstaller comes from the ``dist`` extra (``pip install -e '.[dist]'``).
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
BUILD = ROOT / "build" / "pyinstaller"
SPEC = ROOT / "packaging" / "stancecoder.spec"


def version() -> str:
    text = (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def os_name() -> str:
    names = {"win32": "windows", "darwin": "macos"}
    return names.get(sys.platform, sys.platform.rstrip("0123456789"))


def archive_name() -> str:
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"StanceCoder-{version()}-{os_name()}-{machine}"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def freeze() -> Path:
    """Run PyInstaller; the bundle's folder."""
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(DIST), "--workpath", str(BUILD), str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )  # fmt: skip
    return DIST / f"StanceCoder-{version()}"


def add_linux_extras(folder: Path) -> None:
    """Put the menu-entry script beside the two programs (Linux has no installer)."""
    script = ROOT / "packaging" / "linux" / "install-menu-entry.sh"
    shutil.copy2(script, folder / script.name)


def pack(folder: Path) -> Path:
    """Pack the bundle's folder as this operating system's archive."""
    base = DIST / archive_name()
    if sys.platform == "darwin":
        app = DIST / "Stance Coder.app"
        out = base.with_suffix(".dmg")
        out.unlink(missing_ok=True)
        subprocess.run(
            [
                "hdiutil", "create", "-volname", f"Stance Coder {version()}",
                "-srcfolder", str(app), "-ov", "-format", "UDZO", str(out),
            ],
            check=True,
        )  # fmt: skip
        return out
    if sys.platform == "win32":
        return Path(shutil.make_archive(str(base), "zip", DIST, folder.name))
    out = Path(f"{base}.tar.gz")
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    return out


def main() -> int:
    start = time.perf_counter()
    folder = freeze()
    frozen = time.perf_counter() - start
    if sys.platform.startswith("linux"):
        add_linux_extras(folder)
    archive = pack(folder)
    total = time.perf_counter() - start
    print(f"bundle   {folder}  ({folder_size(folder) / 1e6:.0f} MB unpacked)")
    print(f"archive  {archive}  ({archive.stat().st_size / 1e6:.0f} MB)")
    print(f"built in {total:.0f} s (PyInstaller {frozen:.0f} s, packing {total - frozen:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
