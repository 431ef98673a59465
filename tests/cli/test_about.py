"""``stancecoder --version`` and the data folder: where the data and backups are, and one
clear line when the data folder cannot be made (the bundle's first start, issue 23)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop import __version__
from desktop.cli import main
from desktop.core.about import about_info, about_lines
from desktop.core.paths import DataFolderError, data_folder


def run(*args: str, env_data_dir) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, STANCECODER_DATA_DIR=str(env_data_dir))
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_version_names_the_version_data_folder_and_backups(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "where the data lives"
    monkeypatch.setenv("STANCECODER_DATA_DIR", str(folder))
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.splitlines() == [
        f"stancecoder {__version__}",
        f"Data folder: {folder}",
        f"Backups: {folder / 'backups'}",
    ]
    assert not folder.exists()  # asking where the data lives does not make the folder


def test_backups_are_made_where_the_about_text_says(tmp_path, monkeypatch, capsys):
    from desktop.core.store.backup import make_backup

    monkeypatch.setenv("STANCECODER_DATA_DIR", str(tmp_path / "data"))
    assert main(["demo"]) == 0
    demo = capsys.readouterr().out.strip()
    made = make_backup(demo)
    assert about_info().backups_folder in made.parents
    assert about_info().program_folder is None  # not a frozen bundle


def test_program_folder_is_named_only_in_a_bundle(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    lines = about_lines()
    assert lines[0] == f"stancecoder {__version__}"
    assert lines[-1].startswith("Program: ")


def test_a_data_folder_that_cannot_be_made_is_one_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv("STANCECODER_DATA_DIR", str(blocker / "StanceCoder"))
    with pytest.raises(DataFolderError) as error:
        data_folder()
    message = str(error.value)
    assert message.startswith(f"{blocker / 'StanceCoder'}: the data folder cannot be written")
    assert "STANCECODER_DATA_DIR" in message and "\n" not in message


def test_demo_without_a_writable_data_folder_exits_2_with_one_line(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    result = run("demo", env_data_dir=blocker / "StanceCoder")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "the data folder cannot be written" in lines[0]
    assert result.stdout == ""
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"
