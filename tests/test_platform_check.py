"""Starting on a bare Linux desktop (issue 14.6): the missing X libraries are named
before Qt dies. No display and no Qt needed."""

from __future__ import annotations

import subprocess
import sys

from desktop import platform_check
from desktop.platform_check import XCB_LIBRARIES, missing_libraries, qt_platform_problem

X_SESSION = {"DISPLAY": ":0"}


def test_the_dynamic_loader_is_asked_by_soname():
    assert platform_check._loads("libc.so.6")
    assert not platform_check._loads("libstancecoder-not-a-library.so.0")


def test_a_machine_without_the_xcb_cursor_library_is_told_which_packages_to_install():
    present = set(XCB_LIBRARIES) - {"libxcb-cursor.so.0", "libxkbcommon-x11.so.0"}
    problem = qt_platform_problem(platform="linux", env=X_SESSION, load=present.__contains__)
    assert problem == (
        "Qt cannot open a window: X libraries are missing. Install them with: "
        "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0"
    )
    assert "\n" not in problem


def test_nothing_is_reported_when_every_library_loads_or_x_is_not_used():
    nothing = set().__contains__
    everything = set(XCB_LIBRARIES).__contains__
    assert qt_platform_problem(platform="linux", env=X_SESSION, load=everything) is None
    assert qt_platform_problem(platform="darwin", env=X_SESSION, load=nothing) is None
    assert qt_platform_problem(platform="win32", env={}, load=nothing) is None
    offscreen = {"QT_QPA_PLATFORM": "offscreen"}
    assert qt_platform_problem(platform="linux", env=offscreen, load=nothing) is None
    wayland = {"WAYLAND_DISPLAY": "wayland-0"}
    assert qt_platform_problem(platform="linux", env=wayland, load=nothing) is None
    forced_x = {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}
    assert qt_platform_problem(platform="linux", env=forced_x, load=nothing)


def test_every_debian_package_named_is_listed_once():
    packages = missing_libraries(set().__contains__)
    assert len(packages) == len(set(packages)) == len(XCB_LIBRARIES)
    assert all(p.startswith("lib") and p == p.lower() for p in packages)


def test_the_readme_lists_the_packages():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for package in XCB_LIBRARIES.values():
        assert package in readme


def test_the_gui_command_prints_one_line_and_exits_2_before_qt(tmp_path):
    # A child process whose loader "lacks" the cursor library: the check is given the
    # answer of a loader that cannot find it, as on a bare desktop.
    code = (
        "import sys; from desktop import platform_check as p; real = p._loads; "
        "p._loads = lambda so: so != 'libxcb-cursor.so.0' and real(so); "
        "p.qt_platform_problem.__kwdefaults__['load'] = p._loads; "
        "from desktop.cli import main; "
        "rc = main(['gui', 'x.stance', '--coder', 'ak']); "
        "print('QT' if 'PySide6' in sys.modules else 'NOQT'); sys.exit(rc)"
    )
    env = {"PATH": "/usr/bin:/bin", "DISPLAY": ":99", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Qt cannot open a window: X libraries are missing. Install them with: "
        "sudo apt-get install libxcb-cursor0"
    ]
    assert done.stdout.strip() == "NOQT"
