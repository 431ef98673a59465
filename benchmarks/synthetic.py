"""The synthetic project the benchmarks measure: articles on disk, a labelled project file.

Everything is deterministic from :data:`SEED` and cached under ``benchmarks/.cache/``
(git-ignored) in a folder named after the scale and :data:`GENERATOR_VERSION`, so that
``make bench`` builds it once. Change the version whenever the text, the labels or the
sizes change.

- ``articles/``: ``Scale.articles`` .txt files of news-like text (:mod:`benchmarks.newstext`),
  about 50 codable sentences each.
- ``project.stance``: those articles imported through the real importer, then
  ``Scale.coders`` coders' labels on every dimension of the default scheme: a latent true
  category per unit and dimension, each coder copying it with a probability tuned so
  that Krippendorff's alpha at the dimension's level is :data:`TARGET_ALPHA`, otherwise
  drawing from the category shares; ``Scale.missing`` of the labels left out at random.
  Label history rows, time on each unit, a few unsure flags and notes come with them.
  With ``Scale.machine_coders`` (the 1m scale), machine coders of kind 'model' with a
  label and its probabilities on every unit and dimension.
- ``export.stance``: the same project with labels of extra coders added until the long
  export layout has exactly ``Scale.export_rows`` rows. With ``Scale.export_coders``
  (the 1m scale) there is none: the export measure takes that many coders of
  ``project.stance``, as ``export --coders`` does.

The labels are written in bulk with plain SQL, in one transaction: they are a fixture,
not the code path under test (``label_commit_ms`` measures ``store.set_label``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path

import krippendorff
import numpy as np

from benchmarks.newstext import Picker, article
from desktop.core.store.label_keys import time_key

GENERATOR_VERSION = "3"  # 2: labels in the integer tables of migration 0007; 3: 0009
SEED = 20_260_501
TARGET_ALPHA = 0.70
CACHE = Path(__file__).resolve().parent / ".cache"
T0 = np.datetime64("2025-01-06T08:00:00", "us")  # a Monday
YEAR_US = 365 * 86_400 * 1_000_000

# Shares of the categories, in the scheme's order, per dimension (most sentences of an
# editorial take no side; "none" is the last category of each dimension).
SHARES = {
    "stance": (0.25, 0.15, 0.20, 0.40),
    "alliance_trust": (0.15, 0.15, 0.20, 0.50),
    "china_role": (0.15, 0.15, 0.10, 0.60),
}

Log = Callable[[str], None]


@dataclass(frozen=True)
class Scale:
    """How big the project is, and how many repetitions each measure makes."""

    name: str
    articles: int
    sentences_per_article: int = 50
    coders: int = 5
    missing: float = 0.2
    export_rows: int = 1_500_000
    commits: int = 2_000  # label_commit_ms
    units_to_code: int = 300  # key_to_next_ms (each unit: three keys, the last completes it)
    cold_runs: int = 5  # cold_start_s
    bootstrap_resamples: int = 1_000
    # Added for the 1M scale (issue 24); at these defaults the 100k and quick fixtures are
    # the ones built before the fields existed (see :func:`_built_for`).
    machine_coders: int = 0  # model coders with a label on every unit and dimension
    export_coders: int = 0  # > 0: export these first human coders of project.stance


FULL = Scale("full", articles=2_000)
QUICK = Scale("quick", articles=100, export_rows=75_000, commits=300, units_to_code=60, cold_runs=2)
# Issue 24: 20,000 articles, about 1,000,000 sentences. Five human coders on every unit
# (about 12 million labels: the agreement target is "at 1M with 12M labels") and
# one machine coder on every unit; the long export of three human coders (a coder
# selection, as `export --coders` offers) is about 7.3 million rows.
M1 = Scale("1m", articles=20_000, machine_coders=1, export_coders=3, export_rows=0)
SCALES = {s.name: s for s in (QUICK, FULL, M1)}


@dataclass
class Fixture:
    """Paths of the cached fixture and what was built."""

    folder: Path
    articles: Path
    project: Path
    export_project: Path
    manifest: dict


def fixture_folder(scale: Scale) -> Path:
    return CACHE / f"{scale.name}-v{GENERATOR_VERSION}"


# -- articles ----------------------------------------------------------------------------


def ensure_articles(scale: Scale, log: Log = print) -> Path:
    """Write the articles (once); returns their folder."""
    folder = fixture_folder(scale) / "articles"
    done = folder / ".complete"
    if done.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    picker = Picker(np.random.default_rng([SEED, 1]))
    rng = np.random.default_rng([SEED, 2])
    spread = scale.sentences_per_article // 8
    sizes = rng.integers(
        scale.sentences_per_article - spread, scale.sentences_per_article + spread + 1,
        size=scale.articles,
    )  # fmt: skip
    for number, size in enumerate(sizes, start=1):
        text, _ = article(picker, int(size))
        (folder / f"editorial_{number:05d}.txt").write_text(text, encoding="utf-8")
    done.write_text(str(int(sizes.sum())), encoding="utf-8")
    log(
        f"  wrote {scale.articles:,} articles ({int(sizes.sum()):,} sentences generated) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return folder


def import_articles(articles: Path, path: Path, workers: int | None = None) -> dict:
    """Create a project at ``path`` and import ``articles`` with the real importer.

    Returns the counts and ``seconds``, the time of ``import_paths`` alone (creating the
    empty project is not part of an import). ``workers`` as in ``import_paths`` (by
    default what a user's import uses).
    """
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    db = store.create_project(path, load_scheme(default_scheme_path()))
    try:
        start = time.perf_counter()
        summary = import_paths(db, [articles], workers=workers)
        seconds = time.perf_counter() - start
    finally:
        db.close()
    return {"articles": len(summary.added), "codable_units": summary.units, "seconds": seconds}


# -- labels ------------------------------------------------------------------------------


def _level_matrix(codes: np.ndarray, dimension) -> tuple[np.ndarray, str, list]:
    """A coders x units matrix for krippendorff.alpha at the dimension's level."""
    if dimension.level == "nominal":
        table = np.arange(len(dimension.categories), dtype=float)
        domain = list(table)
    else:
        table = np.array(
            [np.nan if c.not_applicable else float(c.value) for c in dimension.categories]
        )
        domain = sorted(float(c.value) for c in dimension.categories if not c.not_applicable)
    matrix = np.where(codes >= 0, table[np.maximum(codes, 0)], np.nan)
    return matrix, dimension.level, domain


def alpha_of(codes: np.ndarray, dimension) -> float:
    """krippendorff.alpha of a coders x units matrix of category indices (-1: missing)."""
    matrix, level, domain = _level_matrix(codes, dimension)
    return float(
        krippendorff.alpha(reliability_data=matrix, level_of_measurement=level, value_domain=domain)
    )


def coder_codes(
    dimension, n_units: int, coders: int, missing: float, rng: np.random.Generator
) -> tuple[np.ndarray, float, float]:
    """Category indices, shape (coders, units), -1 where missing; with the copy
    probability found and the alpha reached.

    Each coder gives the unit's true category with probability ``q``, else a category
    drawn from the shares; ``q`` is found by bisection (the same random draws for every
    ``q``, so alpha grows with it) so that alpha is :data:`TARGET_ALPHA`.
    """
    shares = np.array(SHARES[dimension.id])
    k = len(shares)
    true = rng.choice(k, size=n_units, p=shares)
    noise = rng.choice(k, size=(coders, n_units), p=shares)
    copy = rng.random((coders, n_units))
    absent = rng.random((coders, n_units)) < missing

    def codes_for(q: float) -> np.ndarray:
        codes = np.where(copy < q, true[None, :], noise).astype(np.int16)
        codes[absent] = -1
        return codes

    low, high = 0.0, 1.0
    for _ in range(18):
        middle = (low + high) / 2
        if alpha_of(codes_for(middle), dimension) < TARGET_ALPHA:
            low = middle
        else:
            high = middle
    q = (low + high) / 2
    codes = codes_for(q)
    return codes, q, alpha_of(codes, dimension)


def _iso(us: np.ndarray) -> np.ndarray:
    """Microseconds since :data:`T0` as the store's ISO-8601 UTC text."""
    text = np.datetime_as_string(T0 + us.astype("timedelta64[us]"), unit="us")
    return np.char.add(text.astype(str), "Z")


def _terms(conn: sqlite3.Connection, texts: list[str]) -> dict[str, int]:
    """Number the texts in label_terms (new ones in text order); ``{text: number}``."""
    conn.executemany(
        "INSERT OR IGNORE INTO label_terms (text) VALUES (?)", [(t,) for t in sorted(set(texts))]
    )
    return dict(conn.execute("SELECT text, id FROM label_terms").fetchall())


def _unit_keys(conn: sqlite3.Connection, unit_ids: list[str]) -> dict[str, int]:
    """Number the unit ids in unit_keys (new ones in id order); ``{unit id: number}``."""
    conn.executemany(
        "INSERT OR IGNORE INTO unit_keys (unit_id) VALUES (?)",
        [(u,) for u in sorted(set(unit_ids))],
    )
    return dict(conn.execute("SELECT unit_id, id FROM unit_keys").fetchall())


def add_labels(path: Path, scale: Scale, log: Log = print) -> dict:
    """Write every coder's labels, history, time, unsure flags and notes (one transaction).

    Returns the achieved alpha and copy probability per dimension.
    """
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    scheme = load_scheme(default_scheme_path())
    rng = np.random.default_rng([SEED, 3])
    conn = _bulk_connection(path)
    unit_ids = np.array(
        [
            r[0]
            for r in conn.execute(
                "SELECT u.id FROM units u JOIN articles a ON a.id = u.article_id "
                "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq"
            )
        ]
    )
    n = len(unit_ids)
    coders = [f"c{i}" for i in range(1, scale.coders + 1)]
    dims = scheme.dimension_ids
    stats: dict = {}
    codes = {}
    for dimension in scheme.dimensions:
        codes[dimension.id], q, alpha = coder_codes(dimension, n, scale.coders, scale.missing, rng)
        stats[dimension.id] = {"alpha": round(alpha, 4), "copy_probability": round(q, 4)}
    # Each coder codes the units in order over a year, about eight seconds a sentence.
    start = (np.arange(n) / n * YEAR_US).astype(np.int64)
    offsets = rng.integers(0, 14 * 86_400 * 1_000_000, size=scale.coders)
    seconds = np.round(rng.lognormal(2.0, 0.5, size=(scale.coders, n, len(dims))), 2)
    columns: dict[str, list[np.ndarray]] = {k: [] for k in ("unit", "coder", "dim", "value", "at")}
    states = []
    for c, coder in enumerate(coders):
        at_us = start + offsets[c] + rng.integers(0, 3_600_000_000, size=n)
        coded = np.zeros(n, dtype=bool)
        for d, dimension in enumerate(scheme.dimensions):
            mine = codes[dimension.id][c]
            units = np.flatnonzero(mine >= 0)
            coded[units] = True
            columns["unit"].append(units)
            columns["coder"].append(np.full(units.size, c))
            columns["dim"].append(np.full(units.size, d))
            columns["value"].append(mine[units])
            columns["at"].append(at_us[units] + d * 2_000_000)
        unsure = (rng.random(n) < 0.02).astype(int)
        noted = rng.random(n) < 0.01
        total = seconds[c].sum(axis=1)
        stamp = _iso(at_us + 6_000_000)
        where = np.flatnonzero(coded)
        states += zip(
            unit_ids[where].tolist(),
            [coder] * where.size,
            unsure[where].tolist(),
            np.where(noted[where], "check the second clause", "").tolist(),
            total[where].tolist(),
            stamp[where].tolist(),
            strict=True,
        )
    unit, coder_of, dim_of, value, at = (np.concatenate(columns[k]) for k in columns)
    widest = max(len(d.codes) for d in scheme.dimensions)
    value_names = np.array(
        [[*d.codes, *[""] * (widest - len(d.codes))] for d in scheme.dimensions], dtype=object
    )
    unit_names = unit_ids.astype(object)
    states.sort(key=lambda s: (s[0], s[1]))
    conn.execute("BEGIN IMMEDIATE")
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    conn.executemany(
        "INSERT INTO coders (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(c, f"Coder {c[1:]}", now) for c in coders],
    )
    # The integer tables of migration 0007, filled in their key order, their indexes built
    # afterwards (as the migration writes a project): one pass, pages full.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('label_current', 'label_changes', 'unit_state_rows')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    terms = _terms(conn, [*coders, *dims, *[v for v in value_names.ravel() if v], "set"])
    keys = _unit_keys(conn, unit_ids.tolist())
    unit_key = np.array([keys[u] for u in unit_ids.tolist()], dtype=np.int64)
    coder_key = np.array([terms[c] for c in coders], dtype=np.int64)
    dim_key = np.array([terms[d] for d in dims], dtype=np.int64)
    value_key = np.array([[terms.get(v, 0) for v in row] for row in value_names], dtype=np.int64)
    # Stored times are microseconds since label_keys.EPOCH; ``at`` counts from T0.
    shift = time_key(str(_iso(np.zeros(1, dtype=np.int64))[0]))
    assert time_key(str(_iso(at[:1])[0])) == int(at[0]) + shift
    u_key, c_key, d_key = unit_key[unit], coder_key[coder_of], dim_key[dim_of]
    v_key, t_key = value_key[dim_of, value], at + shift
    secs = seconds[coder_of, unit, dim_of]
    # Labels in primary-key order (unit, coder, dimension); history numbered in the order
    # the values were set, stored in its key order (coder, id).
    by_key = np.lexsort((d_key, c_key, u_key))
    conn.executemany(
        "INSERT INTO label_current (unit, coder, dimension, value, changed_at, seconds) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        _chunked(by_key, u_key, c_key, d_key, v_key, t_key, secs),
    )
    history_id = np.empty(at.size, dtype=np.int64)
    history_id[np.argsort(at, kind="stable")] = np.arange(1, at.size + 1)
    by_coder = np.lexsort((history_id, c_key))
    conn.executemany(
        "INSERT INTO label_changes (coder, id, unit, dimension, old_value, new_value, action, "
        f"changed_at) VALUES (?, ?, ?, ?, NULL, ?, {terms['set']}, ?)",
        _chunked(by_coder, c_key, history_id, u_key, d_key, v_key, t_key),
    )
    conn.executemany(
        "INSERT INTO unit_state_rows (unit, coder, unsure, note, seconds, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        sorted((keys[u], terms[c], *rest, time_key(t)) for u, c, *rest, t in states),
    )
    for _, sql in indexes:
        conn.execute(sql)
    if scale.machine_coders:
        stats["machine"] = _add_machine_labels(conn, scale, scheme, unit_names, codes)
    conn.execute("COMMIT")
    _end_bulk(conn)
    conn.close()
    stats["labels"] = int(unit.size)
    stats["units"] = n
    machine = f"; machine coder(s) {stats['machine']}" if scale.machine_coders else ""
    log(f"  {unit.size:,} labels on {n:,} units; alphas {_alphas(stats, dims)}{machine}")
    return stats


CHUNK = 500_000  # rows handed to executemany at a time
MACHINE_MAJORITY = 0.8  # a machine coder gives the human majority this often
FIXTURE_TIME = "2025-12-31T12:00:00.000000Z"


def _bulk_connection(path: Path) -> sqlite3.Connection:
    """A connection for writing the fixture in bulk: no rollback journal, no fsync.

    Only the fixture is written this way (a failed build leaves no manifest, so the next
    run builds it again); :func:`_end_bulk` puts the file back in WAL mode, as the app
    leaves it.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    return conn


def _end_bulk(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")


def _add_machine_labels(
    conn: sqlite3.Connection, scale: Scale, scheme, unit_names: np.ndarray, codes: dict
) -> dict:
    """Machine coders ``m1``.. (kind 'model', migration 0006) with a label on every unit
    and dimension, as a trained model stores them: the winning code and the
    probabilities of every code (sorted keys, 6 digits), in the integer table of
    migration 0009 as :func:`desktop.core.store.machine.put_model_labels` writes them.
    The model gives the human coders' majority with probability
    :data:`MACHINE_MAJORITY`, otherwise a code drawn from the category shares. Returns
    the labels written per machine coder.
    """
    rng = np.random.default_rng([SEED, 5])
    n = unit_names.size
    keys = _unit_keys(conn, unit_names.tolist())
    unit_key = np.array([keys[u] for u in unit_names.tolist()], dtype=np.int64)
    code_lists = {
        d.id: json.dumps(sorted(d.codes), separators=(",", ":")) for d in scheme.dimensions
    }
    terms = _terms(
        conn,
        [
            *(f"m{m}" for m in range(1, scale.machine_coders + 1)),
            *(d.id for d in scheme.dimensions),
            *(c for d in scheme.dimensions for c in d.codes),
            *code_lists.values(),
        ],
    )
    stamp = time_key(FIXTURE_TIME)
    written = {}
    for m in range(1, scale.machine_coders + 1):
        coder = f"m{m}"
        conn.execute(
            "INSERT INTO coders (id, name, created_at, kind) VALUES (?, ?, ?, 'model')",
            (coder, f"Model {m}", FIXTURE_TIME),
        )
        conn.execute(
            "INSERT INTO model_coders (coder_id, method, basis, created_at) "
            "VALUES (?, 'train', 'majority', ?)",
            (coder, FIXTURE_TIME),
        )
        units, dims, values, numbers, lists = [], [], [], [], []
        for dimension in scheme.dimensions:
            guesses, probabilities = _machine_guesses(dimension, codes[dimension.id], rng)
            units.append(unit_key)
            dims.append(np.full(n, terms[dimension.id], dtype=np.int64))
            values.append(np.array([terms[v] for v in guesses.tolist()], dtype=np.int64))
            numbers.append(probabilities)
            lists.append(np.full(n, terms[code_lists[dimension.id]], dtype=np.int64))
        unit, dim, value, number, codes_of = (
            np.concatenate(c) for c in (units, dims, values, numbers, lists)
        )
        conn.executemany(  # in primary-key order (coder, run, unit, dimension)
            "INSERT INTO model_label_rows (coder, run, unit, dimension, value, codes, "
            f"probabilities, created_at) VALUES ({terms[coder]}, 1, ?, ?, ?, ?, ?, {stamp})",
            _chunked(np.lexsort((dim, unit)), unit, dim, value, codes_of, number),
        )
        written[coder] = n * len(scheme.dimensions)
    return written


def _machine_guesses(dimension, human: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """A model's codes of one dimension (object array) and their probabilities as stored
    by migration 0009 (the numbers of the sorted codes, as json.dumps writes them,
    separated by spaces; see :func:`desktop.core.store.machine.encode_probabilities`)."""
    n = human.shape[1]
    k = len(dimension.codes)
    majority = np.stack([(human == j).sum(axis=0) for j in range(k)]).argmax(axis=0)
    other = rng.choice(k, size=n, p=SHARES[dimension.id])
    guess = np.where(rng.random(n) < MACHINE_MAJORITY, majority, other)
    probabilities = 0.5 * rng.dirichlet(np.ones(k), size=n)
    probabilities[np.arange(n), guess] += 0.5  # the guess is always the largest
    order = np.argsort(dimension.codes)  # json.dumps(sort_keys=True)'s order
    text = [" ".join(map(repr, row)) for row in np.round(probabilities[:, order], 6).tolist()]
    return np.asarray(dimension.codes, dtype=object)[guess], np.array(text, dtype=object)


def _chunked(order: np.ndarray, *columns: np.ndarray) -> Iterator[tuple]:
    """Rows of ``columns`` in ``order``, converted to Python a chunk at a time."""
    for start in range(0, order.size, CHUNK):
        i = order[start : start + CHUNK]
        yield from zip(*(column[i].tolist() for column in columns), strict=True)


def _alphas(stats: dict, dims) -> str:
    return ", ".join(f"{d} {stats[d]['alpha']:.3f}" for d in dims)


def add_export_labels(path: Path, scale: Scale, log: Log = print) -> dict:
    """Add extra coders' labels until the long layout has exactly ``export_rows`` rows."""
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    scheme = load_scheme(default_scheme_path())
    rng = np.random.default_rng([SEED, 4])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    codable = "u.excluded = 0 AND a.excluded = 0"
    have = conn.execute(
        "SELECT count(*) FROM label_current l JOIN unit_keys k ON k.id = l.unit "
        f"JOIN units u ON u.id = k.unit_id JOIN articles a ON a.id = u.article_id WHERE {codable}"
    ).fetchone()[0]
    unit_ids = [
        r[0]
        for r in conn.execute(
            f"SELECT u.id FROM units u JOIN articles a ON a.id = u.article_id WHERE {codable} "
            "ORDER BY u.seq"
        )
    ]
    need = scale.export_rows - have
    rows = []
    extra = scale.coders
    while len(rows) < need:
        extra += 1
        coder = f"c{extra}"
        for unit_id in unit_ids:
            for dimension in scheme.dimensions:
                if len(rows) == need:
                    break
                code = dimension.codes[rng.choice(len(dimension.codes), p=SHARES[dimension.id])]
                rows.append((unit_id, coder, dimension.id, code, "2025-12-31T12:00:00.000000Z"))
            if len(rows) == need:
                break
    coders = sorted({r[1] for r in rows})
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO coders (id, name, created_at) VALUES (?, ?, '2025-12-31T12:00:00.000000Z')",
        [(c, f"Coder {c[1:]}") for c in coders],
    )
    terms = _terms(conn, [t for r in rows for t in r[1:4]])
    keys = _unit_keys(conn, [r[0] for r in rows])
    conn.executemany(
        "INSERT INTO label_current (unit, coder, dimension, value, changed_at, seconds) "
        "VALUES (?, ?, ?, ?, ?, 5.0)",
        sorted((keys[u], terms[c], terms[d], terms[v], time_key(t)) for u, c, d, v, t in rows),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    log(f"  export project: {have + len(rows):,} labels ({len(rows):,} added for {coders})")
    return {"rows": have + len(rows), "extra_coders": coders}


# -- the whole fixture -------------------------------------------------------------------


def ensure_fixture(scale: Scale, *, imported: Path | None = None, log: Log = print) -> Fixture:
    """The cached fixture, built if missing.

    Parameters
    ----------
    imported
        A project just made by importing the articles (the import benchmark's); when the
        cache has no project yet it is moved there instead of importing again.
    """
    folder = fixture_folder(scale)
    manifest_path = folder / "manifest.json"
    articles = ensure_articles(scale, log)
    project, export_project = folder / "project.stance", folder / "export.stance"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if _built_for(manifest.get("scale"), scale) and project.exists():
            if scale.export_coders:
                export_project = project
            return Fixture(folder, articles, project, export_project, manifest)
    log(f"building the {scale.name} fixture in {folder} (cached for later runs)")
    started = time.perf_counter()
    for stale in (project, export_project):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{stale}{suffix}").unlink(missing_ok=True)
    if imported is not None and imported.exists():
        shutil.move(imported, project)
        counts = _counts(project)
    else:
        log("  importing the articles")
        counts = import_articles(articles, project)
        counts.pop("seconds")
    labels = add_labels(project, scale, log)
    if scale.export_coders:
        export_project = project
        export = export_selection(project, scale)
        log(f"  export: {export['rows']:,} rows of coders {', '.join(export['coders'])}")
    else:
        shutil.copyfile(project, export_project)
        export = add_export_labels(export_project, scale, log)
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "scale": asdict(scale),
        "corpus": counts,
        "labels": labels,
        "export": export,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log(f"  fixture built in {manifest['build_seconds']} s")
    return Fixture(folder, articles, project, export_project, manifest)


def _built_for(recorded: dict | None, scale: Scale) -> bool:
    """Whether a manifest's ``scale`` is ``scale``; a field added to :class:`Scale` since
    the manifest was written counts as equal when ``scale`` has it at its default."""
    if recorded is None:
        return False
    defaults = {f.name: f.default for f in fields(Scale) if f.default is not MISSING}
    return all(recorded.get(k, defaults.get(k)) == v for k, v in asdict(scale).items())


def export_selection(project: Path, scale: Scale) -> dict:
    """The long export of the first ``scale.export_coders`` human coders: who, and its rows
    (their labels on codable units, as the long layout counts them)."""
    coders = [f"c{i}" for i in range(1, scale.export_coders + 1)]
    conn = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT count(*) FROM labels l JOIN units u ON u.id = l.unit_id "
            "JOIN articles a ON a.id = u.article_id WHERE u.excluded = 0 AND a.excluded = 0 "
            f"AND l.coder_id IN ({', '.join('?' * len(coders))})",
            coders,
        ).fetchone()[0]
    finally:
        conn.close()
    return {"rows": rows, "coders": coders}


def _counts(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        units = conn.execute(
            "SELECT count(*) FROM units u JOIN articles a ON a.id = u.article_id "
            "WHERE u.excluded = 0 AND a.excluded = 0"
        ).fetchone()[0]
    finally:
        conn.close()
    return {"articles": articles, "codable_units": units}


def working_copy(source: Path, folder: Path, name: str | None = None) -> Path:
    """Copy a cached project into ``folder`` (the measures that write use a copy)."""
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    # Write the copy out now: an fsync timed later must not wait for these pages.
    os.sync()
    return target
