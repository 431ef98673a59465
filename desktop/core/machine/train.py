"""Train a classifier on the project's own labels and code every unit with it.

Method: TF-IDF over word 1-2-grams and hashed character 3-5-grams (sublinear term
frequency; :mod:`desktop.core.machine.features`), fitted once on the text of every
codable unit (no labels are used, so nothing leaks), and a class-weighted logistic
regression per dimension, fitted by stochastic gradient descent (scikit-learn's
``SGDClassifier(loss="log_loss")``, one-vs-rest, fixed seed) because the exact solvers
take seconds per fit on a hundred thousand features. The L2 penalty ``alpha`` is chosen
by grouped cross-validation (folds by article, macro F1); the chosen model's out-of-fold
predictions are the labels of the training units, so no sentence is predicted by a model
that saw its article (the score that chose ``alpha`` is measured on those same
predictions, so it is slightly optimistic). Every other unit is coded by the model
refitted on all training units. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from desktop.core import store
from desktop.core.errors import UsageError
from desktop.core.machine.features import TextFeatures
from desktop.core.machine.scoring import majority_labels
from desktop.core.scheme import Scheme
from desktop.core.store import machine as mstore
from desktop.core.store.team import gold_frame

ALPHA_GRID = (1e-5, 1e-4, 1e-3)
SEED = 0
MAX_FOLDS = 5
Progress = Callable[[int, int, str], None]


class Cancelled(Exception):
    """The caller asked to stop; nothing was written."""


@dataclass
class DimensionFit:
    """Cross-validation and training summary of one dimension."""

    dimension: str
    trained_units: int
    articles: int
    folds: int
    chosen_alpha: float = float("nan")
    cv_macro_f1: dict[float, float] = field(default_factory=dict)
    cv_accuracy: dict[float, float] = field(default_factory=dict)
    classes: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class TrainResult:
    """What ``model train`` did."""

    coder: str
    basis: str
    basis_hash: str
    labels: list[mstore.ModelLabel]
    fits: list[DimensionFit]
    parameters: dict
    library_versions: dict


def library_versions() -> dict[str, str]:
    """Versions of the libraries a trained model depends on."""
    import scipy
    import sklearn

    return {
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }


def training_labels(db: store.Database, basis: str) -> pd.DataFrame:
    """The labels to learn from: ``gold``, ``majority`` (of the human coders) or ``coder:ID``.

    Returns
    -------
    DataFrame
        ``unit_id, dimension, value`` for codable units.
    """
    codable = {u.id for u in mstore.codable_unit_texts(db)}
    if basis == "gold":
        frame = gold_frame(db)[["unit_id", "dimension", "value"]]
    elif basis == "majority":
        frame = majority_labels(store.labels_frame(db))
    elif basis.startswith("coder:"):
        coder = basis.partition(":")[2]
        if mstore.coder_kind(db, coder) != "human":
            raise UsageError(f"there is no human coder '{coder}' to learn from")
        frame = store.labels_frame(db, coders=[coder])[["unit_id", "dimension", "value"]]
    else:
        raise UsageError(f"cannot learn from '{basis}' (use gold, majority or coder:NAME)")
    return frame[frame["unit_id"].isin(codable)].reset_index(drop=True)


def labels_hash(frame: pd.DataFrame) -> str:
    """sha256 of the training labels, independent of their order."""
    rows = sorted(zip(frame["unit_id"], frame["dimension"], frame["value"], strict=True))
    text = "\n".join("\t".join(r) for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _classifier(alpha: float):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(
        loss="log_loss",
        alpha=alpha,
        class_weight="balanced",
        max_iter=15,
        n_iter_no_change=2,  # stop after two epochs without gain: half the epochs, same codes
        tol=1e-3,
        random_state=SEED,
    )


def _fit(alpha: float, x, y: np.ndarray):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # A few epochs short of sklearn's tolerance changes no predicted category here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _classifier(alpha).fit(x, y)


def _macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, pred, average="macro", zero_division=0))


def fit_dimension(
    x_train,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    alpha_grid: Sequence[float] = ALPHA_GRID,
    max_folds: int = MAX_FOLDS,
    check: Callable[[str], None] = lambda what: None,
) -> tuple[DimensionFit, np.ndarray | None, np.ndarray | None, object | None]:
    """Choose alpha by grouped cross-validation and return out-of-fold class probabilities.

    Parameters
    ----------
    x_train : sparse matrix, shape (N, F)
    y : ndarray of str, shape (N,)
    groups : ndarray, shape (N,)
        Article of each unit; no fold trains and predicts units of the same article.

    Returns
    -------
    fit : DimensionFit
    oof : ndarray of float, shape (N, classes), or None when there is nothing to fit
    classes : ndarray of str, or None
    model : the classifier refitted on all N units, or None
    """
    from sklearn.model_selection import GroupKFold

    classes = np.unique(y)
    articles = len(np.unique(groups))
    fit = DimensionFit("", len(y), articles, min(max_folds, articles))
    if len(classes) < 2:
        fit.reason = "the training labels have fewer than two categories"
        return fit, None, None, None
    if articles < 2:
        fit.reason = "the training labels come from one article (folds are by article)"
        return fit, None, None, None
    folds = list(GroupKFold(n_splits=fit.folds).split(x_train, y, groups))

    def fold_probabilities(alpha: float, train: np.ndarray, test: np.ndarray) -> np.ndarray:
        out = np.zeros((len(test), len(classes)))
        present = np.unique(y[train])
        if len(present) < 2:
            out[:, np.searchsorted(classes, present)] = 1.0
            return out
        model = _fit(alpha, x_train[train], y[train])
        out[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(x_train[test])
        return out

    # The folds fit on threads: SGD's inner loop releases the GIL.
    jobs = [(alpha, train, test) for alpha in alpha_grid for train, test in folds]
    results: dict[int, np.ndarray] = {}
    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1, 4)) as pool:
        futures = {pool.submit(fold_probabilities, *job): i for i, job in enumerate(jobs)}
        try:
            for future in as_completed(futures):
                check(f"alpha={jobs[futures[future]][0]:g}")
                results[futures[future]] = future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    best_score, best_oof = -1.0, None
    for a, alpha in enumerate(alpha_grid):
        oof = np.zeros((len(y), len(classes)))
        for f, (_, test) in enumerate(folds):
            oof[test] = results[a * len(folds) + f]
        pred = classes[oof.argmax(axis=1)]
        score = _macro_f1(y, pred)
        fit.cv_macro_f1[alpha] = score
        fit.cv_accuracy[alpha] = float(np.mean(pred == y))
        if score > best_score:
            best_score, best_oof, fit.chosen_alpha = score, oof, alpha
    check("final fit")
    model = _fit(fit.chosen_alpha, x_train, y)
    fit.classes = tuple(str(c) for c in classes)
    return fit, best_oof, classes, model


def _labels_from_probabilities(
    unit_ids: Sequence[str],
    dimension: str,
    probabilities: np.ndarray,
    classes: Sequence[str],
    codes: Sequence[str],
    *,
    out_of_fold: bool,
) -> list[mstore.ModelLabel]:
    winners = np.asarray(classes)[probabilities.argmax(axis=1)]
    index = {c: i for i, c in enumerate(classes)}
    rounded = np.round(probabilities, 6)
    labels = []
    for row, unit in enumerate(unit_ids):
        probs = {code: float(rounded[row, index[code]]) if code in index else 0.0 for code in codes}
        labels.append(mstore.ModelLabel(unit, dimension, str(winners[row]), probs, "", out_of_fold))
    return labels


def train_model(
    db: store.Database,
    name: str,
    *,
    basis: str = "gold",
    dimensions: Sequence[str] | None = None,
    alpha_grid: Sequence[float] = ALPHA_GRID,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> TrainResult:
    """Train on ``basis`` labels and predict every codable unit (no writing; see :func:`save`).

    Parameters
    ----------
    db : Database
    name : str
        The model coder's name.
    basis : {"gold", "majority", "coder:ID"}
    dimensions : sequence of str, optional
        Dimensions to model (default: every dimension of the scheme).
    alpha_grid : sequence of float
        Candidate L2 penalties.
    progress : callable(done, total, what), optional
    cancel : threading.Event, optional
        Set it to stop; :class:`Cancelled` is raised between fits.

    Raises
    ------
    UsageError
        If there is nothing to learn from.
    Cancelled
    """
    scheme: Scheme = store.current_scheme(db)
    wanted = list(dimensions) if dimensions else list(scheme.dimension_ids)
    unknown = [d for d in wanted if d not in scheme.dimension_ids]
    if unknown:
        raise UsageError(f"unknown dimension {', '.join(unknown)}")
    frame = training_labels(db, basis)
    frame = frame[frame["dimension"].isin(wanted)]
    if frame.empty:
        raise UsageError(f"there are no {basis} labels to learn from on {', '.join(wanted)}")
    units = mstore.codable_unit_texts(db)
    ids = np.array([u.id for u in units], dtype=object)
    position = {u: i for i, u in enumerate(ids)}
    articles = np.array([u.article_id for u in units], dtype=object)
    total = len(wanted) * (len(alpha_grid) * MAX_FOLDS + 1) + 1
    done = 0

    def check(what: str) -> None:
        nonlocal done
        if cancel is not None and cancel.is_set():
            raise Cancelled
        if progress is not None:
            progress(done, total, what)
        done += 1

    check("features")
    features = TextFeatures()
    matrix = features.fit_transform([u.text for u in units])
    labels: list[mstore.ModelLabel] = []
    fits: list[DimensionFit] = []
    for dimension in scheme.dimensions:
        if dimension.id not in wanted:
            continue
        rows = frame[frame["dimension"] == dimension.id]
        where = np.array([position[u] for u in rows["unit_id"]], dtype=np.int64)
        y = rows["value"].to_numpy(dtype=object).astype(str)
        fit, oof, classes, model = fit_dimension(
            matrix[where],
            y,
            articles[where],
            alpha_grid=alpha_grid,
            check=lambda what, d=dimension.id: check(f"{d}: {what}"),
        )
        fit.dimension = dimension.id
        fits.append(fit)
        if model is None:
            continue
        labels += _labels_from_probabilities(
            ids[where], dimension.id, oof, classes, dimension.codes, out_of_fold=True
        )
        rest = np.setdiff1d(np.arange(len(ids)), where)
        if rest.size:
            labels += _labels_from_probabilities(
                ids[rest],
                dimension.id,
                model.predict_proba(matrix[rest]),
                [str(c) for c in model.classes_],
                dimension.codes,
                out_of_fold=False,
            )
    if not labels:
        reasons = "; ".join(f"{f.dimension}: {f.reason}" for f in fits)
        raise UsageError(f"nothing could be trained ({reasons})")
    if progress is not None:
        progress(total, total, "done")
    parameters = {
        "features": features.parameters(),
        "classifier": "SGDClassifier(loss='log_loss', class_weight='balanced', max_iter=15, "
        f"tol=1e-3, random_state={SEED})",
        "alpha_grid": list(alpha_grid),
        "chosen_alpha": {f.dimension: f.chosen_alpha for f in fits if f.reason == ""},
        "selection": "grouped k-fold by article, macro F1",
        "dimensions": wanted,
    }
    return TrainResult(
        name, basis, labels_hash(frame), labels, fits, parameters, library_versions()
    )


def fits_report(fits: Sequence[DimensionFit]) -> dict:
    """The cross-validation summary as JSON-ready data."""
    return {
        f.dimension: {
            "trained_units": f.trained_units,
            "articles": f.articles,
            "folds": f.folds,
            "classes": list(f.classes),
            "chosen_alpha": None if f.reason else f.chosen_alpha,
            "cv_macro_f1": {str(c): round(v, 4) for c, v in f.cv_macro_f1.items()},
            "cv_accuracy": {str(c): round(v, 4) for c, v in f.cv_accuracy.items()},
            "reason": f.reason,
        }
        for f in fits
    }


def save_trained(
    db: store.Database, result: TrainResult, *, replace: bool = False, who: str = ""
) -> int:
    """Store a trained model's provenance and labels in one transaction; returns the rows."""
    with store.write_transaction(db):
        mstore.save_model_coder(
            db,
            result.coder,
            method="train",
            basis=result.basis,
            basis_hash=result.basis_hash,
            parameters=result.parameters,
            library_versions=result.library_versions,
            report={"cross_validation": fits_report(result.fits)},
            replace=replace,
        )
        mstore.delete_model_labels(db, result.coder)
        written = mstore.put_model_labels(db, result.coder, result.labels)
        store.log_change(
            db,
            "model-train",
            who,
            {"model": result.coder, "basis": result.basis, "labels": written},
        )
    return written
