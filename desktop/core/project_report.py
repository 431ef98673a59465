"""One way from a project to its agreement report, for the command line and the app.

``stancecoder agreement`` and the lead's agreement view both call :func:`project_report`
with a :class:`ReportFilters`: which coders (a model coder only when named), which articles,
which dates, which units (every unit, the reliability sample, the hidden overlap of the
split rounds, or both), and how to bootstrap. The function applies the filters, leaves the
calibration labels out, computes the coefficients, and adds the notes a reader needs (units
curated after coding began, the unit selection, model coders included) and the planner.

>>> result = project_report(db, ReportFilters(units="sample"))   # doctest: +SKIP
>>> result.report.dimension("stance").alpha                      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core import store
from desktop.core.agreement import AgreementReport, compute_agreement, filter_labels
from desktop.core.agreement.compute import DEFAULT_SEED
from desktop.core.agreement.planner import plan_agreement
from desktop.core.errors import UsageError
from desktop.core.store.machine import agreement_labels_frame, model_coder_ids
from desktop.core.team import agreement_units, calibration

UNIT_NOTES = {
    "sample": "Only the {n:,} units of the reliability sample.",
    "overlap": "Only the {n:,} units of the hidden overlap of the split rounds.",
    "both": "Only the {n:,} units of the reliability sample and the hidden overlap of the "
    "split rounds.",
}


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers and how it is computed (the options of ``stancecoder agreement``).

    ``coders`` None means every human coder; a model coder counts only when named.
    ``units`` is one of ``all``, ``sample``, ``overlap``, ``both``.
    """

    coders: tuple[str, ...] | None = None
    articles: tuple[str, ...] | None = None
    since: str | None = None
    until: str | None = None
    units: str = "all"
    bootstrap: int = 1000
    seed: int | None = None
    drift: bool = True
    resample: str = "articles"
    plan: bool = True


@dataclass
class ProjectReport:
    """The report and the units it was restricted to (None: every unit)."""

    report: AgreementReport
    unit_ids: set[str] | None


def project_report(
    db: store.Database, filters: ReportFilters, *, name: str = "this project"
) -> ProjectReport:
    """Build the agreement report of the project open in ``db`` for ``filters``.

    ``name`` names the project in error messages.

    Raises
    ------
    UsageError
        If a named coder has no labels, the unit selection is empty, or a date is unreadable.
    """
    scheme = store.current_scheme(db)
    coders = list(filters.coders) if filters.coders else None
    labels = agreement_labels_frame(db, coders)  # a model only when named
    if coders:
        known = set(labels["coder"]) if len(labels) else set()
        unknown = [c for c in coders if c not in known]
        if unknown:
            raise UsageError(f"no labels by coder {', '.join(unknown)} in {name}")
    unit_ids = None
    if filters.articles:
        unit_ids = set(store.unit_ids_of_articles(db, list(filters.articles)))
    selected = agreement_units(db, filters.units, name=name)
    if selected is not None:
        unit_ids = selected if unit_ids is None else unit_ids & selected
    try:
        labels = filter_labels(
            labels, coders=coders, unit_ids=unit_ids, since=filters.since, until=filters.until
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot read the date range ({exc})") from None
    labels, calibration_note = calibration.drop_calibration_labels(db, labels)
    report = compute_agreement(
        labels,
        scheme,
        coders=coders,
        bootstrap=max(0, filters.bootstrap),
        seed=DEFAULT_SEED if filters.seed is None else filters.seed,
        drift=filters.drift,
        articles=store.unit_articles(db),
        resample=filters.resample,
    )
    report.notes.extend(curation_notes(db))
    if calibration_note:
        report.notes.append(calibration_note)
        report.calibration = calibration.lead_summary(db)
    if selected is not None:
        report.notes.append(UNIT_NOTES[filters.units].format(n=len(selected)))
    if filters.plan:
        report.plans = plan_agreement(labels, scheme, coders=coders)
    named_models = sorted(set(coders or ()) & set(model_coder_ids(db)))
    if named_models:
        report.notes.append(f"model coders included as asked: {', '.join(named_models)}")
    return ProjectReport(report, unit_ids)


def curation_notes(db: store.Database) -> list[str]:
    """Say in the report when the lead changed units after coding began."""
    from desktop.core.curation import changes_after_coding

    changes = changes_after_coding(db)
    if not changes:
        return []
    first = changes[0]
    return [
        f"Units were changed after coding began: {len(changes)} curation step"
        f"{'s' if len(changes) > 1 else ''} (merges, splits, exclusions), the first on "
        f"{first['at'][:16].replace('T', ' ')} UTC ({first['action']}"
        f"{' by ' + first['who'] if first['who'] else ''}); see the project's change log."
    ]


def unit_selection(reliability_only: bool, overlap_only: bool) -> str:
    """The ``units`` value of two check boxes: the reliability sample, the overlap, or both."""
    return {(True, False): "sample", (False, True): "overlap", (True, True): "both"}.get(
        (bool(reliability_only), bool(overlap_only)), "all"
    )


def as_tuple(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """A list option as the tuple :class:`ReportFilters` holds (None stays None)."""
    return tuple(values) if values else None
