"""Run an export: pick the layout and format, write atomically, add the sidecar JSON.

Which layout goes with which format (``FORMATS[fmt].layouts``)::

              csv  csv-excel  jsonl  parquet  xlsx  sav  dta  qdpx  qdc
    long       x       x        x       x       x    x    x    x
    wide       x       x        x       x       x    x    x
    gold       x       x        x       x       x    x    x
    units      x       x        x       x       x    x    x
    codebook   x       x        x       x       x                    x

Any other pair is refused with a one-line reason (:func:`refusal`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import sqlite3
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop import __version__
from desktop.core import partial_files, store
from desktop.core.errors import StanceError, UsageError
from desktop.core.export import formats, refi, tabular, xlsx
from desktop.core.export.check import ExportFailed, verify, write_failure
from desktop.core.export.formats import ExportCancelled, WriteContext
from desktop.core.export.layouts import GOLD_RULE, LAYOUTS, Filters, Table
from desktop.core.export.variables import value_codes
from desktop.core.resources import data_dir
from desktop.core.store import export_queries as q

__all__ = [
    "FORMATS",
    "LAYOUTS",
    "ExportCancelled",
    "ExportFailed",
    "ExportResult",
    "Format",
    "default_export_path",
    "estimate_rows",
    "export",
    "refusal",
]

Progress = Callable[[int, int], object]

_DATA_LAYOUTS = frozenset({"long", "wide", "gold", "units"})
_TABLE_LAYOUTS = _DATA_LAYOUTS | {"codebook"}


@dataclass(frozen=True)
class Format:
    """A registered format.

    Parameters
    ----------
    write
        ``write(target, table, ctx) -> rows``; ``target`` is a text handle for text
        formats and a path for the others.
    text
        A UTF-8 text stream, which may also go to standard output.
    why_not
        Why the layouts it lacks make no sense in it (said when refusing).
    """

    write: Callable[..., int]
    suffix: str
    help: str
    layouts: frozenset[str]
    text: bool = False
    why_not: str = ""
    carries: str = ""


FORMATS: dict[str, Format] = {
    "csv": Format(
        functools.partial(formats.write_csv, excel=False),
        ".csv",
        "CSV, UTF-8, text exactly as stored (the long layout imports back)",
        _TABLE_LAYOUTS,
        text=True,
        carries="text as stored; no types or labels (see the sidecar)",
    ),
    "csv-excel": Format(
        functools.partial(formats.write_csv, excel=True),
        ".csv",
        "CSV for Excel: byte order mark, formula-like text prefixed with '",
        _TABLE_LAYOUTS,
        text=True,
        carries="text with formula-like cells prefixed with an apostrophe",
    ),
    "jsonl": Format(
        formats.write_jsonl,
        ".jsonl",
        "JSON Lines, one object per row, typed (numbers, true/false, null)",
        _TABLE_LAYOUTS,
        text=True,
        carries="typed values; no labels (see the sidecar)",
    ),
    "parquet": Format(
        tabular.write_parquet,
        ".parquet",
        "Parquet: typed columns, categories as dictionaries, labels in metadata",
        _TABLE_LAYOUTS,
        carries="types, times with time zone, ordinal codes as ordered categories (not "
        "applicable: null plus a _not_applicable flag), labels in field metadata",
    ),
    "xlsx": Format(
        xlsx.write_xlsx,
        ".xlsx",
        "Excel workbook: data, codebook and about sheets",
        _TABLE_LAYOUTS,
        carries="types, a codebook sheet and an about sheet; at most 1,048,575 rows",
    ),
    "sav": Format(
        tabular.write_sav,
        ".sav",
        "SPSS: variable labels, value labels, not-applicable codes as user-missing",
        _DATA_LAYOUTS,
        why_not="the codebook travels inside SPSS files as value labels; "
        "export it as csv, xlsx or qdc",
        carries="numeric codes with value labels, variable labels, user-missing codes",
    ),
    "dta": Format(
        tabular.write_dta,
        ".dta",
        "Stata 14+: variable labels and value labels",
        _DATA_LAYOUTS,
        why_not="the codebook travels inside Stata files as value labels; "
        "export it as csv, xlsx or qdc",
        carries="numeric codes with value labels, not applicable as labelled .a, "
        "variable labels, date-times",
    ),
    "qdpx": Format(
        refi.write_qdpx,
        ".qdpx",
        "REFI-QDA project (MAXQDA, ATLAS.ti, NVivo): texts, codebook, codings by coder",
        frozenset({"long"}),
        why_not="a REFI-QDA project holds each coder's codings; use --layout long "
        "(or --layout codebook --format qdc)",
        carries="article texts, codebook with unique names, a selection per coder and "
        "sentence with one coding per label, notes as text annotations",
    ),
    "qdc": Format(
        refi.write_qdc,
        ".qdc",
        "REFI-QDA codebook",
        frozenset({"codebook"}),
        why_not="a .qdc file holds only a codebook; use --layout codebook",
        carries="dimensions and categories with definitions and examples",
    ),
}

_FORMULA_NOTE = {
    "csv": "none: text is exact (open in a spreadsheet only with care; use csv-excel)",
    "csv-excel": "text cells starting with = + - @ tab or CR are prefixed with '",
    "xlsx": "text cells starting with = + - @ tab or CR are stored as quoted text",
}

PARAGRAPH = "dataset_paragraph.txt"


@dataclass
class ExportResult:
    """What an export wrote: the file (``"-"``: standard output), rows and sidecar."""

    path: str
    layout: str
    format: str
    rows: int
    sidecar: str | None = None
    columns: list[str] = field(default_factory=list)


def sidecar_path(path: Path) -> Path:
    """The sidecar beside an export: ``<file>.meta.json``."""
    return path.with_name(path.name + ".meta.json")


def refusal(layout: str, fmt: str) -> str | None:
    """Why ``layout`` cannot be written as ``fmt`` (None when it can)."""
    if layout not in LAYOUTS:
        return f"unknown layout '{layout}' (use {', '.join(LAYOUTS)})"
    if fmt not in FORMATS:
        return f"unknown format '{fmt}' (use {', '.join(FORMATS)})"
    spec = FORMATS[fmt]
    if layout not in spec.layouts:
        return f"the {layout} layout cannot be written as {fmt}: {spec.why_not}"
    return None


def estimate_rows(db: store.Database, layout: str, filters: Filters | None = None) -> int:
    """How many rows ``layout`` will have (for a progress bar); cheap SQL counts only."""
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout '{layout}' (use {', '.join(LAYOUTS)})")
    return LAYOUTS[layout].estimate(db, store.current_scheme(db), filters or Filters())


def default_export_path(project: str | Path, layout: str, fmt: str) -> Path:
    """Where the app proposes to save: a folder beside the project file.

    ``study.stance`` exports ``long`` as ``csv`` to ``study exports/study-long.csv``.
    The folder is not created here.
    """
    project = Path(project)
    variant = "-excel" if fmt == "csv-excel" else ""
    name = f"{project.stem}-{layout}{variant}{FORMATS[fmt].suffix}"
    return project.parent / f"{project.stem} exports" / name


def _paragraph(meta: dict) -> str:
    counts, scheme = meta["counts"], meta["scheme"]
    coders = counts["coders"]
    filters = meta["filters"]
    limits = [f"{k} {', '.join(v)}" for k, v in filters.items() if v]
    fill = {
        "layout": meta["layout"],
        "rows": f"{meta['rows']:,}",
        "labels": f"{counts['labels']:,}",
        "coder_count": f"{coders} coder{'s' if coders != 1 else ''}",
        "units": f"{counts['units']:,}",
        "articles": f"{counts['articles']:,} article{'s' if counts['articles'] != 1 else ''}",
        "scheme_title": scheme["title"],
        "scheme_id": scheme["id"],
        "scheme_version": scheme["version"],
        "app_version": meta["app_version"],
        "data_as_of": meta["data_as_of"] or "(empty project)",
        "filters": f", limited to {'; '.join(limits)}" if limits else "",
    }
    template = (data_dir("exports") / PARAGRAPH).read_text(encoding="utf-8")
    return template.strip().format_map(fill)


def _meta(db: store.Database, table: Table, fmt: str, filters: Filters) -> dict:
    """The sidecar's content known before writing.

    Formats embed it (Parquet metadata, the xlsx about sheet), so it holds neither the
    clock time nor the output's name: two exports of one project stay identical.
    """
    scheme = table.scheme
    dims = scheme.dimension_ids
    coders = table.coders or q.coders_with_labels(db, dims, filters.coders, filters.articles)
    names = q.coder_names(db)
    meta = {
        "app": "stancecoder",
        "app_version": __version__,
        "project_id": store.get_meta(db, "project_id"),
        "project_file": Path(q.project_file(db)).name,
        "data_as_of": q.data_as_of(db),
        "scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title},
        "layout": table.layout,
        "format": fmt,
        "filters": filters.as_dict(),
        "coders": coders,
        "coder_names": {c: names.get(c, c) for c in coders},
        "counts": {
            "articles": q.count_articles(db, filters.articles),
            "units": q.count_units(db, filters.articles),
            "labels": table.total
            if table.layout == "long"
            else q.count_labels(db, dims, filters.coders, filters.articles),
            "coders": len(coders),
        },
        "order": "unit (project order), then coder id, then the scheme's dimension order",
        "formula_safety": _FORMULA_NOTE.get(fmt, "not a spreadsheet format"),
        "carries": FORMATS[fmt].carries,
        "columns": [c.describe() for c in table.columns],
    }
    if table.layout == "gold":
        meta["gold_rule"] = GOLD_RULE
    if fmt in ("sav", "dta") or table.layout == "codebook":
        meta["value_codes"] = {d.id: value_codes(d).as_dict() for d in scheme.dimensions}
    if fmt == "dta":  # Stata has no user-missing codes: extended missing values instead
        for d in scheme.dimensions:
            codes = meta["value_codes"][d.id]
            tags = {code: "." + chr(ord("a") + n) for n, code in enumerate(codes["user_missing"])}
            if tags:
                category = {number: c for c, number in codes["codes"].items()}
                codes["stata_missing"] = {category[n]: tag for n, tag in tags.items()}
    meta.update({k: v for k, v in table.notes.items() if k != "gold_rule"})
    return meta


def _temporary(path: Path) -> Path:
    """A fresh name beside ``path`` (not mkstemp: its files are private, 0600, and an
    export is meant to be shared, so the file gets the user's usual permissions)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")


def _write_json_temporary(path: Path, data: dict) -> Path:
    """Write ``data`` as JSON under a temporary name beside ``path``, flushed to disk and
    read back; returns the temporary file (the caller renames it)."""
    tmp = _temporary(path)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        with tmp.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if tmp.read_text(encoding="utf-8") != text:
            raise ExportFailed("the sidecar read back differs from what was written", path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector while rows stream.

    An export makes millions of short-lived row tuples, which set the collector off
    thousands of times (about 7% of a long export) to find no cycles; reference counting
    frees them. Whatever cycles appear meanwhile are collected when it resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _target(out: str | Path, spec: Format, fmt: str) -> Path | None:
    if str(out) == "-":
        if not spec.text:
            raise UsageError(f"{fmt} cannot go to standard output; give a file with -o")
        return None
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{path}: the folder does not exist")
    return path


def export(
    db: store.Database,
    layout: str,
    fmt: str,
    out: str | Path,
    *,
    filters: Filters | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Export ``layout`` as ``fmt`` to ``out`` (``"-"``: standard output, text formats).

    The file is written under a temporary name in the same folder and renamed, so a
    failed or cancelled export never leaves half a file; beside it,
    ``<file>.meta.json`` records the scheme, app version, time, filters, coders, counts,
    columns and the rules used (gold majority, numeric codes).

    Parameters
    ----------
    filters
        Coders and articles to cover (default: all).
    progress
        Called as ``progress(rows done, rows expected)`` after each batch of rows (about
        50,000), from the calling thread; return False to cancel.

    Raises
    ------
    UsageError
        For an unknown or senseless layout/format pair, unknown coders or articles, a
        missing folder, or more rows than the format holds.
    ExportCancelled
        When ``progress`` returned False.
    """
    reason = refusal(layout, fmt)
    if reason:
        raise UsageError(reason)
    spec = FORMATS[fmt]
    target = _target(out, spec, fmt)
    filters = filters or Filters()
    filters.check(db)
    scheme = store.current_scheme(db)
    table = LAYOUTS[layout].build(db, scheme, filters)
    meta = _meta(db, table, fmt, filters)
    ctx = WriteContext(
        db=db,
        filters=filters,
        meta=meta,
        data_as_of=meta["data_as_of"],
        project_id=meta["project_id"] or "",
        project_name=Path(meta["project_file"]).stem or "Stance Coder project",
        progress=progress,
    )
    if progress is not None:
        progress(0, table.total)
    if target is None:
        with _no_cyclic_gc():
            count = spec.write(sys.stdout, table, ctx)
        sys.stdout.flush()
        return ExportResult("-", layout, fmt, count, None, table.names)
    partial_files.sweep(target.parent, f".{target.name}.*.partial")  # left by killed runs
    partial_files.sweep(target.parent, f".{sidecar_path(target).name}.*.partial")
    tmp = _temporary(target)
    try:
        held = partial_files.hold(tmp)  # a live export's partial file is never swept
    except OSError as exc:  # a read-only folder: say so of the file asked for, not ours
        raise write_failure(exc, target) from exc
    side_tmp: Path | None = None
    try:
        try:
            if spec.text:
                with (
                    tmp.open("w", encoding="utf-8", newline="", buffering=1 << 20) as handle,
                    _no_cyclic_gc(),
                ):
                    count = spec.write(handle, table, ctx)
            else:
                with _no_cyclic_gc():
                    count = spec.write(tmp, table, ctx)
            verify(fmt, tmp, count, target)
            sidecar = {"exported_at": store.utc_now(), "file": target.name, **meta, "rows": count}
            sidecar.update(ctx.facts)
            if layout in _DATA_LAYOUTS:
                sidecar["description"] = _paragraph(sidecar)
            side = sidecar_path(target)
            side_tmp = _write_json_temporary(side, sidecar)
        except (StanceError, sqlite3.Error):
            raise
        except Exception as exc:  # a writer's own error (full disk, ReadstatError): one line
            raise write_failure(exc, target) from exc
        # Both files are complete and checked: only now are the old ones replaced.
        os.replace(tmp, target)
        os.replace(side_tmp, side)
    except BaseException:
        for leftover in (tmp, side_tmp):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    leftover.unlink()
        raise
    finally:
        partial_files.release(held)
    return ExportResult(str(target), layout, fmt, count, str(side), table.names)
