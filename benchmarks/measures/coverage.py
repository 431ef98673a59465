"""agreement_ci_coverage: how often the bootstrap's 95% interval holds the true alpha.

A coverage simulation (issue 18, points 5 and 6), not a timing. Reliability data are
drawn from a known population many times; each sample gets the interval the engine
reports (:func:`desktop.core.agreement.bootstrap.bootstrap_alpha`, 1,000 resamples), and
coverage is the share of samples whose interval contains the population's alpha.

Population
    Articles of 8 to 40 sentences. Each article has its own mix of categories (a
    Dirichlet draw around skewed shares) and its own difficulty: a coder copies the
    sentence's true category with probability ``1 - e``, ``e`` drawn per article from a
    Beta distribution, and otherwise picks a category at random. Two or three coders.
    ``independent`` draws every sentence from its own fresh article (no clustering);
    ``clustered`` keeps the articles' sentences together, as a sample of articles does.
True alpha
    Alpha of the pooled coincidences of a very large sample (60,000 articles), whose own
    sampling error (< .002) is far below the widths being judged.
Reported
    Coverage of the unit bootstrap for independent sentences at 20, 50, 100 and 200
    pairable units (also for a population with a rare category, 90/10); coverage of
    the unit bootstrap and of the article (cluster) bootstrap for clustered sentences
    at 10, 20, 30, 60 and 120 articles. Replications
    whose interval is withheld (too few usable resamples) are counted apart. The binomial
    standard error of a coverage near .95 from 400 replications is about .011.
"""

from __future__ import annotations

import math
import time

import numpy as np

from benchmarks.harness import Result

CONFIDENCE = 0.95
RESAMPLES = 1000


class Population:
    """A population of articles for one level of measurement."""

    def __init__(self, level: str, coders: int, shares: tuple[float, ...], seed: int):
        self.level = level
        self.coders = coders
        self.shares = np.asarray(shares, dtype=float)
        self.k = len(shares)
        self.values = np.arange(self.k, dtype=float)
        self.seed = seed

    def sample(self, rng: np.random.Generator, articles: int, clustered: bool):
        """Value counts (units x K) and the article of each unit."""
        sizes = rng.integers(8, 41, size=articles)
        if not clustered:
            # The same number of sentences, each from its own article.
            n = int(sizes.sum())
            sizes = np.ones(n, dtype=np.int64)
            articles = n
        mix = rng.dirichlet(self.shares * 8.0, size=articles)
        error = rng.beta(2.0, 6.0, size=articles)
        article = np.repeat(np.arange(articles), sizes)
        n_units = article.size
        cum = mix.cumsum(axis=1)[article]
        truth = (rng.random(n_units)[:, None] > cum).sum(axis=1).clip(0, self.k - 1)
        copies = rng.random((self.coders, n_units)) >= error[article]
        random = rng.integers(0, self.k, size=(self.coders, n_units))
        codes = np.where(copies, truth, random)
        counts = np.zeros((n_units, self.k), dtype=np.int64)
        for row in codes:
            np.add.at(counts, (np.arange(n_units), row), 1)
        return counts, article

    def true_alpha(self) -> float:
        from desktop.core.agreement.alpha import alpha_from_coincidences, coincidence_matrix

        rng = np.random.default_rng([self.seed, 0])
        counts, _ = self.sample(rng, 60_000, clustered=True)
        return float(alpha_from_coincidences(coincidence_matrix(counts), self.level, self.values))


def coverage(
    population: Population,
    truth: float,
    *,
    articles: int | None = None,
    units: int | None = None,
    method: str,
    replications: int,
    seed: int,
) -> dict:
    """Coverage of one design: ``units`` independent sentences, or ``articles`` articles."""
    from desktop.core.agreement.bootstrap import bootstrap_alpha

    rng = np.random.default_rng(seed)
    held = withheld = 0
    widths = []
    for _ in range(replications):
        if units is not None:
            counts, article = population.sample(rng, 1, clustered=False)
            # Trim or extend to exactly ``units`` sentences.
            while counts.shape[0] < units:
                more, _ = population.sample(rng, 1, clustered=False)
                counts = np.vstack([counts, more])
            counts = counts[:units]
            article = np.arange(units)
        else:
            counts, article = population.sample(rng, articles, clustered=True)
        result = bootstrap_alpha(
            counts,
            population.level,
            population.values,
            resamples=RESAMPLES,
            rng=rng,
            clusters=article if method == "articles" else None,
        )
        if np.isnan(result.low):
            withheld += 1
            continue
        held += result.low <= truth <= result.high
        widths.append(result.high - result.low)
    shown = replications - withheld
    return {
        "coverage": held / shown if shown else float("nan"),
        "replications": replications,
        "withheld": withheld,
        "median_width": float(np.median(widths)) if widths else float("nan"),
    }


POPULATIONS = {
    "nominal_skewed_2coders": ("nominal", 2, (0.7, 0.2, 0.1)),
    "ordinal_3coders": ("ordinal", 3, (0.2, 0.3, 0.3, 0.2)),
}
# Only independent sentences: a rare category, where small samples are hardest.
RARE = {"nominal_rare_2coders": ("nominal", 2, (0.9, 0.1))}
UNIT_SIZES = (20, 50, 100, 200)
ARTICLE_COUNTS = (10, 20, 30, 60, 120)


def measure_coverage(replications: int) -> Result:
    """Run the simulation; the headline is the article bootstrap's coverage at 30 articles."""
    started = time.perf_counter()
    figures: dict[str, float] = {}
    details: dict = {"replications": replications, "resamples": RESAMPLES, "designs": {}}
    for p_index, (name, (level, coders, shares)) in enumerate({**POPULATIONS, **RARE}.items()):
        population = Population(level, coders, shares, seed=1000 + p_index)
        truth = population.true_alpha()
        details["designs"][name] = {"true_alpha": round(truth, 4)}
        for n in UNIT_SIZES:
            out = coverage(
                population,
                truth,
                units=n,
                method="units",
                replications=replications,
                seed=n + 17 * p_index,
            )
            figures[f"{name}_independent_{n}_units"] = out["coverage"]
            details["designs"][name][f"independent {n} units, unit bootstrap"] = out
        for a in ARTICLE_COUNTS if name in POPULATIONS else ():
            for method in ("units", "articles"):
                out = coverage(
                    population,
                    truth,
                    articles=a,
                    method=method,
                    replications=replications,
                    seed=10_000 + a + 17 * p_index,
                )
                figures[f"{name}_clustered_{a}_articles_{method}"] = out["coverage"]
                details["designs"][name][f"clustered {a} articles, {method} bootstrap"] = out
    headline = min(figures[f"{name}_clustered_30_articles_articles"] for name in POPULATIONS)
    unit_100 = min(figures[f"{name}_independent_100_units"] for name in POPULATIONS)
    details["seconds"] = round(time.perf_counter() - started, 1)
    # Judged within three binomial standard errors of the nominal .95 (.917 from 400
    # replications), so that the quick run's few replications are judged fairly too.
    floor = CONFIDENCE - 3.0 * math.sqrt(CONFIDENCE * (1 - CONFIDENCE) / replications)
    details["floor"] = round(floor, 3)
    met = bool(headline >= floor and unit_100 >= floor)
    summary = (
        f"article bootstrap at 30 articles {headline:.3f}, unit bootstrap at 100 "
        f"independent units {unit_100:.3f} (worst of {len(POPULATIONS)} populations, "
        f"{replications} replications)"
    )
    return Result(
        "agreement_ci_coverage",
        "coverage of the 95% bootstrap interval of alpha, by simulation",
        headline,
        "share of intervals holding the true alpha",
        ">= .95 - 3 binomial SE (.917 at 400 replications) at 100 units and 30 articles",
        met,
        {k: round(v, 4) for k, v in figures.items()},
        details,
        summary=summary,
    )


if __name__ == "__main__":  # python -m benchmarks.measures.coverage [replications]
    import json
    import sys

    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    result = measure_coverage(reps)
    print(result.summary)
    print(json.dumps(result.figures, indent=1))
    print(json.dumps(result.details, indent=1, default=str))
