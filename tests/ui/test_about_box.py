"""The About box and the bundle's entry point (desktop/launcher.py), on the demo project."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import __version__


@pytest.fixture
def demo_project(tmp_path):
    from desktop.core.demo import ensure_demo_project

    return ensure_demo_project(tmp_path)


def test_about_box_shows_version_data_folder_and_backups(qtbot, demo_project, monkeypatch):
    from desktop.core.paths import data_folder_path
    from desktop.ui.main_window import MainWindow

    window = MainWindow(demo_project, "ak")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    seen: list[str] = []

    def read_and_close():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()

    QTimer.singleShot(200, read_and_close)
    about = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu()
    next(a for a in about.actions() if a.text() == "&About Stance Coder").trigger()
    assert len(seen) == 1
    text = seen[0]
    assert f"Stance Coder {__version__}" in text
    assert f"Data folder: {data_folder_path()}" in text
    assert f"Backups: {data_folder_path() / 'backups'}" in text
    assert str(demo_project) in text


def _launcher(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),  # the settings of a first start
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "desktop.launcher", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


def test_bundle_entry_opens_the_window_on_a_project(tmp_path, demo_project):
    result = _launcher(
        tmp_path, str(demo_project), "--coder", "ak", STANCECODER_STARTUP_PROBE="quit"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["READY"]  # the first sentence was painted


def test_bundle_entry_passes_version_to_the_command_line(tmp_path):
    result = _launcher(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == f"stancecoder {__version__}"
    assert result.stdout.splitlines()[1].startswith("Data folder: ")


def test_program_named_stancecoder_is_the_command_line(demo_project, monkeypatch, capsys):
    from desktop import launcher

    folder = demo_project.parent
    monkeypatch.setattr(sys, "executable", str(folder / "StanceCoder-0.1.0" / "stancecoder"))
    monkeypatch.setattr(sys, "argv", ["stancecoder", "info", str(demo_project)])
    assert launcher.bundle_main() == 0
    assert "Articles  5" in capsys.readouterr().out


def test_window_program_passes_version_to_the_command_line(tmp_path, monkeypatch, capsys):
    from desktop import launcher

    monkeypatch.setattr(sys, "executable", str(tmp_path / "Stance Coder.exe"))
    monkeypatch.setattr(sys, "argv", ["Stance Coder.exe", "--version"])
    with pytest.raises(SystemExit) as exit_:
        launcher.bundle_main()
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"stancecoder {__version__}\n")


def test_window_program_with_an_unknown_option_is_one_line_and_exit_2(
    tmp_path, monkeypatch, capsys
):
    from desktop import launcher

    monkeypatch.setattr(sys, "executable", str(tmp_path / "Stance Coder"))
    monkeypatch.setattr(sys, "argv", ["Stance Coder", "--frobnicate"])
    with pytest.raises(SystemExit) as exit_:
        launcher.bundle_main()
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert error == "stancecoder: error: unrecognized arguments: --frobnicate (see --help)\n"
