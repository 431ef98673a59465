"""Text features for the trained coder: TF-IDF of word 1-2-grams and hashed character n-grams.

The word part is scikit-learn's ``TfidfVectorizer``. The character part computes hashed
n-gram counts for a whole batch of texts at once with numpy (rolling polynomial hashes
over the code points, windows that cross from one text to the next dropped), because
scikit-learn's character analyzer is a Python loop per text and would cap prediction at
a few thousand units a second; the counts then get scikit-learn's ``TfidfTransformer``.
Hash collisions (2^20 buckets) are the usual price of the hashing trick.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

CHAR_NGRAMS = (3, 5)
WORD_NGRAMS = (1, 2)
N_BUCKETS = 1 << 20
_PRIME = np.uint64(1_000_003)
_SALT = 0x9E3779B97F4A7C15


def char_ngram_counts(
    texts: Sequence[str], ngrams: tuple[int, int] = CHAR_NGRAMS, n_buckets: int = N_BUCKETS
) -> sp.csr_matrix:
    """Hashed counts of the character n-grams of each text (lower-cased).

    Parameters
    ----------
    texts : sequence of str, length D
    ngrams : (low, high)
        Lengths of the n-grams, both included.
    n_buckets : int
        A power of two.

    Returns
    -------
    csr_matrix of float32, shape (D, n_buckets)
    """
    d = len(texts)
    if d == 0:
        return sp.csr_matrix((0, n_buckets), dtype=np.float32)
    # NUL separates the texts (and is removed from them), so a window never spans two.
    joined = "\x00".join(t.replace("\x00", " ").lower() for t in texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = codes.size
    is_sep = codes == 0
    doc = np.cumsum(is_sep) - is_sep  # the text each position belongs to
    seps = np.concatenate(([0], np.cumsum(is_sep)))  # separators before each position
    if n_buckets & (n_buckets - 1):
        raise ValueError("n_buckets must be a power of two")
    mask = np.uint64(n_buckets - 1)
    low, high = ngrams
    width = high - low + 1
    hashes = np.zeros((size, width), dtype=np.int64)
    valid = np.zeros((size, width), dtype=bool)
    h = codes
    for n in range(2, high + 1):
        m = size - n + 1
        if m <= 0:
            break
        h = h[:m] * _PRIME + codes[n - 1 : n - 1 + m]  # rolling: the (n-1)-gram extended
        if n >= low:
            salt = np.uint64((_SALT * n) % (1 << 64))  # n-grams of each length hash apart
            hashes[:m, n - low] = (h ^ salt) & mask  # a power of two: a mask, not a division
            valid[:m, n - low] = (seps[n : n + m] - seps[:m]) == 0
    if low == 1:
        hashes[:, 0] = codes & mask
        valid[:, 0] = ~is_sep
    # Row-major order keeps the entries in text order, so the CSR is built directly.
    indices = hashes[valid]
    per_text = np.bincount(doc, weights=valid.sum(axis=1), minlength=d).astype(np.int64)
    indptr = np.concatenate(([0], np.cumsum(per_text)))
    data = np.ones(indices.size, dtype=np.float32)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(d, n_buckets))
    matrix.sum_duplicates()
    return matrix


class TextFeatures:
    """Word TF-IDF and hashed character TF-IDF side by side, fitted on a set of texts."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

        self.words = TfidfVectorizer(
            ngram_range=WORD_NGRAMS, sublinear_tf=True, lowercase=True, dtype=np.float32
        )
        self.chars = TfidfTransformer(sublinear_tf=True)
        # Buckets seen when fitting, renumbered 0..B-1; others (-1) are dropped, so the
        # classifier works on the n-grams that occur, not on 2^20 mostly empty columns.
        self.bucket_column = np.full(N_BUCKETS, -1, dtype=np.int64)
        self.n_buckets_used = 0

    def _compact(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        column = self.bucket_column[counts.indices]
        keep = column >= 0
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        kept = np.bincount(rows[keep], minlength=counts.shape[0])
        indptr = np.concatenate(([0], np.cumsum(kept)))
        return sp.csr_matrix(
            (counts.data[keep], column[keep], indptr),
            shape=(counts.shape[0], self.n_buckets_used),
            dtype=np.float32,
        )

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Fit on ``texts`` (no labels) and return their features, shape (D, F)."""
        texts = list(texts)
        words = self.words.fit_transform(texts)
        counts = char_ngram_counts(texts)
        used = np.unique(counts.indices)
        self.bucket_column[used] = np.arange(used.size)
        self.n_buckets_used = int(used.size)
        chars = self.chars.fit_transform(self._compact(counts))
        return sp.hstack([words, chars], format="csr", dtype=np.float32)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Features of new texts, shape (D, F)."""
        texts = list(texts)
        words = self.words.transform(texts)
        chars = self.chars.transform(self._compact(char_ngram_counts(texts)))
        return sp.hstack([words, chars], format="csr", dtype=np.float32)

    def parameters(self) -> dict:
        """What the features are, for the model's provenance."""
        return {
            "word_ngrams": list(WORD_NGRAMS),
            "char_ngrams": list(CHAR_NGRAMS),
            "char_buckets": N_BUCKETS,
            "tfidf": "sublinear tf, l2 per block, fitted on every codable unit's text",
        }
