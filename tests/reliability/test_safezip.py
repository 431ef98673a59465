"""Archives never write outside their target folder (zip slip), nor unpack without limit."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import InputError
from desktop.core.safezip import check_archive, member_path, safe_extract


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_plain_archive_is_extracted_in_its_folder(tmp_path):
    archive = _zip(tmp_path / "a.qdpx", {"project.qde": b"<x/>", "sources/a.txt": b"hello"})
    written = safe_extract(archive, tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == [
        "project.qde",
        "sources/a.txt",
    ]
    assert (tmp_path / "out" / "sources" / "a.txt").read_bytes() == b"hello"


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "sources/../../evil.txt",
        "..\\evil.txt",
        "/tmp/evil.txt",
        "\\evil.txt",
        "C:/evil.txt",
        "C:evil.txt",
        "sources/..",
    ],
)
def test_a_path_leaving_the_folder_is_refused_before_anything_is_written(tmp_path, name):
    archive = _zip(tmp_path / "a.zip", {"first.txt": b"1", name: b"evil"})
    target = tmp_path / "box" / "out"
    with pytest.raises(InputError, match="refused"):
        safe_extract(archive, target)
    assert not target.exists() or _files(target) == set()
    assert _files(tmp_path) == {"a.zip"}


def test_a_symbolic_link_is_refused(tmp_path):
    info = zipfile.ZipInfo("sources/link")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(info, "/etc/passwd")
    with pytest.raises(InputError, match="symbolic link"):
        safe_extract(archive, tmp_path / "out")


def test_an_archive_unpacking_to_too_much_is_refused(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * 2_000_000})
    assert archive.stat().st_size < 10_000
    with pytest.raises(InputError, match="unpacks to 2 MB; archives over 1 MB are refused"):
        safe_extract(archive, tmp_path / "out", max_total_bytes=1_000_000)
    assert not (tmp_path / "out").exists()
    with zipfile.ZipFile(archive) as z, pytest.raises(InputError, match="holds 1 files"):
        check_archive(z, max_members=0)


def test_an_existing_file_is_not_overwritten_and_nothing_half_stays(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "b.txt").write_text("mine")
    archive = _zip(tmp_path / "a.zip", {"a.txt": b"new", "b.txt": b"theirs"})
    with pytest.raises(InputError, match="cannot be unpacked"):
        safe_extract(archive, target)
    assert _files(target) == {"b.txt"}
    assert (target / "b.txt").read_text() == "mine"


def test_a_broken_archive_is_one_line(tmp_path):
    path = tmp_path / "a.qdpx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="is not a readable zip archive") as info:
        safe_extract(path, tmp_path / "out")
    assert "\n" not in str(info.value)


_NAME_PARTS = st.sampled_from(["..", ".", "", "a", "b", "C:", "\\", "/", "x.txt", "~"])


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    names=st.lists(
        st.lists(_NAME_PARTS, min_size=1, max_size=6).map("/".join).filter(bool),
        max_size=4,
        unique=True,
    )
)
def test_no_member_name_ever_writes_outside_the_target(tmp_path_factory, names):
    box = tmp_path_factory.mktemp("box")
    archive = box / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i, name in enumerate(names):
            z.writestr(zipfile.ZipInfo(name), f"member {i}")
    try:
        written = safe_extract(archive, box / "out")
    except InputError as exc:
        assert "\n" not in str(exc)
        written = []
    outside = {p for p in box.rglob("*") if p.is_file()} - {archive}
    assert all(p.resolve().is_relative_to((box / "out").resolve()) for p in outside)
    assert set(written) == outside


def test_member_paths_are_made_relative_and_plain():
    assert member_path("sources\\a.txt").as_posix() == "sources/a.txt"
    assert member_path("./sources//a.txt").as_posix() == "sources/a.txt"
