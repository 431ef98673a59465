"""The lead's round dialogs: the reliability sample, progress, and unlocking comparison.

What each takes, and why:

- :class:`ReliabilitySampleDialog` takes the window's **project hub**: a draw inserts
  every assignment, so it runs on a worker thread with its own connection on the hub's
  path (:class:`desktop.ui.team_dialogs.TaskDialog`), then announces the new rounds
  through the hub and emits ``drawn``.
- :class:`ProgressDialog` takes the hub too: one grouped read on the UI thread, again
  whenever the hub announces labels, units or the team changed (a merge, the lab sync).
- :func:`unlock_comparison_action` takes the caller's **connection**: one setting written.

The hub's coder is recorded with draws and checked by the unlock (only the lead).
Errors are shown as one line, never a traceback.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core import store, team
from desktop.core.agreement.planner import rule_sample_size
from desktop.core.errors import StanceError
from desktop.core.project_changes import Changed, ProjectChange
from desktop.core.store import team as team_store
from desktop.core.team import ProgressRow
from desktop.core.team.assign import DEFAULT_SHARE
from desktop.ui import dialogs, palette, team_dialogs
from desktop.ui.article_list import ProgressDelegate
from desktop.ui.export_dialog import CheckListModel, check_list, coder_items
from desktop.ui.models import ProgressRole, RowsTableModel
from desktop.ui.team_dialogs import TaskDialog, explanation

if TYPE_CHECKING:
    from desktop.ui.hub import ProjectHub

_Index = QModelIndex | QPersistentModelIndex
_CLOSE = QDialogButtonBox.StandardButton.Close


# -- the reliability sample ---------------------------------------------------------------


@dataclass(frozen=True)
class RoundSummary:
    """What one drawn round holds: units, and assignments per coder and per article."""

    round_id: str
    kind: str
    seed: int | None
    units: int
    per_coder: dict[str, int] = field(default_factory=dict)
    per_article: dict[str, int] = field(default_factory=dict)


def round_summary(db: store.Database, round_id: str) -> RoundSummary:
    """Read back a round as drawn (as ``stancecoder sample`` prints it)."""
    pairs = team_store.round_assignments(db, round_id)
    details = next(r for r in team_store.list_rounds(db) if r["id"] == round_id)
    article_of = {unit_id: article for unit_id, _, article in team_store.codable_units(db)}
    units = list(dict.fromkeys(unit for unit, _ in pairs))
    return RoundSummary(
        round_id,
        details["kind"],
        details["seed"],
        len(units),
        dict(sorted(Counter(coder for _, coder in pairs).items())),
        dict(Counter(article_of.get(unit, "?") for unit in units)),
    )


def describe_round(summary: RoundSummary) -> str:
    coders = ", ".join(f"{c} {n}" for c, n in summary.per_coder.items())
    articles = len(summary.per_article)
    return (
        f"{summary.round_id}: {summary.units:,} units from {articles} article"
        f"{'s' * (articles != 1)} (seed {summary.seed}); per coder: {coders}."
    )


class ReliabilitySampleDialog(TaskDialog):
    """Draw the reliability sample (stratified by article, seeded) and split the rest.

    Parameters
    ----------
    hub
        The open project; the draw runs on a worker thread with its own connection. Its
        coder is the lead, recorded with each round.
    """

    drawn = Signal(object)  # list[RoundSummary]

    def __init__(self, hub: ProjectHub, parent: QWidget | None = None):
        super().__init__(hub, parent)
        who, db = self.who, hub.db
        self.setWindowTitle(f"Reliability sample — {self.project_path.stem}")
        self.setObjectName("reliabilitySampleDialog")
        self.rounds: list[RoundSummary] = []
        items = coder_items(db)
        self.unassigned = len(team_store.codable_units(db, unassigned_only=True))
        self.scheme = hub.scheme
        self.coders = CheckListModel(items, self)
        # Everyone but the lead who draws, who usually adjudicates rather than codes.
        others = [coder for coder, _ in items if coder != who]
        self.coders.set_checked(others if len(others) >= 2 else None)
        self._k_all = True  # k follows the number of coders until the lead changes it
        self._build()
        self._on_coders_changed()

    def _build(self) -> None:
        self.coder_list = check_list(self.coders, 5, "sampleCoders")
        self.coders.checks_changed.connect(self._on_coders_changed)
        self.share_radio = QRadioButton("Share of the unassigned units")
        self.count_radio = QRadioButton("Number of units")
        self.share_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.share_radio)
        group.addButton(self.count_radio)
        self.share_spin = QSpinBox()
        self.share_spin.setRange(1, 100)
        self.share_spin.setValue(round(DEFAULT_SHARE * 100))
        self.share_spin.setSuffix(" %")
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, max(1, self.unassigned))
        self.count_spin.setValue(max(1, round(self.unassigned * DEFAULT_SHARE)))
        self.k_spin = QSpinBox()
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(secrets.randbelow(1_000_000))
        self.seed_spin.setToolTip(
            "The same seed on the same project draws the same units; it is stored with the round"
        )
        self.plan_label = QLabel()
        self.plan_label.setObjectName("samplePlan")
        self.plan_label.setWordWrap(True)
        self.plan_button = QPushButton()
        self.plan_button.setObjectName("usePlannedSize")
        self.plan_button.setAutoDefault(False)  # Enter draws; this only fills in the size
        self.plan_button.clicked.connect(self._on_use_planned_size)
        self.split_box = QCheckBox("Then split the remaining units among these coders")
        self.overlap_spin = QSpinBox()
        self.overlap_spin.setObjectName("splitOverlap")
        self.overlap_spin.setRange(0, 50)
        self.overlap_spin.setSuffix(" % overlap")
        self.overlap_spin.setToolTip(
            "A share of the split units goes to two coders, at random places in their "
            "queues; nothing tells the coders which (agreement over the whole project)"
        )
        self.overlap_spin.valueChanged.connect(self._on_size_changed)
        self.preview = QLabel()
        self.preview.setStyleSheet(f"color: {palette.MUTED};")
        self.preview.setWordWrap(True)
        for widget in (self.share_spin, self.count_spin):
            widget.valueChanged.connect(self._on_size_changed)
        self.k_spin.valueChanged.connect(self._on_k_changed)
        for radio in (self.share_radio, self.count_radio):
            radio.toggled.connect(self._on_size_changed)
        self.split_box.toggled.connect(self._on_size_changed)

        form = QFormLayout()
        form.addRow("Coders", self.coder_list)
        size = QGridLayout()
        size.addWidget(self.share_radio, 0, 0)
        size.addWidget(self.share_spin, 0, 1)
        size.addWidget(self.count_radio, 1, 0)
        size.addWidget(self.count_spin, 1, 1)
        size.setColumnStretch(2, 1)
        form.addRow("Sample", size)
        planned = QHBoxLayout()
        planned.addWidget(self.plan_label, 1)
        planned.addWidget(self.plan_button)
        form.addRow("Planner", planned)
        form.addRow("Coders per unit", self.k_spin)
        form.addRow("Seed", self.seed_spin)
        split_row = QHBoxLayout()
        split_row.addWidget(self.split_box, 1)
        split_row.addWidget(self.overlap_spin)
        form.addRow("", split_row)
        self.result_label = self._result_label("sampleResult")
        self.draw_button = self._action_buttons("Draw sample", self.draw)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "Units every chosen coder (or k of them) codes, for the agreement figures: "
                "drawn from the units nobody is assigned yet, in proportion to each "
                "article's share. The seed makes the draw reproducible."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.busy)
        layout.addWidget(self.error_label)
        layout.addWidget(self.result_label, 1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 84)

    def chosen_coders(self) -> list[str]:
        return self.coders.checked()

    def sample_size(self) -> int:
        """Units the draw takes, as :func:`~desktop.core.team.draw_reliability_sample` does."""
        if self.count_radio.isChecked():
            return min(self.count_spin.value(), self.unassigned)
        share = self.share_spin.value() / 100
        return max(1, round(share * self.unassigned)) if self.unassigned else 0

    def draw(self) -> bool:
        """Draw the sample (and the split) with the chosen options; False if it cannot."""
        if not self._can_draw():
            return False
        coders = self.chosen_coders()
        options = {
            "k": self.k_spin.value(),
            "seed": self.seed_spin.value(),
            "who": self.who,
        }
        if self.count_radio.isChecked():
            options["count"] = self.count_spin.value()
        else:
            options["share"] = self.share_spin.value() / 100
        split = self.split_box.isChecked()
        overlap = self.overlap_spin.value() / 100

        def work(db, progress):
            progress(0, 0)
            rounds = [team.draw_reliability_sample(db, coders, **options)]
            if split and team_store.codable_units(db, unassigned_only=True):
                rounds.append(
                    team.split_remaining(
                        db, coders, overlap=overlap, seed=options["seed"], who=options["who"]
                    )
                )
            unassigned = len(team_store.codable_units(db, unassigned_only=True))
            return [round_summary(db, r) for r in rounds], unassigned

        self.result_label.clear()
        return self._run(work, self._on_drawn)

    def _can_draw(self) -> bool:
        return self.task is None and len(self.chosen_coders()) >= 2 and self.sample_size() > 0

    def _update_controls(self) -> None:
        self.draw_button.setEnabled(self._can_draw())
        self.share_spin.setEnabled(self.share_radio.isChecked())
        self.count_spin.setEnabled(self.count_radio.isChecked())
        self.overlap_spin.setEnabled(self.split_box.isChecked())

    def _on_coders_changed(self) -> None:
        n = len(self.chosen_coders())
        with QSignalBlocker(self.k_spin):
            self.k_spin.setRange(2, max(2, n))
            if self._k_all:
                self.k_spin.setValue(max(2, n))
        self._on_size_changed()

    def planned_size(self) -> int | None:
        """Krippendorff's rule for alpha .800 at p = .05, equal shares, k coders."""
        return rule_sample_size(self.scheme, max(2, self.k_spin.value()))

    def _show_planned_size(self) -> None:
        size = self.planned_size()
        self.plan_button.setEnabled(bool(size) and self.unassigned > 0)
        self.plan_button.setText(f"Use {size:,}" if size else "Use")
        self.plan_label.setText(
            f"{size:,} units for alpha .800 at p = .05 (Krippendorff's rule, equal category "
            f"shares, {self.k_spin.value()} coders per unit); plan again from the first "
            "labels with stancecoder plan or the agreement view"
            if size
            else "the scheme has no dimension with two categories"
        )

    def _on_use_planned_size(self) -> None:
        size = self.planned_size()
        if size:
            self.count_radio.setChecked(True)
            self.count_spin.setValue(min(size, self.unassigned))

    def _on_k_changed(self, value: int) -> None:
        self._k_all = value == self.k_spin.maximum()
        self._on_size_changed()

    def _on_size_changed(self, *_args) -> None:
        self._show_planned_size()
        n = len(self.chosen_coders())
        size = self.sample_size()
        if n < 2:
            text = "Choose at least two coders."
        elif not self.unassigned:
            text = "Every unit is assigned already; nothing is left to draw from."
        else:
            k = self.k_spin.value()
            text = (
                f"{size:,} of {self.unassigned:,} unassigned units, each coded by {k} of "
                f"{n} coders ({size * k:,} assignments)."
            )
            if self.split_box.isChecked():
                rest = self.unassigned - size
                text += f" The other {rest:,} units go to one coder each"
                shared = round(self.overlap_spin.value() / 100 * rest)
                text += (
                    f", but {shared:,} of them to two, hidden among the rest." if shared else "."
                )
        self.preview.setText(text)
        self._update_controls()

    def _on_drawn(self, result: tuple[list[RoundSummary], int]) -> None:
        self.rounds, self.unassigned = result
        self.count_spin.setRange(1, max(1, self.unassigned))
        self.result_label.setText("\n".join(describe_round(r) for r in self.rounds))
        self._on_size_changed()
        # Drawn: Close becomes the default, so that a second Enter closes rather than
        # drawing again; drawing another sample takes a deliberate click.
        self.draw_button.setDefault(False)
        self.draw_button.setAutoDefault(False)
        self.draw_button.setText("Draw another sample")
        close = self.buttons.button(_CLOSE)
        close.setAutoDefault(True)
        close.setDefault(True)
        close.setFocus()
        self._announce(Changed.TEAM, "reliability sample")
        self.drawn.emit(self.rounds)


# -- progress -------------------------------------------------------------------------------


class ProgressModel(RowsTableModel):
    """Units assigned and fully coded per coder and round (:class:`ProgressRow`)."""

    HEADERS = ("Coder", "Round", "Kind", "Coded", "Assigned", "Done")
    _NUMBERS = (3, 4, 5)

    def __init__(self, rows: Sequence[ProgressRow] = (), parent=None):
        super().__init__(parent)
        self._rows = list(rows)

    def set_rows(self, rows: Sequence[ProgressRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[ProgressRow]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            share = row.coded / row.assigned if row.assigned else 0.0
            return (
                row.coder,
                row.round_id,
                row.kind,
                f"{row.coded:,}",
                f"{row.assigned:,}",
                f"{share:.0%}",
            )[column]
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == ProgressRole and column == 5:
            return (row.coded, row.assigned)  # drawn as a bar under the share
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self._NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and row.coded >= row.assigned:
            return QColor(palette.TEAL)
        return None


class ProgressDialog(QDialog):
    """Progress of every coder in every round, read from the hub's connection and read
    again whenever the hub announces a change to labels, units or the team."""

    def __init__(self, hub: ProjectHub, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = hub.db
        self.who = hub.coder
        hub.subscribe(self, self._on_project_changed)
        self.setWindowTitle("Progress per coder and round")
        self.setObjectName("progressDialog")
        self.model = ProgressModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("progressTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # The share done reads at a glance as a bar, as in the coding window's list.
        self.table.setItemDelegateForColumn(5, ProgressDelegate(self.table))
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(5, self.fontMetrics().averageCharWidth() * 16)
        rows_header = self.table.verticalHeader()
        rows_header.setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.empty_label = explanation(
            "No assignments yet: draw a reliability sample (Team › Draw a reliability sample…) "
            "first."
        )
        self.total_label = QLabel()
        self.buttons = QDialogButtonBox(_CLOSE)
        refresh = self.buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.refresh)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(80 * em, 22 * self.fontMetrics().height())
        self.refresh()

    def refresh(self) -> None:
        try:
            rows = team.progress(self.db)
        except StanceError as error:
            dialogs.show_error(self, error)
            return
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        coded = sum(r.coded for r in rows)
        assigned = sum(r.assigned for r in rows)
        self.total_label.setText(f"{coded:,} of {assigned:,} assignments coded" if assigned else "")

    def _on_project_changed(self, change: ProjectChange) -> None:
        if change.touches(Changed.LABELS | Changed.UNITS | Changed.TEAM):
            self.refresh()


# -- unlocking comparison -------------------------------------------------------------------
# The questions go through team_dialogs (team_dialogs.tell, team_dialogs.ask_yes_no): one
# place, so that tests can answer them.


def unlock_comparison_action(db: store.Database, who: str, parent: QWidget | None = None) -> bool:
    """Let the coding window compare coders, after a question; only the lead may.

    Returns True when comparison was unlocked now; otherwise the reason was shown.
    """
    title = "Unlock comparison"
    lead = team.lead(db)
    if lead is None:
        team_dialogs.tell(
            parent,
            title,
            "No coder is marked as the project's lead, so nobody can unlock comparison yet. "
            "The lead marks themselves with Team › Make me the lead.",
        )
        return False
    if who != lead:
        team_dialogs.tell(
            parent,
            title,
            f"Only the project's lead ({lead}) can unlock comparison; you are coding as {who}.",
        )
        return False
    if team.comparison_unlocked(db):
        team_dialogs.tell(parent, title, "Comparison is already unlocked for this project.")
        return False
    uncoded = team_store.uncoded_reliability_assignments(db, store.current_scheme(db).dimension_ids)
    waiting = (
        f"{uncoded:,} reliability-sample assignment{'s' * (uncoded != 1)} "
        f"{'are' if uncoded != 1 else 'is'} not coded yet: a coder who sees the others' "
        "values before coding them no longer codes blind.\n\n"
        if uncoded
        else ""
    )
    if not team_dialogs.ask_yes_no(
        parent,
        title,
        waiting
        + "Unlock comparison for the whole project?\n\nFrom now on every coder's window may "
        "show the other coders' values. Blind coding ends for everyone, and the app cannot "
        "lock it again. Do this after the reliability sample is coded.",
        "Unlock comparison",
    ):
        return False
    try:
        team.unlock_comparison(db, who)
    except StanceError as error:
        dialogs.show_error(parent, error)
        return False
    return True
