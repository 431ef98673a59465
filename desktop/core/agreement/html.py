"""The agreement report as one self-contained HTML file (inline CSS, inline SVG charts).

The page comes from the template ``exports/agreement_report.html`` (string.Template);
the tables and charts are built here from an :class:`AgreementReport`, with the number
formatting of :mod:`desktop.core.agreement.text`. Nothing is loaded from elsewhere.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from html import escape
from string import Template

from desktop.core.agreement.methods import methods_paragraph
from desktop.core.agreement.results import AgreementReport, DimensionAgreement, DriftPoint
from desktop.core.agreement.text import MISSING, fmt, reasons, summary_rows
from desktop.core.resources import data_dir

TEMPLATE_NAME = "agreement_report.html"

# Red below 0, through amber at .667 and light green at .8, to green at 1.
_STOPS = (
    (0.0, (215, 48, 39)),
    (0.667, (254, 224, 139)),
    (0.8, (166, 217, 106)),
    (1.0, (26, 152, 80)),
)
_UNDEFINED = "#e5e7eb"


def load_template() -> Template:
    """The report template from the installed ``exports`` folder."""
    path = data_dir("exports") / TEMPLATE_NAME
    return Template(path.read_text(encoding="utf-8"))


def colour(value: float) -> str:
    """Fill colour of a coefficient on the red-amber-green scale (grey when undefined)."""
    if math.isnan(value):
        return _UNDEFINED
    v = min(max(value, 0.0), 1.0)
    for (x0, c0), (x1, c1) in itertools.pairwise(_STOPS):
        if v <= x1:
            t = (v - x0) / (x1 - x0)
            rgb = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*_STOPS[-1][1])


def kappa_colour(value: float) -> str:
    """Fill colour of a Cohen's kappa: white at 0 or below to blue at 1 (grey when undefined).

    A plain sequential scale: alpha's .667 and .8 thresholds are Krippendorff's for alpha
    and are not applied to kappa.
    """
    if math.isnan(value):
        return _UNDEFINED
    t = min(max(value, 0.0), 1.0)
    low, high = (247, 251, 255), (33, 102, 172)
    rgb = (round(a + (b - a) * t) for a, b in zip(low, high, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _cell(text: str, *, cls: str = "", style: str = "", title: str = "") -> str:
    attrs = ""
    if cls or text == MISSING:
        attrs += f' class="{cls or "undefined"}"'
    if style:
        attrs += f' style="{style}"'
    if title:
        attrs += f' title="{escape(title)}"'
    return f"<td{attrs}>{escape(text)}</td>"


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1) -> str:
    """A plain table: the first ``text_columns`` columns are text, the others numbers."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(_cell(c, cls="text") for c in row[:text_columns])
        + "".join(_cell(c) for c in row[text_columns:])
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def pair_heatmap(d: DimensionAgreement) -> str:
    """Coder x coder heatmap of Cohen's kappa as inline SVG ("" with fewer than 2 coders)."""
    coders = d.coders
    if len(coders) < 2:
        return ""
    lookup = {}
    for p in d.pairs:
        lookup[p.coders] = lookup[p.coders[::-1]] = p
    cell = 58
    margin = 12 + 7 * max(len(c) for c in coders)
    size = margin + cell * len(coders) + 8
    parts = []
    for i, name in enumerate(coders):
        y = margin + i * cell + cell / 2
        x = margin + i * cell + cell / 2
        parts.append(
            f'<text x="{margin - 6}" y="{y + 4}" text-anchor="end">{escape(name)}</text>'
            f'<text x="{x}" y="{margin - 8}" text-anchor="middle">{escape(name)}</text>'
        )
        for j, other in enumerate(coders):
            x0, y0 = margin + j * cell, margin + i * cell
            if i == j:
                parts.append(
                    f'<rect x="{x0}" y="{y0}" width="{cell - 2}" height="{cell - 2}" '
                    'fill="#f6f8fa"/>'
                )
                continue
            p = lookup[(name, other)]
            kind = (
                "kappa"
                if p.weights == "none"
                else f"kappa weighted {p.weights}ly by {p.weights_by}"
            )
            tip = (
                f"{name} and {other}: {p.units} shared units, percent agreement "
                f"{fmt(p.percent_agreement)}, {kind} {fmt(p.cohen_kappa)}"
            )
            if p.cohen_kappa_reason:
                tip += f" ({p.cohen_kappa_reason})"
            text = fmt(p.cohen_kappa, 2)
            parts.append(
                f"<g><title>{escape(tip)}</title>"
                f'<rect x="{x0}" y="{y0}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{kappa_colour(p.cohen_kappa)}"/>'
                f'<text x="{x0 + (cell - 2) / 2}" y="{y0 + cell / 2 + 2}" '
                f'text-anchor="middle">{escape(text)}</text></g>'
            )
    return _svg(size, size, "".join(parts), f"Cohen's kappa of each pair of coders on {d.id}")


def coincidence_table(d: DimensionAgreement) -> str:
    """The coincidence matrix as a shaded HTML table with marginal totals."""
    categories = d.coincidence.categories
    o = d.coincidence.matrix
    top = float(o.max()) if o.size and o.max() > 0 else 1.0
    head = (
        "<th></th>"
        + "".join(f"<th>{escape(c)}</th>" for c in categories)
        + "<th>n<sub>c</sub></th>"
    )
    rows = []
    for i, code in enumerate(categories):
        cells = "".join(
            _cell(
                f"{o[i, j]:.2f}",
                style=f"background: rgba(31, 119, 180, {0.08 + 0.6 * o[i, j] / top:.2f})",
            )
            for j in range(len(categories))
        )
        rows.append(f"<tr><th>{escape(code)}</th>{cells}{_cell(f'{o[i].sum():.0f}')}</tr>")
    total = "".join(_cell(f"{o[:, j].sum():.0f}") for j in range(len(categories)))
    rows.append(f"<tr><th>n<sub>k</sub></th>{total}{_cell(f'{o.sum():.0f}')}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def drift_chart(points: Sequence[DriftPoint], title: str, *, markers: bool) -> str:
    """Alpha per period as an inline SVG line chart with the .8 and .667 thresholds."""
    if not points:
        return ""
    width, height = 640, 230
    left, right, top, bottom = 64, 40, 24, 36
    alphas = [p.alpha for p in points]
    defined = [a for a in alphas if not math.isnan(a)]
    floor = min([0.5, *defined])
    y_min = math.floor(floor * 10) / 10
    y_min = max(y_min, -1.0)

    def x(i: int) -> float:
        if len(points) == 1:
            return left + (width - left - right) / 2
        return left + i * (width - left - right) / (len(points) - 1)

    def y(a: float) -> float:
        return top + (1.0 - a) * (height - top - bottom) / (1.0 - y_min)

    parts = [f'<text x="{left}" y="14">{escape(title)}</text>']
    tick = 1.0
    while tick >= y_min - 1e-9:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d1d9e0" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.1f}</text>'
        )
        tick = round(tick - (0.1 if 1.0 - y_min <= 0.6 else 0.2), 10)
    for threshold, dash in ((0.8, "6 3"), (0.667, "2 3")):
        if threshold >= y_min:
            parts.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y(threshold):.1f}" '
                f'y2="{y(threshold):.1f}" stroke="#9a3412" stroke-dasharray="{dash}"/>'
            )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, a in enumerate(alphas):
        if math.isnan(a):
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{x(i):.1f},{y(max(a, y_min)):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="#1f77b4" '
                'stroke-width="1.5"/>'
            )
    if markers or len(defined) == 1:
        for i, p in enumerate(points):
            if math.isnan(p.alpha):
                continue
            tip = f"{p.label}: alpha {fmt(p.alpha)}, {p.units} units ({p.start} to {p.end})"
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(max(p.alpha, y_min)):.1f}" r="3" fill="#1f77b4">'
                f"<title>{escape(tip)}</title></circle>"
            )
    shown = range(len(points)) if len(points) <= 12 else (0, len(points) - 1)
    for i in shown:
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(points[i].label)}</text>"
        )
    return _svg(width, height, "".join(parts), title)


def _per_category_table(d: DimensionAgreement) -> str:
    rows = [[c.code, c.label, str(c.values), fmt(c.alpha)] for c in d.per_category]
    headers = ["category", "label", "pairable values", "alpha (this vs. rest)"]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + _cell(r[0], cls="text")
        + _cell(r[1], cls="text")
        + _cell(r[2])
        + _cell(r[3], title=c.alpha_reason)
        + "</tr>"
        for r, c in zip(rows, d.per_category, strict=True)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _coder_table(d: DimensionAgreement) -> str:
    headers = [
        "coder",
        "units",
        f"alpha without ({d.level})",
        "change",
        "agreement with majority",
        "majority units",
    ]
    rows = [
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
    return html_table(headers, rows)


def _pairs_table(d: DimensionAgreement) -> str:
    if not d.pairs:
        return ""
    weights = d.pairs[0].weights
    kappa = (
        "Cohen's kappa"
        if weights == "none"
        else f"Cohen's kappa ({weights} weights by {d.pairs[0].weights_by})"
    )
    rows = [
        [
            f"{p.coders[0]} / {p.coders[1]}",
            str(p.units),
            fmt(p.percent_agreement),
            fmt(p.cohen_kappa),
            str(p.kappa_units),
        ]
        for p in d.pairs
    ]
    return html_table(["pair", "shared units", "% agreement", kappa, "kappa units"], rows)


def plan_section(plan) -> str:
    """The sample-size planner's figures for one dimension (a :class:`DimensionPlan`).

    The same numbers as ``stancecoder plan`` and the agreement view's planner line.
    """
    from desktop.core.agreement.planner import plan_summary

    def n(value: int | None) -> str:
        return "-" if value is None else f"{value:,}"

    target = f"{plan.target:.3f}"
    rows = [
        [
            f"{plan.units:,}",
            fmt(plan.alpha),
            f"{plan.smallest_share:.3f} ({plan.smallest_category})",
            n(plan.rule_target),
            n(plan.rule_lower),
            n(plan.needed_target),
            n(plan.needed_lower),
        ]
    ]
    headers = [
        "pairable units",
        "alpha",
        "p_c (least frequent)",
        f"rule, alpha_min {target}",
        "rule, lower",
        f"data, {target}",
        "data, lower",
    ]
    return (
        '<h3>Sample size</h3><p class="plan">'
        + escape(plan_summary(plan))
        + "</p>"
        + html_table(headers, rows, text_columns=0)
        + f'<p class="note">{escape(plan.reason)} Rule: Krippendorff (2019) after Bloch &amp; '
        "Kraemer (1989); data: pairable units in all for the lower bound of the interval to "
        "clear the threshold in 80% of bootstrap samples of the units coded so far.</p>"
    )


def dimension_section(d: DimensionAgreement, plan=None) -> str:
    """One dimension's figures, diagnostics and charts (and its sample-size plan, if any)."""
    parts = [
        f'<h2 id="dim-{escape(d.id)}">{escape(d.id)}: {escape(d.label)} ({escape(d.level)})</h2>'
    ]
    if d.missing_categories:
        missing = ", ".join(d.missing_categories)
        parts.append(
            f'<p class="note">Not applicable, treated as missing in the {escape(d.level)} alpha '
            f"and in the weighted kappa: {escape(missing)}. Percent agreement, Fleiss' kappa "
            "and AC1 count it as a category. The nominal alpha over all categories is "
            f"{escape(fmt(d.alpha_nominal_all))}.</p>"
        )
    basis = (
        f"Fleiss' kappa rests on {d.fleiss_units:,} units coded by every coder; percent "
        f"agreement and AC1 on {d.units:,} units coded by two or more, AC1's category "
        f"shares on {d.gwet_ac1_pi_units:,} units with at least one value."
    )
    if d.bootstrap_resamples and not d.alpha_reason:
        basis = (
            f"95% CI from {d.bootstrap_usable:,} usable of {d.bootstrap_resamples:,} "
            f"bootstrap resamples of {d.bootstrap_method}"
            + (f" ({d.bootstrap_clusters:,} articles)" if d.bootstrap_clusters else "")
            + ". "
            + basis
        )
    parts.append(f'<p class="note">{escape(basis)}</p>')
    if d.alpha_ci95_warning:
        parts.append(
            f'<p class="reason">Warning on the 95% CI (marked !): '
            f"{escape(d.alpha_ci95_warning)}.</p>"
        )
    for name, why in reasons(d):
        parts.append(f'<p class="reason">{escape(name)} is undefined: {escape(why)}</p>')
    for note in d.notes:
        parts.append(f'<p class="note">{escape(note)}</p>')
    heatmap = pair_heatmap(d)
    if heatmap:
        parts.append(
            '<h3>Coder pairs</h3><div class="charts"><figure>'
            + heatmap
            + "<figcaption>Cohen's kappa of each pair, white (0 or below) to blue (1); "
            + "hover for units and percent agreement."
            + "</figcaption></figure><div>"
            + _pairs_table(d)
            + "</div></div>"
        )
    if plan is not None:
        parts.append(plan_section(plan))
    parts.append("<h3>Coincidence matrix (all categories)</h3>" + coincidence_table(d))
    parts.append("<h3>Agreement per category</h3>" + _per_category_table(d))
    if d.coder_diagnostics:
        parts.append("<h3>Coders</h3>" + _coder_table(d))
    if d.drift is not None:
        parts.append("<h3>Agreement over time</h3>")
        if d.drift.reason:
            parts.append(f'<p class="note">{escape(d.drift.reason)}</p>')
        charts = [
            drift_chart(d.drift.by_week, f"alpha per ISO week ({d.id})", markers=True),
            drift_chart(d.drift.by_month, f"alpha per month ({d.id})", markers=True),
            drift_chart(
                d.drift.by_batch,
                f"alpha per batch of {d.drift.batch_size} units in coding order ({d.id})",
                markers=len(d.drift.by_batch) <= 40,
            ),
        ]
        figures = "".join(f"<figure>{c}</figure>" for c in charts if c)
        if figures:
            parts.append(
                f'<div class="charts">{figures}</div><p class="note">Time of a unit: '
                f"{escape(d.drift.time_basis)}. Dashed lines: alpha = .8 and .667.</p>"
            )
    return "\n".join(parts)


def calibration_section(rows: Sequence[dict]) -> str:
    """Per-coder accuracy against gold on the calibration units (empty without any)."""
    if not rows:
        return ""
    table = html_table(
        ["coder", "dimension", "units", "agree with gold", "accuracy"],
        [
            [r["coder"], r["dimension"], f"{r['units']:,}", f"{r['agree']:,}", fmt(r["accuracy"])]
            for r in rows
        ],
        text_columns=2,
    )
    return (
        "<h2>Calibration against gold</h2>"
        + table
        + "<p class=\"note\">Gold units placed in coders' queues, counted once the coder's "
        "labels on every dimension are final. These codings are left out of the reliability "
        "figures above. Over time and per category: stancecoder calibration PROJECT.</p>"
    )


def render_html(report: AgreementReport, *, project_name: str, notes: Sequence[str] = ()) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    report : AgreementReport
    project_name : str
        Shown in the title.
    notes : sequence of str
        Extra notes for the end of the page (filters applied, sample drawn, ...).

    Returns
    -------
    str
        HTML with inline CSS and SVG, no scripts and no external resources.
    """
    headers, rows = summary_rows(report)
    plans = {p.dimension: p for p in report.plans}
    boot = report.bootstrap
    if boot.resamples:
        bootstrap = (
            f"Bootstrap: {boot.resamples:,} resamples, seed {boot.seed}; {boot.description}."
        )
    else:
        bootstrap = "No bootstrap was requested, so there are no confidence intervals."
    all_notes = [*report.notes, *notes]
    notes_html = ""
    if all_notes:
        items = "".join(f"<li>{escape(n)}</li>" for n in all_notes)
        notes_html = f"<h2>Notes</h2><ul>{items}</ul>"
    meta = (
        f"Scheme {report.scheme_title} ({report.scheme_id}, version {report.scheme_version}); "
        f"coders: {', '.join(report.coders) or 'none'}"
    )
    return load_template().substitute(
        title=escape(f"Inter-coder agreement: {project_name}"),
        meta=escape(meta),
        summary=html_table(headers, rows, text_columns=2),
        methods=escape(methods_paragraph(report)),
        bootstrap=escape(bootstrap),
        dimensions="\n".join(
            [
                *(dimension_section(d, plans.get(d.id)) for d in report.dimensions),
                calibration_section(report.calibration),
            ]
        ),
        notes=notes_html,
    )
