"""Plain-text tables of an agreement report, for the terminal.

The numbers are formatted by :func:`fmt`, which the HTML report shares, so a figure
reads the same in the terminal, the HTML report and (rounded) the JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from desktop.core.agreement.results import AgreementReport, DimensionAgreement

MISSING = "n/a"


def fmt(value: float | None, digits: int = 3) -> str:
    """A coefficient with ``digits`` decimals, or ``n/a`` when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value:.{digits}f}"
    # A tiny negative number (rounding noise, or a real -0.0004) reads as 0, never "-0.000".
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def fmt_ci(low: float, high: float, digits: int = 3) -> str:
    """A confidence interval as ``[low, high]``, or ``n/a``."""
    if math.isnan(low) or math.isnan(high):
        return MISSING
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def fmt_share(value: float, resamples: int) -> str:
    """A bootstrap share q; a share of zero reads as the bound ``<1/resamples``.

    ``resamples`` is the number of usable resamples, the base of the share.
    """
    if math.isnan(value):
        return MISSING
    if value == 0 and resamples > 0:
        return f"<{1 / resamples:.3f}"
    return f"{value:.3f}"


def fmt_usable(d: DimensionAgreement) -> str:
    """Usable resamples of the interval out of those drawn: ``980/1,000``; ``n/a`` if none."""
    if not d.bootstrap_resamples or d.alpha_reason:
        return MISSING
    return f"{d.bootstrap_usable:,}/{d.bootstrap_resamples:,}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def summary_rows(report: AgreementReport) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the per-dimension summary, shared with the HTML report."""
    headers = [
        "dimension",
        "level",
        "alpha",
        "95% CI",
        "usable/resamples",
        "q(<0.8)",
        "q(<0.667)",
        "alpha all",
        "% agree",
        "Fleiss",
        "Fleiss units",
        "AC1",
        "units",
        "values",
        "coders",
    ]
    rows = [
        [
            d.id,
            d.level,
            fmt(d.alpha),
            fmt_ci(*d.alpha_ci95) + (" !" if d.alpha_ci95_warning else ""),
            fmt_usable(d),
            *(
                fmt_share(d.p_alpha_below.get(t, math.nan), d.bootstrap_usable)
                for t in (0.8, 0.667)
            ),
            fmt(d.alpha_nominal_all),
            fmt(d.percent_agreement),
            fmt(d.fleiss_kappa),
            str(d.fleiss_units),
            fmt(d.gwet_ac1),
            str(d.alpha_units),
            str(d.pairable_values),
            str(len(d.coders)),
        ]
        for d in report.dimensions
    ]
    return headers, rows


def reasons(d: DimensionAgreement) -> list[tuple[str, str]]:
    """(figure, reason) for every undefined headline figure of a dimension."""
    found = [
        ("alpha", d.alpha_reason),
        ("alpha (nominal, all categories)", d.alpha_nominal_all_reason),
        ("confidence interval", d.alpha_ci95_reason if not d.alpha_reason else ""),
        ("percent agreement", d.percent_agreement_reason),
        ("Fleiss' kappa", d.fleiss_kappa_reason),
        ("Gwet's AC1", d.gwet_ac1_reason),
    ]
    return [(name, why) for name, why in found if why]


def format_dimension(d: DimensionAgreement) -> list[str]:
    """The pairs and coder diagnostics of one dimension as text lines."""
    lines = [f"{d.id} ({d.level}): {d.label}"]
    if d.missing_categories:
        missing = ", ".join(d.missing_categories)
        lines.append(
            f"  not applicable, missing in alpha and in weighted kappa: {missing}; "
            "percent agreement, Fleiss' kappa and AC1 count it as a category"
        )
    if d.alpha_ci95_warning:
        lines.append(f"  warning (95% CI, marked !): {d.alpha_ci95_warning}")
    for name, why in reasons(d):
        lines.append(f"  {name} undefined: {why}")
    if d.pairs:
        weights = d.pairs[0].weights
        pair_rows = [
            [
                f"{p.coders[0]} / {p.coders[1]}",
                str(p.units),
                fmt(p.percent_agreement),
                fmt(p.cohen_kappa),
                str(p.kappa_units),
            ]
            for p in d.pairs
        ]
        kappa = "kappa" if weights == "none" else f"kappa ({weights} by {d.pairs[0].weights_by})"
        lines += [
            "  " + row
            for row in _table(
                ["pair", "units", "% agree", kappa, "kappa units"], pair_rows, {1, 2, 3, 4}
            )
        ]
    if d.coder_diagnostics:
        coder_rows = [
            [
                c.coder,
                str(c.units),
                fmt(c.alpha_without),
                fmt(c.alpha_change),
                fmt(c.majority_agreement),
                str(c.majority_units),
            ]
            for c in d.coder_diagnostics
        ]
        headers = ["coder", "units", "alpha without", "change", "with majority", "majority units"]
        lines += ["  " + row for row in _table(headers, coder_rows, {1, 2, 3, 4, 5})]
    for note in d.notes:
        lines.append(f"  note: {note}")
    return lines


def format_table(report: AgreementReport) -> str:
    """The report as plain-text tables for the terminal.

    Parameters
    ----------
    report : AgreementReport

    Returns
    -------
    str
        A summary table of every dimension (alpha at the dimension's level with its
        bootstrap interval and the shares q of resampled alphas below 0.8 and 0.667, the
        nominal alpha over all categories, percent agreement, Fleiss' kappa, Gwet's AC1,
        pairable units and values), then each dimension's coder pairs and coders.
    """
    boot = report.bootstrap
    if boot.resamples:
        how = f"bootstrap: {boot.resamples:,} resamples of {boot.method}, seed {boot.seed}"
    else:
        how = "no bootstrap"
    scheme = f"{report.scheme_title} ({report.scheme_id} {report.scheme_version})"
    lines = [
        f"Inter-coder agreement: {scheme}",
        f"coders: {', '.join(report.coders) or 'none'}; {how}",
        "",
    ]
    headers, rows = summary_rows(report)
    lines += _table(headers, rows, set(range(2, len(headers))))
    lines.append(
        "q: share of the usable bootstrap resamples whose alpha is below the threshold; "
        "units, values: pairable units (two or more values at the dimension's level) and "
        "their values"
    )
    for d in report.dimensions:
        lines += ["", *format_dimension(d)]
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
