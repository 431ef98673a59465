"""A killed export's temporary file is swept by the next export; a live one is never touched.

An export writes ``.<name>.<hex>.partial`` beside its target and holds a lock on it while it
writes (issue 15, item 9). A process killed with SIGKILL leaves the file but not the lock.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.export import export

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock: POSIX only")

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from desktop.core import partial_files
    partial_files.hold(Path(sys.argv[1]))
    print("held", flush=True)
    time.sleep(600)
    """
)


def _holder(path):
    """A process that holds ``path`` as a live writer does, once it says so."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_the_next_export_sweeps_what_a_killed_export_left_and_spares_a_live_one(
    tmp_path, scheme, corpus_dir
):
    db = store.create_project(tmp_path / "p.stance", scheme)
    import_paths(db, [corpus_dir])
    out = tmp_path / "units.csv"
    killed_partial = tmp_path / ".units.csv.0123456789ab.partial"
    killed_sidecar = tmp_path / ".units.csv.meta.json.0123456789ab.partial"
    live_partial = tmp_path / ".units.csv.ba9876543210.partial"
    other = tmp_path / ".notes.txt.0123456789ab.partial"  # not this export's: left alone
    other.write_text("someone else's")
    killed = [_holder(killed_partial), _holder(killed_sidecar)]
    for process in killed:
        process.send_signal(signal.SIGKILL)
        process.wait()
    live = _holder(live_partial)
    try:
        result = export(db, "units", "csv", out)
        assert result.rows == 127
        assert not killed_partial.exists() and not killed_sidecar.exists()
        assert live_partial.exists() and other.exists()
        assert out.exists()
        assert set(tmp_path.glob(".*.partial")) == {live_partial, other}  # the export's own gone
    finally:
        live.kill()
        live.wait()
        db.close()
    # Once its writer is gone, the next export sweeps it too.
    export(db := store.open_project(tmp_path / "p.stance"), "units", "csv", out)
    db.close()
    assert not live_partial.exists()
