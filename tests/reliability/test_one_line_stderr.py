"""Item 10 of issue 15: nothing but our one line reaches standard error.

An HTML page without article text used to print trafilatura's own log line
("stancecoder: discarding data: None") before ours.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.core import store


def test_an_html_page_without_text_gives_exactly_one_line(tmp_path, scheme):
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>x</title></head><body><div></div></body></html>")
    project = tmp_path / "p.stance"
    store.create_project(project, scheme).close()
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "import", str(project), str(page)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"stancecoder: error: {page}: ")
