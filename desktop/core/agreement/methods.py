"""A methods paragraph a researcher can paste into a paper, in APA number style."""

from __future__ import annotations

import math

from desktop.core.agreement.results import AgreementReport, DimensionAgreement

UNIT_NOUN = "sentences"


def apa(value: float, digits: int = 2) -> str:
    """A coefficient bounded by 1 without its leading zero: ``.81``, ``-.12``, ``1.00``.

    A value that rounds to zero reads ``.00``, never ``-.00``.
    """
    if math.isnan(value):
        return "undefined"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def apa_q(value: float, resamples: int) -> str:
    """``q = .24``; ``q < .001`` when no resample fell below, ``q > .999`` when all did.

    ``resamples`` is the number of usable resamples, the base of the share.
    """
    bound = 1 / resamples
    if value == 0:
        return f"q < {apa(bound, 3)}"
    if value == 1:
        return f"q > {apa(1 - bound, 3)}"
    return f"q = {apa(value, 3 if min(value, 1 - value) < 0.01 else 2)}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n != 1 else f"1 {word.rstrip('s')}"


def _interval(d: DimensionAgreement) -> str:
    """``, 95% CI [.74, .87] (980 of 1,000 bootstrap resamples of articles usable ...)``."""
    low, high = d.alpha_ci95
    if math.isnan(low) or math.isnan(high):
        if d.bootstrap_resamples and d.alpha_ci95_reason:
            return f" (no confidence interval: {d.alpha_ci95_reason})"
        return ""
    where = f"; {_plural(d.bootstrap_clusters, 'articles')}" if d.bootstrap_clusters else ""
    return (
        f", 95% CI [{apa(low)}, {apa(high)}] ({d.bootstrap_usable:,} of "
        f"{d.bootstrap_resamples:,} bootstrap resamples of {d.bootstrap_method} usable{where})"
    )


def dimension_sentence(d: DimensionAgreement, resamples: int) -> str:
    """One dimension's alpha, interval, q and basis as a sentence."""
    if math.isnan(d.alpha):
        return f"For {d.id} ({d.level}), Krippendorff's alpha is undefined: {d.alpha_reason}."
    applicable = " applicable" if d.missing_categories else ""
    text = f"Krippendorff's alpha ({d.level}) for {d.id} was {apa(d.alpha)}"
    text += _interval(d)
    text += (
        f", based on the {_plural(d.alpha_units, UNIT_NOUN)} with two or more{applicable} "
        f"values ({d.pairable_values:,} pairable values) from "
        f"{_plural(len(d.coders), 'coders')}"
    )
    if d.missing_categories:
        missing = ", ".join(f"'{c}'" for c in d.missing_categories)
        text += (
            f"; {missing} (not applicable) was treated as missing, and the nominal alpha "
            f"over all categories was {apa(d.alpha_nominal_all)}"
        )
    text += "."
    usable = d.bootstrap_usable
    shares = {t: p for t, p in d.p_alpha_below.items() if not math.isnan(p)}
    if shares and usable:
        parts = [f"below {f'{t:g}'.lstrip('0')}, {apa_q(p, usable)}" for t, p in shares.items()]
        text += (
            " The share of usable bootstrap resamples whose alpha fell " + "; ".join(parts) + "."
        )
    if d.alpha_ci95_warning:
        text += f" Caution: {d.alpha_ci95_warning}."
    if not math.isnan(d.fleiss_kappa):
        text += (
            f" Fleiss' kappa rests on the {_plural(d.fleiss_units, UNIT_NOUN)} coded by all "
            f"{_plural(len(d.coders), 'coders')}."
        )
    return text


def methods_paragraph(report: AgreementReport) -> str:
    """The methods paragraph of ``report`` as plain text.

    It names the coefficients, their basis (units, coders, pairable values), the
    treatment of not-applicable categories, and the bootstrap (units or articles, usable
    resamples), with the difference from Hayes and Krippendorff's (2007) KALPHA.
    """
    resamples = report.bootstrap.resamples
    sentences = [dimension_sentence(d, resamples) for d in report.dimensions]
    if resamples:
        if report.bootstrap.method == "articles":
            what = (
                "resamples articles with replacement (each with all its coded sentences, "
                "since the sentences of one article are not independent)"
            )
        else:
            what = "resamples units with replacement"
        sentences.append(
            f"Confidence intervals are percentile intervals of a nonparametric bootstrap that "
            f"{what} and recomputes both observed and expected disagreement in each "
            f"resample (seed {report.bootstrap.seed}); resamples in which alpha is undefined "
            "(all values in one category) are not usable, and no interval is given when "
            "they exceed 2.5%; q is the share of usable resamples whose alpha is below the "
            "threshold. Hayes and Krippendorff's (2007) KALPHA macro instead resamples pairs "
            "of values with the expected disagreement held fixed, so its intervals can differ."
        )
    sentences.append(
        "Percent agreement, Fleiss' kappa (over the units coded by every coder), Gwet's AC1 "
        "(category shares from every unit with at least one value, as Gwet, 2014) and "
        "pairwise Cohen's kappa are reported as supplementary coefficients. The first three "
        "count every category, not-applicable ones included, whereas alpha treats those as "
        "missing; Cohen's kappa is unweighted on nominal dimensions and linearly weighted on "
        "the others (by rank on ordinal, by value on interval and ratio dimensions), over "
        "the units both coders coded with an applicable category. Alpha was computed with "
        "the krippendorff Python package in Stance Coder."
    )
    return " ".join(sentences)
