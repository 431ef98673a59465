"""Could a model stand in for a human coder? Its figures against the humans, with intervals.

For each model and dimension:

- against each human coder, the human majority and the gold labels: Krippendorff's alpha
  at the dimension's level with its bootstrap interval, Cohen's kappa (weighted as in the
  agreement report), accuracy, per-category precision, recall and F1 (the reference as
  truth) and the confusion matrix (reference rows, model columns). Alpha, its interval
  and kappa come from :func:`desktop.core.agreement.compute_agreement` over a two-coder
  frame, so they are computed exactly as the human report computes them;
- replacement: alpha of the human coders with the model swapped in for each human in
  turn, minus alpha of the humans alone, over the units the model coded, with a bootstrap
  interval of the difference (units resampled jointly for both);
- the alternative annotator test of Calderon, Reichart & Dror (ACL 2025), a port of their
  reference implementation (github.com/nitaytech/AltTest, ``alt_test``) with accuracy as
  the alignment score: winning rate, advantage probability and verdict at ``epsilon``;
- run-to-run alpha when an LLM coded the units more than once.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from desktop.core.agreement import compute_agreement, value_counts
from desktop.core.agreement.alpha import (
    alpha_from_coincidences,
    row_sums,
    unit_coincidences,
)
from desktop.core.agreement.compute import DEFAULT_SEED
from desktop.core.agreement.labels import prepare_labels
from desktop.core.scheme import Dimension, Scheme
from desktop.core.store.machine import ModelCoder
from desktop.core.wording import counted

NAN = float("nan")
DEFAULT_EPSILON = 0.2  # the reference implementation's default
DEFAULT_Q = 0.05
MIN_HUMANS_PER_INSTANCE = 2
MIN_INSTANCES_PER_HUMAN = 30
_MODEL, _REFERENCE = "\x00model", "\x00reference"


# -- results ------------------------------------------------------------------------------


@dataclass
class CategoryScore:
    """Precision, recall and F1 of one category, the reference taken as truth."""

    code: str
    support: int
    predicted: int
    precision: float
    recall: float
    f1: float


@dataclass
class Comparison:
    """A model against one reference: a human coder, the human majority or gold."""

    reference: str
    kind: str  # human | majority | gold
    units: int
    alpha: float
    alpha_reason: str
    alpha_ci95: tuple[float, float]
    alpha_ci95_reason: str
    cohen_kappa: float
    cohen_kappa_reason: str
    kappa_weights: str
    accuracy: float
    categories: tuple[str, ...]
    confusion: np.ndarray
    per_category: tuple[CategoryScore, ...]


@dataclass
class Replacement:
    """Alpha with the model in place of one human, minus alpha of the humans alone."""

    replaced: str
    units: int
    humans_alpha: float
    swapped_alpha: float
    difference: float
    ci95: tuple[float, float]
    reason: str = ""


@dataclass
class AltTest:
    """The alternative annotator test (Calderon, Reichart & Dror, 2025)."""

    epsilon: float
    q: float
    humans: tuple[str, ...]
    p_values: dict[str, float]
    advantage: dict[str, float]
    rejected: tuple[str, ...]
    winning_rate: float
    advantage_probability: float
    passed: bool | None
    skipped: dict[str, str] = field(default_factory=dict)
    reason: str = ""


@dataclass
class RunToRun:
    """Agreement of a model with itself over repeated runs."""

    runs: int
    units: int
    alpha: float
    alpha_ci95: tuple[float, float]
    reason: str = ""


@dataclass
class DimensionScore:
    """Every figure of one model on one dimension."""

    dimension: str
    level: str
    model_units: int
    comparisons: list[Comparison]
    replacements: list[Replacement]
    alt_test: AltTest
    run_to_run: RunToRun | None


@dataclass
class ModelScore:
    """One model's figures on every dimension, with its provenance."""

    model: ModelCoder
    dimensions: list[DimensionScore]


@dataclass
class ModelsReport:
    """``stancecoder agreement --models``."""

    scheme_id: str
    scheme_version: str
    humans: tuple[str, ...]
    bootstrap: int
    seed: int
    epsilon: float
    models: list[ModelScore]
    notes: list[str] = field(default_factory=list)
    methods: str = ""


# -- references -----------------------------------------------------------------------------


def majority_labels(labels: pd.DataFrame, min_coders: int = 1) -> pd.DataFrame:
    """The strict plurality value of each (unit, dimension) among the coders' labels.

    Ties have no majority and are left out, as are units with fewer than ``min_coders``
    labels.

    Parameters
    ----------
    labels : DataFrame
        Long labels with ``unit_id, coder, dimension, value``.

    Returns
    -------
    DataFrame
        ``unit_id, dimension, value``.
    """
    if labels.empty:
        return pd.DataFrame(columns=["unit_id", "dimension", "value"])
    counts = labels.groupby(["unit_id", "dimension", "value"], sort=False).size()
    counts = counts.rename("n").reset_index()
    keys = ["unit_id", "dimension"]
    top = counts.groupby(keys)["n"].transform("max")
    total = counts.groupby(keys)["n"].transform("sum")
    best = counts[(counts["n"] == top) & (total >= min_coders)]
    unique = best.groupby(keys)["value"].transform("size") == 1
    return best[unique][["unit_id", "dimension", "value"]].reset_index(drop=True)


# -- model against one reference ----------------------------------------------------------


def confusion_matrix(
    reference: Sequence[str], predicted: Sequence[str], codes: Sequence[str]
) -> np.ndarray:
    """Counts of (reference category, model category), shape (K, K), in ``codes`` order."""
    index = {c: i for i, c in enumerate(codes)}
    table = np.zeros((len(codes), len(codes)), dtype=np.int64)
    for r, p in zip(reference, predicted, strict=True):
        if r in index and p in index:
            table[index[r], index[p]] += 1
    return table


def category_scores(table: np.ndarray, codes: Sequence[str]) -> tuple[CategoryScore, ...]:
    """Per-category precision, recall and F1 from a confusion matrix (reference rows).

    Undefined ratios (no unit predicted, or none in the reference) are ``nan``.
    """
    tp = np.diag(table).astype(float)
    support = table.sum(axis=1)
    predicted = table.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), np.nan)
        recall = np.where(support > 0, tp / np.maximum(support, 1), np.nan)
        total = precision + recall
        f1 = np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1), 0.0)
        f1 = np.where(np.isnan(precision) | np.isnan(recall), np.nan, f1)
    return tuple(
        CategoryScore(
            code,
            int(support[i]),
            int(predicted[i]),
            float(precision[i]),
            float(recall[i]),
            float(f1[i]),
        )
        for i, code in enumerate(codes)
    )


def compare(
    model: pd.DataFrame,
    reference: pd.DataFrame,
    dimension: Dimension,
    scheme: Scheme,
    *,
    name: str,
    kind: str,
    bootstrap: int,
    seed: int,
) -> Comparison:
    """The model's labels against one reference's on one dimension.

    Parameters
    ----------
    model, reference : DataFrame
        ``unit_id, value`` of the dimension (one row per unit).
    """
    both = model.merge(reference, on="unit_id", suffixes=("_m", "_r"))
    frame = pd.concat(
        [
            pd.DataFrame({"unit_id": both["unit_id"], "coder": _MODEL, "value": both["value_m"]}),
            pd.DataFrame(
                {"unit_id": both["unit_id"], "coder": _REFERENCE, "value": both["value_r"]}
            ),
        ],
        ignore_index=True,
    ).assign(dimension=dimension.id)
    report = compute_agreement(
        frame,
        _one_dimension(scheme, dimension),
        coders=[_MODEL, _REFERENCE],
        bootstrap=bootstrap,
        seed=seed,
        drift=False,
    )
    d = report.dimensions[0]
    pair = d.pairs[0] if d.pairs else None
    codes = tuple(dimension.codes)
    table = confusion_matrix(both["value_r"], both["value_m"], codes)
    shared = int(table.sum())
    return Comparison(
        reference=name,
        kind=kind,
        units=shared,
        alpha=d.alpha,
        alpha_reason=d.alpha_reason,
        alpha_ci95=d.alpha_ci95,
        alpha_ci95_reason=d.alpha_ci95_reason,
        cohen_kappa=pair.cohen_kappa if pair else NAN,
        cohen_kappa_reason=pair.cohen_kappa_reason if pair else "the two share no unit",
        kappa_weights=pair.weights if pair else "",
        accuracy=float(np.trace(table) / shared) if shared else NAN,
        categories=codes,
        confusion=table,
        per_category=category_scores(table, codes),
    )


def _one_dimension(scheme: Scheme, dimension: Dimension) -> Scheme:
    from dataclasses import replace

    return replace(scheme, dimensions=(dimension,))


# -- replacement --------------------------------------------------------------------------


def level_scale(dimension: Dimension) -> tuple[np.ndarray, np.ndarray]:
    """Map scheme category indices to the dimension's scale, as the agreement report does.

    Returns
    -------
    remap : ndarray of int, shape (K + 1,)
        Scale index of each category index; -1 for categories that are missing at the
        dimension's level (``not_applicable``, or without a value) and for index -1.
    values : ndarray of float, shape (K',)
        The scale's values, ascending unless nominal.
    """
    categories = dimension.categories
    k = len(categories)
    if dimension.level == "nominal":
        order = list(range(k))
        values = np.arange(k, dtype=float)
    else:
        usable = [
            i for i, c in enumerate(categories) if not c.not_applicable and c.value is not None
        ]
        order = sorted(usable, key=lambda i: categories[i].value)
        values = np.array([categories[i].value for i in order], dtype=float)
    remap = np.full(k + 1, -1, dtype=np.int16)
    remap[order] = np.arange(len(order))
    return remap, values


def replacement(
    humans: np.ndarray,
    model_row: np.ndarray,
    replaced: int,
    dimension: Dimension,
    *,
    name: str,
    bootstrap: int,
    rng: np.random.Generator,
) -> Replacement:
    """Alpha with ``model_row`` in place of human ``replaced``, minus alpha of the humans.

    Parameters
    ----------
    humans : ndarray of int, shape (C, N)
        Scheme category index per human and unit (-1 missing), over the units the model
        coded.
    model_row : ndarray of int, shape (N,)
        The model's category index per unit.
    replaced : int
        Row of the human the model stands in for; the model takes that human's units only.
    """
    remap, values = level_scale(dimension)
    k = len(values)
    swapped = humans.copy()
    own = humans[replaced] >= 0
    swapped[replaced] = np.where(own, model_row, -1)
    counts_h = value_counts(remap[humans], k)
    counts_s = value_counts(remap[swapped], k)
    keep = (row_sums(counts_h) >= 2) | (row_sums(counts_s) >= 2)
    counts_h, counts_s = counts_h[keep], counts_s[keep]
    units = int(keep.sum())
    nan2 = (NAN, NAN)
    if units == 0:
        return Replacement(name, 0, NAN, NAN, NAN, nan2, "no unit has two or more values")
    level = dimension.level
    per_h = _unit_coincidences(counts_h)
    per_s = _unit_coincidences(counts_s)
    a_h = float(alpha_from_coincidences(per_h.sum(axis=0), level, values))
    a_s = float(alpha_from_coincidences(per_s.sum(axis=0), level, values))
    diff = a_s - a_h
    reason = "" if not np.isnan(diff) else "alpha is undefined with or without the model"
    ci = nan2
    if bootstrap > 0 and not np.isnan(diff):
        flat_h, flat_s = per_h.reshape(units, -1), per_s.reshape(units, -1)
        diffs = np.empty(bootstrap)
        chunk = max(1, 2_000_000 // units)
        for start in range(0, bootstrap, chunk):
            size = min(chunk, bootstrap - start)
            draws = rng.integers(0, units, size=(size, units))
            weights = np.zeros((size, units))
            np.add.at(weights, (np.repeat(np.arange(size), units), draws.reshape(-1)), 1.0)
            o_h = (weights @ flat_h).reshape(size, k, k)
            o_s = (weights @ flat_s).reshape(size, k, k)
            diffs[start : start + size] = alpha_from_coincidences(
                o_s, level, values
            ) - alpha_from_coincidences(o_h, level, values)
        defined = diffs[~np.isnan(diffs)]
        if defined.size:
            ci = (float(np.quantile(defined, 0.025)), float(np.quantile(defined, 0.975)))
    return Replacement(name, units, a_h, a_s, diff, ci, reason)


def _unit_coincidences(counts: np.ndarray) -> np.ndarray:
    """Per-unit coincidences, zero for units with fewer than two values."""
    out = np.zeros((counts.shape[0], counts.shape[1], counts.shape[1]))
    pairable = row_sums(counts) >= 2
    if pairable.any():
        out[pairable] = unit_coincidences(counts[pairable])
    return out


# -- the alternative annotator test ---------------------------------------------------------


def benjamini_yekutieli(p_values: Sequence[float], q: float) -> list[int]:
    """Indices of the hypotheses rejected by the Benjamini-Yekutieli procedure at ``q``.

    As the reference implementation's ``by_procedure``: a ``nan`` p-value is never
    rejected.
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p)
    h_m = np.sum(1.0 / np.arange(1, m + 1))
    thresholds = (np.arange(1, m + 1) / m) * (q / h_m)
    passed = np.flatnonzero(p[order] <= thresholds)
    return [] if passed.size == 0 else [int(i) for i in order[: passed.max() + 1]]


def alt_test(
    model: dict[str, str],
    humans: dict[str, dict[str, str]],
    *,
    epsilon: float = DEFAULT_EPSILON,
    q: float = DEFAULT_Q,
    min_humans_per_instance: int = MIN_HUMANS_PER_INSTANCE,
    min_instances_per_human: int = MIN_INSTANCES_PER_HUMAN,
) -> AltTest:
    """The alternative annotator test with accuracy as the alignment score.

    For each human h with enough instances, on the instances h coded that at least
    ``min_humans_per_instance`` humans and the model coded, the model "wins" an instance
    when its agreement with the other humans is at least h's; a one-sided one-sample t
    test of (h's wins - the model's wins) against ``epsilon`` gives a p-value per human;
    the winning rate is the share of humans whose hypothesis the Benjamini-Yekutieli
    procedure rejects at ``q``; the model passes when it is 0.5 or more.

    Parameters
    ----------
    model : dict
        Unit id to the model's code.
    humans : dict
        Human id to (unit id to code).
    """
    from scipy.stats import ttest_1samp

    by_instance: dict[str, list[str]] = {}
    for h, coded in humans.items():
        for i in coded:
            by_instance.setdefault(i, []).append(h)
    keep = {i for i, hs in by_instance.items() if len(hs) >= min_humans_per_instance and i in model}
    p_values: dict[str, float] = {}
    advantage: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for h, coded in humans.items():
        instances = [i for i in coded if i in keep]
        if len(instances) < min_instances_per_human:
            skipped[h] = (
                f"only {counted(len(instances), 'shared unit')}, "
                f"fewer than {min_instances_per_human}"
            )
            continue
        llm_wins, human_wins = [], []
        for i in instances:
            others = [humans[o][i] for o in by_instance[i] if o != h]
            human_score = np.mean([coded[i] == o for o in others])
            llm_score = np.mean([model[i] == o for o in others])
            llm_wins.append(1 if llm_score >= human_score else 0)
            human_wins.append(1 if human_score >= llm_score else 0)
        diff = np.array(human_wins) - np.array(llm_wins)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # a constant difference gives nan, as in theirs
            p = float(ttest_1samp(diff, epsilon, alternative="less").pvalue)
        p_values[h] = p
        advantage[h] = float(np.mean(llm_wins))
    tested = tuple(p_values)
    if not tested:
        return AltTest(
            epsilon,
            q,
            (),
            {},
            {},
            (),
            NAN,
            NAN,
            None,
            skipped,
            "no human coder shares enough units with the model and another human",
        )
    rejected = benjamini_yekutieli([p_values[h] for h in tested], q)
    winning = len(rejected) / len(tested)
    return AltTest(
        epsilon=epsilon,
        q=q,
        humans=tested,
        p_values=p_values,
        advantage=advantage,
        rejected=tuple(tested[i] for i in sorted(rejected)),
        winning_rate=winning,
        advantage_probability=float(np.mean(list(advantage.values()))),
        passed=winning >= 0.5,
        skipped=skipped,
    )


# -- everything -----------------------------------------------------------------------------


def _by_unit(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    rows = frame[frame["dimension"] == dimension]
    return rows[["unit_id", "value"]].drop_duplicates("unit_id", keep="last")


def score_model(
    model: ModelCoder,
    model_labels: pd.DataFrame,
    human_labels: pd.DataFrame,
    gold: pd.DataFrame,
    scheme: Scheme,
    *,
    bootstrap: int = 1000,
    seed: int = DEFAULT_SEED,
    epsilon: float = DEFAULT_EPSILON,
) -> ModelScore:
    """Every figure of one model (see the module docstring).

    Parameters
    ----------
    model : ModelCoder
    model_labels : DataFrame
        The model's valid labels: ``unit_id, dimension, value, run``.
    human_labels : DataFrame
        Human labels: ``unit_id, coder, dimension, value``.
    gold : DataFrame
        ``unit_id, dimension, value``.
    """
    first = (
        model_labels[model_labels["run"] == model_labels["run"].min()]
        if len(model_labels)
        else model_labels
    )
    majority = majority_labels(human_labels, min_coders=2)
    prepared = prepare_labels(human_labels, scheme, times=False)
    dimensions = []
    for dimension in scheme.dimensions:
        mine = _by_unit(first, dimension.id)
        comparisons = []
        human_dim = human_labels[human_labels["dimension"] == dimension.id]
        for coder in sorted(set(human_dim["coder"])):
            comparisons.append(
                compare(
                    mine,
                    _by_unit(human_dim[human_dim["coder"] == coder], dimension.id),
                    dimension,
                    scheme,
                    name=coder,
                    kind="human",
                    bootstrap=bootstrap,
                    seed=seed,
                )
            )
        for name, frame in (("majority", majority), ("gold", gold)):
            comparisons.append(
                compare(
                    mine,
                    _by_unit(frame, dimension.id),
                    dimension,
                    scheme,
                    name=name,
                    kind=name,
                    bootstrap=bootstrap,
                    seed=seed,
                )
            )
        data = prepared.dimensions[dimension.id]
        index = {c: i for i, c in enumerate(dimension.codes)}
        model_codes = dict(zip(mine["unit_id"], mine["value"].map(index), strict=True))
        columns = np.array([u in model_codes for u in data.unit_ids], dtype=bool)
        humans = data.codes[:, columns] if data.codes.size else data.codes
        row = np.array([model_codes[u] for u in data.unit_ids[columns]], dtype=np.int16)
        rng = np.random.default_rng([seed, zlib.crc32(f"{model.id}/{dimension.id}".encode())])
        replacements = (
            [
                replacement(humans, row, r, dimension, name=coder, bootstrap=bootstrap, rng=rng)
                for r, coder in enumerate(data.coders)
            ]
            if len(data.coders) >= 2
            else []
        )
        human_maps = {
            c: dict(zip(g["unit_id"], g["value"], strict=True))
            for c, g in human_dim.drop_duplicates(["unit_id", "coder"], keep="last").groupby(
                "coder"
            )
        }
        alt = alt_test(
            dict(zip(mine["unit_id"], mine["value"], strict=True)), human_maps, epsilon=epsilon
        )
        dimensions.append(
            DimensionScore(
                dimension=dimension.id,
                level=dimension.level,
                model_units=len(mine),
                comparisons=comparisons,
                replacements=replacements,
                alt_test=alt,
                run_to_run=_run_to_run(model_labels, dimension, scheme, bootstrap, seed),
            )
        )
    return ModelScore(model, dimensions)


def _run_to_run(
    labels: pd.DataFrame, dimension: Dimension, scheme: Scheme, bootstrap: int, seed: int
) -> RunToRun | None:
    rows = labels[labels["dimension"] == dimension.id]
    runs = sorted(set(rows["run"])) if len(rows) else []
    if len(runs) < 2:
        return None
    frame = rows.assign(coder=rows["run"].map(lambda r: f"run {r}"))
    report = compute_agreement(
        frame, _one_dimension(scheme, dimension), bootstrap=bootstrap, seed=seed, drift=False
    )
    d = report.dimensions[0]
    return RunToRun(len(runs), d.units, d.alpha, d.alpha_ci95, d.alpha_reason)


def score_models(
    models: Sequence[ModelCoder],
    model_labels: pd.DataFrame,
    human_labels: pd.DataFrame,
    gold: pd.DataFrame,
    scheme: Scheme,
    *,
    bootstrap: int = 1000,
    seed: int = DEFAULT_SEED,
    epsilon: float = DEFAULT_EPSILON,
) -> ModelsReport:
    """Score every model in ``models`` (see :func:`score_model`)."""
    scores = [
        score_model(
            m,
            model_labels[model_labels["coder"] == m.id],
            human_labels,
            gold,
            scheme,
            bootstrap=bootstrap,
            seed=seed,
            epsilon=epsilon,
        )
        for m in models
    ]
    notes = [] if models else ["the project has no model coders"]
    report = ModelsReport(
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        humans=tuple(sorted(set(human_labels["coder"]))) if len(human_labels) else (),
        bootstrap=bootstrap,
        seed=seed,
        epsilon=epsilon,
        models=scores,
        notes=notes,
    )
    report.methods = methods_paragraph(report)
    return report


def methods_paragraph(report: ModelsReport) -> str:
    """A paragraph for a paper's methods section naming each model and its basis."""
    parts = []
    for score in report.models:
        m = score.model
        if m.method == "train":
            what = (
                f"a classifier trained with scikit-learn "
                f"{m.library_versions.get('scikit-learn', '?')} on the {m.basis} labels "
                f"(TF-IDF word and character n-grams, class-weighted logistic regression; "
                f"training labels sha256 {m.basis_hash[:12]}; units it was trained on were "
                "coded out of fold, with folds grouped by article)"
            )
        elif m.method == "llm":
            what = (
                f"the language model {m.parameters.get('model', '?')} through a "
                f"chat-completions endpoint at temperature "
                f"{m.parameters.get('temperature', 0)} (prompt sha256 {m.basis_hash[:12]}, "
                f"{counted(int(m.parameters.get('runs', 1)), 'run')})"
            )
        else:
            what = f"predictions imported from {m.basis} (sha256 {m.basis_hash[:12]})"
        parts.append(f"The model coder '{m.id}' is {what}.")
    if not parts:
        return ""
    boot = (
        f"{report.bootstrap} bootstrap resamples of units (seed {report.seed})"
        if report.bootstrap
        else "no bootstrap"
    )
    return (
        " ".join(parts)
        + " Each model was compared with each human coder, the human majority and the gold "
        "labels (Krippendorff's alpha at the dimension's level of measurement, Cohen's "
        f"kappa, accuracy, per-category precision, recall and F1; intervals from {boot}). "
        "Replacement alpha swaps the model in for each human coder in turn. The alternative "
        "annotator test (Calderon, Reichart & Dror, 2025) used accuracy as the alignment "
        f"score, epsilon = {report.epsilon} and the Benjamini-Yekutieli procedure at "
        f"q = {DEFAULT_Q}."
    )
