"""One core entry per report: the command line and the window both call these."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.core import store
from desktop.core.agreement.compute import DEFAULT_SEED
from desktop.core.errors import UsageError
from desktop.core.machine.scoring import DEFAULT_EPSILON, ModelsReport, score_models
from desktop.core.store import machine as mstore
from desktop.core.store.team import gold_frame


def models_report(
    db: store.Database,
    *,
    models: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = DEFAULT_SEED,
    epsilon: float = DEFAULT_EPSILON,
    unit_ids: set[str] | None = None,
) -> ModelsReport:
    """Score the project's models (all, or ``models``) against its human coders.

    Raises
    ------
    UsageError
        If a name in ``models`` is not a model of the project.
    """
    known = mstore.list_model_coders(db)
    if models:
        missing = [m for m in models if m not in {k.id for k in known}]
        if missing:
            raise UsageError(f"no model named {', '.join(missing)} in this project")
        known = [k for k in known if k.id in set(models)]
    scheme = store.current_scheme(db)
    humans = store.labels_frame(db)
    labels = mstore.model_labels_frame(db, coders=[k.id for k in known])
    gold = gold_frame(db)[["unit_id", "dimension", "value"]]
    if unit_ids is not None:
        humans = humans[humans["unit_id"].isin(unit_ids)]
        labels = labels[labels["unit_id"].isin(unit_ids)]
        gold = gold[gold["unit_id"].isin(unit_ids)]
    return score_models(
        known, labels, humans, gold, scheme, bootstrap=bootstrap, seed=seed, epsilon=epsilon
    )
