"""Text features for the trained coder: TF-IDF of word 1-2-grams and hashed character n-grams.

Both blocks are built for a whole batch of texts at once, without a Python loop per
text or per token, because prediction has to code tens of thousands of units a second:

* **Words** follow scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2))`` exactly (its
  default token pattern on lower-cased text). The vocabulary is fitted by scikit-learn's
  ``CountVectorizer``; new texts are tokenised by one regular expression over the joined
  batch, tokens are looked up in the vocabulary by ``dict.get`` in C (``map``), and
  bigrams by a sorted table of (first word, second word) keys with ``np.searchsorted``.
* **Characters**: hashed counts of character 3-5-grams, by rolling polynomial hashes over
  the code points of the joined batch (windows that cross from one text to the next
  dropped). Hash collisions (2^20 buckets) are the usual price of the hashing trick.

Each block's counts go from a CSR with duplicates to a canonical CSC by one transpose
(a linear counting sort in scipy), so duplicates are summed without a comparison sort;
the TF-IDF of scikit-learn's ``TfidfTransformer`` (sublinear tf, the fitted idf, l2 per
block) is applied on the joined CSC, which a last transpose turns into CSR. The result
equals scikit-learn's own vectorizers on the same texts (to float32 rounding);
tests/machine/test_features.py checks it against a plain reference on varied text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat

import numpy as np
import scipy.sparse as sp

CHAR_NGRAMS = (3, 5)
WORD_NGRAMS = (1, 2)
N_BUCKETS = 1 << 20
_PRIME = np.uint64(1_000_003)
_SALT = 0x9E3779B97F4A7C15
_SEP = "\x00"  # between the texts of a batch (removed from the texts themselves)
# scikit-learn's default token pattern, plus the separator as a token of its own.
_TOKENS = re.compile(r"(?u)\b\w\w+\b|\x00")


def _joined(texts: Sequence[str]) -> str:
    """The lower-cased texts, each followed by the separator (which never occurs in them)."""
    return _SEP.join(t.replace(_SEP, " ") for t in texts).lower() + _SEP


def counts_matrix(
    rows: Sequence[np.ndarray], cols: Sequence[np.ndarray], shape: tuple[int, int]
) -> sp.csc_matrix:
    """How often each (row, column) pair occurs, as a CSC matrix in canonical format.

    The entries come in blocks (``rows[k]``, ``cols[k]``), each in text order (its rows
    non-decreasing); the blocks are merged row by row, block after block within a row.
    The CSR with duplicates is then transposed to CSC by a counting sort, which leaves
    the rows of each column sorted and duplicates adjacent, so summing them is a linear
    pass: no comparison sort anywhere, which is what makes a batch of 20,000 texts fast.
    """
    n_rows = shape[0]
    per_row = [np.bincount(r, minlength=n_rows) for r in rows]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(sum(per_row), out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    start = indptr[:-1].copy()  # where the next block's entries of each row go
    for block_rows, block_cols, counts in zip(rows, cols, per_row, strict=True):
        block_start = np.zeros(n_rows, dtype=np.int64)
        np.cumsum(counts[:-1], out=block_start[1:])
        # Entry i of the block is number i - block_start[row] of its row in the block.
        shift = (start - block_start)[block_rows]
        indices[np.arange(block_rows.size) + shift] = block_cols
        start += counts
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    data = np.ones(indices.size, dtype=np.float32)
    matrix = sp.csr_matrix((data, indices, indptr), shape=shape).tocsc()
    matrix.sum_duplicates()  # tocsc marked the indices sorted: adjacent sums only
    return matrix


def _char_ngram_table(
    texts: Sequence[str], ngrams: tuple[int, int], n_buckets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed character n-grams by starting position in the joined, lower-cased batch.

    Returns ``doc`` (the text of each position), ``buckets`` (positions x lengths, int32)
    and ``valid`` (the same shape: the n-gram ends inside its text). Small integer types
    keep the arrays, and so the time spent in memory, small.
    """
    if n_buckets & (n_buckets - 1):
        raise ValueError("n_buckets must be a power of two")
    codes = np.frombuffer(_joined(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = codes.size
    ends = np.flatnonzero(codes == 0)  # the separator after each text
    lengths = np.diff(ends, prepend=-1)  # of each text, its separator included
    doc = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    room = np.repeat(ends, lengths) - np.arange(size)  # characters left in the text
    mask = np.uint64(n_buckets - 1)
    low, high = ngrams
    buckets = np.zeros((size, high - low + 1), dtype=np.int32)
    valid = np.zeros((size, high - low + 1), dtype=bool)
    h = codes
    for n in range(1, high + 1):
        m = size - n + 1
        if m <= 0:
            break
        if n > 1:
            h = h[:m] * _PRIME + codes[n - 1 : n - 1 + m]  # rolling: the (n-1)-gram extended
        if n >= low:
            salt = np.uint64((_SALT * n) % (1 << 64)) if n > 1 else np.uint64(0)
            buckets[:m, n - low] = (h ^ salt) & mask  # lengths hash apart; a mask, not a %
            valid[:m, n - low] = room[:m] >= n
    return doc, buckets, valid


def char_ngram_hashes(
    texts: Sequence[str], ngrams: tuple[int, int] = CHAR_NGRAMS, n_buckets: int = N_BUCKETS
) -> tuple[np.ndarray, np.ndarray]:
    """The hashed character n-grams of each text (lower-cased), in text order.

    Returns
    -------
    rows, buckets : int32 arrays of equal length
        The text each n-gram belongs to (non-decreasing) and its bucket in
        ``0..n_buckets-1``. An n-gram that occurs twice appears twice.
    """
    if not texts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    doc, buckets, valid = _char_ngram_table(texts, ngrams, n_buckets)
    # Row-major order keeps the n-grams in text order.
    return np.broadcast_to(doc[:, None], valid.shape)[valid], buckets[valid]


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
    rows, buckets = char_ngram_hashes(texts, ngrams, n_buckets)
    return counts_matrix([rows], [buckets], (len(texts), n_buckets)).tocsr()


class WordCounter:
    """Occurrences of a fitted word 1-2-gram vocabulary in new texts, a whole batch at once.

    Finds the same terms as the fitted ``CountVectorizer``'s ``transform``.
    """

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self.n_columns = len(vocabulary)
        self.unigrams = {term: col for term, col in vocabulary.items() if " " not in term}
        self.unigrams[_SEP] = -2  # marks the end of a text
        table = np.array(
            [
                (vocabulary[first], vocabulary[second], col)
                for first, second, col in (
                    (*term.split(" "), col) for term, col in vocabulary.items() if " " in term
                )
            ],
            dtype=np.int64,
        ).reshape(-1, 3)
        keys = table[:, 0] * self.n_columns + table[:, 1]
        order = np.argsort(keys)
        self.bigram_keys = keys[order]
        self.bigram_columns = table[order, 2]

    def entries(self, texts: Sequence[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The (text, column) of every term occurrence: a block of unigrams, one of bigrams.

        Each block is in text order, as :func:`counts_matrix` takes them.
        """
        tokens = _TOKENS.findall(_joined(texts))
        ids = np.fromiter(
            map(self.unigrams.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens)
        )
        is_sep = ids == -2
        row = np.cumsum(is_sep) - is_sep
        # Unigrams: known words. Bigrams: two known words in a row within one text (every
        # word of a fitted bigram is a fitted unigram, so an unknown word ends the search).
        known = ids >= 0
        pair = known[:-1] & known[1:]
        keys = ids[:-1][pair] * self.n_columns + ids[1:][pair]
        if self.bigram_keys.size:
            found = np.searchsorted(self.bigram_keys, keys).clip(max=self.bigram_keys.size - 1)
            hit = self.bigram_keys[found] == keys
        else:
            found = hit = np.zeros(keys.size, dtype=bool)
        rows = [row[known], row[:-1][pair][hit]]
        cols = [ids[known], self.bigram_columns[found[hit]]]
        return rows, cols

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of the vocabulary's terms in ``texts``, shape (D, n_columns)."""
        rows, cols = self.entries(texts)
        return counts_matrix(rows, cols, (len(texts), self.n_columns)).tocsr()


class TextFeatures:
    """Word TF-IDF and hashed character TF-IDF side by side, fitted on a set of texts."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        # CountVectorizer + TfidfTransformer is what TfidfVectorizer is made of.
        self.vocabulary = CountVectorizer(ngram_range=WORD_NGRAMS, lowercase=True, dtype=np.float32)
        self.words = TfidfTransformer(sublinear_tf=True)
        self.word_counter: WordCounter | None = None
        self.chars = TfidfTransformer(sublinear_tf=True)
        # Buckets seen when fitting, renumbered 0..B-1; others (-1) are dropped, so the
        # classifier works on the n-grams that occur, not on 2^20 mostly empty columns.
        self.bucket_column = np.full(N_BUCKETS, -1, dtype=np.int32)
        self.n_buckets_used = 0

    def _char_counts(self, texts: Sequence[str]) -> sp.csc_matrix:
        """Counts of the fitted character n-grams in ``texts``, a canonical CSC matrix.

        The CSR with duplicates is built straight from the n-gram table (its row pointer
        from the n-grams kept per text), then made canonical as in :func:`counts_matrix`.
        """
        shape = (len(texts), self.n_buckets_used)
        if not texts:
            return sp.csc_matrix(shape, dtype=np.float32)
        doc, buckets, valid = _char_ngram_table(texts, CHAR_NGRAMS, N_BUCKETS)
        column = self.bucket_column[buckets]
        keep = valid & (column >= 0)
        indices = column[keep]
        starts = np.flatnonzero(np.diff(doc, prepend=-1))  # every text has its separator
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.add.reduceat(keep.sum(axis=1), starts), out=indptr[1:])
        data = np.ones(indices.size, dtype=np.float32)
        matrix = sp.csr_matrix((data, indices, indptr), shape=shape).tocsc()
        matrix.sum_duplicates()  # tocsc marked the indices sorted: adjacent sums only
        return matrix

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Fit on ``texts`` (no labels) and return their features, shape (D, F)."""
        texts = list(texts)
        words = self.words.fit_transform(self.vocabulary.fit_transform(texts))
        self.word_counter = WordCounter(self.vocabulary.vocabulary_)
        _, buckets = char_ngram_hashes(texts)
        used = np.flatnonzero(np.bincount(buckets, minlength=N_BUCKETS))
        self.bucket_column[used] = np.arange(used.size)
        self.n_buckets_used = int(used.size)
        chars = self.chars.fit_transform(self._char_counts(texts).tocsr())
        return sp.hstack([words, chars], format="csr", dtype=np.float32)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Features of new texts, shape (D, F).

        Both blocks are counted into one matrix and weighted as scikit-learn's
        ``TfidfTransformer`` does (tf -> 1 + log tf, times the fitted idf, each row of
        each block scaled to unit length), without building and joining two matrices.
        """
        if self.word_counter is None:
            raise ValueError("TextFeatures.transform before fit_transform")
        texts = list(texts)
        n_words = self.word_counter.n_columns
        word_rows, word_cols = self.word_counter.entries(texts)
        words = counts_matrix(word_rows, word_cols, (len(texts), n_words))
        # Side by side in CSC is a concatenation of the column blocks (no sort).
        matrix = sp.hstack([words, self._char_counts(texts)], format="csc")
        idf = np.concatenate((self.words.idf_, self.chars.idf_)).astype(np.float32)
        per_column = np.diff(matrix.indptr)
        data = matrix.data
        np.log(data, out=data)
        data += 1
        data *= np.repeat(idf, per_column)
        # Each row of each block to unit length: the words' columns come first in the CSC.
        split = int(matrix.indptr[n_words])
        for block in (slice(0, split), slice(split, None)):
            rows, values = matrix.indices[block], data[block]
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
            norms[norms == 0] = 1
            values /= norms.astype(np.float32)[rows]
        return matrix.tocsr()

    def parameters(self) -> dict:
        """What the features are, for the model's provenance."""
        return {
            "word_ngrams": list(WORD_NGRAMS),
            "char_ngrams": list(CHAR_NGRAMS),
            "char_buckets": N_BUCKETS,
            "tfidf": "sublinear tf, l2 per block, fitted on every codable unit's text",
        }
