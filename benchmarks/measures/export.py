"""export_s: the long layout (one row per label) to CSV and to Parquet, 1.5 million rows.

Each export runs in its own child process (``python -m benchmarks.measures.export
PROJECT FORMAT OUT``) through the real ``desktop.core.export.export``, so that its peak
resident memory is its own. "Memory bounded" is judged against a fixed budget,
:data:`TARGET_RSS_MB`, whatever the number of rows (an export that held every row in
memory would pass it only for small projects).

The machine is shared and its speed changes by half from one hour to the next, so the
same run also times a reference in a child of its own: the plain way to dump the same
rows with Python's standard library, one SQL join streamed through ``csv.writer``
(:data:`REFERENCE_SQL`: the stored columns of the long layout, without the value labels,
numeric values, unsure flags and notes, in key order). The ratios say how the export
compares whatever the machine's speed that hour.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.harness import NOT_AVAILABLE, Result, rounded, run_child

TARGET_S = 5.0
TARGET_RSS_MB = 300.0
# Issue 24: "6M rows <= 15 s" at 1M; the 1M run exports a coder selection of about 7.3
# million rows (benchmarks/README.md says why) and is held to the same 15 s.
TARGET_1M_S = 15.0
FORMATS = ("csv", "parquet")
LAYOUT = "long"
REFERENCE = "reference"
REFERENCE_SQL = (
    "SELECT u.id, u.article_id, a.title, u.paragraph, u.sentence, u.text, l.coder_id, "
    "l.dimension, l.value, l.seconds, l.changed_at "
    "FROM labels l JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
    "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq, l.coder_id, l.dimension"
)


def _available() -> str | None:
    """Why the long layout or a format cannot be measured yet (None when it can)."""
    try:
        from desktop.core.export import FORMATS as known
        from desktop.core.export import LAYOUTS
    except ImportError as error:
        return f"desktop.core.export: {error}"
    missing = [name for name in (LAYOUT,) if name not in LAYOUTS]
    missing += [name for name in FORMATS if name not in known]
    return f"missing: {', '.join(missing)}" if missing else None


def measure_export(
    project: Path,
    workdir: Path,
    expected_rows: int,
    *,
    coders: list[str] | None = None,
    scale: str = "full",
) -> Result:
    """Both formats and the reference; ``coders``: export only these coders' labels (as
    ``export --coders`` does)."""
    what = "long layout to CSV and to Parquet" + (f", coders {', '.join(coders)}" if coders else "")
    limit = TARGET_1M_S if scale == "1m" else TARGET_S
    target = f"<= {limit:g} s each, peak RSS <= {TARGET_RSS_MB:g} MB"
    selection = ["--coders", ",".join(coders)] if coders else []
    reason = _available()
    if reason:
        return Result(
            "export_s", what, None, "s (slowest format)", target, None,
            details={"status": NOT_AVAILABLE, "reason": reason},
        )  # fmt: skip
    figures: dict[str, float] = {}
    for fmt in FORMATS:
        out = workdir / f"export-long.{fmt}"
        data = run_child("benchmarks.measures.export", [str(project), fmt, str(out), *selection])
        figures[f"{fmt}_s"] = data["seconds"]
        figures[f"{fmt}_cpu_s"] = data["cpu_seconds"]
        figures[f"{fmt}_peak_rss_mb"] = data["peak_rss_mb"]
        figures[f"{fmt}_rss_before_mb"] = data["rss_before_mb"]
        figures[f"{fmt}_file_mb"] = data["file_mb"]
        figures[f"{fmt}_rows"] = data["rows"]
        for path in (out, out.with_name(out.name + ".meta.json")):
            path.unlink(missing_ok=True)
    out = workdir / "export-reference.csv"
    data = run_child("benchmarks.measures.export", [str(project), REFERENCE, str(out), *selection])
    out.unlink(missing_ok=True)
    figures["reference_csv_module_s"] = data["seconds"]
    figures["reference_csv_module_cpu_s"] = data["cpu_seconds"]
    figures["reference_rows"] = data["rows"]
    for fmt in FORMATS:
        figures[f"{fmt}_vs_reference"] = figures[f"{fmt}_s"] / data["seconds"]
    slowest = max(figures[f"{fmt}_s"] for fmt in FORMATS)
    peak = max(figures[f"{fmt}_peak_rss_mb"] for fmt in FORMATS)
    rows_ok = all(figures[f"{fmt}_rows"] == expected_rows for fmt in FORMATS)
    return Result(
        "export_s",
        what,
        slowest,
        "s (slowest format)",
        target,
        bool(slowest <= limit and peak <= TARGET_RSS_MB and rows_ok),
        rounded(figures),
        summary=" · ".join(
            f"{fmt} {figures[f'{fmt}_s']:.1f} s ({figures[f'{fmt}_cpu_s']:.1f} s CPU), "
            f"{figures[f'{fmt}_peak_rss_mb']:.0f} MB"
            for fmt in FORMATS
        )
        + f" (plain sqlite3 + csv.writer dump of the same rows: "
        f"{figures['reference_csv_module_s']:.1f} s)",
        details={
            "layout": LAYOUT,
            "expected_rows": expected_rows,
            "coders": coders or "all",
            "rows_as_expected": rows_ok,
            "memory": "peak RSS of the exporting process, imports included",
            "reference": "REFERENCE_SQL streamed through csv.writer in a child process "
            "(the stored columns only, no value labels, numeric values, unsure flags or "
            "notes): what the standard library takes for the same rows in the same run",
        },
    )


def main(argv: list[str] | None = None) -> None:
    """The child: one export, then its time, rows, file size and peak memory as JSON."""
    parser = argparse.ArgumentParser(description="one export (a child process)")
    parser.add_argument("project")
    parser.add_argument("format", choices=(*FORMATS, REFERENCE))
    parser.add_argument("out")
    parser.add_argument("--coders", help="comma-separated coder ids (default: all)")
    args = parser.parse_args(argv)
    coders = tuple(args.coders.split(",")) if args.coders else None
    if args.format == REFERENCE:
        _reference(args.project, Path(args.out), coders)
        return
    from benchmarks.harness import peak_rss_mb
    from desktop.core import store
    from desktop.core.export import Filters, export

    db = store.open_project(args.project, readonly=True)
    before = peak_rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    result = export(db, LAYOUT, args.format, args.out, filters=Filters(coders=coders))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,  # every thread's: the readers run beside the writer
                "rows": result.rows,
                "peak_rss_mb": peak_rss_mb(),
                "rss_before_mb": before,
                "file_mb": Path(args.out).stat().st_size / 2**20,
            }
        )
    )


def _reference_query(coders: tuple[str, ...] | None) -> tuple[str, list]:
    if not coders:
        return REFERENCE_SQL, []
    where = f"WHERE l.coder_id IN ({', '.join('?' * len(coders))}) AND "
    return REFERENCE_SQL.replace("WHERE ", where), list(coders)


def _reference(project: str, out: Path, coders: tuple[str, ...] | None) -> None:
    import csv
    import sqlite3

    from benchmarks.harness import peak_rss_mb

    conn = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    start, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        cursor = conn.execute(*_reference_query(coders))
        while chunk := cursor.fetchmany(2_000):
            writer.writerows(chunk)
            rows += len(chunk)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    print(
        json.dumps(
            {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_rss_mb": peak_rss_mb()}
        )
    )


if __name__ == "__main__":
    main()
