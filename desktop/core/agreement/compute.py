"""Compute every agreement figure of every dimension of a scheme.

Scope, per dimension: the coders with at least one label on it, and the units coded by
two or more of them. At the ordinal, interval and ratio levels the categories marked
``not_applicable`` are missing values for alpha (a category's ``value`` places it on the
scale); ``alpha_nominal_all`` is the nominal alpha over all categories beside it.
Percent agreement, Fleiss' kappa, Gwet's AC1, the coincidence matrix, the per-category
alphas and the majority agreement are nominal and count every category. Cohen's kappa of
a pair is unweighted on nominal dimensions and linearly weighted (by rank on ordinal,
by value on interval and ratio dimensions) over applicable categories on the others.

Gwet's AC1 follows Gwet (2014) and irrCAC's ``gwet.ac1.raw``: percent agreement over the
units with two or more values, category shares pi_k over every unit with at least one.

The bootstrap resamples articles (clusters of units) when the caller says which article
each unit belongs to, and units otherwise; see :mod:`desktop.core.agreement.bootstrap`.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from desktop.core.agreement.alpha import (
    UnitCoincidences,
    alpha_from_coincidences,
    alpha_of_codes,
    coincidence_matrix,
    coincidence_reason,
    row_sums,
    rows_where,
    value_counts,
)
from desktop.core.agreement.bootstrap import (
    CLUSTER_METHOD,
    CLUSTER_METHOD_DESCRIPTION,
    METHOD,
    METHOD_DESCRIPTION,
    bootstrap_alpha,
    missing_bootstrap,
)
from desktop.core.agreement.coefficients import (
    NAN,
    Estimate,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    linear_weights,
    majority_agreement,
    pair_table,
    percent_agreement,
)
from desktop.core.agreement.labels import (
    NO_TIME,
    THREAD_LABELS,
    THREADS,
    DimensionLabels,
    prepare_labels,
)
from desktop.core.agreement.patterns import unit_patterns
from desktop.core.agreement.results import (
    AgreementReport,
    BootstrapSettings,
    CategoryAgreement,
    CoderDiagnostics,
    Coincidences,
    DimensionAgreement,
    Drift,
    DriftPoint,
    PairAgreement,
)
from desktop.core.scheme import Dimension, Scheme
from desktop.core.wording import counted, plural

DEFAULT_SEED = 20261122
DEFAULT_RESAMPLES = 1000
BATCH_SIZE = 100
RESAMPLE_CHOICES = ("auto", METHOD, CLUSTER_METHOD)
# Below these the percentile interval is too narrow: its coverage, measured by
# benchmarks/measures/coverage.py, falls short of the nominal 95%.
MIN_PAIRABLE_UNITS = 100
MIN_ARTICLES = 30
_DAY_NS = 86_400 * 1_000_000_000


def compute_agreement(
    labels: pd.DataFrame,
    scheme: Scheme,
    *,
    coders: Sequence[str] | None = None,
    bootstrap: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    drift: bool = True,
    articles: Mapping[str, str] | None = None,
    resample: str = "auto",
) -> AgreementReport:
    """Inter-coder agreement on every dimension of ``scheme``.

    Parameters
    ----------
    labels : DataFrame
        Long labels: ``unit_id``, ``coder``, ``dimension``, ``value`` (category code)
        and ``changed_at`` (ISO-8601 UTC text; needed only for the drift). Filter units,
        articles or dates beforehand (see :func:`filter_labels`).
    scheme : Scheme
    coders : sequence of str, optional
        Compare only these coders (default: every coder in ``labels``).
    bootstrap : int
        Bootstrap resamples for the confidence interval of alpha; 0 for none.
    seed : int
        Seed of the bootstrap; each dimension draws from ``(seed, crc32(dimension id))``
        so that its interval does not depend on the other dimensions.
    drift : bool
        Compute alpha per ISO week, per calendar month (UTC) and per batch of 100 units in
        order of coding time.
    articles : mapping of str to str, optional
        The article of each unit id; needed to resample articles.
    resample : {"auto", "units", "articles"}
        What the bootstrap resamples; ``"auto"`` resamples articles when ``articles`` is
        given (the units come from a sample of articles) and units otherwise.

    Returns
    -------
    AgreementReport

    Raises
    ------
    ValueError
        If ``resample`` is unknown, or is ``"articles"`` without ``articles``.
    """
    if resample not in RESAMPLE_CHOICES:
        raise ValueError(f"resample must be one of {', '.join(RESAMPLE_CHOICES)}, not {resample!r}")
    if resample == "auto":
        resample = METHOD if articles is None else CLUSTER_METHOD
    if resample == CLUSTER_METHOD and articles is None:
        raise ValueError("resampling articles needs the article of each unit")
    prepared = prepare_labels(labels, scheme, coders=coders, times=drift)
    notes = list(prepared.notes)
    if drift and not prepared.has_times:
        notes.append("the labels have no changed_at column, so there is no drift over time")

    def one(d: Dimension) -> DimensionAgreement:
        return dimension_agreement(
            prepared.dimensions[d.id],
            bootstrap=bootstrap,
            seed=seed,
            drift=drift and prepared.has_times,
            clusters=(
                _article_index(prepared.dimensions[d.id].unit_ids, articles)
                if resample == CLUSTER_METHOD
                else None
            ),
        )

    dimensions = _each(one, scheme.dimensions, threads=len(labels) >= THREAD_LABELS)
    description = CLUSTER_METHOD_DESCRIPTION if resample == CLUSTER_METHOD else METHOD_DESCRIPTION
    return AgreementReport(
        scheme_id=scheme.id,
        scheme_title=scheme.title,
        scheme_version=scheme.version,
        coders=prepared.coders,
        bootstrap=BootstrapSettings(
            resamples=max(0, int(bootstrap)),
            seed=int(seed),
            method=resample,
            description=description,
        ),
        dimensions=dimensions,
        notes=notes,
    )


def _each(function, dimensions: Sequence[Dimension], *, threads: bool) -> list:
    """``[function(d) for d in dimensions]``, on :data:`THREADS` threads if ``threads``
    (numpy's work on large arrays runs without the GIL; each dimension draws from its own
    seed, so the results do not depend on it)."""
    if not threads or THREADS < 2 or len(dimensions) < 2:
        return [function(d) for d in dimensions]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(THREADS, len(dimensions))) as pool:
        return list(pool.map(function, dimensions))


class _Level:
    """A dimension's categories as seen by alpha at its level of measurement."""

    def __init__(self, dimension: Dimension):
        categories = dimension.categories
        k = len(categories)
        if dimension.level == "nominal":
            order = list(range(k))
            self.values = np.arange(k, dtype=float)
        else:
            usable = [
                i for i, c in enumerate(categories) if not c.not_applicable and c.value is not None
            ]
            order = sorted(usable, key=lambda i: categories[i].value)
            self.values = np.array([categories[i].value for i in order], dtype=float)
        # Index k stands for -1 (missing), which therefore stays -1.
        self.remap = np.full(k + 1, -1, dtype=np.int16)
        self.remap[order] = np.arange(len(order))
        self.order = order
        self.names = tuple(categories[i].code for i in order)
        self.missing = tuple(c.code for i, c in enumerate(categories) if i not in order)
        self.level = dimension.level

    def codes(self, all_codes: np.ndarray) -> np.ndarray:
        return self.remap[all_codes]

    def counts(self, all_counts: np.ndarray) -> np.ndarray:
        """The value counts of :meth:`codes` from those of all categories: their columns
        in this level's order (the nominal level's are all of them, as they are)."""
        if self.order == list(range(all_counts.shape[1])):
            return all_counts
        return np.ascontiguousarray(all_counts[:, self.order])

    def weights(self) -> np.ndarray:
        positions = np.arange(len(self.names)) if self.level == "ordinal" else self.values
        return linear_weights(positions)


def level_counts(data: DimensionLabels) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Value counts of a dimension at its level, with the categories' values and codes.

    At the ordinal, interval and ratio levels the not-applicable categories are left out
    (missing), as for alpha.

    Returns
    -------
    counts : ndarray of int64, shape (N, K)
    values : ndarray, shape (K,)
    names : tuple of str, length K
    """
    level = _Level(data.dimension)
    counts = level.counts(value_counts(data.codes, len(data.dimension.codes)))
    return counts, level.values, level.names


def _main_reason(
    data: DimensionLabels, level: _Level, units: int, counts_level: np.ndarray, reason: str
) -> str:
    """Turn a generic reason into one a researcher can act on."""
    if not data.coders:
        return "no coder coded this dimension"
    if len(data.coders) == 1:
        return f"only one coder ({data.coders[0]}) coded this dimension"
    if units == 0:
        return "no unit was coded by two or more coders"
    if level.missing and level.level != "nominal":
        missing = ", ".join(f"'{c}'" for c in level.missing)
        if counts_level.sum() == 0:
            return (
                f"all values are {missing} (not applicable), which is missing at the "
                f"{level.level} level"
            )
        if not (row_sums(counts_level) >= 2).any():
            return (
                f"no unit has two or more applicable values ({missing} is missing at the "
                f"{level.level} level)"
            )
    return reason


def _with_one_removed(codes: np.ndarray, counts: np.ndarray, row: int) -> np.ndarray:
    """Value counts (integers or floats) without the coder in ``row``."""
    own = codes[row]
    coded = np.flatnonzero(own >= 0)
    out = counts.copy()
    out[coded, own[coded]] -= 1
    return out


def _article_index(unit_ids: np.ndarray, articles: Mapping[str, str]) -> np.ndarray:
    """Article number of each unit; a unit of unknown article is an article of its own."""
    keys = [articles.get(u, f"\x00unit:{u}") for u in unit_ids.tolist()]
    return pd.factorize(pd.Series(keys, dtype=object))[0] if keys else np.zeros(0, np.int64)


def interval_warning(units: int, method: str, clusters: int) -> str:
    """Why the interval of alpha may be too narrow, or "" (see :data:`MIN_PAIRABLE_UNITS`).

    Parameters
    ----------
    units : int
        Pairable units alpha rests on.
    method : {"units", "articles"}
        What the bootstrap resampled.
    clusters : int
        Articles resampled (``method == "articles"``).
    """
    warnings = []
    if 0 < units < MIN_PAIRABLE_UNITS:
        warnings.append(
            f"only {units:,} pairable units: below {MIN_PAIRABLE_UNITS} the bootstrap "
            "interval is too narrow (its 95% intervals hold the true alpha less often than "
            "95% of the time in simulation), so take it as a rough guide"
        )
    if method == CLUSTER_METHOD and 0 < clusters < MIN_ARTICLES:
        warnings.append(
            f"the pairable units come from only {clusters:,} article"
            f"{'s' if clusters != 1 else ''}: with fewer than {MIN_ARTICLES} articles the "
            "interval from resampling articles is too narrow in simulation"
        )
    return "; ".join(warnings)


def dimension_agreement(
    data: DimensionLabels,
    *,
    bootstrap: int,
    seed: int,
    drift: bool,
    clusters: np.ndarray | None = None,
) -> DimensionAgreement:
    """Every agreement figure of one dimension (see the module docstring for the scope).

    Parameters
    ----------
    data : DimensionLabels
        The dimension's coders x units matrix (see :func:`prepare_labels`).
    bootstrap : int
        Resamples for the confidence interval; 0 for none.
    seed : int
    drift : bool
        Compute alpha per week and per batch of units.
    clusters : ndarray of int, shape (N,), optional
        Article of each unit (column of ``data.codes``): resample articles, not units.
    """
    dimension = data.dimension
    names = dimension.codes
    k = len(names)
    level = _Level(dimension)
    codes_all = data.codes
    codes_level = level.codes(codes_all)
    counts_all = value_counts(codes_all, k)
    counts_level = level.counts(counts_all)
    multi = row_sums(counts_all) >= 2
    units = int(multi.sum())

    # The coincidences shown are the nominal ones: at another level only alpha is needed.
    main = alpha_of_codes(
        codes_level,
        dimension.level,
        level.values,
        level.names,
        counts_level,
        coincidences=dimension.level == "nominal",
    )
    alpha_reason = (
        _main_reason(data, level, units, counts_level, main.reason) if main.reason else ""
    )
    if dimension.level == "nominal":
        nominal = main
    else:
        nominal = alpha_of_codes(codes_all, "nominal", np.arange(k, dtype=float), names, counts_all)
    nominal_reason = (
        _main_reason(data, level, units, counts_all, nominal.reason) if nominal.reason else ""
    )

    if np.isnan(main.alpha):
        boot = missing_bootstrap(f"alpha is undefined: {alpha_reason}", max(0, bootstrap))
    else:
        rng = np.random.default_rng([seed, zlib.crc32(dimension.id.encode())])
        boot = bootstrap_alpha(
            counts_level,
            dimension.level,
            level.values,
            resamples=bootstrap,
            rng=rng,
            clusters=clusters,
        )
    warning = ""
    if bootstrap > 0 and not np.isnan(main.alpha):
        warning = interval_warning(main.units, boot.method, boot.clusters)
        if clusters is not None and boot.method == METHOD:
            one = (
                "every pairable unit comes from one article, so units were resampled and "
                "the interval leaves out the variation between articles"
            )
            warning = f"{one}; {warning}" if warning else one

    # The counts as floats once (every coefficient below takes them so; the same values).
    floats_all = counts_all.astype(float)
    floats_level = floats_all if counts_level is counts_all else counts_level.astype(float)
    pa = percent_agreement(rows_where(floats_all, multi))
    fleiss = fleiss_kappa(floats_all, len(data.coders), names)
    # Gwet (2014): the shares pi_k come from every unit with at least one value.
    ac1 = gwet_ac1(floats_all, k, percent=pa)  # its p_a is the percent agreement above
    ac1_pi_units = int(np.count_nonzero(row_sums(counts_all) >= 1))
    if len(data.coders) < 2:
        why = _main_reason(data, level, units, counts_all, "")
        pa = ac1 = fleiss = Estimate(NAN, why, 0)
        ac1_pi_units = 0

    # Pairs and majorities count units: each distinct column of codes once, weighted.
    patterns = unit_patterns(codes_all, k)
    pairs = _pairs(data, level, patterns, k)
    per_category = _per_category(dimension, nominal.coincidences)
    diagnostics = _coder_diagnostics(data, level, patterns, codes_level, floats_level, main.alpha)
    drift_result = _drift(data, level, floats_level, BATCH_SIZE) if drift else None
    return DimensionAgreement(
        id=dimension.id,
        label=dimension.label,
        level=dimension.level,
        coders=data.coders,
        units=units,
        alpha=main.alpha,
        alpha_reason=alpha_reason,
        alpha_units=main.units,
        pairable_values=main.pairable_values,
        missing_categories=level.missing if dimension.level != "nominal" else (),
        alpha_ci95=(boot.low, boot.high),
        alpha_ci95_reason=boot.reason,
        p_alpha_below=dict(boot.p_below),
        bootstrap_mean=boot.mean,
        bootstrap_undefined=boot.undefined,
        alpha_nominal_all=nominal.alpha,
        alpha_nominal_all_reason=nominal_reason,
        percent_agreement=pa.value,
        percent_agreement_reason=pa.reason,
        fleiss_kappa=fleiss.value,
        fleiss_kappa_reason=fleiss.reason,
        fleiss_units=fleiss.units,
        gwet_ac1=ac1.value,
        gwet_ac1_reason=ac1.reason,
        pairs=pairs,
        coincidence=Coincidences(tuple(names), nominal.coincidences),
        per_category=per_category,
        coder_diagnostics=diagnostics,
        drift=drift_result,
        notes=list(data.notes),
        bootstrap_resamples=boot.resamples,
        bootstrap_usable=boot.usable,
        bootstrap_method=boot.method,
        bootstrap_clusters=boot.clusters,
        alpha_ci95_warning=warning,
        gwet_ac1_units=ac1.units,
        gwet_ac1_pi_units=ac1_pi_units,
    )


def _patterns_or_units(
    data: DimensionLabels, patterns: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The codes to count units over, and how many units each column stands for (None:
    one each, every unit)."""
    return (data.codes, None) if patterns is None else patterns


def _pairs(
    data: DimensionLabels,
    level: _Level,
    patterns: tuple[np.ndarray, np.ndarray] | None,
    k: int,
) -> tuple[PairAgreement, ...]:
    nominal = level.level == "nominal"
    weights = None if nominal else level.weights()
    codes_all, units = _patterns_or_units(data, patterns)
    codes_level = level.codes(codes_all)
    pairs = []
    for i in range(len(data.coders)):
        for j in range(i + 1, len(data.coders)):
            table = pair_table(codes_all[i], codes_all[j], k, units)
            shared = int(table.sum())
            agree = float(np.trace(table) / shared) if shared else NAN
            if nominal:
                kappa = cohen_kappa(table, None, data.dimension.codes)
            else:
                level_table = pair_table(codes_level[i], codes_level[j], len(level.names), units)
                kappa = cohen_kappa(level_table, weights, level.names)
                if shared and not level_table.sum():
                    missing = ", ".join(f"'{c}'" for c in level.missing)
                    kappa = Estimate(
                        NAN,
                        f"the two coders share {shared:,} unit{'s' if shared != 1 else ''}, "
                        "but on none did both choose an applicable category "
                        f"({missing} is missing at the {level.level} level)",
                        0,
                    )
            pairs.append(
                PairAgreement(
                    coders=(data.coders[i], data.coders[j]),
                    units=shared,
                    percent_agreement=agree,
                    cohen_kappa=kappa.value,
                    cohen_kappa_reason=kappa.reason,
                    kappa_units=kappa.units,
                    weights="none" if nominal else "linear",
                    weights_by="" if nominal else ("rank" if level.level == "ordinal" else "value"),
                )
            )
    return tuple(pairs)


def _per_category(dimension: Dimension, o: np.ndarray) -> tuple[CategoryAgreement, ...]:
    n_c = o.sum(axis=1)
    results = []
    for index, category in enumerate(dimension.categories):
        rest = np.arange(len(n_c)) != index
        inside = o[index, index]
        across = o[index, rest].sum()
        binary = np.array([[inside, across], [across, o[np.ix_(rest, rest)].sum()]])
        alpha = alpha_from_coincidences(binary, "nominal", np.array([0.0, 1.0]))
        reason = ""
        if np.isnan(alpha):
            if n_c.sum() < 2:
                reason = "there are no pairable values"
            elif n_c[index] == 0:
                reason = f"'{category.code}' does not occur among the pairable values"
            else:
                reason = f"every pairable value is '{category.code}'"
        results.append(
            CategoryAgreement(
                category.code, category.label, round(float(n_c[index])), alpha, reason
            )
        )
    return tuple(results)


def _coder_diagnostics(
    data: DimensionLabels,
    level: _Level,
    patterns: tuple[np.ndarray, np.ndarray] | None,
    codes_level: np.ndarray,
    counts_level: np.ndarray,
    alpha: float,
) -> tuple[CoderDiagnostics, ...]:
    codes_all = data.codes
    counted, units = _patterns_or_units(data, patterns)
    counted_values = value_counts(counted, len(data.dimension.codes))
    results = []
    for row, coder in enumerate(data.coders):
        if len(data.coders) < 3:
            without, reason = NAN, "fewer than two coders remain without this coder"
        else:
            o = coincidence_matrix(_with_one_removed(codes_level, counts_level, row))
            without = alpha_from_coincidences(o, level.level, level.values)
            reason = coincidence_reason(o, level.names) if np.isnan(without) else ""
        majority = majority_agreement(counted, counted_values, row, units)
        results.append(
            CoderDiagnostics(
                coder=coder,
                units=int((codes_all[row] >= 0).sum()),
                alpha_without=without,
                alpha_without_reason=reason,
                alpha_change=without - alpha,
                majority_agreement=majority.value,
                majority_units=majority.units,
                majority_reason=majority.reason,
            )
        )
    return tuple(results)


def _iso(ns: np.ndarray) -> list[str]:
    """Nanoseconds since the epoch as ISO-8601 UTC text to the second."""
    text = np.datetime_as_string(ns.astype("datetime64[ns]").astype("datetime64[s]"), unit="s")
    return [f"{t}Z" for t in text]


def _group_points(
    cells: UnitCoincidences,
    times: np.ndarray,
    groups: np.ndarray,
    labels: list[str],
    level: _Level,
) -> tuple[DriftPoint, ...]:
    n_groups = len(labels)
    o = cells.grouped(groups, n_groups)
    alphas = alpha_from_coincidences(o, level.level, level.values)
    # Every group has at least one unit, so reduceat sees no empty slice.
    sizes = np.bincount(groups, minlength=n_groups)
    # A stable order is unique: the groups' numbers as small integers sort by radix.
    small = groups.astype(np.int16) if n_groups < 2**15 else groups
    ordered = times[np.argsort(small, kind="stable")]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    first = _iso(np.minimum.reduceat(ordered, starts))
    last = _iso(np.maximum.reduceat(ordered, starts))
    return tuple(
        DriftPoint(
            label=labels[g],
            start=first[g],
            end=last[g],
            units=int(sizes[g]),
            alpha=float(alphas[g]),
            alpha_reason=coincidence_reason(o[g], level.names) if np.isnan(alphas[g]) else "",
        )
        for g in range(n_groups)
    )


def _drift(data: DimensionLabels, level: _Level, counts_level: np.ndarray, size: int) -> Drift:
    pairable = row_sums(counts_level) >= 2
    timed = pairable & (data.times != NO_TIME)
    if not pairable.any():
        return Drift(batch_size=size, reason="there are no pairable units")
    if not timed.any():
        return Drift(batch_size=size, reason="no pairable unit has a readable changed_at time")
    cells = UnitCoincidences(counts_level[timed])
    times = data.times[timed]
    # Weeks counted from Monday 29 December 1969 (the epoch was a Thursday).
    week = (times // _DAY_NS + 3) // 7
    first = int(week.min())
    present = np.flatnonzero(np.bincount(week - first))
    week_groups = np.searchsorted(present, week - first)
    mondays = pd.to_datetime((present + first) * 7 - 3, unit="D")
    week_labels = [f"{y}-W{w:02d}" for y, w, _ in (m.isocalendar() for m in mondays)]
    by_week = _group_points(cells, times, week_groups, week_labels, level)
    month = times.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    months = np.unique(month)
    month_labels = [str(m) for m in months.astype("datetime64[M]")]
    by_month = _group_points(cells, times, np.searchsorted(months, month), month_labels, level)

    order = np.argsort(times, kind="stable")
    n_batches = max(1, times.size // size)
    batch_groups = np.empty(times.size, dtype=np.int64)
    # The last batch takes the remainder, so with ``size`` units or more no batch is smaller.
    batch_groups[order] = np.minimum(np.arange(times.size) // size, n_batches - 1)
    batch_labels = [str(b + 1) for b in range(n_batches)]
    by_batch = _group_points(cells, times, batch_groups, batch_labels, level)
    skipped = int(pairable.sum() - timed.sum())
    reason = (
        f"{counted(skipped, 'pairable unit')} without a readable time "
        f"{plural(skipped, 'was', 'were')} left out"
        if skipped
        else ""
    )
    return Drift(
        by_week=by_week, by_batch=by_batch, by_month=by_month, batch_size=size, reason=reason
    )
