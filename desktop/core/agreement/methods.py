"""A methods paragraph a researcher can paste into a paper, in APA number style."""

from __future__ import annotations

import math

from desktop.core.agreement.results import AgreementReport, DimensionAgreement

UNIT_NOUN = "sentences"


def apa(value: float, digits: int = 2) -> str:
    """A coefficient bounded by 1 without its leading zero: ``.81``, ``-.12``, ``1.00``."""
    if math.isnan(value):
        return "undefined"
    text = f"{value:.{digits}f}"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def apa_q(value: float, resamples: int) -> str:
    """``q = .24``; ``q < .001`` when no resample fell below, ``q > .999`` when all did."""
    bound = 1 / resamples
    if value == 0:
        return f"q < {apa(bound, 3)}"
    if value == 1:
        return f"q > {apa(1 - bound, 3)}"
    return f"q = {apa(value, 3 if min(value, 1 - value) < 0.01 else 2)}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n != 1 else f"1 {word.rstrip('s')}"


def dimension_sentence(d: DimensionAgreement, resamples: int) -> str:
    """One dimension's alpha, interval, q and basis as a sentence."""
    if math.isnan(d.alpha):
        return f"For {d.id} ({d.level}), Krippendorff's alpha is undefined: {d.alpha_reason}."
    text = f"Krippendorff's alpha ({d.level}) for {d.id} was {apa(d.alpha)}"
    low, high = d.alpha_ci95
    if not (math.isnan(low) or math.isnan(high)):
        text += f", 95% CI [{apa(low)}, {apa(high)}] ({resamples:,} bootstrap resamples of units)"
    text += (
        f", based on {_plural(d.alpha_units, UNIT_NOUN)} coded by "
        f"{_plural(len(d.coders), 'coders')} ({d.pairable_values:,} pairable values)"
    )
    if d.missing_categories:
        missing = ", ".join(f"'{c}'" for c in d.missing_categories)
        text += (
            f"; {missing} (not applicable) was treated as missing, and the nominal alpha "
            f"over all categories was {apa(d.alpha_nominal_all)}"
        )
    text += "."
    shares = {t: p for t, p in d.p_alpha_below.items() if not math.isnan(p)}
    if shares and resamples:
        parts = [f"below {f'{t:g}'.lstrip('0')}, {apa_q(p, resamples)}" for t, p in shares.items()]
        text += " The probability that alpha falls " + "; ".join(parts) + "."
    return text


def methods_paragraph(report: AgreementReport) -> str:
    """The methods paragraph of ``report`` as plain text.

    It names the coefficients, their basis (units, coders, pairable values), the
    treatment of not-applicable categories, and the bootstrap, with the difference from
    Hayes and Krippendorff's (2007) KALPHA.
    """
    resamples = report.bootstrap.resamples
    sentences = [dimension_sentence(d, resamples) for d in report.dimensions]
    if resamples:
        sentences.append(
            "Confidence intervals are percentile intervals of a nonparametric bootstrap that "
            "resamples units with replacement and recomputes both observed and expected "
            f"disagreement in each resample (seed {report.bootstrap.seed}); q is the share of "
            "resampled alphas below the threshold. Hayes and Krippendorff's (2007) KALPHA "
            "macro instead resamples pairs of values with the expected disagreement held "
            "fixed, so its intervals can differ."
        )
    sentences.append(
        "Percent agreement, Fleiss' kappa (over the units coded by every coder), Gwet's AC1 "
        "and pairwise Cohen's kappa (linearly weighted on ordinal dimensions) are reported "
        "as supplementary coefficients; alpha was computed with the krippendorff Python "
        "package in Stance Coder."
    )
    return " ".join(sentences)
