"""``make bench``: speed and memory at the scale of a real project, against the limits.

    python -m benchmarks          # 2,000 articles, ~100,000 sentences: results.json
    python -m benchmarks --quick  # 100 articles, ~5,000 sentences: results-quick.json
    python -m benchmarks --only key_to_next_ms cold_start_s

The synthetic project is built once and cached under ``benchmarks/.cache/`` (see
:mod:`benchmarks.synthetic`); each run works on copies in a temporary folder there. A
missed target is reported as missed, with its figure: the targets below are the issue's
and are never loosened here. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import Result, failed, machine, speed_gauge
from benchmarks.synthetic import (
    CACHE,
    FULL,
    QUICK,
    Scale,
    ensure_articles,
    ensure_fixture,
    working_copy,
)

HERE = Path(__file__).resolve().parent

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
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Run:
    """One benchmark run: the scale, the working folder, the results so far."""

    def __init__(self, scale: Scale, only: set[str] | None):
        self.scale = scale
        self.only = only
        self.results: dict[str, Result] = {}
        CACHE.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"run-{scale.name}-", dir=CACHE))

    def wanted(self, *keys: str) -> bool:
        return self.only is None or any(k in self.only for k in keys)

    def measure(self, keys: tuple[str, ...], function: Callable[[], Result | list[Result]]):
        """Run one measure; a failure is recorded as a missed target with its error."""
        if not self.wanted(*keys):
            return None
        _log(f"- {', '.join(keys)}")
        started = time.perf_counter()
        try:
            produced = function()
        except Exception as error:  # one broken measure must not hide the others
            traceback.print_exc()
            for key in keys:
                what, unit, target = KEYS[key]
                self.results[key] = failed(key, what, unit, target, error)
            return None
        for result in produced if isinstance(produced, list) else [produced]:
            self.results[result.key] = result
            _log(f"    {result.key}: {result.summary or result.value}")
        _log(f"    ({time.perf_counter() - started:.1f} s)")
        return produced

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def run(scale: Scale, only: set[str] | None = None) -> tuple[dict[str, Result], dict]:
    """Build or reuse the fixture, run every measure; the results and the fixture manifest."""
    from benchmarks.measures import agreement, corpus, coverage, export, planner, storage, window

    bench = Run(scale, only)
    try:
        articles = ensure_articles(scale, _log)
        imported: list[Path] = []

        def do_import() -> list[Result]:
            results, project = corpus.measure_import(articles, bench.workdir, log=_log)
            imported.append(project)
            return results

        bench.measure(("import_sentences_per_s", "segmenter_baselines"), do_import)
        fixture = ensure_fixture(scale, imported=imported[0] if imported else None, log=_log)
        copy = working_copy(fixture.project, bench.workdir, "coding.stance")
        bench.measure(("agreement_s",), lambda: agreement.measure_agreement(fixture.project))
        bench.measure(
            ("bootstrap_s",),
            lambda: agreement.measure_bootstrap(fixture.project, scale.bootstrap_resamples),
        )
        bench.measure(
            ("agreement_ci_coverage",),
            lambda: coverage.measure_coverage(400 if scale.name == "full" else 20),
        )
        bench.measure(("planner_s",), planner.measure_planner_speed)
        bench.measure(
            ("planner_enough_share",),
            lambda: planner.measure_enough_share(100 if scale.name == "full" else 6),
        )
        bench.measure(
            ("label_commit_ms",), lambda: storage.measure_label_commit(copy, scale.commits)
        )
        bench.measure(
            ("key_to_next_ms",),
            lambda: window.measure_key_to_next(copy, bench.workdir, scale.units_to_code),
        )
        bench.measure(
            ("key_burst_ms",),
            lambda: window.measure_key_burst(copy, bench.workdir, scale.units_to_code // 5),
        )
        bench.measure(
            ("cold_start_s", "open_rss_mb"),
            lambda: window.measure_cold_start(copy, bench.workdir, scale.cold_runs),
        )
        bench.measure(
            ("export_s",),
            lambda: export.measure_export(
                fixture.export_project, bench.workdir, fixture.manifest["export"]["rows"]
            ),
        )
        from benchmarks.measures import models  # issue 20

        bench.measure(
            ("model_train_s", "model_predict_units_per_s"),
            lambda: models.measure_training(bench.workdir, quick=scale.name == "quick"),
        )
        bench.measure(
            ("llm_overhead_ms",),
            lambda: models.measure_llm_overhead(bench.workdir, quick=scale.name == "quick"),
        )
    finally:
        bench.close()
    ordered = {k: bench.results[k] for k in KEYS if k in bench.results}
    return ordered, fixture.manifest


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
    parser.add_argument("--only", nargs="+", choices=list(KEYS), help="run only these measures")
    parser.add_argument("--out", type=Path, help="results file (default: beside this module)")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    out = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
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
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(markdown_table(results))
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
