"""Before Qt starts on Linux: are the X libraries its xcb platform plugin loads there?

Without them Qt 6 aborts with "could not load the Qt platform plugin "xcb"" and a
paragraph of advice; ``stancecoder`` (and ``make run``) ask :func:`qt_platform_problem`
first and print one line naming the Debian/Ubuntu packages to install instead.

Qt-free and quick: each library is looked for with the dynamic loader itself
(``ctypes.CDLL`` by its soname, no subprocess), so the answer is the loader's answer.
The list is the xcb plugin's own dependencies (``ldd libqxcb.so`` of PySide6 6.x) that a
minimal desktop or container may lack.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# soname -> the Debian/Ubuntu package that ships it, in the order apt is told about them.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

# Platforms that draw no window on an X server and need none of the above.
_NO_X = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "wayland")


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(load: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian packages of the xcb plugin's libraries that the loader cannot find."""
    return [package for soname, package in XCB_LIBRARIES.items() if not load(soname)]


def qt_platform_problem(
    *,
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    load: Callable[[str], bool] = _loads,
) -> str | None:
    """One line naming the packages to install when Qt's X platform plugin cannot load
    on this machine; None when it can, or when X is not what Qt will use.

    Parameters
    ----------
    platform
        ``sys.platform`` (only Linux and the BSDs use the xcb plugin).
    env
        The environment (``QT_QPA_PLATFORM``, ``WAYLAND_DISPLAY``).
    load
        Whether the dynamic loader finds a library by its soname.

    Examples
    --------
    >>> qt_platform_problem(platform="win32") is None
    True
    >>> print(qt_platform_problem(platform="linux", env={}, load=lambda so: "cursor" not in so))
    Qt cannot open a window: X libraries are missing. Install them with: sudo apt-get install libxcb-cursor0
    """  # noqa: E501
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    requested = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip().lower()
    if requested.startswith(_NO_X):
        return None
    if not requested and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return None  # a Wayland session without XWayland: Qt uses its Wayland plugin
    missing = missing_libraries(load)
    if not missing:
        return None
    return (
        "Qt cannot open a window: X libraries are missing. Install them with: "
        f"sudo apt-get install {' '.join(missing)}"
    )
