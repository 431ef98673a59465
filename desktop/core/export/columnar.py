"""The long layout as Arrow columns: CSV and Parquet written without a Python object per
cell.

:func:`long_frames` reads the labels a range of units at a time
(:func:`desktop.core.store.export_frames.long_chunks`) and puts them in export order:
unit (project order), coder id, then the scheme's dimension order. A label's coder,
dimension and value come as numbers of ``label_terms``: each distinct combination is
decoded once (texts, category label, value on the scale), and each unit's cells once;
rows refer to them by index. Times stored as integer microseconds are formatted by Arrow.

:func:`csv_bytes` makes the CSV text of a frame, byte for byte what
:func:`desktop.core.export.formats.write_csv` makes of the same rows through the csv
module (QUOTE_MINIMAL, ``\\n`` line ends, floats as ``repr``, booleans ``true``/``false``,
missing values empty; the csv-excel variant's formula guard; a cell holding a carriage
return quoted like one holding a line feed). :func:`parquet_batches` gives the typed
record batches that
:func:`desktop.core.export.tabular.write_parquet` writes, in batches of
:data:`~desktop.core.export.layouts.BATCH_ROWS` rows as the row-by-row path does, so the
two give the same file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from desktop.core.errors import ProjectError
from desktop.core.scheme import Scheme
from desktop.core.store import Database
from desktop.core.store import export_frames as ef

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# Term numbers are packed three to an int64 key (coder, dimension, value).
_BITS = 21
_TEXT_FORMULA = r"^[=+\-@\t\r]"  # what formats.is_formula_like guards against
_CSV_SPECIAL = '[,"\n\r]'


@contextlib.contextmanager
def arrow_memory():
    """Arrow allocates from the C library's allocator while the block runs.

    Arrow's default allocator (mimalloc in the wheels) keeps freed pages for reuse; over
    an export's thousands of short-lived arrays that held a hundred megabytes more than
    were ever in use at once.
    """
    import pyarrow as pa

    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


class Frame(NamedTuple):
    """Rows of the long layout for one range of units, in export order.

    Parameters
    ----------
    units
        The range's units (``seq, unit_id, article_id, article_title, paragraph,
        sentence, text``); row r is of unit ``unit_index[r]``.
    keys
        Each label combination met (packed coder, dimension and value numbers); row r
        has combination ``key_index[r]``.
    states
        ``(unsure, note)`` of the coders' states met, entry 0 the default (not unsure,
        no note); row r has ``states[state_index[r]]``.
    seconds
        float64, null where unknown.
    micros, stamp
        The time as stored: integer microseconds since the epoch of
        :mod:`desktop.core.store.label_keys` (null where it is text) and the text
        (``""`` where it is an integer).
    """

    units: pa.Table
    unit_index: np.ndarray
    keys: list[int]
    key_index: pa.Array
    states: list[tuple[bool, str]]
    state_index: np.ndarray
    seconds: pa.Array
    micros: pa.Array
    stamp: pa.Array

    def __len__(self) -> int:
        return len(self.unit_index)


class Terms:
    """The scheme's and project's texts behind the numbers of label combinations."""

    def __init__(self, db: Database, scheme: Scheme):
        import numpy as np

        self.text = ef.term_texts(db)
        top = max(self.text, default=0) + 1
        if top >= 1 << _BITS:
            raise ProjectError(f"the project has {top:,} label terms, more than an export packs")
        by_text = sorted(self.text, key=self.text.__getitem__)
        self.rank = np.zeros(top, dtype=np.int64)  # a number's place in the texts' order
        self.rank[by_text] = np.arange(len(by_text))
        number = {text: n for n, text in self.text.items()}
        self.dimensions = [number[d] for d in scheme.dimension_ids if d in number]
        self.position = np.zeros(top, dtype=np.int64)  # a dimension's place in the scheme
        self.position[self.dimensions] = np.arange(len(self.dimensions))
        self.meaning = {
            (d.id, c.code): (c.label, c.value) for d in scheme.dimensions for c in d.categories
        }
        self._cells: dict[int, tuple] = {}

    def numbers(self, texts: Sequence[str] | None) -> list[int] | None:
        """The numbers of ``texts`` (those the project holds); None for None."""
        if texts is None:
            return None
        number = {text: n for n, text in self.text.items()}
        return [number[t] for t in texts if t in number]

    def cells(self, key: int) -> tuple:
        """``(coder, dimension, value, value label, value on the scale)`` of a packed key;
        a code no longer in the scheme has no label and no number."""
        cells = self._cells.get(key)
        if cells is None:
            mask = (1 << _BITS) - 1
            coder = self.text[key >> 2 * _BITS]
            dimension = self.text[(key >> _BITS) & mask]
            value = self.text[key & mask]
            label, numeric = self.meaning.get((dimension, value), ("", None))
            cells = self._cells[key] = (coder, dimension, value, label, numeric)
        return cells


def long_frames(db: Database, scheme: Scheme, coders, articles) -> Iterator[tuple[Terms, Frame]]:
    """The long layout's rows, a range of units at a time (see :class:`Frame`).

    Parameters
    ----------
    coders, articles
        The export's filters (None: all).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    terms = Terms(db, scheme)
    if not terms.dimensions:
        return
    articles = None if articles is None else list(articles)
    chunks = ef.long_chunks(db, terms.dimensions, terms.numbers(coders), articles)
    for chunk in chunks:
        labels = chunk.labels
        if labels.num_rows == 0:
            continue
        seq = _array(labels, "seq").to_numpy()
        coder = _array(labels, "coder").to_numpy()
        dimension = _array(labels, "dimension").to_numpy()
        rank, position = terms.rank[coder], terms.position[dimension]
        same_unit = seq[1:] == seq[:-1]
        same_coder = same_unit & (rank[1:] == rank[:-1])
        ordered = (seq[1:] > seq[:-1]) | (same_unit & (rank[1:] > rank[:-1]))
        ordered |= same_coder & (position[1:] > position[:-1])
        if not ordered.all():
            order = np.lexsort((position, rank, seq))
            labels = labels.take(pa.array(order))
            seq, coder, dimension = seq[order], coder[order], dimension[order]
        unit_seqs = _array(chunk.units, "seq").to_numpy()
        unit_index = np.searchsorted(unit_seqs, seq)
        if (unit_index >= len(unit_seqs)).any() or (unit_seqs[unit_index] != seq).any():
            raise ProjectError("the project changed during the export; export again")
        value = _array(labels, "value").to_numpy()
        packed = (coder << 2 * _BITS) | (dimension << _BITS) | value
        encoded = pc.dictionary_encode(pa.array(packed, pa.int64()))
        state_index = np.zeros(len(seq), dtype=np.int64)
        states = [(False, "")]
        if chunk.states.num_rows:
            state_index, states = _states(chunk.states, seq, coder, terms)
        seconds = _array(labels, "seconds")
        seconds = pc.if_else(pc.equal(seconds, 0.0), pa.scalar(None, pa.float64()), seconds)
        yield (
            terms,
            Frame(
                chunk.units,
                unit_index,
                encoded.dictionary.to_pylist(),
                encoded.indices,
                states,
                state_index,
                seconds,
                _array(labels, "micros"),
                _array(labels, "stamp"),
            ),
        )


def _array(table: pa.Table, name: str) -> pa.Array:
    """A column of ``table`` as one array."""
    return table.column(name).combine_chunks()


def _states(table: pa.Table, seq, coder, terms: Terms) -> tuple:
    """Each row's entry in the list of states met (0: the default) and that list; a
    state without a label of its coder among the rows is left out."""
    import numpy as np

    width = len(terms.rank)
    row_keys = seq * width + coder
    state_keys = table.column("seq").to_numpy() * width + table.column("coder").to_numpy()
    order = np.argsort(state_keys, kind="stable")
    found = np.searchsorted(state_keys[order], row_keys)
    found = np.minimum(found, len(order) - 1)
    matched = state_keys[order][found] == row_keys
    used = np.unique(order[found[matched]])
    entry = np.zeros(len(order), dtype=np.int64)
    entry[used] = np.arange(1, len(used) + 1)
    state_index = np.where(matched, entry[order[found]], 0)
    unsure = table.column("unsure").to_pylist()
    note = table.column("note").to_pylist()
    states = [(False, "")] + [(bool(unsure[i]), note[i] or "") for i in used.tolist()]
    return state_index, states


# -- CSV -----------------------------------------------------------------------------------


class CsvCells:
    """The csv module's cells, made a column at a time in Arrow (see the module
    docstring); the texts of label combinations are remembered across frames."""

    def __init__(self, excel: bool):
        from desktop.core.export.formats import _CsvCells

        self.excel = excel
        self.module = _CsvCells(excel)
        self._keys: dict[int, str] = {}

    def text(self, values: pa.Array) -> pa.Array:
        """Cells of a text column (null: empty)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pc.fill_null(values, "")
        if self.excel:
            formula = pc.match_substring_regex(values, _TEXT_FORMULA)
            if pc.any(formula).as_py():
                guarded = pc.binary_join_element_wise(pa.scalar("'"), values, "")
                values = pc.if_else(formula, guarded, values)
        special = pc.match_substring_regex(values, _CSV_SPECIAL)
        if pc.any(special).as_py():
            doubled = pc.replace_substring(values, '"', '""')
            quoted = pc.binary_join_element_wise('"', doubled, '"', "")
            values = pc.if_else(special, quoted, values)
        return values

    def number(self, value) -> str:
        """The cell of one value of a number column (as the csv module writes it)."""
        if value is None:
            return ""
        if type(value) in (int, float):
            return repr(value)
        return self.module.one(value)

    def floats(self, values: pa.Array) -> pa.Array:
        """Cells of a float64 column: ``repr`` of each, empty for null."""
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(values)
        texts = list(map(repr, encoded.dictionary.to_pylist()))
        cells = pa.array(texts, pa.string()).take(encoded.indices)
        return pc.fill_null(cells, "")

    def label(self, terms: Terms, key: int) -> str:
        """The five label cells of a packed key, joined."""
        text = self._keys.get(key)
        if text is None:
            coder, dimension, value, label, numeric = terms.cells(key)
            guard = self.module.text
            if self.excel:
                from desktop.core.export.formats import defuse

                def guard(v: str) -> str:
                    return self.module.text(defuse(v))

            texts = [guard(v) for v in (coder, dimension, value, label)]
            text = self._keys[key] = ",".join([*texts, self.number(numeric)])
        return text

    def state(self, unsure: bool, note: str) -> str:
        """The unsure and note cells of a state, joined."""
        from desktop.core.export.formats import defuse

        note = defuse(note) if self.excel else note
        return ("true" if unsure else "false") + "," + self.module.text(note)


def time_lines(micros: pa.Array, stamp: pa.Array, cells: CsvCells) -> pa.Array:
    """The stored times as the project's texts (``2026-11-22T10:14:00.123456Z``), each a
    CSV cell followed by a line end."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    # Arrow writes a timestamp as "2026-11-22 10:14:00.123456": 26 bytes for every year
    # from 1000 to 9999. Made into "...T...Z\n" in place: strftime takes three times as long.
    moments = pc.add(pc.fill_null(micros, 0), ef.EPOCH_MICROS).cast(pa.timestamp("us"))
    plain = moments.cast(pa.string())
    offsets = np.frombuffer(plain.buffers()[1], dtype=np.int32)[: len(plain) + 1]
    width = 26
    if len(plain) and offsets[-1] - offsets[0] == width * len(plain) and not plain.offset:
        data = np.frombuffer(plain.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        lines = np.empty((len(plain), width + 2), dtype=np.uint8)
        lines[:, :width] = data.reshape(len(plain), width)
        lines[:, 10] = ord("T")
        lines[:, width] = ord("Z")
        lines[:, width + 1] = ord("\n")
        ends = np.arange(0, (width + 2) * len(plain) + 1, width + 2, dtype=np.int32)
        texts = pa.StringArray.from_buffers(len(plain), pa.py_buffer(ends), pa.py_buffer(lines))
    else:  # a year outside 1000-9999: the slow way
        texts = pc.strftime(moments, "%Y-%m-%dT%H:%M:%SZ\n")
    if micros.null_count:  # times stored as text, as they came
        text = pc.is_null(micros)
        kept = pc.binary_join_element_wise(cells.text(stamp.filter(text)), "\n", "")
        texts = pc.replace_with_mask(texts, text, kept)
    return texts


def _unit_cells(units: pa.Table, cells: CsvCells) -> pa.Array:
    """Each unit's six cells, joined."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for name in ("unit_id", "article_id", "article_title", "paragraph", "sentence", "text"):
        column = _array(units, name)
        if pa.types.is_integer(column.type):
            parts.append(pc.fill_null(column.cast(pa.string()), ""))
        else:
            parts.append(cells.text(column))
    return pc.binary_join_element_wise(*parts, ",")


def csv_bytes(terms: Terms, frame: Frame, cells: CsvCells) -> memoryview:
    """The frame's rows as UTF-8 CSV lines."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    unit = _unit_cells(frame.units, cells).take(pa.array(frame.unit_index))
    label = pa.array([cells.label(terms, k) for k in frame.keys], pa.string())
    state = pa.array([cells.state(*s) for s in frame.states], pa.string())
    line = pc.binary_join_element_wise(
        unit,
        label.take(frame.key_index),
        state.take(pa.array(frame.state_index)),
        cells.floats(frame.seconds),
        time_lines(frame.micros, frame.stamp, cells),
        ",",
    )
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)
    start, stop = offsets[line.offset], offsets[line.offset + len(line)]
    return memoryview(line.buffers()[2])[start:stop]


# -- Parquet -------------------------------------------------------------------------------


def frame_arrays(terms: Terms, frame: Frame) -> list[pa.Array]:
    """The frame's columns in the long layout's order, typed as Parquet has them (the
    repeating texts not yet dictionary-encoded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    unit_index = pa.array(frame.unit_index)
    units = [
        _array(frame.units, name).take(unit_index)
        for name in ("unit_id", "article_id", "article_title", "paragraph", "sentence", "text")
    ]
    decoded = list(zip(*(terms.cells(k) for k in frame.keys), strict=True))
    label = [pa.array(decoded[i], pa.string()).take(frame.key_index) for i in range(4)]
    numeric = pa.array(decoded[4], pa.float64()).take(frame.key_index)
    unsure, note = zip(*frame.states, strict=True)
    state_index = pa.array(frame.state_index)
    utc = pa.timestamp("us", tz="UTC")
    moments = pc.add(frame.micros, ef.EPOCH_MICROS).cast(utc)
    if frame.micros.null_count:  # times stored as text: parsed as the row-by-row path does
        text = pc.is_null(frame.micros)
        moments = pc.replace_with_mask(moments, text, pc.cast(frame.stamp.filter(text), utc))
    return [
        *units,
        *label,
        numeric,
        pa.array(unsure, pa.bool_()).take(state_index),
        pa.array(note, pa.string()).take(state_index),
        frame.seconds,
        moments,
    ]


def parquet_batches(frames: Iterator[tuple[Terms, Frame]], rows: int) -> Iterator[list]:
    """The frames' columns (:func:`frame_arrays`) cut into batches of exactly ``rows``
    rows (the last one fewer)."""
    import pyarrow as pa

    held: list[list] = []
    count = 0
    for terms, frame in frames:
        held.append(frame_arrays(terms, frame))
        count += len(frame)
        while count >= rows:
            columns = [pa.concat_arrays([part[i] for part in held]) for i in range(len(held[0]))]
            yield [c.slice(0, rows) for c in columns]
            count -= rows
            held = [[c.slice(rows) for c in columns]] if count else []
    if count:
        yield [pa.concat_arrays([part[i] for part in held]) for i in range(len(held[0]))]
