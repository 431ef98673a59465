"""``make bench``: speed and memory at the scale of a real project, against the limits.

    python -m benchmarks          # 2,000 articles, ~100,000 sentences: results.json
    python -m benchmarks --quick  # 100 articles, ~5,000 sentences: results-quick.json
    python -m benchmarks --scale 1m   # 20,000 articles, ~1,000,000 sentences: results-1m.json
    python -m benchmarks --only key_to_next_ms cold_start_s

The synthetic project is built once and cached under ``benchmarks/.cache/`` (see
:mod:`benchmarks.synthetic`); each run works on copies in a temporary folder there. A
missed target is reported as missed, with its figure: the targets below are the issue's
and are never loosened here. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

from benchmarks.harness import Result, failed, machine, speed_gauge
from benchmarks.synthetic import (
    CACHE,
    FULL,
    QUICK,
    SCALES,
    Fixture,
    Scale,
    ensure_articles,
    ensure_fixture,
    working_copy,
)
from desktop.core.paths import DATA_DIR_ENV

HERE = Path(__file__).resolve().parent
RESULTS = {"quick": "results-quick.json", "full": "results.json", "1m": "results-1m.json"}
SKIPPED_WHY = "not asked for at this scale"

# key: (what, unit, target) for the table and for a measure that fails to run.
KEYS: dict[str, tuple[str, str, str]] = {
    "import_sentences_per_s": (
        "import + clean + segment + store of the articles",
        "sentences/s",
        ">= 5,000 and >= 1.0 x the chosen segmenter alone",
    ),
    "segmenter_baselines": (
        "the same text through each segmenter alone",
        "sentences/s",
        "reported",
    ),
    "label_commit_ms": ("one label durably committed (store.set_label)", "ms (p99)", "p99 <= 2"),
    "key_to_next_ms": (
        "category key to the next sentence drawn, real window (offscreen)",
        "ms (p99)",
        "p99 <= 16 (one frame)",
    ),
    "key_burst_ms": (
        "typing ahead at 25 keys/s: key to its label committed and drawn",
        "ms (p99)",
        "p99 <= the pause (160) + 16",
    ),
    "cold_start_s": ("process start to the first sentence ready to code", "s (median)", "<= 1.5"),
    "open_rss_mb": ("peak resident memory of the window, project open", "MB", "<= 400"),
    "agreement_s": (
        "every coefficient, 3 dimensions, no bootstrap, from the file",
        "s",
        "<= 2 x (labels read + bare krippendorff.alpha)",
    ),
    "bootstrap_s": ("1,000-resample alpha bootstrap, one dimension", "s", "<= 2"),
    "agreement_ci_coverage": (
        "coverage of the 95% bootstrap interval of alpha, by simulation",
        "share of intervals holding the true alpha",
        ">= .95 - 3 binomial SE (.917 at 400 replications) at 100 units and 30 articles",
    ),
    "planner_s": ("sample-size planner, 3 dimensions x 2,000 pairable units", "s", "<= 2"),
    "planner_enough_share": (
        "share of projects coded to the planner's size whose lower bound clears the target",
        "share of replications",
        ">= .75 for each population",
    ),
    "export_s": (
        "long layout to CSV and to Parquet",
        "s (slowest format)",
        "<= 5 s each, peak RSS <= 300 MB",
    ),
    # issue 20: models as coders (benchmarks/measures/models.py)
    "model_train_s": ("train on 10,000 units x 3 dimensions with grouped CV", "s", "<= 30"),
    "model_predict_units_per_s": ("text to probabilities, 3 dimensions", "units/s", ">= 20,000"),
    "llm_overhead_ms": ("LLM client's own time per unit, local server", "ms/unit", "<= 2"),
    "backup_bytes": ("5 backups, 200 labels between each", "bytes", "<= 2 x the file, 2 x copy"),
    # issue 24: full-text search (benchmarks/measures/search.py)
    "search_ms": ("typing a search, key to results drawn", "ms (p99)", "p99 <= 50 per key"),
    # issue 24: typing while a large project's list and counts load (measures/window.py)
    "key_while_loading_ms": (
        "key to the next sentence drawn while the list and counts load",
        "ms (p99)",
        "p99 <= 16 (one frame, as after loading)",
    ),
    # issue 24: the project file's size (benchmarks/measures/filesize.py)
    "file_bytes_per_label": ("project file size / labels", "bytes/label", "<= 150"),
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Run:
    """One benchmark run: the scale, the working folder, the fixture, the results so far.

    The measures receive it as their context: ``scale``, ``workdir`` (a temporary folder,
    removed at the end), ``articles`` (the fixture's folder of .txt files), ``fixture``
    (the cached project, built on first use) and ``copy`` (a working copy of its project
    for the measures that write, made on first use).
    """

    def __init__(self, scale: Scale, only: set[str] | None):
        self.scale = scale
        self.only = only
        self.results: dict[str, Result] = {}
        self.imported: Path | None = None  # the import measure's project, for the fixture
        CACHE.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"run-{scale.name}-", dir=CACHE))
        self._fixture: Fixture | None = None
        self._copy: Path | None = None
        # The app's data folder (backups on opening, logs) of every process of the run,
        # children included: inside the run's folder, never the user's.
        self._data_dir = os.environ.get(DATA_DIR_ENV)
        os.environ[DATA_DIR_ENV] = str(self.workdir / "data")

    @property
    def articles(self) -> Path:
        return ensure_articles(self.scale, _log)

    @property
    def fixture(self) -> Fixture:
        if self._fixture is None:
            self._fixture = ensure_fixture(self.scale, imported=self.imported, log=_log)
        return self._fixture

    @property
    def copy(self) -> Path:
        if self._copy is None:
            self._copy = working_copy(self.fixture.project, self.workdir, "coding.stance")
        return self._copy

    def wanted(self, *keys: str) -> bool:
        return self.only is None or any(k in self.only for k in keys)

    def measure(self, keys: tuple[str, ...], function: Callable[[], Result | list[Result]]):
        """Run one measure; a failure is recorded as a missed target with its error."""
        if not self.wanted(*keys):
            return None
        _log(f"- {', '.join(keys)}")
        # What the measures before wrote (a 1M import writes gigabytes) is written out
        # before this one starts, not while it runs: pending writeback taxed the next
        # measure (agreement at 1M: 5.2 s right after 1.5 GB written, 4.3 s after sync).
        if hasattr(os, "sync"):
            os.sync()
        started = time.perf_counter()
        try:
            produced = function()
        except Exception as error:  # one broken measure must not hide the others
            traceback.print_exc()
            for key in keys:
                what, unit, target = KEYS.get(key, (key, "", ""))
                self.results[key] = failed(key, what, unit, target, error)
            return None
        for result in produced if isinstance(produced, list) else [produced]:
            self.results[result.key] = result
            _log(f"    {result.key}: {result.summary or result.value}")
        _log(f"    ({time.perf_counter() - started:.1f} s)")
        return produced

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self._data_dir is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = self._data_dir


# -- which measures run at which scale ---------------------------------------------------
#
# One line per measure: its keys, the scales it runs at, and what to call with the Run
# (a function, or "module:function" of benchmarks.measures, imported when it runs). A
# measure that applies to a scale is registered for it; a key that no measure of the
# scale produces is reported as skipped at that scale. A KEYS entry is optional (the
# row's text when the measure fails).

EVERY = ("quick", "full", "1m")
SMALL = ("quick", "full")  # what issue 24 does not ask for at 1M


@dataclass(frozen=True)
class Measure:
    keys: tuple[str, ...]
    scales: tuple[str, ...]
    call: Callable[[Run], Result | list[Result]] | str

    def __call__(self, run: Run) -> Result | list[Result]:
        if callable(self.call):
            return self.call(run)
        module, function = self.call.split(":")
        return getattr(import_module(f"benchmarks.measures.{module}"), function)(run)


def _measures(name: str):
    return import_module(f"benchmarks.measures.{name}")


def _import(run: Run) -> list[Result]:
    results, run.imported = _measures("corpus").measure_import(
        run.articles,
        run.workdir,
        log=_log,
        baselines=run.scale.name != "1m",  # the other segmenters take many minutes at 1M
        scale=run.scale.name,
    )
    return results


def _agreement(run: Run) -> Result:
    return _measures("agreement").measure_agreement(run.fixture.project, run.scale.name)


def _bootstrap(run: Run) -> Result:
    project, resamples = run.fixture.project, run.scale.bootstrap_resamples
    return _measures("agreement").measure_bootstrap(project, resamples)


def _coverage(run: Run) -> Result:
    return _measures("coverage").measure_coverage(400 if run.scale.name == "full" else 20)


def _planner_speed(run: Run) -> Result:
    return _measures("planner").measure_planner_speed()


def _planner_share(run: Run) -> Result:
    return _measures("planner").measure_enough_share(100 if run.scale.name == "full" else 6)


def _commit(run: Run) -> Result:
    return _measures("storage").measure_label_commit(run.copy, run.scale.commits)


def _keys(run: Run) -> Result:
    window = _measures("window")
    target = window.TARGET_KEY_100K_MS if run.scale.name == "full" else window.TARGET_FRAME_MS
    return window.measure_key_to_next(run.copy, run.workdir, run.scale.units_to_code, target)


def _burst(run: Run) -> Result:
    units = run.scale.units_to_code // 5
    return _measures("window").measure_key_burst(run.copy, run.workdir, units)


def _cold(run: Run) -> list[Result]:
    return _measures("window").measure_cold_start(run.copy, run.workdir, run.scale.cold_runs)


def _loading(run: Run) -> Result:  # issue 24
    small = run.scale.name != "1m"  # below 1M the list is read late only if made to
    return _measures("window").measure_key_while_loading(
        run.copy, run.workdir, 3, 40, background=small
    )


def _export(run: Run) -> Result:
    fixture = run.fixture
    return _measures("export").measure_export(
        fixture.export_project,
        run.workdir,
        fixture.manifest["export"]["rows"],
        coders=fixture.manifest["export"].get("coders"),
        scale=run.scale.name,
    )


def _models(run: Run) -> list[Result]:  # issue 20
    return _measures("models").measure_training(run.workdir, quick=run.scale.name == "quick")


def _llm(run: Run) -> Result:
    return _measures("models").measure_llm_overhead(run.workdir, quick=run.scale.name == "quick")


def _search(run: Run) -> Result:  # issue 24
    copy = run.fixture.project
    return _measures("search").measure_search(
        working_copy(copy, run.workdir, "search.stance"), run.workdir
    )


def _backups(run: Run) -> Result:  # issue 24
    return _measures("backups").measure_backups(run.copy, run.workdir)


def _filesize(run: Run) -> Result:  # issue 24
    return _measures("filesize").measure_file_size(run.fixture.project)


# In the order they run. A new measure: `def measure_x(run) -> Result | list[Result]` in
# benchmarks/measures/x.py and one line here, e.g.
# Measure(("x_s",), ("full", "1m"), "x:measure_x"),
MEASURES: tuple[Measure, ...] = (
    Measure(("import_sentences_per_s", "segmenter_baselines"), SMALL, _import),
    Measure(("import_sentences_per_s",), ("1m",), _import),
    Measure(("agreement_s",), EVERY, _agreement),
    Measure(("bootstrap_s",), SMALL, _bootstrap),
    Measure(("agreement_ci_coverage",), SMALL, _coverage),
    Measure(("planner_s",), SMALL, _planner_speed),
    Measure(("planner_enough_share",), SMALL, _planner_share),
    Measure(("label_commit_ms",), EVERY, _commit),
    Measure(("key_to_next_ms",), EVERY, _keys),
    Measure(("key_burst_ms",), EVERY, _burst),
    Measure(("cold_start_s", "open_rss_mb"), EVERY, _cold),
    Measure(("key_while_loading_ms",), EVERY, _loading),
    Measure(("export_s",), EVERY, _export),
    Measure(("model_train_s", "model_predict_units_per_s"), SMALL, _models),
    Measure(("llm_overhead_ms",), SMALL, _llm),
    Measure(("search_ms",), EVERY, _search),
    Measure(("backup_bytes",), SMALL, _backups),
    Measure(("file_bytes_per_label",), EVERY, _filesize),
)


def all_keys() -> list[str]:
    """Every key: those of KEYS, then those only a registered measure names."""
    return [*KEYS, *(k for m in MEASURES for k in m.keys if k not in KEYS)]


def skipped_at(scale: Scale) -> list[str]:
    """The keys no measure registered for ``scale`` produces."""
    produced = {k for m in MEASURES if scale.name in m.scales for k in m.keys}
    return [k for k in all_keys() if k not in produced]


def run(scale: Scale, only: set[str] | None = None) -> tuple[dict[str, Result], dict]:
    """Build or reuse the fixture, run the scale's measures; the results and the manifest."""
    bench = Run(scale, only)
    try:
        for measure in MEASURES:
            if scale.name in measure.scales:
                bench.measure(measure.keys, lambda m=measure: m(bench))
        manifest = bench.fixture.manifest
    finally:
        bench.close()
    ordered = {k: bench.results[k] for k in KEYS if k in bench.results}
    ordered.update({k: r for k, r in bench.results.items() if k not in KEYS})
    return ordered, manifest


def _met(result: Result) -> str:
    return {True: "yes", False: "**MISSED**", None: "—"}[result.met]


def markdown_table(results: dict[str, Result]) -> str:
    """The readable table: key | figure | target | met."""
    lines = ["| key | figure | target | met |", "|---|---|---|---|"]
    for key, result in results.items():
        if result.value is None:
            figure = result.details.get("status") or f"error: {result.details.get('error', '?')}"
        else:
            figure = result.summary or f"{result.value:,.3g} {result.unit}"
        lines.append(f"| {key} | {figure} | {result.target} | {_met(result)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="a 5,000-sentence project (under a minute)"
    )
    parser.add_argument(
        "--scale",
        choices=list(SCALES),
        help="quick, full (the default) or 1m: 20,000 articles, ~1,000,000 sentences "
        "(issue 24; hours the first time, results-1m.json)",
    )
    parser.add_argument("--only", nargs="+", choices=all_keys(), help="run only these measures")
    parser.add_argument("--out", type=Path, help="results file (default: beside this module)")
    args = parser.parse_args(argv)
    if args.quick and args.scale not in (None, QUICK.name):
        parser.error("--quick is --scale quick")
    scale = QUICK if args.quick else SCALES[args.scale or FULL.name]
    out = args.out or HERE / RESULTS[scale.name]
    started = time.perf_counter()
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = machine()
    _log(f"benchmarks, {scale.name} scale, on {info['cpus']} CPUs ({info['cpu_model']})")
    gauge_start = speed_gauge()
    results, manifest = run(scale, set(args.only) if args.only else None)
    info["speed_gauge_s"] = {
        "start": round(gauge_start, 3),
        "end": round(speed_gauge(), 3),
        "what": "best of 5 of a fixed piece of plain Python work (benchmarks.harness."
        "speed_gauge): how fast this shared machine was during the run; lower is faster",
    }
    document = {
        "mode": scale.name,
        "when": when,
        "duration_s": round(time.perf_counter() - started, 1),
        "machine": info,
        "fixture": manifest,
        "results": {key: result.as_json() for key, result in results.items()},
        "skipped": {key: SKIPPED_WHY for key in skipped_at(scale)},
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(markdown_table(results))
    if document["skipped"]:
        print(
            f"\nskipped at the {scale.name} scale ({SKIPPED_WHY}): {', '.join(document['skipped'])}"
        )
    missed = [k for k, r in results.items() if r.met is False]
    gauge = info["speed_gauge_s"]
    print(
        f"\nspeed gauge {gauge['start']:.3f} s at the start, {gauge['end']:.3f} s at the end"
        f"\n{scale.name} run in {document['duration_s']} s; results in {out}"
        + (f"; missed: {', '.join(missed)}" if missed else "; every target met")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
