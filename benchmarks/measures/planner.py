"""planner_s and planner_enough_share: the sample-size planner's speed and its promise.

planner_s
    :func:`desktop.core.agreement.planner.plan_dimension` (Krippendorff's rule and the
    bootstrap search for the target and the lower threshold) on three dimensions of
    2,000 pairable units each (two coders; nominal, ordinal and interval, alphas near
    the target so that the search runs in full). Median of :data:`REPEATS` runs.
planner_enough_share
    Does the planned size hold? Populations of independent sentences with a known alpha
    (about .84 and .87, target .80). Each replication codes a pilot of 100 units and
    asks the planner; when it answers "N more units needed" (or "enough"), the project
    codes those N more units and computes the report's interval over all of them (the
    engine's bootstrap, 1,000 resamples). The share of such projects whose lower bound
    clears the target must be at least .75 (the planner aims at .80); pilots whose alpha
    is at or below the target ("cannot") are counted apart.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.harness import Result

REPEATS = 5
TARGET = 0.8
PILOT = 100
ERRORS = (0.085, 0.07)  # guess rates: true alpha about .84 and .87


def _counts(rng: np.random.Generator, n: int, k: int, error: float) -> np.ndarray:
    """Two coders who copy the true category or, with rate ``error``, guess."""
    truth = rng.integers(0, k, n)
    codes = np.where(rng.random((2, n)) < error, rng.integers(0, k, (2, n)), truth)
    counts = np.zeros((n, k), dtype=np.int64)
    for row in codes:
        np.add.at(counts, (np.arange(n), row), 1)
    return counts


def measure_planner_speed() -> Result:
    from desktop.core.agreement.planner import plan_dimension

    rng = np.random.default_rng(2026)
    dimensions = [
        ("nominal", _counts(rng, 2000, 4, 0.09)),
        ("ordinal", _counts(rng, 2000, 3, 0.10)),
        ("interval", _counts(rng, 2000, 5, 0.07)),
    ]
    times, plans = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        plans = [
            plan_dimension(
                counts,
                level,
                np.arange(counts.shape[1], dtype=float),
                [f"c{i}" for i in range(counts.shape[1])],
                dimension=level,
                rng=np.random.default_rng(i),
            )
            for i, (level, counts) in enumerate(dimensions)
        ]
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    return Result(
        "planner_s",
        "sample-size planner, 3 dimensions x 2,000 pairable units",
        seconds,
        "s",
        "<= 2",
        bool(seconds <= 2.0),
        {"seconds": seconds, "best_s": min(times)},
        {
            "repeats": REPEATS,
            "plans": {
                p.dimension: {
                    "alpha": round(p.alpha, 3),
                    "needed_target": p.needed_target,
                    "needed_lower": p.needed_lower,
                    "status": p.status.value,
                }
                for p in plans
            },
        },
        summary=f"{seconds:.3f} s",
    )


def measure_enough_share(replications: int) -> Result:
    """The share for two populations, alpha about .84 and .87; judged on each."""
    results = [_enough_share(replications, error) for error in ERRORS]
    share = min(r.value for r in results)
    figures = {}
    for r in results:
        tag = f"alpha_{r.figures['true_alpha']:.2f}"
        figures.update({f"{tag}_{k}": v for k, v in r.figures.items()})
    return Result(
        "planner_enough_share",
        results[0].what,
        share,
        results[0].unit,
        ">= .75 for each population",
        bool(share >= 0.75),
        figures,
        {f"error_{e}": r.details for e, r in zip(ERRORS, results, strict=True)},
        summary="; ".join(r.summary for r in results),
    )


def _enough_share(replications: int, error: float) -> Result:
    from desktop.core.agreement.alpha import alpha_from_coincidences, coincidence_matrix
    from desktop.core.agreement.bootstrap import bootstrap_alpha
    from desktop.core.agreement.planner import PlanStatus, plan_dimension

    k = 4
    values = np.arange(k, dtype=float)
    names = [f"c{i}" for i in range(k)]
    rng = np.random.default_rng(21)
    big = _counts(rng, 400_000, k, error)
    truth = float(alpha_from_coincidences(coincidence_matrix(big), "nominal", values))
    cleared = planned = cannot = 0
    sizes = []
    for _ in range(replications):
        pilot = _counts(rng, PILOT, k, error)
        plan = plan_dimension(pilot, "nominal", values, names, dimension="d", rng=rng)
        if plan.status not in (PlanStatus.ENOUGH, PlanStatus.MORE):
            cannot += 1
            continue
        planned += 1
        sizes.append(plan.needed_target)
        # Code the units the planner asked for; the report's interval covers them all.
        more = _counts(rng, plan.more_needed, k, error)
        coded = np.vstack([pilot, more])
        interval = bootstrap_alpha(coded, "nominal", values, resamples=1000, rng=rng)
        cleared += bool(interval.low >= TARGET)
    share = cleared / planned if planned else float("nan")
    return Result(
        "planner_enough_share",
        "share of projects coded to the planner's size whose lower bound clears the target",
        share,
        "share of replications",
        ">= .75",
        bool(share >= 0.75),
        {
            "share": share,
            "true_alpha": truth,
            "median_planned_units": float(np.median(sizes)) if sizes else float("nan"),
        },
        {
            "replications": replications,
            "planned": planned,
            "pilot_said_cannot": cannot,
            "pilot_units": PILOT,
            "target": TARGET,
        },
        summary=(
            f"{share:.3f} of {planned} projects coded to the planned size cleared {TARGET} "
            f"(true alpha {truth:.3f}, median plan {np.median(sizes) if sizes else 0:.0f} "
            f"units, {cannot} pilots said it cannot)"
        ),
    )


if __name__ == "__main__":  # python -m benchmarks.measures.planner [replications]
    import sys

    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(measure_planner_speed().summary)
    result = measure_enough_share(reps)
    print(result.summary, result.details)
