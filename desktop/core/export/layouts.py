"""Layouts: what one row of an export is.

A layout builds a :class:`Table`: typed :class:`Column` descriptions and an iterator of
row :class:`Batch` es, read from the project with streaming SQL
(:mod:`desktop.core.store.export_queries`). A format then writes the table; nothing here
knows about files.

- ``long``: one row per unit x coder x dimension (what ``import-labels`` reads back).
- ``wide``: one row per unit, a column ``<dimension>__<coder>`` per dimension and coder.
- ``gold``: one row per unit; per dimension the gold value, its source, whether the
  coders agreed and how many coded it (see :data:`GOLD_RULE`).
- ``units``: one row per unit, no labels.
- ``codebook``: the scheme as a table, one row per category.
"""

from __future__ import annotations

import bisect
import enum
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from desktop.core import store
from desktop.core.errors import ProjectError, UsageError
from desktop.core.export.columnar import long_frames
from desktop.core.export.variables import coder_column, value_codes
from desktop.core.scheme import Scheme
from desktop.core.store import export_queries as q

BATCH_ROWS = 50_000

GOLD_RULE = (
    "A stored gold label (adjudicated, or decided in the team workflow) wins. Otherwise "
    "the value is the strict majority of the coders' current labels (more than half of "
    "the coders who coded the unit on that dimension): 'unanimous' when two or more "
    "coders all agree, 'majority' when more than half agree, 'single' when one coder "
    "coded it, and 'none' (empty value) when there is no label or no strict majority. "
    "'agreed' is true when every coder who coded it gave the same value, false when they "
    "differ, and empty when fewer than two coders coded it."
)


class Kind(enum.Enum):
    """How a column's values are typed in formats that have types."""

    TEXT = "text"
    INT = "integer"
    FLOAT = "number"
    BOOL = "boolean"
    CODE = "category"  # a category code of one dimension (value labels in sav/dta)
    TIME = "datetime"  # an ISO 8601 UTC time as the project stores it ("...Z")


@dataclass(frozen=True)
class Column:
    """One column of an export.

    Parameters
    ----------
    repeats
        The column holds few distinct values (ids, codes): dictionary-encoded in Parquet.
    """

    name: str
    kind: Kind
    label: str = ""
    dimension: str | None = None
    coder: str | None = None
    repeats: bool = False

    def describe(self) -> dict:
        """The column as the sidecar lists it."""
        out = {"name": self.name, "type": self.kind.value, "label": self.label}
        if self.dimension:
            out["dimension"] = self.dimension
        if self.coder is not None:
            out["coder"] = self.coder
        return out


@dataclass(frozen=True)
class Filters:
    """Which coders and articles an export covers (None: all)."""

    coders: tuple[str, ...] | None = None
    articles: tuple[str, ...] | None = None

    def as_dict(self) -> dict:
        """The filters as the sidecar records them (None: not limited)."""
        return {
            "coders": list(self.coders) if self.coders else None,
            "articles": list(self.articles) if self.articles else None,
        }

    def check(self, db: store.Database) -> None:
        """Refuse coder or article ids the project does not know.

        Raises
        ------
        UsageError
            Naming the unknown ids.
        """
        if self.coders:
            unknown = sorted(set(self.coders) - set(q.coder_names(db)))
            if unknown:
                raise UsageError(f"no coder {', '.join(unknown)} in this project")
        if self.articles:
            unknown = sorted(set(self.articles) - q.article_ids(db))
            if unknown:
                raise UsageError(f"no article {', '.join(unknown)} in this project")


@dataclass(frozen=True)
class Shared:
    """A column whose rows repeat a few values, each held once: row r has
    ``values[index[r]]``.

    The long layout holds a unit's cells this way (a sentence once per batch, not once
    per label) and a label's coder, dimension, value and value label (once per category
    met), so that writers convert each value once. Columns built on one ``index`` object
    go together (a unit's cells), and writers may treat them as one.
    """

    values: Sequence
    index: Sequence[int]

    def __len__(self) -> int:
        return len(self.index)

    def expand(self) -> Sequence:
        """The value on every row."""
        return take(self.values, self.index)


def take(values: Sequence, index: Sequence[int]) -> Sequence:
    """``values[i]`` for each ``i`` in ``index``."""
    if len(index) < 2:  # itemgetter of one index gives the value, not a tuple
        return [values[i] for i in index]
    return itemgetter(*index)(values)


class Batch:
    """Up to :data:`BATCH_ROWS` rows of a table, held column by column: each column a
    sequence of the rows' values or a :class:`Shared` column."""

    def __init__(self, columns: list, size: int):
        self._columns = columns
        self.size = size

    def __len__(self) -> int:
        return self.size

    def columns(self) -> list:
        """Every column: a sequence of the rows' values or a :class:`Shared` column."""
        return self._columns

    def column(self, i: int) -> Sequence:
        """Column ``i``'s value on every row."""
        column = self._columns[i]
        return column.expand() if isinstance(column, Shared) else column

    def rows(self) -> Iterable[tuple]:
        """The rows, tuples in column order."""
        return zip(*(self.column(i) for i in range(len(self._columns))), strict=True)

    def slices(self, rows: int) -> Iterator[Batch]:
        """The batch in consecutive parts of at most ``rows`` rows."""
        if self.size <= rows:
            yield self
            return
        for start in range(0, self.size, rows):
            stop = min(start + rows, self.size)
            cut: dict[int, Sequence[int]] = {}  # shared columns on one index stay on one
            columns = []
            for column in self._columns:
                if isinstance(column, Shared):
                    if id(column.index) not in cut:
                        cut[id(column.index)] = column.index[start:stop]
                    columns.append(Shared(column.values, cut[id(column.index)]))
                else:
                    columns.append(column[start:stop])
            yield Batch(columns, stop - start)


class RowBatch(Batch):
    """A batch built row by row (tuples in column order); columns are made when asked for."""

    def __init__(self, rows: Sequence[tuple], width: int):
        super().__init__([], len(rows))
        self._rows = rows
        self.width = width

    def columns(self) -> list:
        return [self.column(i) for i in range(self.width)]

    def column(self, i: int) -> Sequence:
        return list(map(itemgetter(i), self._rows))

    def rows(self) -> Iterable[tuple]:
        return self._rows

    def slices(self, rows: int) -> Iterator[Batch]:
        if self.size <= rows:
            yield self
            return
        for start in range(0, self.size, rows):
            yield RowBatch(self._rows[start : start + rows], self.width)


@dataclass
class Table:
    """What a layout produces: typed columns, row batches and facts for the sidecar."""

    layout: str
    scheme: Scheme
    columns: list[Column]
    batches: Iterator[Batch]
    total: int
    coders: list[str] = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    #: The same rows as Arrow frames (:func:`desktop.core.export.columnar.long_frames`),
    #: for the writers that take them (CSV, Parquet); None for layouts without.
    columnar: Callable[[], Iterator] | None = None

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Layout:
    """A registered layout: how to build its table and how to count its rows cheaply."""

    build: Callable[[store.Database, Scheme, Filters], Table]
    estimate: Callable[[store.Database, Scheme, Filters], int]
    help: str


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, BATCH_ROWS)):
        yield chunk


def _batched(rows: Iterable[tuple], width: int) -> Iterator[Batch]:
    for chunk in _chunks(rows):
        yield RowBatch(chunk, width)


def _coders(db: store.Database, scheme: Scheme, filters: Filters) -> list[str]:
    return q.coders_with_labels(db, scheme.dimension_ids, filters.coders, filters.articles)


# -- units ---------------------------------------------------------------------------------

UNIT_COLUMNS = [
    Column("unit_id", Kind.TEXT, "Unit (sentence) id"),
    Column("article_id", Kind.TEXT, "Article id", repeats=True),
    Column("article_title", Kind.TEXT, "Article title", repeats=True),
    Column("paragraph", Kind.INT, "Paragraph number in the article (from 0)"),
    Column("sentence", Kind.INT, "Sentence number in the paragraph (from 0)"),
    Column("text", Kind.TEXT, "Text of the sentence"),
]


def _count_units(db: store.Database, scheme: Scheme, filters: Filters) -> int:
    return q.count_units(db, filters.articles)


def units_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Table:
    """One row per coding unit (excluded clutter left out), in project order."""
    rows = (row[1:] for row in q.iter_units(db, filters.articles))
    total = _count_units(db, scheme, filters)
    return Table("units", scheme, list(UNIT_COLUMNS), _batched(rows, len(UNIT_COLUMNS)), total)


# -- codebook ------------------------------------------------------------------------------

CODEBOOK_COLUMNS = [
    Column("dimension", Kind.TEXT, "Dimension id", repeats=True),
    Column("dimension_label", Kind.TEXT, "Dimension", repeats=True),
    Column("level", Kind.TEXT, "Level of measurement", repeats=True),
    Column("question", Kind.TEXT, "Question asked of each unit", repeats=True),
    Column("category", Kind.TEXT, "Category code"),
    Column("label", Kind.TEXT, "Category label"),
    Column("key", Kind.TEXT, "Keyboard key"),
    Column("value", Kind.FLOAT, "Value on the scale (ordinal, interval, ratio)"),
    Column("numeric_code", Kind.INT, "Numeric code in SPSS and Stata files"),
    Column("not_applicable", Kind.BOOL, "Not applicable (no value on the scale)"),
    Column("definition", Kind.TEXT, "Definition"),
    Column("examples", Kind.TEXT, "Examples, separated by ' | '"),
]


def _count_categories(db: store.Database, scheme: Scheme, filters: Filters) -> int:
    return sum(len(d.categories) for d in scheme.dimensions)


def codebook_rows(scheme: Scheme) -> list[tuple]:
    """The codebook table's rows (shared with the xlsx codebook sheet)."""
    rows = []
    for d in scheme.dimensions:
        numeric = value_codes(d).codes
        for c in d.categories:
            rows.append(
                (
                    d.id,
                    d.label,
                    d.level,
                    d.question,
                    c.code,
                    c.label,
                    c.key,
                    c.value,
                    numeric[c.code],
                    c.not_applicable,
                    c.definition,
                    " | ".join(c.examples),
                )
            )
    return rows


def codebook_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Table:
    """The scheme as a table: one row per category."""
    rows = codebook_rows(scheme)
    batches = iter([RowBatch(rows, len(CODEBOOK_COLUMNS))])
    return Table("codebook", scheme, list(CODEBOOK_COLUMNS), batches, len(rows))


# -- long ----------------------------------------------------------------------------------


def _count_labels(db: store.Database, scheme: Scheme, filters: Filters) -> int:
    return q.count_labels(db, scheme.dimension_ids, filters.coders, filters.articles)


LONG_COLUMNS = [
    *UNIT_COLUMNS,
    Column("coder", Kind.TEXT, "Coder id", repeats=True),
    Column("dimension", Kind.TEXT, "Dimension id", repeats=True),
    Column("value", Kind.TEXT, "Category code", repeats=True),
    Column("value_label", Kind.TEXT, "Category label", repeats=True),
    Column("value_numeric", Kind.FLOAT, "Category value on the scale (empty: none)"),
    Column("unsure", Kind.BOOL, "Coder marked the unit unsure"),
    Column("note", Kind.TEXT, "Coder's note on the unit"),
    Column(
        "seconds",
        Kind.FLOAT,
        "Seconds on the unit when the value was chosen (empty: unknown, as for labels "
        "imported without times)",
    ),
    Column("changed_at", Kind.TIME, "When the value was chosen (UTC)"),
]


def long_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Table:
    """One row per unit x coder x dimension, labels of the scheme's dimensions only."""
    dims = scheme.dimension_ids
    total, outside = q.label_counts(db, dims, filters.coders, filters.articles)
    notes = {"labels_outside_scheme": outside} if outside else {}
    coders = _coders(db, scheme, filters)
    batches = _long_batches(db, scheme, filters)

    def columnar() -> Iterator:
        return long_frames(db, scheme, filters.coders, filters.articles)

    return Table("long", scheme, list(LONG_COLUMNS), batches, total, coders, notes, columnar)


class _Labels(dict):
    """``{label key: n}``, with the shared columns coder, dimension, value, value label
    and value numeric whose entry ``n`` is that label (keys as
    :func:`~desktop.core.store.export_queries.iter_label_chunks` gives them).

    Labels are added as they are met (entries are only ever appended, so the indexes of
    earlier batches stay valid); a code no longer in the scheme has no label and no
    number.
    """

    def __init__(self, scheme: Scheme):
        super().__init__()
        self.position = {d: n for n, d in enumerate(scheme.dimension_ids)}
        self.meaning = {
            (d.id, c.code): (c.label, c.value) for d in scheme.dimensions for c in d.categories
        }
        self.columns: tuple[list, ...] = ([], [], [], [], [])
        self._places: list[tuple[str, int]] = []  # each entry's (coder, dimension position)
        self._rank = None  # each entry's rank among the places met (numpy), when known
        self._ranks = 0

    def __missing__(self, key: str) -> int:
        dimension, value, coder = key.split(q.KEY_SEPARATOR, 2)
        label, numeric = self.meaning.get((dimension, value), ("", None))
        for column, cell in zip(
            self.columns, (coder, dimension, value, label, numeric), strict=True
        ):
            column.append(cell)
        self._places.append((coder, self.position[dimension]))
        self._rank = None
        n = self[key] = len(self)
        return n

    def reordering(self, seqs: Sequence[int], entries: Sequence[int]) -> list[int] | None:
        """The permutation that puts rows of whole units, fetched in unit, coder and
        dimension id order, in unit, coder and scheme order; None if they are in it.

        ``seqs`` and ``entries`` are the rows' units and labels (entries of this dict).
        """
        import numpy as np

        if len(seqs) < 2:
            return None
        if self._rank is None:
            places = sorted(set(self._places))
            rank = {place: r for r, place in enumerate(places)}
            self._rank = np.array([rank[p] for p in self._places], dtype=np.int64)
            self._ranks = len(places)
        seq = np.array(seqs, dtype=np.int64)
        key = (seq - seq[0]) * self._ranks + self._rank[np.array(entries, dtype=np.intp)]
        if (key[1:] > key[:-1]).all():
            return None
        return np.argsort(key, kind="stable").tolist()


def _label_columns(
    db: store.Database, scheme: Scheme, filters: Filters, labels: _Labels
) -> Iterator[tuple[list[int], list[int], list, list]]:
    """The labels' own columns ``(seq, label entry, seconds, changed_at)`` in batches of
    exactly :data:`BATCH_ROWS` rows (the last one fewer), in unit, coder and scheme
    order.

    Each fetch is put in order and into columns as it comes (a unit's labels once all
    of them are fetched), so that the only lists as long as a batch are its columns:
    large temporary lists cost a page fault per 4 KB each time they are made.
    """
    columns: tuple[list, ...] = ([], [], [], [])
    held: list[tuple] = []  # the last unit's labels, which may go on in the next fetch

    def settle(rows: list[tuple]) -> Iterator[tuple[list, ...]]:
        nonlocal columns
        seqs, keys, seconds, changed = zip(*rows, strict=True)
        entries = list(map(labels.__getitem__, keys))
        parts: Sequence[Sequence] = (seqs, entries, seconds, changed)
        order = labels.reordering(seqs, entries)
        if order is not None:
            parts = [take(part, order) for part in parts]
        room = BATCH_ROWS - len(columns[0])
        while len(parts[0]) >= room:
            for column, part in zip(columns, parts, strict=True):
                column.extend(part[:room])
            yield columns
            columns = ([], [], [], [])
            parts = [part[room:] for part in parts]
            room = BATCH_ROWS
        for column, part in zip(columns, parts, strict=True):
            column.extend(part)

    for rows in q.iter_label_chunks(db, scheme.dimension_ids, filters.coders, filters.articles):
        if held:
            rows = held + rows
        cut = bisect.bisect_left(rows, rows[-1][0], key=itemgetter(0))
        held = rows[cut:]
        if cut:
            yield from settle(rows[:cut])
    if held:
        yield from settle(held)
    if columns[0]:
        yield columns


def _long_batches(db: store.Database, scheme: Scheme, filters: Filters) -> Iterator[Batch]:
    """The long layout's rows, column by column.

    The label stream carries only the label's own cells. A unit's cells (its sentence,
    the article's title) and the coders' unsure flags and notes are read once per batch
    for the units it covers, and their rows share them: sending a sentence through
    SQLite once per label took most of the export's time.
    """
    labels = _Labels(scheme)
    coder_of = labels.columns[0]
    for seqs, entries, seconds, changed in _label_columns(db, scheme, filters, labels):
        unit_seqs = list(dict.fromkeys(seqs))
        units = q.units_by_seq(db, unit_seqs)
        if [u[0] for u in units] != unit_seqs:
            raise ProjectError("the project changed during the export; export again")
        unit_of_seq = {seq: n for n, seq in enumerate(unit_seqs)}
        unit_index = list(map(unit_of_seq.__getitem__, seqs))
        # Entry 0 is the default state (not unsure, no note); few rows have another.
        unsure, note = [False], [""]
        state_index = [0] * len(seqs)
        unit_number = {unit[1]: n for n, unit in enumerate(units)}
        for unit_id, coder, flag, text in q.notable_states(db, list(unit_number)):
            n = unit_number[unit_id]
            first = bisect.bisect_left(unit_index, n)
            last = bisect.bisect_right(unit_index, n, first)
            mine = [r for r in range(first, last) if coder_of[entries[r]] == coder]
            if mine:  # a state without a label of that coder in scope is left out
                unsure.append(bool(flag))
                note.append(text)
                for r in mine:
                    state_index[r] = len(note) - 1
        yield Batch(
            [
                *(Shared(list(map(itemgetter(i), units)), unit_index) for i in range(1, 7)),
                *(Shared(column, entries) for column in labels.columns),
                Shared(unsure, state_index),
                Shared(note, state_index),
                seconds,
                changed,
            ],
            len(seqs),
        )


# -- wide and gold: one row per unit ------------------------------------------------------


def _per_unit(
    db: store.Database, scheme: Scheme, filters: Filters
) -> Iterator[tuple[tuple, dict[str, dict[str, str]], dict[str, tuple]]]:
    """Merge the unit, label and gold streams (all in seq order), one unit at a time.

    Yields ``(unit row, {dimension: {coder: value}}, {dimension: (value, method)})``.
    """
    dims = scheme.dimension_ids
    labels = itertools.groupby(
        q.iter_labels(db, dims, filters.coders, filters.articles), key=lambda r: r[0]
    )
    gold = itertools.groupby(q.iter_gold(db, dims, filters.articles), key=lambda r: r[0])
    next_labels = next(labels, None)
    next_gold = next(gold, None)
    for unit in q.iter_units(db, filters.articles):
        seq = unit[0]
        coded: dict[str, dict[str, str]] = {}
        decided: dict[str, tuple] = {}
        # The three streams share one filter, so a label's unit is always in the unit
        # stream; skipping stale groups only guards against a change between queries.
        while next_labels is not None and next_labels[0] < seq:
            next_labels = next(labels, None)
        while next_gold is not None and next_gold[0] < seq:
            next_gold = next(gold, None)
        if next_labels is not None and next_labels[0] == seq:
            for _, coder, dimension, value in next_labels[1]:
                coded.setdefault(dimension, {})[coder] = value
            next_labels = next(labels, None)
        if next_gold is not None and next_gold[0] == seq:
            for _, dimension, value, method, _adjudicator in next_gold[1]:
                decided[dimension] = (value, method)
            next_gold = next(gold, None)
        yield unit[1:], coded, decided


def wide_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Table:
    """One row per unit; a column per dimension and coder holding the category code."""
    coders = _coders(db, scheme, filters)
    names = q.coder_names(db)
    used = {c.name.lower() for c in UNIT_COLUMNS}
    columns = list(UNIT_COLUMNS)
    cells: list[tuple[str, str]] = []
    for d in scheme.dimensions:
        for coder in coders:
            name = coder_column(d.id, coder, used)
            who = names.get(coder, coder)
            label = f"{d.label}: coder {coder}" + (f" ({who})" if who != coder else "")
            columns.append(Column(name, Kind.CODE, label, d.id, coder))
            cells.append((d.id, coder))

    def rows() -> Iterator[tuple]:
        for unit, coded, _ in _per_unit(db, scheme, filters):
            yield (*unit, *(coded.get(dim, {}).get(coder) for dim, coder in cells))

    notes = {
        "coder_columns": {
            c.name: {"dimension": c.dimension, "coder": c.coder} for c in columns if c.coder
        }
    }
    total = _count_units(db, scheme, filters)
    batches = _batched(rows(), len(columns))
    return Table("wide", scheme, columns, batches, total, coders, notes)


def gold_value(coded: dict[str, str], decided: tuple | None) -> tuple:
    """One dimension's gold cells: ``(value, source, agreed, n_coders)``.

    Parameters
    ----------
    coded
        ``{coder: category code}`` of the coders who coded the unit on the dimension.
    decided
        ``(value, method)`` of a stored gold label, or None.
    """
    n = len(coded)
    agreed = None if n < 2 else len(set(coded.values())) == 1
    if decided is not None:
        return decided[0], decided[1], agreed, n
    if n == 0:
        return None, "none", agreed, n
    (top, votes), *_ = Counter(sorted(coded.values())).most_common(1)
    if n == 1:
        return top, "single", agreed, n
    if agreed:
        return top, "unanimous", agreed, n
    if votes * 2 > n:
        return top, "majority", agreed, n
    return None, "none", agreed, n


def gold_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Table:
    """One row per unit; per dimension the gold value, its source and the agreement."""
    columns = list(UNIT_COLUMNS)
    for d in scheme.dimensions:
        columns += [
            Column(d.id, Kind.CODE, f"{d.label}: gold value", d.id),
            Column(
                f"{d.id}_source",
                Kind.TEXT,
                f"{d.label}: source (adjudicated, unanimous, majority, single, none)",
                repeats=True,
            ),
            Column(f"{d.id}_agreed", Kind.BOOL, f"{d.label}: all coders gave the same value"),
            Column(f"{d.id}_n_coders", Kind.INT, f"{d.label}: number of coders"),
        ]
    dims = scheme.dimension_ids

    def rows() -> Iterator[tuple]:
        for unit, coded, decided in _per_unit(db, scheme, filters):
            cells: list = list(unit)
            for dim in dims:
                cells += gold_value(coded.get(dim, {}), decided.get(dim))
            yield tuple(cells)

    total = _count_units(db, scheme, filters)
    coders = _coders(db, scheme, filters)
    batches = _batched(rows(), len(columns))
    return Table("gold", scheme, columns, batches, total, coders, {"gold_rule": GOLD_RULE})


LAYOUTS: dict[str, Layout] = {
    "long": Layout(long_layout, _count_labels, "one row per unit x coder x dimension"),
    "wide": Layout(wide_layout, _count_units, "one row per unit, a column per dimension/coder"),
    "gold": Layout(gold_layout, _count_units, "one row per unit, the gold value per dimension"),
    "units": Layout(units_layout, _count_units, "one row per unit, no labels"),
    "codebook": Layout(codebook_layout, _count_categories, "the coding scheme as a table"),
}
