"""Smoke-test a built bundle as a user gets it (``make dist-check``).

    python packaging/dist_check.py [ARCHIVE | FOLDER] [--display :23] [--venv-python PY]

Unpacks the archive (default: the newest in dist/) into a temporary folder and runs the
bundle's programs there with an environment that has no virtual environment, no
PYTHONPATH and a fresh home folder (so the data folder and the settings are the default
ones of a first start):

1. ``stancecoder --version``, ``demo``, ``info``, ``scheme check``, exports (CSV, Parquet,
   the HTML agreement report) and an import in two worker processes (the frozen
   executable started again as a worker);
2. a data folder that cannot be created: one line and exit code 2 from the command line;
   the window program shows one message box and exits with 2 (under X only);
3. the window's first start under Xvfb (``--display``): the name is typed into the "Who
   is coding?" dialog, the first sentence is coded with three keys, Help > About is opened
   and the window is closed through its File menu, all with xdotool; the labels are then
   read back with ``stancecoder info``;
4. cold start to the first sentence, the bundle against the venv
   (``python -m desktop.launcher``, the same entry point), alternating, three runs each;
   the bundle must be within 2x of the venv.

Without X (``--offscreen``, or no Xvfb/xdotool on the machine, as on Windows and macOS
runners) steps 2's window part and 3 are skipped and step 4 runs offscreen. Prints one
line per check and a summary; exit code 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODER = "rachel"
KEYS = ("1", "q", "a")  # one category of each of the default scheme's three dimensions
RUNS = 3
LIMIT = 2.0  # the bundle's cold start may take at most twice the venv's
EXE = ".exe" if sys.platform == "win32" else ""


class Failed(Exception):
    pass


class Check:
    def __init__(self, folder: Path, work: Path, env: dict[str, str]):
        self.folder = folder
        self.work = work
        self.env = env
        self.cli = folder / f"stancecoder{EXE}"
        self.gui = folder / f"Stance Coder{EXE}"
        self.failures: list[str] = []

    def run(self, *args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
        result = subprocess.run(
            [str(self.cli), *args],
            capture_output=True,
            text=True,
            cwd=self.work,
            env=env or self.env,
            timeout=300,
        )
        if result.returncode != code:
            raise Failed(
                f"stancecoder {' '.join(args)}: exit {result.returncode}, expected {code}: "
                f"{(result.stderr or result.stdout).strip()[-400:]}"
            )
        return result.stdout + result.stderr if code else result.stdout

    def step(self, name: str, function) -> object:
        try:
            detail = function()
        except (Failed, subprocess.SubprocessError, OSError, ValueError, KeyError) as exc:
            self.failures.append(name)
            print(f"FAIL {name}: {exc}", flush=True)
            return None
        print(f"ok   {name}{': ' + str(detail) if detail else ''}", flush=True)
        return detail


# -- the environment of a first start ---------------------------------------------------------


def clean_env(home: Path) -> dict[str, str]:
    """This process's environment less any Python, with ``home`` as the user's home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA", "STANCECODER_", "XDG_", "QT_"))
    }
    venv = Path(sys.prefix).resolve()
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep)
        if p and venv not in Path(p).resolve().parents and Path(p).resolve() != venv / "bin"
    )  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    if sys.platform == "win32":
        env["USERPROFILE"] = str(home)
        env["APPDATA"] = str(home / "AppData" / "Roaming")
        env["LOCALAPPDATA"] = str(home / "AppData" / "Local")
    return env


def unpack(archive: Path, into: Path) -> Path:
    """Unpack ``archive`` into ``into``; the bundle's folder (with the two programs)."""
    if archive.is_dir():  # a folder: the bundle's folder, or a macOS .app
        return archive / "Contents" / "MacOS" if archive.suffix == ".app" else archive
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="tar")
    elif archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
            for info in z.infolist():  # zip keeps no execute bits for extractall
                mode = info.external_attr >> 16
                if mode:
                    (into / info.filename).chmod(mode)
    else:
        raise SystemExit(f"{archive}: not a .tar.gz, a .zip or a folder")
    found = [p.parent for p in into.rglob(f"stancecoder{EXE}") if p.is_file()]
    if not found:
        raise SystemExit(f"{archive}: no stancecoder program inside")
    return found[0]


def newest_archive() -> Path:
    archives = sorted(
        [*ROOT.glob("dist/StanceCoder-*.tar.gz"), *ROOT.glob("dist/StanceCoder-*.zip")],
        key=lambda p: p.stat().st_mtime,
    )
    if not archives:
        raise SystemExit("no bundle in dist/: run `make dist` first")
    return archives[-1]


def folder_mb(folder: Path) -> float:
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1e6


# -- the command line -------------------------------------------------------------------------


def command_line_checks(c: Check) -> Path | None:
    from desktop import __version__

    def version():
        out = c.run("--version")
        if f"stancecoder {__version__}" not in out or "Data folder:" not in out:
            raise Failed(f"--version printed {out!r}")
        return out.strip().replace("\n", " | ")

    c.step("--version names the version and the folders", version)
    demo = c.step("demo creates the demo project", lambda: Path(c.run("demo").strip()))
    if demo is None:
        return None

    def info():
        data = json.loads(c.run("info", str(demo), "--json"))
        if data["articles"] != 5 or data["units"] < 100:
            raise Failed(f"the demo project has {data['articles']} articles, {data['units']} units")
        return f"{data['articles']} articles, {data['units']} units"

    c.step("info reads the demo project", info)
    scheme = c.folder / "_internal" / "desktop" / "_data" / "schema" / "schemes"
    if not scheme.is_dir():  # macOS keeps the data in Contents/Resources
        scheme = next(c.folder.parent.rglob("schema/schemes"))
    c.step(
        "scheme check of the bundled scheme",
        lambda: c.run("scheme", "check", str(scheme / "korea_alliance.toml")).splitlines()[0],
    )

    def exports():
        made = []
        for fmt in ("csv", "parquet", "xlsx"):
            out = c.work / f"units.{fmt}"
            c.run("export", str(demo), "--layout", "units", "--format", fmt, "-o", str(out))
            if out.stat().st_size == 0:
                raise Failed(f"{out} is empty")
            made.append(f"{fmt} {out.stat().st_size:,} B")
        report = c.work / "agreement.html"
        c.run("agreement", str(demo), "--format", "html", "-o", str(report))
        if "<html" not in report.read_text(encoding="utf-8").lower():
            raise Failed(f"{report} is not an HTML report")
        return ", ".join(made) + f", agreement.html {report.stat().st_size:,} B"

    c.step("exports (units as CSV, Parquet, Excel; the agreement report)", exports)

    def parallel_import():
        project = c.work / "parallel.stance"
        c.run("new", str(project))
        env = dict(c.env, STANCECODER_IMPORT_WORKERS="2")
        articles = next(c.folder.parent.rglob("resources/demo"))
        c.run("import", str(project), str(articles), env=env)
        mine = json.loads(c.run("info", str(project), "--json"))["units"]
        theirs = json.loads(c.run("info", str(demo), "--json"))["units"]
        if mine != theirs:
            raise Failed(f"{mine} units imported in 2 processes, {theirs} in the demo")
        return f"{mine} units, as in one process"

    c.step("import in two worker processes (the bundle spawns itself)", parallel_import)

    def unwritable():
        blocker = c.work / "not-a-folder"
        blocker.write_text("a file where the data folder's parent should be\n")
        env = dict(c.env, STANCECODER_DATA_DIR=str(blocker / "StanceCoder"))
        out = c.run("demo", env=env, code=2).strip()
        if len(out.splitlines()) != 1 or "data folder" not in out or "Traceback" in out:
            raise Failed(f"expected one line about the data folder, got {out!r}")
        return out

    c.step("a data folder that cannot be made: one line, exit 2", unwritable)
    return demo


# -- the window -------------------------------------------------------------------------------


class Window:
    """A window program started with the startup probe; ``ready()`` waits for READY."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, probe: str = "1"):
        env = dict(env, STANCECODER_STARTUP_PROBE=probe)
        self.start = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def _read_errors(self) -> None:
        self.errors.extend(self.process.stderr)

    def ready(self, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                if self.lines.get(timeout=0.05) == "READY":
                    return time.perf_counter() - self.start
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        self.stop()
        raise Failed(f"no first sentence within {timeout:.0f} s: {''.join(self.errors)[-400:]}")

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise Failed(f"the window did not close within {timeout:.0f} s") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def xdotool(display_env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, env=display_env, timeout=60
    )
    if result.returncode != 0:
        raise Failed(f"xdotool {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def screenshot(env: dict[str, str], out: Path) -> None:
    if shutil.which("import"):
        subprocess.run(["import", "-window", "root", str(out)], env=env, timeout=60, check=False)


def wait_for_window(env: dict[str, str], name: str, timeout: float = 60) -> str:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        result = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            capture_output=True, text=True, env=env, timeout=30,
        )  # fmt: skip
        if result.stdout.strip():
            return result.stdout.split()[-1]
        time.sleep(0.2)
    raise Failed(f"no window named {name!r} within {timeout:.0f} s")


def keyboard_checks(c: Check, demo: Path, env: dict[str, str], shots: Path) -> None:
    def first_start():
        window = Window([str(c.gui)], env, c.work)
        dialog = wait_for_window(env, "Who is coding")
        xdotool(env, "windowfocus", "--sync", dialog)
        xdotool(env, "type", "--delay", "40", CODER)
        xdotool(env, "key", "Return")
        window.ready()
        main = wait_for_window(env, "Stance Coder")
        xdotool(env, "windowfocus", "--sync", main)
        time.sleep(0.5)
        screenshot(env, shots / "bundle-first-sentence.png")
        for key in KEYS:
            xdotool(env, "key", "--delay", "150", key)
        time.sleep(1.0)
        screenshot(env, shots / "bundle-coded.png")
        xdotool(env, "key", "--delay", "300", "alt+h", "a")
        about = wait_for_window(env, "About Stance Coder")
        time.sleep(0.5)
        screenshot(env, shots / "bundle-about.png")
        xdotool(env, "windowfocus", "--sync", about)
        xdotool(env, "key", "Escape")
        time.sleep(0.5)
        xdotool(env, "windowfocus", "--sync", main)
        xdotool(env, "key", "--delay", "300", "alt+f", "c")
        code = window.wait()
        if code != 0:
            raise Failed(f"the window exited with {code}: {''.join(window.errors)[-400:]}")
        data = json.loads(c.run("info", str(demo), "--json"))
        if CODER not in data["coder_ids"] or data["labels"] != len(KEYS):
            raise Failed(f"after coding: coders {data['coder_ids']}, {data['labels']} labels")
        return f"{CODER} typed in, {data['labels']} labels saved (keys {' '.join(KEYS)})"

    c.step("first start of the window: name, one sentence coded by keyboard, About, close",
           first_start)  # fmt: skip

    def unwritable_window():
        blocker = c.work / "not-a-folder"
        blocker.write_text("a file where the data folder's parent should be\n")
        # A fresh home (no last project remembered, so the demo is wanted) whose data
        # folder cannot be made.
        bad = clean_env(c.work / "home-unwritable") | {
            "DISPLAY": env["DISPLAY"],
            "QT_QPA_PLATFORM": env["QT_QPA_PLATFORM"],
            "STANCECODER_DATA_DIR": str(blocker / "StanceCoder"),
        }
        window = Window([str(c.gui)], bad, c.work)
        box = wait_for_window(bad, "Stance Coder")
        time.sleep(0.5)
        screenshot(bad, shots / "bundle-unwritable.png")
        xdotool(bad, "windowfocus", "--sync", box)
        xdotool(bad, "key", "Return")
        code = window.wait()
        if code != 2 or any("Traceback" in line for line in window.errors):
            raise Failed(f"exit {code}, stderr {''.join(window.errors)[-400:]!r}")
        return "one message box, exit code 2"

    c.step("window with a data folder that cannot be made", unwritable_window)


def cold_starts(c: Check, demo: Path, env: dict[str, str], venv_python: Path) -> None:
    def measure():
        runs: dict[str, list[float]] = {"bundle": [], "venv": []}
        # The command line's program opening the window: the window's program has no
        # standard output on Windows; past the program's name both run the same code.
        commands = {
            "bundle": [str(c.cli), "gui", str(demo), "--coder", CODER],
            "venv": [str(venv_python), "-m", "desktop.launcher", str(demo), "--coder", CODER],
        }
        for _ in range(RUNS):
            for name, argv in commands.items():
                window = Window(argv, env, c.work, probe="quit")
                runs[name].append(window.ready())
                window.wait()
        bundle = statistics.median(runs["bundle"])
        venv = statistics.median(runs["venv"])
        text = (
            f"bundle {bundle:.2f} s (runs {', '.join(f'{t:.2f}' for t in runs['bundle'])}), "
            f"venv {venv:.2f} s (runs {', '.join(f'{t:.2f}' for t in runs['venv'])}): "
            f"{bundle / venv:.2f} x (limit {LIMIT:g} x)"
        )
        if bundle > LIMIT * venv:
            raise Failed(text)
        return text

    c.step("cold start to the first sentence (median of 3)", measure)


# -- main -------------------------------------------------------------------------------------


def start_xvfb(display: str) -> subprocess.Popen | None:
    """Start Xvfb on ``display`` unless an X server already answers there."""
    probe = subprocess.run(
        ["xdotool", "getmouselocation"], capture_output=True, env={**os.environ, "DISPLAY": display}
    )
    if probe.returncode == 0:
        return None
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", nargs="?", help="archive or folder (default: newest in dist/)")
    parser.add_argument("--display", default=":23", help="X display for Xvfb (default :23)")
    parser.add_argument("--offscreen", action="store_true", help="no X: skip the keyboard part")
    parser.add_argument(
        "--venv-python",
        default=sys.executable,
        help="the Python (with the project installed) to compare the start with "
        "(default: the one running this check)",
    )
    parser.add_argument("--shots", help="folder for screenshots (default: the temporary folder)")
    args = parser.parse_args(argv)

    archive = Path(args.bundle) if args.bundle else newest_archive()
    venv_python = Path(shutil.which(args.venv_python) or args.venv_python).absolute()
    use_x = (
        not args.offscreen
        and sys.platform.startswith("linux")
        and shutil.which("Xvfb")
        and shutil.which("xdotool")
    )
    with tempfile.TemporaryDirectory(prefix="stancecoder-dist-check-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        # A folder name with a space and a non-ASCII letter, as in "C:\Users\Zoë Kim".
        folder = unpack(archive, tmp / "Zoë Kim" / "Downloads")
        unpacked_s = time.perf_counter() - start
        work = tmp / "work"
        work.mkdir()
        env = clean_env(tmp / "Zoë Kim" / "home")
        shots = Path(args.shots) if args.shots else tmp
        shots.mkdir(parents=True, exist_ok=True)
        packed = archive.stat().st_size / 1e6 if archive.is_file() else 0
        unpacked = folder_mb(archive if archive.is_dir() else folder)
        print(
            f"bundle   {archive}: {packed:.0f} MB packed, {unpacked:.0f} MB unpacked "
            f"(unpacked in {unpacked_s:.1f} s into {folder})",
            flush=True,
        )
        c = Check(folder, work, env)
        demo = command_line_checks(c)
        xvfb = None
        if demo is not None:
            if use_x:
                xvfb = start_xvfb(args.display)
                window_env = dict(env, DISPLAY=args.display, QT_QPA_PLATFORM="xcb")
                try:
                    keyboard_checks(c, demo, window_env, shots)
                    cold_starts(c, demo, window_env, venv_python)
                finally:
                    if xvfb is not None:
                        xvfb.terminate()
                        xvfb.wait()
            else:
                print("skip the keyboard checks (no Xvfb and xdotool, or --offscreen)")
                cold_starts(c, demo, dict(env, QT_QPA_PLATFORM="offscreen"), venv_python)
        if args.shots:
            print(f"screenshots in {shots}")
        if c.failures:
            print(f"dist-check: {len(c.failures)} check(s) failed: {'; '.join(c.failures)}")
            return 1
        print("dist-check: every check passed")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
