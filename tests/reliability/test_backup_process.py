"""Issue 24: the window's backup on opening runs in a child process at the lowest priority,
checked as before (a damaged project makes no backup)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from desktop.core import store
from desktop.core.processes import spawn_context
from desktop.core.store import backup
from desktop.core.store.backup_process import LOWEST_PRIORITY, lower_priority, start_backup_on_open
from desktop.core.store.db import project_path


@pytest.fixture
def project(corpus_project) -> Path:
    store.ensure_coder(corpus_project, "ra")
    path = project_path(corpus_project)
    corpus_project.close()
    return path


def _report_priority() -> None:
    lower_priority()
    sys.exit(os.getpriority(os.PRIO_PROCESS, 0))


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_a_child_lowers_its_own_priority_and_not_this_processs():
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    child = spawn_context().Process(target=_report_priority)
    child.start()
    child.join(60)
    assert child.exitcode == LOWEST_PRIORITY == 19
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine


def test_the_backup_on_opening_is_made_in_a_child_process(project):
    process = start_backup_on_open(project)
    assert process.pid != os.getpid()
    process.join(120)
    assert process.exitcode == 0
    made = backup.list_backups(project)
    assert len(made) == 1 and backup.verify_backup(made[0].path) is None
    again = start_backup_on_open(project)  # within the interval: none is due
    again.join(120)
    assert again.exitcode == 0 and len(backup.list_backups(project)) == 1


def test_a_damaged_project_makes_no_backup_and_the_child_says_so(project, capfd):
    raw = bytearray(project.read_bytes())
    page = 4096
    raw[page * 3 : page * 4] = b"\xa5" * page  # a b-tree page overwritten with noise
    project.write_bytes(bytes(raw))
    process = start_backup_on_open(project)
    process.join(120)
    assert process.exitcode == 1
    assert backup.list_backups(project) == []
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no backup of" in err[0] and "damaged" in err[0]


def test_opening_the_project_while_a_backup_process_reads_it_never_fails(project):
    """Opening a project once read its header through a descriptor it then closed, which
    drops every POSIX lock this process holds on the file (the window's connection's):
    with a backup process pinning a snapshot meanwhile, the window's next opens failed
    with "disk I/O error" within a few dozen tries."""
    window = store.open_project(project)  # the window's own connection stays open
    process = start_backup_on_open(project)
    opened = 0
    try:
        while process.is_alive() or opened < 20:
            other = store.open_project(project)  # a worker, another dialog
            store.ensure_coder(other, f"c{opened}")
            other.close()
            reader = store.open_project(project, readonly=True)
            reader.execute("SELECT count(*) FROM units").fetchone()
            reader.close()
            opened += 1
    finally:
        process.join(120)
        window.close()
    assert process.exitcode == 0 and len(backup.list_backups(project)) == 1
