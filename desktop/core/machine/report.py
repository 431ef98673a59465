"""The models report as JSON, a terminal table and an HTML page (formatting only)."""

from __future__ import annotations

import html
import math
from dataclasses import asdict

import numpy as np

from desktop.core.machine.scoring import Comparison, ModelsReport


def _plain(value: object) -> object:
    """Numpy scalars and arrays as Python values, ``nan`` and infinities as ``None``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    return value


def report_to_json(report: ModelsReport) -> dict:
    """Plain JSON data; ``nan`` becomes ``null``. Every model is marked ``kind: model``."""
    models = []
    for score in report.models:
        m = score.model
        models.append(
            {
                "id": m.id,
                "kind": "model",
                "method": m.method,
                "basis": m.basis,
                "basis_hash": m.basis_hash,
                "parameters": m.parameters,
                "library_versions": m.library_versions,
                "report": m.report,
                "created_at": m.created_at,
                "dimensions": [asdict(d) for d in score.dimensions],
            }
        )
    return _plain(
        {
            "scheme": {"id": report.scheme_id, "version": report.scheme_version},
            "human_coders": list(report.humans),
            "bootstrap": {"resamples": report.bootstrap, "seed": report.seed},
            "alt_test_epsilon": report.epsilon,
            "models": models,
            "notes": report.notes,
            "methods": report.methods,
        }
    )


def _f(value: float, digits: int = 3) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.{digits}f}")
    )


def _ci(ci: tuple[float, float]) -> str:
    return "—" if any(math.isnan(v) for v in ci) else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _verdict(passed: bool | None) -> str:
    return "—" if passed is None else ("PASSED" if passed else "FAILED")


def format_table(report: ModelsReport) -> str:
    """The report for a terminal."""
    lines = [f"Models scored against the human coders ({', '.join(report.humans) or 'none'})"]
    for score in report.models:
        m = score.model
        lines.append("")
        lines.append(f"[model] {m.id}  ({m.method}; basis {m.basis or '—'})")
        for d in score.dimensions:
            lines.append(f"  {d.dimension} ({d.level}), {d.model_units} units coded by the model")
            lines.append(
                f"    {'against':<14} {'units':>6} {'alpha':>7} {'95% CI':>18} "
                f"{'kappa':>7} {'accuracy':>9}"
            )
            for c in d.comparisons:
                lines.append(
                    f"    {c.reference:<14} {c.units:>6} {_f(c.alpha):>7} {_ci(c.alpha_ci95):>18} "
                    f"{_f(c.cohen_kappa):>7} {_f(c.accuracy):>9}"
                )
            for r in d.replacements:
                lines.append(
                    f"    in place of {r.replaced}: alpha {_f(r.swapped_alpha)} vs humans "
                    f"{_f(r.humans_alpha)}, difference {_f(r.difference)} {_ci(r.ci95)}"
                    f" over {r.units} units"
                )
            a = d.alt_test
            lines.append(
                f"    alt-test (epsilon {a.epsilon}): winning rate {_f(a.winning_rate, 2)}, "
                f"advantage probability {_f(a.advantage_probability, 2)}: {_verdict(a.passed)}"
                + (f" ({a.reason})" if a.reason else "")
            )
            if d.run_to_run is not None:
                rr = d.run_to_run
                lines.append(
                    f"    run to run ({rr.runs} runs): alpha {_f(rr.alpha)} {_ci(rr.alpha_ci95)}"
                )
    for note in report.notes:
        lines.append(f"note: {note}")
    if report.methods:
        lines += ["", report.methods]
    return "\n".join(lines)


def _confusion_html(c: Comparison) -> str:
    head = "".join(f"<th>{html.escape(code)}</th>" for code in c.categories)
    rows = []
    for i, code in enumerate(c.categories):
        cells = "".join(f"<td>{int(v)}</td>" for v in np.asarray(c.confusion)[i])
        rows.append(f"<tr><th>{html.escape(code)}</th>{cells}</tr>")
    return (
        f"<table class='confusion'><caption>{html.escape(c.reference)} (rows) × model "
        f"(columns)</caption><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )


def _categories_html(c: Comparison) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(k.code)}</th><td>{k.support}</td><td>{_f(k.precision)}</td>"
        f"<td>{_f(k.recall)}</td><td>{_f(k.f1)}</td></tr>"
        for k in c.per_category
    )
    return (
        f"<table class='categories'><caption>against {html.escape(c.reference)}</caption>"
        "<tr><th></th><th>support</th><th>precision</th><th>recall</th><th>F1</th></tr>"
        f"{rows}</table>"
    )


def render_html(report: ModelsReport, *, project_name: str = "") -> str:
    """A standalone HTML page of the report."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Models — {e(project_name)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}"
        ".model{background:#eef;border-radius:3px;padding:0 4px;font-size:80%}</style>",
        "</head><body>",
        f"<h1>Models as coders — {e(project_name)}</h1>",
        f"<p>Human coders: {e(', '.join(report.humans) or 'none')}</p>",
    ]
    for score in report.models:
        m = score.model
        parts.append(
            f"<h2><span class='model'>model</span> {e(m.id)}</h2><p>{e(m.method)}; basis "
            f"{e(m.basis)}; sha256 {e(m.basis_hash[:12])}</p>"
        )
        for d in score.dimensions:
            parts.append(f"<h3>{e(d.dimension)} ({e(d.level)})</h3>")
            parts.append(
                "<table><tr><th>against</th><th>units</th><th>alpha</th><th>95% CI</th>"
                "<th>kappa</th><th>accuracy</th></tr>"
            )
            for c in d.comparisons:
                parts.append(
                    f"<tr><td>{e(c.reference)}</td><td>{c.units}</td><td>{_f(c.alpha)}</td>"
                    f"<td>{_ci(c.alpha_ci95)}</td><td>{_f(c.cohen_kappa)}</td>"
                    f"<td>{_f(c.accuracy)}</td></tr>"
                )
            parts.append("</table>")
            for c in d.comparisons:
                if c.kind != "human":
                    parts.append(_confusion_html(c))
                    parts.append(_categories_html(c))
            for r in d.replacements:
                parts.append(
                    f"<p>In place of {e(r.replaced)}: alpha {_f(r.swapped_alpha)} vs "
                    f"{_f(r.humans_alpha)}, difference {_f(r.difference)} {_ci(r.ci95)}</p>"
                )
            a = d.alt_test
            parts.append(
                f"<p>Alternative annotator test (ε = {a.epsilon}): winning rate "
                f"{_f(a.winning_rate, 2)}, advantage probability "
                f"{_f(a.advantage_probability, 2)} — <b>{_verdict(a.passed)}</b></p>"
            )
            if d.run_to_run is not None:
                parts.append(
                    f"<p>Run to run ({d.run_to_run.runs} runs): alpha "
                    f"{_f(d.run_to_run.alpha)} {_ci(d.run_to_run.alpha_ci95)}</p>"
                )
    for note in report.notes:
        parts.append(f"<p><i>{e(note)}</i></p>")
    if report.methods:
        parts.append(f"<h2>Methods</h2><p>{e(report.methods)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
