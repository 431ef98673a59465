"""The batch feature builder equals a straightforward reference, text by text.

The reference counts words with scikit-learn's own ``TfidfVectorizer`` and character
n-grams with a plain Python loop over each text using the documented hash (a rolling
polynomial over the code points modulo 2^64, salted by the length, masked to 2^20
buckets), weighted by scikit-learn's ``TfidfTransformer``. Nothing of
desktop.core.machine.features is used to build it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from desktop.core.machine.features import TextFeatures

FIT_TEXTS = [
    "The alliance is ironclad, officials said on Monday.",
    "Seoul and Washington hold talks; Beijing urges restraint!",
    "",
    "   \t\n  ",
    "ΟΔΟΣ Σίσυφος ΣΑΣ: Greek with a final sigma",
    "İstanbul naïve café — résumé, coöperate",
    "東京 と ソウル の 首脳 会談",
    "emoji 😀😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral letters",
    "a\x00b inside one text; don't split-words 42 4 2",
    "x",
    "the the THE The the",
    "Sanctions, sanctions and more sanctions.",
]
NEW_TEXTS = [
    "The alliance talks, on Monday.",  # known words, some known and some new bigrams
    "entirely unseen vocabulary zzz qqq",
    "",
    "!!! ,,, ... ???",
    "ΣΑΣ σας Σίσυφος",
    "Beijing urges the alliance",
    "東京 会談 😀",
    "a\x00b",
    "officials said officials said",
    "İSTANBUL NAÏVE",
]
MASK = (1 << 20) - 1
SALT = 0x9E3779B97F4A7C15


def _bucket(gram: str) -> int:
    h = 0
    for ch in gram:
        h = (h * 1_000_003 + ord(ch)) % (1 << 64)
    return (h ^ ((SALT * len(gram)) % (1 << 64))) & MASK


def _char_counts(texts: list[str]) -> list[Counter]:
    out = []
    for text in texts:
        lowered = text.replace("\x00", " ").lower()
        out.append(
            Counter(
                _bucket(lowered[i : i + n]) for n in (3, 4, 5) for i in range(len(lowered) - n + 1)
            )
        )
    return out


def _reference(fit: list[str], new: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    fit_words = words.fit_transform(fit)
    fit_counts = _char_counts(fit)
    column = {b: i for i, b in enumerate(sorted(set().union(*fit_counts)))}

    def matrix(counts: list[Counter]) -> sp.csr_matrix:
        dense = np.zeros((len(counts), len(column)), dtype=np.float32)
        for row, counter in enumerate(counts):
            for bucket, n in counter.items():
                if bucket in column:
                    dense[row, column[bucket]] = n
        return sp.csr_matrix(dense)

    chars = TfidfTransformer(sublinear_tf=True)
    fit_chars = chars.fit_transform(matrix(fit_counts))
    new_chars = chars.transform(matrix(_char_counts(new)))
    return (
        sp.hstack([fit_words, fit_chars], format="csr"),
        sp.hstack([words.transform(new), new_chars], format="csr"),
    )


def test_batch_features_equal_the_reference_on_varied_text():
    features = TextFeatures()
    fitted = features.fit_transform(FIT_TEXTS)
    new = features.transform(NEW_TEXTS)
    want_fitted, want_new = _reference(FIT_TEXTS, NEW_TEXTS)
    assert fitted.shape == want_fitted.shape and new.shape == want_new.shape
    np.testing.assert_allclose(fitted.toarray(), want_fitted.toarray(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(new.toarray(), want_new.toarray(), rtol=1e-5, atol=1e-7)
    # The texts are not trivially alike: words and characters both found, rows differ.
    assert new[0].nnz > 10 and new[2].nnz == 0 and new[3].nnz == 0
    assert new.has_canonical_format


def test_batch_features_of_a_text_do_not_depend_on_its_neighbours():
    features = TextFeatures()
    features.fit_transform(FIT_TEXTS)
    batch = features.transform(NEW_TEXTS)
    for row, text in enumerate(NEW_TEXTS):
        alone = features.transform([text])
        np.testing.assert_allclose(alone.toarray()[0], batch[row].toarray()[0], rtol=1e-6)
    assert features.transform([]).shape == (0, batch.shape[1])


def test_a_large_batch_equals_the_reference():
    # Enough text for thousands of repeated n-grams per column and collisions of buckets.
    rng = np.random.default_rng(3)
    vocabulary = [w for t in FIT_TEXTS for w in t.split()] + ["Ünïcode", "a-b", "c'd"]
    fit = [" ".join(rng.choice(vocabulary, rng.integers(0, 30))) for _ in range(300)]
    new = [" ".join(rng.choice(vocabulary, rng.integers(0, 30))) for _ in range(300)]
    features = TextFeatures()
    fitted = features.fit_transform(fit)
    got = features.transform(new)
    want_fitted, want_new = _reference(fit, new)
    np.testing.assert_allclose(fitted.toarray(), want_fitted.toarray(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got.toarray(), want_new.toarray(), rtol=1e-5, atol=1e-7)
