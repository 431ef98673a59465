"""Files larger than an import should hold are refused at once, never read into memory;
files that never end (pipes, devices) are refused too."""

from __future__ import annotations

import os
import sys
import time
import tracemalloc

import pytest

from desktop.core.corpus.decode import MAX_FILE_BYTES
from desktop.core.corpus.importer import import_paths
from desktop.core.errors import InputError
from desktop.core.store.db import project_path

SIZE = 200 * 1024 * 1024


def _sparse(path, size: int = SIZE):
    """A file of ``size`` bytes that takes no room on disk."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("huge.txt", "split it, or use a CSV/JSONL file with one article per row"),
        ("huge.csv", "split it into several files (they can be imported together)"),
        ("huge.jsonl", "split it into several files (they can be imported together)"),
    ],
)
def test_a_200_mb_file_is_refused_without_being_read(tmp_path, empty_project, dump, name, advice):
    big = _sparse(tmp_path / name)
    before = dump(project_path(empty_project))
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(InputError) as info:
            import_paths(empty_project, [big])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 10 * 1024 * 1024  # nothing like the file's 200 MB was allocated
    assert str(info.value) == (
        f"{big}: is 200 MB; files over {MAX_FILE_BYTES // 2**20} MB are not imported ({advice})"
    )
    assert dump(project_path(empty_project)) == before


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and /dev/zero are POSIX")
def test_a_pipe_or_a_device_is_refused_instead_of_read_forever(tmp_path, empty_project):
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    with pytest.raises(InputError, match="is not a regular file"):
        import_paths(empty_project, [pipe])
    endless = tmp_path / "zeros.txt"
    endless.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="is not a regular file"):
        import_paths(empty_project, [endless])


def test_a_big_but_allowed_csv_field_is_read(tmp_path, empty_project):
    """The csv module's own limit (128 KB a field) would refuse a long article."""
    long_text = "The alliance held. " * 8_000  # 152 KB in one field
    path = tmp_path / "long.csv"
    path.write_text(f'id,text\n1,"{long_text}"\n', encoding="utf-8")
    summary = import_paths(empty_project, [path])
    assert summary.units == 8_000
