"""Item 7 of issue 15: symbolic links in an imported folder are not followed.

Before, a link to a file outside the folder was imported as an article (and would have
travelled in coder packages).
"""

from __future__ import annotations

import sys

import pytest

from desktop.core import store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need rights")

ARTICLE = "Talks resume\n\nThe envoys met in Seoul today. They agreed to meet again soon.\n"
PRIVATE = "Private diary\n\nMy bank password is hunter2. Nobody must read this file.\n"


def test_links_in_a_folder_are_skipped_and_named(tmp_path, scheme, run):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "talks.txt").write_text(ARTICLE, encoding="utf-8")
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "diary.txt").write_text(PRIVATE, encoding="utf-8")
    (folder / "diary.txt").symlink_to(outside / "diary.txt")
    (folder / "more").symlink_to(outside, target_is_directory=True)
    project = tmp_path / "p.stance"
    store.create_project(project, scheme).close()
    code, out, err = run("import", project, folder)
    assert code == 0, err
    assert f"note: {folder / 'diary.txt'}: a symbolic link, skipped" in out
    assert f"note: {folder / 'more'}: a symbolic link, skipped" in out
    assert "Imported 1 article," in out
    db = store.open_project(project)
    try:
        text = "\n".join(str(r) for r in db.conn.iterdump())
    finally:
        db.close()
    assert "hunter2" not in text and "envoys met in Seoul" in text


def test_a_file_named_directly_is_still_read_through_its_link(tmp_path, scheme, run):
    real = tmp_path / "talks.txt"
    real.write_text(ARTICLE, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    project = tmp_path / "p.stance"
    store.create_project(project, scheme).close()
    code, out, _ = run("import", project, link)
    assert code == 0 and "Imported 1 article," in out
