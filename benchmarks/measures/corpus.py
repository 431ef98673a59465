"""import_sentences_per_s and segmenter_baselines.

The import is the real one (:func:`desktop.core.corpus.importer.import_paths`: read,
decode, clean, segment, store in one transaction) into a new project file. The
segmenters get the same text the importer segments: every non-blank line of every
article (the importer segments one line, its paragraph, at a time), in memory.

The machine is shared and noisy, so the chosen segmenter alone is timed twice, once
before and once after the import, and the import is compared with the mean of the two.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from benchmarks.harness import Result, rounded
from benchmarks.segmenters import available_segmenters
from benchmarks.synthetic import import_articles
from desktop.core.corpus.parallel import choose_workers

TARGET_RATE = 5_000
# issue 24: the import (with the worker processes a user gets) at least as fast as the
# chosen segmenter alone in one process; it was 0.8 (the benchmarks issue)
TARGET_RATIO = 1.0
# Issue 24, at 1M sentences: the whole import in under a minute on 2 cores, and at least
# as fast as the segmenter alone in one process (the same ratio as at 100k).
TARGET_1M_S = 60.0
CHOSEN = "stancecoder"


def paragraphs(articles: Path) -> list[str]:
    """Every non-blank line of every article, in import order."""
    found: list[str] = []
    for path in sorted(articles.glob("*.txt")):
        found += [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return found


def _time_segmenter(segment, texts: list[str], cpu: list | None = None) -> tuple[float, int]:
    """Seconds and sentences of ``segment`` over ``texts``; its CPU seconds go to ``cpu``."""
    segment("Warm up. Load whatever is loaded lazily.")
    sentences = 0
    start, started_cpu = time.perf_counter(), time.process_time()
    for text in texts:
        sentences += len(segment(text))
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    return time.perf_counter() - start, sentences


def _cpu_seconds(who: int) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def _timed_import(articles: Path, project: Path, workers: int | None = None):
    """The import's counts, with the CPU seconds of this process and of its worker
    processes (reaped when the import ends): on a shared machine the wall clock of a
    run with three processes says less than what they used."""
    main, children = _cpu_seconds(resource.RUSAGE_SELF), _cpu_seconds(resource.RUSAGE_CHILDREN)
    counts = import_articles(articles, project, workers=workers)
    counts["cpu_main_s"] = _cpu_seconds(resource.RUSAGE_SELF) - main
    counts["cpu_workers_s"] = _cpu_seconds(resource.RUSAGE_CHILDREN) - children
    return counts


def measure_import(
    fixture_articles: Path,
    workdir: Path,
    *,
    log=print,
    baselines: bool = True,
    scale: str = "full",
) -> tuple[list[Result], Path]:
    """Both results (the import alone without ``baselines``: the other segmenters take
    minutes at 1M), and the imported project (which the fixture may keep)."""
    texts = paragraphs(fixture_articles)
    loaded, skipped = available_segmenters()
    by_name = {s.name.split(" ")[0]: s for s in loaded}
    chosen = by_name[CHOSEN]
    log(f"  {chosen.name} alone on {len(texts):,} paragraphs")
    segment_cpu: list[float] = []
    before, found = _time_segmenter(chosen.segment, texts, segment_cpu)
    project = workdir / "imported.stance"
    workers = choose_workers(sum(f.stat().st_size for f in fixture_articles.glob("*.txt")))
    log(f"  import_paths into a new project ({workers} segmenting process(es))")
    counts = _timed_import(fixture_articles, project)
    import_s = counts.pop("seconds")
    after, _ = _time_segmenter(chosen.segment, texts, segment_cpu)
    segment_s = (before + after) / 2
    units = counts["codable_units"]
    rate = units / import_s
    ratio = segment_s / import_s
    # The same import in this process alone: what the import adds to segmenting.
    log("  import_paths again, segmenting in this process alone")
    serial = _timed_import(fixture_articles, workdir / "imported-serial.stance", workers=1)
    serial_s = serial["seconds"]
    if scale == "1m":
        target = (
            f"import <= {TARGET_1M_S:g} s and >= {TARGET_RATIO:g} x the chosen segmenter "
            "alone in one process"
        )
        met = import_s <= TARGET_1M_S and ratio >= TARGET_RATIO
    else:
        target = f">= {TARGET_RATE:,} and >= {TARGET_RATIO} x the chosen segmenter alone"
        met = rate >= TARGET_RATE and ratio >= TARGET_RATIO
    imported = Result(
        "import_sentences_per_s",
        "import + clean + segment + store of the articles",
        rate,
        "sentences/s",
        target,
        bool(met),
        rounded(
            {
                "sentences_per_s": rate,
                "ratio_to_segmenter": ratio,
                "import_s": import_s,
                "segmenter_alone_s": segment_s,
                "segmenter_alone_before_s": before,
                "segmenter_alone_after_s": after,
                "codable_sentences": units,
                "articles": counts["articles"],
                "segmenting_processes": workers,
                "one_process_import_s": serial_s,
                "one_process_ratio_to_segmenter": segment_s / serial_s,
                "segmenter_alone_cpu_s": sum(segment_cpu) / len(segment_cpu),
                "import_cpu_main_s": counts["cpu_main_s"],
                "import_cpu_workers_s": counts["cpu_workers_s"],
                "one_process_cpu_s": serial["cpu_main_s"],
            }
        ),
        summary=f"{rate:,.0f} sentences/s ({ratio:.2f} x the segmenter alone: "
        f"{import_s:.1f} s vs {segment_s:.1f} s; {workers} segmenting processes; "
        f"in one process {serial_s:.1f} s, {segment_s / serial_s:.2f} x; CPU s: import "
        f"{counts['cpu_main_s']:.1f} + workers {counts['cpu_workers_s']:.1f}, one process "
        f"{serial['cpu_main_s']:.1f}, segmenter {sum(segment_cpu) / len(segment_cpu):.1f})",
        details={
            "sentences": "codable sentences stored (clutter lines and headlines not counted)",
            "ratio": "time of the chosen segmenter alone on the same lines / time of the import "
            "(mean of a run before and a run after the import)",
            "segmenting_processes": "worker processes that segment the lines, as a user's "
            "import of these files chooses (desktop.core.corpus.parallel); 1: none",
            "one_process": "the same import with workers=1 (everything in this process), "
            "compared with the same segmenter time: what reading, cleaning and storing add",
            "cpu": "CPU seconds (user + system): the segmenter alone (mean of the two runs), "
            "the import's own process and its worker processes together, the import in one "
            "process",
        },
    )
    if not baselines:
        return [imported], project
    figures = {}
    versions = {}
    for name, segmenter in by_name.items():
        if name == CHOSEN:
            seconds, count = segment_s, found
        else:
            log(f"  {segmenter.name} alone")
            seconds, count = _time_segmenter(segmenter.segment, texts)
        figures[f"{name}_sentences_per_s"] = count / seconds
        figures[f"{name}_s"] = seconds
        figures[f"{name}_sentences"] = count
        versions[name] = f"{segmenter.name} {segmenter.version}"
    baselines = Result(
        "segmenter_baselines",
        "the same lines through each segmenter alone (one call per line)",
        figures[f"{CHOSEN}_sentences_per_s"],
        "sentences/s",
        "reported",
        None,
        rounded(figures),
        summary=" · ".join(f"{name} {figures[f'{name}_sentences_per_s']:,.0f}" for name in by_name),
        details={
            "paragraphs": len(texts),
            "chosen": versions[CHOSEN],
            "versions": versions,
            "skipped": skipped,
            "import_vs_segmenters": {
                name: round(figures[f"{name}_s"] / import_s, 3) for name in by_name
            },
        },
    )
    return [imported, baselines], project
