"""A project on a network share or in a synced folder is reported when it is opened."""

from __future__ import annotations

import logging
import sys

import pytest

from desktop.core import store
from desktop.core.store import location
from desktop.core.store.db import open_warnings

MOUNTS = """\
/dev/nvme0n1p2 / ext4 rw,relatime 0 0
/dev/nvme0n1p3 /home ext4 rw,relatime 0 0
server:/export/lab /home/ra/lab nfs4 rw,relatime,vers=4.2 0 0
//nas/Research\\040Team /mnt/research\\040team cifs rw,vers=3.1.1 0 0
ra@host:/data /home/ra/remote fuse.sshfs rw,nosuid 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/ra/lab/study.stance", "nfs4"),
        ("/home/ra/lab", "nfs4"),
        ("/home/ra/laboratory/study.stance", "ext4"),  # a longer name is not inside
        ("/home/ra/study.stance", "ext4"),
        ("/mnt/research team/2026/study.stance", "cifs"),
        ("/home/ra/remote/x.stance", "fuse.sshfs"),
        ("/tmp/x.stance", "tmpfs"),
    ],
)
def test_the_mount_holding_a_path_is_the_longest_matching_one(path, expected):
    assert location.fstype_from_mounts(path, MOUNTS) == expected


def test_network_file_systems_are_known_and_local_ones_are_not():
    assert {"nfs4", "cifs", "fuse.sshfs", "smbfs", "9p"} <= location.REMOTE_FILESYSTEMS
    assert not {"ext4", "tmpfs", "apfs", "btrfs", "xfs"} & location.REMOTE_FILESYSTEMS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/mounts")
def test_a_temporary_folder_is_local(tmp_path):
    assert location.remote_filesystem(tmp_path / "new.stance") is None
    assert location.location_warning(tmp_path / "new.stance") is None


@pytest.mark.parametrize(
    ("path", "unc"),
    [
        (r"\\nas\research\study.stance", True),
        (r"\\?\UNC\nas\research\study.stance", True),
        ("//nas/research/study.stance", True),
        (r"\\?\C:\study.stance", False),
        (r"C:\Users\ra\study.stance", False),
        ("/home/ra/study.stance", False),
    ],
)
def test_windows_network_paths_are_recognised(path, unc):
    assert location.is_unc(path) is unc


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/home/ra/Dropbox/lab/study.stance", "Dropbox"),
        ("/Users/ra/Dropbox (Lab)/study.stance", "Dropbox"),
        ("/Users/ra/OneDrive - Uni Example/study.stance", "OneDrive"),
        ("/Users/ra/Library/Mobile Documents/com~apple~CloudDocs/s.stance", "iCloud Drive"),
        ("/home/ra/Documents/study.stance", None),
        ("/home/ra/Dropbox.stance", None),  # the file's own name does not count
    ],
)
def test_synced_folders_are_recognised(path, service):
    assert location.synced_folder(path) == service


def test_opening_a_project_on_a_share_warns_in_one_line(tmp_path, scheme, monkeypatch, caplog):
    path = tmp_path / "study.stance"
    store.create_project(path, scheme).close()
    monkeypatch.setattr(location, "remote_filesystem", lambda p: "cifs")
    with caplog.at_level(logging.WARNING):
        db = store.open_project(path)
    warnings = open_warnings(db)
    db.close()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}: is on a network share (cifs)")
    assert "\n" not in warnings[0]
    assert warnings[0] in caplog.text


def test_a_local_project_opens_without_warnings(tmp_path, scheme):
    path = tmp_path / "study.stance"
    store.create_project(path, scheme).close()
    db = store.open_project(path)
    assert open_warnings(db) == []
    db.close()
