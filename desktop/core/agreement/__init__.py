"""Inter-coder agreement: Krippendorff's alpha with bootstrap intervals, kappas, AC1, diagnostics.

Pure Python over numpy and pandas (no Qt, no SQL): long labels in, plain dataclasses
out, formatting (terminal table, JSON, HTML report) kept apart from the computation.

>>> report = compute_agreement(labels, scheme)            # doctest: +SKIP
>>> print(format_table(report))                           # doctest: +SKIP
>>> html = render_html(report, project_name="Korea op-eds")  # doctest: +SKIP
"""

from desktop.core.agreement.alpha import (
    AlphaResult,
    alpha_and_coincidences,
    alpha_from_coincidences,
    coincidence_matrix,
    value_counts,
)
from desktop.core.agreement.bootstrap import BootstrapResult, bootstrap_alpha
from desktop.core.agreement.coefficients import (
    Estimate,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    linear_weights,
    percent_agreement,
)
from desktop.core.agreement.compute import compute_agreement
from desktop.core.agreement.html import render_html
from desktop.core.agreement.labels import filter_labels
from desktop.core.agreement.results import (
    AgreementReport,
    DimensionAgreement,
    report_to_json,
)
from desktop.core.agreement.text import format_table

__all__ = [
    "AgreementReport",
    "AlphaResult",
    "BootstrapResult",
    "DimensionAgreement",
    "Estimate",
    "alpha_and_coincidences",
    "alpha_from_coincidences",
    "bootstrap_alpha",
    "cohen_kappa",
    "coincidence_matrix",
    "compute_agreement",
    "filter_labels",
    "fleiss_kappa",
    "format_table",
    "gwet_ac1",
    "linear_weights",
    "percent_agreement",
    "render_html",
    "report_to_json",
    "value_counts",
]
