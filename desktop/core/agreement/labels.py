"""From a long frame of labels to one coders x units matrix of category indices per dimension.

The frame has one row per label: ``unit_id``, ``coder``, ``dimension``, ``value`` (the
category code) and ``changed_at`` (ISO-8601 UTC text). Everything here is vectorised
with pandas factorisation and numpy indexing; nothing loops over units.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from desktop.core.scheme import Dimension, Scheme
from desktop.core.wording import counted, plural

REQUIRED_COLUMNS = ("unit_id", "coder", "dimension", "value")
#: Dimensions prepared (and computed, see compute.py) at once, each on a thread: up to
#: four on a machine of two cores or more, more threads than cores, so that three
#: dimensions on two cores end together rather than two and then the third alone.
THREADS = 4 if (os.cpu_count() or 1) >= 2 else 1
#: Below this many labels in all, the dimensions are done one after the other.
THREAD_LABELS = 200_000
TIME_COLUMN = "changed_at"
#: Up to this many categories, a categorical column's categories in use are found by a
#: comparison per category rather than by counting (:func:`_factorize`).
FEW_CATEGORIES = 64
NO_TIME = np.iinfo(np.int64).min


@dataclass
class DimensionLabels:
    """The labels of one dimension as a coders x units matrix.

    Attributes
    ----------
    dimension
        The scheme's dimension.
    coders
        Coders with at least one label on this dimension, in the order of the selection.
    codes : ndarray of int16, shape (C, N)
        Index of each coder's category (in the dimension's scheme order) for each unit
        that has at least one label; -1 where the coder did not code the unit.
    unit_ids : ndarray, shape (N,)
        The units' ids, in the order of the columns.
    times : ndarray of int64, shape (N,)
        Latest ``changed_at`` among the unit's labels, in nanoseconds since the epoch
        (UTC); :data:`NO_TIME` where unknown.
    notes
        What was left out and why (unknown codes, duplicate labels).
    """

    dimension: Dimension
    coders: tuple[str, ...]
    codes: np.ndarray
    unit_ids: np.ndarray
    times: np.ndarray
    notes: list[str] = field(default_factory=list)


@dataclass
class PreparedLabels:
    """Labels split by dimension, for :func:`desktop.core.agreement.compute_agreement`."""

    coders: tuple[str, ...]
    dimensions: dict[str, DimensionLabels]
    notes: list[str] = field(default_factory=list)
    has_times: bool = False


def parse_times(values: pd.Series | Sequence[str]) -> pd.Series:
    """Parse ISO-8601 timestamps to UTC; unparseable or missing ones become NaT."""
    return pd.to_datetime(pd.Series(values), utc=True, format="ISO8601", errors="coerce")


def _nanoseconds(times: pd.Series) -> np.ndarray:
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None)
    as_ns = naive.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    as_ns[naive.isna().to_numpy()] = NO_TIME
    return as_ns


def time_ns(values: pd.Series) -> np.ndarray:
    """ISO-8601 UTC text as int64 nanoseconds since the epoch, :data:`NO_TIME` if unreadable.

    Parameters
    ----------
    values : Series of str or of datetime64, shape (R,)
        Text, or times already (naive ones are taken as UTC; NaT is unreadable).

    Returns
    -------
    ndarray of int64, shape (R,)
    """
    if isinstance(getattr(values, "dtype", None), pd.DatetimeTZDtype) or (
        getattr(values, "dtype", None) is not None and values.dtype.kind == "M"
    ):
        # Times already (the store's fast reader gives them): NaT is NO_TIME as int64.
        naive = values.dt.tz_convert(None) if values.dt.tz is not None else values
        return naive.to_numpy(dtype="datetime64[ns]").view(np.int64)
    try:
        # pyarrow, when pandas has it, casts ISO-8601 text six times faster than
        # pandas parses it; any text it refuses sends the whole column to pandas.
        import pyarrow as pa
        import pyarrow.compute as pc

        column = pa.array(values, from_pandas=True)
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            raise TypeError(column.type)
        cast = pc.cast(column, pa.timestamp("ns", "UTC")).cast(pa.int64())
        return np.asarray(cast.fill_null(NO_TIME).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (ImportError, TypeError, ValueError, ArithmeticError, NotImplementedError):
        return _nanoseconds(parse_times(values))


def _timestamp(value: str | datetime | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def filter_labels(
    df: pd.DataFrame,
    coders: Iterable[str] | None = None,
    unit_ids: Iterable[str] | None = None,
    since: str | datetime | pd.Timestamp | None = None,
    until: str | datetime | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Keep the labels of some coders, some units, or a time window.

    Parameters
    ----------
    df : DataFrame
        Long labels with ``unit_id``, ``coder`` and, to filter by time, ``changed_at``.
    coders : iterable of str, optional
        Keep only these coders' labels.
    unit_ids : iterable of str, optional
        Keep only these units (an article, a date range or the reliability sample,
        chosen by the caller).
    since, until : str or datetime, optional
        Keep labels changed at or after ``since`` and strictly before ``until``
        (naive times are taken as UTC). Labels without a readable time are dropped
        when either bound is given.

    Returns
    -------
    DataFrame
        The kept rows, with a fresh index.
    """
    keep = np.ones(len(df), dtype=bool)
    if coders is not None:
        keep &= df["coder"].isin(list(coders)).to_numpy()
    if unit_ids is not None:
        keep &= df["unit_id"].isin(list(unit_ids)).to_numpy()
    if since is not None or until is not None:
        times = parse_times(df[TIME_COLUMN])
        if since is not None:
            keep &= (times >= _timestamp(since)).to_numpy()
        if until is not None:
            keep &= (times < _timestamp(until)).to_numpy()
    return df.loc[keep].reset_index(drop=True)


def factorize_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of integers: codes in order of first appearance and the uniques.

    Sorted input (the labels come in unit order) is done in one pass, without hashing.

    Parameters
    ----------
    values : ndarray of int, shape (R,)

    Returns
    -------
    codes : ndarray of int32 (int64 beyond 2**31 values), shape (R,)
    uniques : ndarray, shape (U,)
    """
    values = np.asarray(values)
    kind = _index_type(values.size)
    if values.size and (values[1:] >= values[:-1]).all():
        first = np.empty(values.size, dtype=bool)
        first[0] = True
        np.not_equal(values[1:], values[:-1], out=first[1:])
        codes = np.cumsum(first, dtype=kind)
        codes -= 1
        return codes, values[first]
    codes, uniques = pd.factorize(values)
    return codes.astype(kind, copy=False), uniques


def _index_type(n: int) -> type:
    """The smallest signed integer type that holds ``-1`` to ``n`` (smaller arrays of
    codes: a million units' labels are read and gathered many times)."""
    for kind in (np.int8, np.int16, np.int32):
        if n < np.iinfo(kind).max:
            return kind
    return np.int64


def _factorize(column: pd.Series, *, appearance: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column without missing values and the values they stand for.

    As ``pd.factorize``, but from a categorical's codes when the column is one (no
    hashing of text). ``appearance`` numbers the values in order of first appearance,
    as ``pd.factorize`` does; otherwise in any order (the categories' own).
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(column)
        return codes, np.asarray(uniques, dtype=object)
    codes = column.cat.codes.to_numpy()
    categories = column.cat.categories
    if appearance:
        codes, uniques = factorize_ints(codes)
        return codes, categories.take(uniques).to_numpy(dtype=object)
    # Only the categories that occur (a filtered frame keeps the others).
    kind = _index_type(len(categories))
    if len(categories) <= FEW_CATEGORIES:
        # A pass per category, without counting (nor a copy of the codes as intp).
        present = np.array([bool((codes == c).any()) for c in range(len(categories))], bool)
    else:
        present = np.bincount(codes, minlength=len(categories)) > 0
    if present.all():
        return codes.astype(kind, copy=False), categories.to_numpy(dtype=object)
    renumber = (np.cumsum(present) - 1).astype(kind)
    return renumber[codes], categories[present].to_numpy(dtype=object)


def _codes_list(codes: Iterable[str], limit: int = 5) -> str:
    codes = sorted(codes)
    shown = ", ".join(f"'{c}'" for c in codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


def prepare_labels(
    labels: pd.DataFrame,
    scheme: Scheme,
    *,
    coders: Sequence[str] | None = None,
    times: bool = True,
) -> PreparedLabels:
    """Split long labels into one coders x units matrix per dimension of the scheme.

    Parameters
    ----------
    labels : DataFrame
        Long labels (see the module docstring).
    scheme : Scheme
    coders : sequence of str, optional
        The coders to compare, in this order; all coders in ``labels`` (sorted) if
        omitted.
    times : bool
        Read ``changed_at`` for the drift over time.

    Returns
    -------
    PreparedLabels

    Raises
    ------
    ValueError
        If a required column is missing.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in labels.columns]
    if missing:
        raise ValueError(
            f"the labels lack the {plural(len(missing), 'column')} {', '.join(missing)}"
        )
    missing_cells = np.zeros(len(labels), dtype=bool)
    for column in REQUIRED_COLUMNS:
        missing_cells |= labels[column].isna().to_numpy()
    # Copying every row of a large frame costs more than checking it.
    frame = labels[~missing_cells] if missing_cells.any() else labels
    notes: list[str] = []
    coder_codes, coder_names = _factorize(frame["coder"])
    coder_names = [str(c) for c in coder_names]
    if coders is not None:
        selected = tuple(dict.fromkeys(str(c) for c in coders))
    else:
        selected = tuple(sorted(set(coder_names)))
    position = {c: i for i, c in enumerate(selected)}
    coder_lookup = np.array(
        [position.get(c, -1) for c in coder_names] or [-1], dtype=_index_type(len(selected))
    )
    if not np.array_equal(coder_lookup, np.arange(len(coder_names))):
        coder_codes = coder_lookup[coder_codes]  # (the same codes when in the same order)
    if coders is not None:
        chosen = coder_codes >= 0
        frame, coder_codes = frame[chosen], coder_codes[chosen]
    has_times = times and TIME_COLUMN in frame.columns
    stamps = time_ns(frame[TIME_COLUMN]) if has_times else None
    unit_codes, unit_ids = _factorize(frame["unit_id"], appearance=True)
    dim_codes, dim_names = _factorize(frame["dimension"])
    value_codes, value_names = _factorize(frame["value"])
    dim_names = pd.Index([str(d) for d in dim_names])
    unknown_dims = set(dim_names) - set(scheme.dimension_ids)
    if unknown_dims:
        notes.append(
            f"labels of dimensions not in the scheme were ignored: {_codes_list(unknown_dims)}"
        )
    unit_ids = np.asarray(unit_ids)
    value_names = [str(v) for v in value_names]

    def one(dimension: Dimension) -> DimensionLabels:
        where = dim_names.get_indexer([dimension.id])[0]
        rows = np.flatnonzero(dim_codes == where) if where >= 0 else np.zeros(0, dtype=np.int64)
        return _dimension_labels(
            dimension,
            selected,
            rows,
            unit_codes=unit_codes,
            unit_ids=unit_ids,
            coder_codes=coder_codes,
            value_codes=value_codes,
            value_names=value_names,
            stamps=stamps,
        )

    # Each dimension on a thread of its own when there are many labels (numpy's work on
    # large arrays runs without the GIL); the results do not depend on it.
    threads = min(THREADS, len(scheme.dimensions)) if len(frame) >= THREAD_LABELS else 1
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(one, scheme.dimensions))
    else:
        done = [one(d) for d in scheme.dimensions]
    dimensions = {d.id: labels for d, labels in zip(scheme.dimensions, done, strict=True)}
    return PreparedLabels(selected, dimensions, notes, has_times)


def _dimension_labels(
    dimension: Dimension,
    selected: tuple[str, ...],
    rows: np.ndarray,
    *,
    unit_codes: np.ndarray,
    unit_ids: np.ndarray,
    coder_codes: np.ndarray,
    value_codes: np.ndarray,
    value_names: list[str],
    stamps: np.ndarray | None,
) -> DimensionLabels:
    notes: list[str] = []
    index = {code: i for i, code in enumerate(dimension.codes)}
    lookup = np.array([index.get(name, -1) for name in value_names] or [-1], dtype=np.int16)
    category = lookup[value_codes[rows]]
    unknown = category < 0
    if unknown.any():
        bad = {value_names[v] for v in value_codes[rows][unknown]}
        notes.append(
            f"{counted(int(unknown.sum()), 'label')} with codes not in the scheme "
            f"{plural(int(unknown.sum()), 'was', 'were')} ignored: "
            f"{_codes_list(bad)}"
        )
        rows, category = rows[~unknown], category[~unknown]
    units, unit_index = factorize_ints(unit_codes[rows])
    coder = coder_codes[rows]
    n_units, n_coders = len(unit_index), len(selected)
    time = stamps[rows] if stamps is not None else np.full(rows.size, NO_TIME)
    codes = np.full((n_coders, n_units), -1, dtype=np.int16)
    codes[coder, units] = category
    if np.count_nonzero(codes >= 0) < rows.size:
        # Keep each coder's latest label of a unit; the store should never hold two.
        key = coder.astype(np.int64) * n_units + units
        order = np.lexsort((np.arange(key.size), time, key))
        last = np.r_[key[order][1:] != key[order][:-1], True]
        keep = order[last]
        notes.append(
            f"{counted(key.size - keep.size, 'duplicate label')} of the same coder and unit "
            f"{plural(key.size - keep.size, 'was', 'were')} ignored (the latest one was kept)"
        )
        units, coder, category, time = units[keep], coder[keep], category[keep], time[keep]
        codes[coder, units] = category
    unit_time = np.full((n_coders, n_units), NO_TIME, dtype=np.int64)
    unit_time[coder, units] = time
    present = (codes >= 0).any(axis=1)
    return DimensionLabels(
        dimension=dimension,
        coders=tuple(c for c, p in zip(selected, present, strict=True) if p),
        codes=codes[present],
        unit_ids=unit_ids[unit_index] if n_units else np.empty(0, dtype=object),
        times=unit_time.max(axis=0) if n_coders else np.full(n_units, NO_TIME),
        notes=notes,
    )
