"""Run an export: pick the layout and format, write atomically, add the sidecar JSON."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop import __version__
from desktop.core import store
from desktop.core.errors import UsageError
from desktop.core.export import formats
from desktop.core.export.layouts import Filters, codebook_layout, units_layout

LAYOUTS: dict[str, Callable] = {
    "units": units_layout,
    "codebook": codebook_layout,
}

# format -> (writer, layouts it supports)
FORMATS: dict[str, tuple[Callable, frozenset[str]]] = {
    "csv": (lambda h, c, r: formats.write_csv(h, c, r, excel=False), frozenset(LAYOUTS)),
    "csv-excel": (lambda h, c, r: formats.write_csv(h, c, r, excel=True), frozenset(LAYOUTS)),
    "jsonl": (formats.write_jsonl, frozenset(LAYOUTS)),
}


@dataclass
class ExportResult:
    path: str
    layout: str
    format: str
    rows: int
    sidecar: str | None = None
    columns: list[str] = field(default_factory=list)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def export(
    db: store.Database,
    layout: str,
    fmt: str,
    out: str | Path,
    *,
    filters: Filters | None = None,
) -> ExportResult:
    """Export ``layout`` as ``fmt`` to ``out`` (``"-"`` = standard output).

    The file is written under a temporary name and renamed, so a failed export never
    leaves half a file; beside it, ``<file>.meta.json`` records the scheme, app version,
    time, filters, coders and counts.
    """
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout '{layout}' (use {', '.join(sorted(LAYOUTS))})")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (use {', '.join(sorted(FORMATS))})")
    writer, supported = FORMATS[fmt]
    if layout not in supported:
        raise UsageError(f"the {layout} layout cannot be written as {fmt}")
    filters = filters or Filters()
    scheme = store.current_scheme(db)
    columns, rows = LAYOUTS[layout](db, scheme, filters)
    if str(out) == "-":
        count = writer(sys.stdout, columns, rows)
        sys.stdout.flush()
        return ExportResult("-", layout, fmt, count, None, columns)
    out = Path(out)
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            count = writer(handle, columns, rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    meta = {
        "app": "stancecoder",
        "app_version": __version__,
        "exported_at": store.utc_now(),
        "project_id": store.get_meta(db, "project_id"),
        "scheme": {"id": scheme.id, "version": scheme.version},
        "layout": layout,
        "format": fmt,
        "filters": filters.as_dict(),
        "coders": [c["id"] for c in store.list_coders(db)],
        "rows": count,
        "columns": columns,
    }
    side = sidecar_path(out)
    side.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ExportResult(str(out), layout, fmt, count, str(side), columns)
