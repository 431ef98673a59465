"""agreement_s and bootstrap_s, on the labels of the 100k project file.

agreement_s
    ``store.labels_frame`` (all labels, read from the file) and then
    ``compute_agreement(labels, scheme, bootstrap=0, drift=True)``: every coefficient of
    every dimension (alpha at the level and nominal, percent agreement, Fleiss, AC1,
    Cohen's kappa of every pair, coincidences, per-category alpha, the leave-one-coder-out
    diagnostics and the drift by week and by batch). The baseline is reading the same
    labels plus bare ``krippendorff.alpha`` on the same coders x units matrices (one per
    dimension, at its level; building the matrices is not counted in the baseline). Both
    are timed :data:`REPEATS` times, alternately, and the medians compared.
bootstrap_s
    ``bootstrap_alpha`` (what ``compute_agreement`` calls) with 1,000 resamples on the
    nominal dimension, whose every unit is pairable (about 100,000 units); the whole
    dimension with its interval (``dimension_agreement`` with and without the bootstrap)
    is reported beside it.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
import zlib
from pathlib import Path

import numpy as np

from benchmarks.harness import Result, rounded

TARGET_RATIO = 2.0
TARGET_BOOTSTRAP_S = 2.0
REPEATS = 3
REPEATS_1M = 1  # one alternation: at 1M each side takes tens of seconds
# Issue 24, at 1M sentences with 12M labels: at most 5 s, and at most 2 x a C-speed read
# of the same rows (the sqlite3 command-line program) plus bare alpha.
TARGET_1M_S = 5.0
TARGET_1M_RATIO_C = 2.0
# The rows store.labels_frame reads (its query, as of main in December; keep in step).
C_READ_SQL = (
    "SELECT l.unit_id, l.coder_id AS coder, l.dimension, l.value, l.changed_at, l.seconds "
    "FROM labels l JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
    "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq, l.coder_id, l.dimension"
)


def _matrices(labels, scheme) -> list[tuple[np.ndarray, str, list]]:
    """Coders x units matrices of values for krippendorff.alpha, one per dimension."""
    out = []
    for dimension in scheme.dimensions:
        rows = labels[labels["dimension"] == dimension.id]
        if dimension.level == "nominal":
            values = {c.code: float(i) for i, c in enumerate(dimension.categories)}
        else:
            values = {
                c.code: (np.nan if c.not_applicable else float(c.value))
                for c in dimension.categories
            }
        numbers = rows.assign(number=rows["value"].map(values))
        table = numbers.pivot(index="coder", columns="unit_id", values="number")
        matrix = table.to_numpy(dtype=float)
        domain = sorted({v for v in values.values() if not np.isnan(v)})
        out.append((matrix, dimension.level, domain))
    return out


def c_speed_read_s(project: Path) -> float | None:
    """Seconds the sqlite3 command-line program takes to read the rows ``labels_frame``
    reads (as CSV, to /dev/null); None when the program is not installed."""
    program = shutil.which("sqlite3")
    if program is None:
        return None
    start = time.perf_counter()
    subprocess.run(
        [program, "-readonly", "-csv", str(project), C_READ_SQL],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def measure_agreement(project: Path, scale: str = "full") -> Result:
    import krippendorff

    from desktop.core import store
    from desktop.core.agreement import compute_agreement

    db = store.open_project(project, readonly=True)
    try:
        scheme = store.current_scheme(db)
        labels = store.labels_frame(db)
        matrices = _matrices(labels, scheme)
        app_read, app_compute, base_read, base_alpha = [], [], [], []
        repeats = REPEATS_1M if scale == "1m" else REPEATS
        for _ in range(repeats):
            start = time.perf_counter()
            frame = store.labels_frame(db)
            read = time.perf_counter()
            report = compute_agreement(frame, scheme, bootstrap=0, drift=True)
            done = time.perf_counter()
            app_read.append(read - start)
            app_compute.append(done - read)
            del frame
            start = time.perf_counter()
            frame = store.labels_frame(db)
            read = time.perf_counter()
            alphas = [
                krippendorff.alpha(
                    reliability_data=m, level_of_measurement=level, value_domain=domain
                )
                for m, level, domain in matrices
            ]
            done = time.perf_counter()
            base_read.append(read - start)
            base_alpha.append(done - read)
            del frame
    finally:
        db.close()
    app = statistics.median(a + b for a, b in zip(app_read, app_compute, strict=True))
    base = statistics.median(a + b for a, b in zip(base_read, base_alpha, strict=True))
    ratio = app / base
    same = all(abs(d.alpha - a) < 1e-9 for d, a in zip(report.dimensions, alphas, strict=True))
    c_read = c_speed_read_s(project)
    c_base = None if c_read is None else c_read + statistics.median(base_alpha)
    c_ratio = None if c_base is None else app / c_base
    if scale == "1m":
        target = (
            f"<= {TARGET_1M_S:g} s and <= {TARGET_1M_RATIO_C:g} x (C-speed read of the "
            "labels + bare krippendorff.alpha)"
        )
        met = app <= TARGET_1M_S and c_ratio is not None and c_ratio <= TARGET_1M_RATIO_C
        summary = f"{app:.2f} s; vs C-speed read + alpha {c_base or float('nan'):.2f} s " + (
            f"({c_ratio:.2f} x); vs Python read + alpha {base:.2f} s ({ratio:.2f} x)"
            if c_ratio is not None
            else "(no sqlite3 program)"
        )
    else:
        target = f"<= {TARGET_RATIO:g} x (labels read + bare krippendorff.alpha)"
        met = ratio <= TARGET_RATIO
        summary = f"{app:.2f} s vs baseline {base:.2f} s ({ratio:.2f} x)"
    return Result(
        "agreement_s",
        "every coefficient, 3 dimensions, no bootstrap, read from the project file",
        app,
        "s",
        target,
        bool(met),
        rounded(
            {
                "seconds": app,
                "baseline_s": base,
                "ratio_to_baseline": ratio,
                "read_s": statistics.median(app_read),
                "compute_s": statistics.median(app_compute),
                "baseline_read_s": statistics.median(base_read),
                "baseline_alpha_s": statistics.median(base_alpha),
                "labels": len(labels),
            }
            | (
                {}
                if c_read is None
                else {
                    "c_speed_read_s": c_read,
                    "c_speed_baseline_s": c_base,
                    "ratio_to_c_speed_baseline": c_ratio,
                }
            )
        ),
        summary=summary,
        details={
            "repeats": repeats,
            "c_speed_read": "the sqlite3 command-line program reading the same rows as CSV "
            "to /dev/null (C_READ_SQL), once, after the timed runs",
            "drift": True,
            "alphas": {d.id: round(d.alpha, 4) for d in report.dimensions},
            "alphas_equal_krippendorff": same,
        },
    )


def measure_bootstrap(project: Path, resamples: int) -> Result:
    from desktop.core import store
    from desktop.core.agreement.alpha import value_counts
    from desktop.core.agreement.bootstrap import bootstrap_alpha
    from desktop.core.agreement.compute import DEFAULT_SEED, dimension_agreement
    from desktop.core.agreement.labels import prepare_labels

    db = store.open_project(project, readonly=True)
    try:
        scheme = store.current_scheme(db)
        dimension = next(d for d in scheme.dimensions if d.level == "nominal")
        labels = store.labels_frame(db, dimensions=[dimension.id])
    finally:
        db.close()
    prepared = prepare_labels(labels, scheme, times=False).dimensions[dimension.id]
    # At the nominal level every category counts, in the scheme's order.
    k = len(dimension.codes)
    counts = value_counts(prepared.codes, k)
    values = np.arange(k, dtype=float)
    runs = []
    for _ in range(REPEATS):
        rng = np.random.default_rng([DEFAULT_SEED, zlib.crc32(dimension.id.encode())])
        start = time.perf_counter()
        result = bootstrap_alpha(counts, dimension.level, values, resamples=resamples, rng=rng)
        runs.append(time.perf_counter() - start)
    seconds = statistics.median(runs)
    start = time.perf_counter()
    dimension_agreement(prepared, bootstrap=resamples, seed=DEFAULT_SEED, drift=False)
    with_ci = time.perf_counter() - start
    start = time.perf_counter()
    dimension_agreement(prepared, bootstrap=0, seed=DEFAULT_SEED, drift=False)
    without = time.perf_counter() - start
    pairable = int((counts.sum(axis=1) >= 2).sum())
    return Result(
        "bootstrap_s",
        "1,000-resample alpha bootstrap, one dimension",
        seconds,
        "s",
        f"<= {TARGET_BOOTSTRAP_S:g}",
        bool(seconds <= TARGET_BOOTSTRAP_S),
        rounded(
            {
                "seconds": seconds,
                "dimension_with_bootstrap_s": with_ci,
                "dimension_without_bootstrap_s": without,
                "units": pairable,
                "resamples": resamples,
            }
        ),
        summary=f"{seconds:.3f} s ({pairable:,} units)",
        details={
            "dimension": f"{dimension.id} ({dimension.level})",
            "ci95": [round(result.low, 4), round(result.high, 4)],
            "repeats": REPEATS,
        },
    )
