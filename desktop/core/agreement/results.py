"""Plain result objects of the agreement engine and their JSON form.

Every coefficient that can be undefined is a float that is ``nan`` then, with a
``*_reason`` beside it; in JSON ``nan`` becomes ``null`` and the reason stays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from desktop.core.agreement.bootstrap import CONFIDENCE, METHOD, METHOD_DESCRIPTION

NAN = float("nan")


@dataclass(frozen=True)
class BootstrapSettings:
    """How the confidence intervals were computed."""

    resamples: int
    seed: int
    method: str = METHOD
    description: str = METHOD_DESCRIPTION
    confidence: float = CONFIDENCE
    interval: str = "percentile"


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two coders on one dimension.

    ``units`` and ``percent_agreement`` count every unit both coded (all categories);
    ``cohen_kappa`` is unweighted on nominal dimensions and linearly weighted on the
    others, where it counts only the ``kappa_units`` both coded with an applicable
    category.
    """

    coders: tuple[str, str]
    units: int
    percent_agreement: float
    cohen_kappa: float
    cohen_kappa_reason: str
    kappa_units: int
    weights: str
    weights_by: str = ""


@dataclass(frozen=True)
class CategoryAgreement:
    """Nominal alpha of one category against all the others (binary recode)."""

    code: str
    label: str
    values: int
    alpha: float
    alpha_reason: str


@dataclass(frozen=True)
class CoderDiagnostics:
    """One coder's influence on the dimension's alpha and agreement with the majority."""

    coder: str
    units: int
    alpha_without: float
    alpha_without_reason: str
    alpha_change: float
    majority_agreement: float
    majority_units: int
    majority_reason: str


@dataclass(frozen=True)
class DriftPoint:
    """Alpha of the units whose coding was completed in one period or batch."""

    label: str
    start: str
    end: str
    units: int
    alpha: float
    alpha_reason: str


@dataclass(frozen=True)
class Drift:
    """Alpha over time: per ISO week, per month and per batch of units in coding order."""

    by_week: tuple[DriftPoint, ...] = ()
    by_batch: tuple[DriftPoint, ...] = ()
    by_month: tuple[DriftPoint, ...] = ()
    batch_size: int = 100
    time_basis: str = "latest change among the unit's labels on this dimension"
    reason: str = ""


@dataclass(frozen=True)
class Coincidences:
    """Coincidence matrix over all categories (not applicable included), shape (K, K)."""

    categories: tuple[str, ...]
    matrix: np.ndarray


@dataclass
class DimensionAgreement:
    """Every agreement figure of one dimension.

    Attributes
    ----------
    coders
        Coders with at least one label on the dimension.
    units
        Units coded by two or more of them (any category): the base of percent
        agreement, Gwet's AC1 and ``alpha_nominal_all``.
    alpha, alpha_reason
        Krippendorff's alpha at the dimension's level, with the categories in
        ``missing_categories`` (not applicable) as missing values; ``nan`` with a reason
        when undefined.
    alpha_units, pairable_values
        Units with two or more values at that level, and their number of values (the
        sum of the coincidence matrix alpha rests on).
    alpha_ci95, p_alpha_below, bootstrap_mean, bootstrap_undefined
        Percentile interval, shares of resampled alphas below 0.8 and 0.667, their mean,
        and the resamples without a defined alpha (see ``BootstrapSettings``).
    alpha_nominal_all
        Nominal alpha over all categories, not applicable ones included.
    fleiss_units
        Units coded by every coder in ``coders``, the base of Fleiss' kappa.
    coincidence
        Coincidence matrix over all categories, in scheme order.
    bootstrap_resamples, bootstrap_usable
        Resamples drawn, and those with a defined alpha (the base of the interval and of
        ``p_alpha_below``).
    bootstrap_method, bootstrap_clusters
        ``"units"`` or ``"articles"``, and the number of articles resampled.
    alpha_ci95_warning
        Why the interval may be too narrow (few pairable units or articles), or "".
    gwet_ac1_units, gwet_ac1_pi_units
        Units of AC1's percent agreement (two or more values) and of its category
        shares pi_k (one or more values, Gwet 2014).
    """

    id: str
    label: str
    level: str
    coders: tuple[str, ...]
    units: int
    alpha: float
    alpha_reason: str
    alpha_units: int
    pairable_values: int
    missing_categories: tuple[str, ...]
    alpha_ci95: tuple[float, float]
    alpha_ci95_reason: str
    p_alpha_below: dict[float, float]
    bootstrap_mean: float
    bootstrap_undefined: int
    alpha_nominal_all: float
    alpha_nominal_all_reason: str
    percent_agreement: float
    percent_agreement_reason: str
    fleiss_kappa: float
    fleiss_kappa_reason: str
    fleiss_units: int
    gwet_ac1: float
    gwet_ac1_reason: str
    pairs: tuple[PairAgreement, ...]
    coincidence: Coincidences
    per_category: tuple[CategoryAgreement, ...]
    coder_diagnostics: tuple[CoderDiagnostics, ...]
    drift: Drift | None
    notes: list[str] = field(default_factory=list)
    bootstrap_resamples: int = 0
    bootstrap_usable: int = 0
    bootstrap_method: str = METHOD
    bootstrap_clusters: int = 0
    alpha_ci95_warning: str = ""
    gwet_ac1_units: int = 0
    gwet_ac1_pi_units: int = 0

    def to_json_dict(self) -> dict:
        """This dimension's results as JSON-ready values (``nan`` as ``None``)."""
        return _clean(
            {
                "id": self.id,
                "label": self.label,
                "level": self.level,
                "alpha": self.alpha,
                "alpha_reason": self.alpha_reason,
                "alpha_ci95": list(self.alpha_ci95),
                "alpha_ci95_reason": self.alpha_ci95_reason,
                "alpha_nominal_all": self.alpha_nominal_all,
                "alpha_nominal_all_reason": self.alpha_nominal_all_reason,
                "p_alpha_below": {f"{t:g}": p for t, p in self.p_alpha_below.items()},
                "bootstrap_mean": self.bootstrap_mean,
                "bootstrap_undefined": self.bootstrap_undefined,
                "bootstrap_resamples": self.bootstrap_resamples,
                "bootstrap_usable": self.bootstrap_usable,
                "bootstrap_method": self.bootstrap_method,
                "bootstrap_clusters": self.bootstrap_clusters,
                "alpha_ci95_warning": self.alpha_ci95_warning,
                "missing_categories": list(self.missing_categories),
                "units": self.units,
                "alpha_units": self.alpha_units,
                "pairable_values": self.pairable_values,
                "coders": list(self.coders),
                "percent_agreement": self.percent_agreement,
                "percent_agreement_reason": self.percent_agreement_reason,
                "fleiss_kappa": self.fleiss_kappa,
                "fleiss_kappa_reason": self.fleiss_kappa_reason,
                "fleiss_units": self.fleiss_units,
                "gwet_ac1": self.gwet_ac1,
                "gwet_ac1_reason": self.gwet_ac1_reason,
                "gwet_ac1_units": self.gwet_ac1_units,
                "gwet_ac1_pi_units": self.gwet_ac1_pi_units,
                "pairs": [
                    {
                        "coders": list(p.coders),
                        "units": p.units,
                        "percent_agreement": p.percent_agreement,
                        "cohen_kappa": p.cohen_kappa,
                        "cohen_kappa_reason": p.cohen_kappa_reason,
                        "kappa_units": p.kappa_units,
                        "weights": p.weights,
                        "weights_by": p.weights_by,
                    }
                    for p in self.pairs
                ],
                "coincidence": {
                    "categories": list(self.coincidence.categories),
                    "matrix": self.coincidence.matrix.tolist(),
                },
                "per_category": {
                    c.code: {"alpha": c.alpha, "alpha_reason": c.alpha_reason, "values": c.values}
                    for c in self.per_category
                },
                "leave_one_out": {
                    d.coder: {
                        "alpha": d.alpha_without,
                        "alpha_reason": d.alpha_without_reason,
                        "change": d.alpha_change,
                        "units": d.units,
                    }
                    for d in self.coder_diagnostics
                },
                "majority_agreement": {
                    d.coder: {
                        "agreement": d.majority_agreement,
                        "units": d.majority_units,
                        "reason": d.majority_reason,
                    }
                    for d in self.coder_diagnostics
                },
                "drift": _drift_json(self.drift),
                "notes": list(self.notes),
            }
        )


@dataclass
class AgreementReport:
    """Agreement of a set of coders on every dimension of a scheme."""

    scheme_id: str
    scheme_title: str
    scheme_version: str
    coders: tuple[str, ...]
    bootstrap: BootstrapSettings
    dimensions: list[DimensionAgreement]
    notes: list[str] = field(default_factory=list)
    # The sample-size planner's DimensionPlan per dimension, when the caller ran it (the
    # command and the view attach the same plans, so every output shows the same figures).
    plans: list = field(default_factory=list)
    # Per coder and dimension: accuracy against gold on calibration units (dicts with
    # coder, dimension, units, agree, accuracy), when the project has any.
    calibration: list = field(default_factory=list)

    def dimension(self, dimension_id: str) -> DimensionAgreement:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def to_json_dict(self) -> dict:
        """The report as JSON-ready values; ``json.dumps(..., allow_nan=False)`` accepts it."""
        return _clean(
            {
                "scheme": {
                    "id": self.scheme_id,
                    "title": self.scheme_title,
                    "version": self.scheme_version,
                },
                "bootstrap": {
                    "method": self.bootstrap.method,
                    "description": self.bootstrap.description,
                    "resamples": self.bootstrap.resamples,
                    "seed": self.bootstrap.seed,
                    "confidence": self.bootstrap.confidence,
                    "interval": self.bootstrap.interval,
                },
                "coders": list(self.coders),
                "dimensions": [d.to_json_dict() for d in self.dimensions],
                "notes": list(self.notes),
                "plans": [p.to_json_dict() for p in self.plans],
                "calibration": list(self.calibration),
            }
        )


def report_to_json(report: AgreementReport) -> dict:
    """The JSON form of ``report`` (see :meth:`AgreementReport.to_json_dict`)."""
    return report.to_json_dict()


def _drift_json(drift: Drift | None) -> dict | None:
    if drift is None:
        return None

    def points(items: tuple[DriftPoint, ...]) -> list[dict]:
        return [
            {
                "label": p.label,
                "start": p.start,
                "end": p.end,
                "units": p.units,
                "alpha": p.alpha,
                "alpha_reason": p.alpha_reason,
            }
            for p in items
        ]

    return {
        "time_basis": drift.time_basis,
        "batch_size": drift.batch_size,
        "reason": drift.reason,
        "by_week": points(drift.by_week),
        "by_batch": points(drift.by_batch),
        "by_month": points(drift.by_month),
    }


def _clean(value: object) -> object:
    """Recursively turn numpy scalars into Python ones and ``nan`` into ``None``."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    return value
