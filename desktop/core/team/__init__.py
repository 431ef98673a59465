"""The team workflow: assignments, blind coder packages, merges, adjudication, scheme changes.

Plain Python over the store (no Qt); the command line and the app call these functions.
"""

from desktop.core.store.team import (
    GoldChange,
    SettingChange,
    allow_unassigned,
    coder_queue_seqs,
    gold_frame,
    lead,
    set_allow_unassigned,
    set_lead,
)
from desktop.core.team.adjudicate import (
    AcceptSummary,
    CodedUnit,
    CoderValue,
    GoldMethod,
    accept_agreed,
    coded_units,
    comparison_unlocked,
    list_disagreements,
    set_gold,
    unlock_comparison,
)
from desktop.core.team.assign import (
    ProgressRow,
    RoundKind,
    allocate,
    draw_calibration_batch,
    draw_reliability_sample,
    progress,
    round_labels,
    split_remaining,
)
from desktop.core.team.merge import Conflict, FileMerge, MergeRefused, MergeReport, merge_files
from desktop.core.team.package import PackageSummary, create_package
from desktop.core.team.scheme_change import (
    DifferenceKind,
    SchemeChange,
    SchemeChangeRefused,
    SchemeDifference,
    change_scheme,
    diff_schemes,
    parse_mapping,
)

__all__ = [
    "AcceptSummary",
    "CodedUnit",
    "CoderValue",
    "Conflict",
    "DifferenceKind",
    "FileMerge",
    "GoldChange",
    "GoldMethod",
    "MergeRefused",
    "MergeReport",
    "PackageSummary",
    "ProgressRow",
    "RoundKind",
    "SchemeChange",
    "SchemeChangeRefused",
    "SchemeDifference",
    "SettingChange",
    "accept_agreed",
    "allocate",
    "allow_unassigned",
    "change_scheme",
    "coded_units",
    "coder_queue_seqs",
    "comparison_unlocked",
    "create_package",
    "diff_schemes",
    "draw_calibration_batch",
    "draw_reliability_sample",
    "gold_frame",
    "lead",
    "list_disagreements",
    "merge_files",
    "parse_mapping",
    "progress",
    "round_labels",
    "set_allow_unassigned",
    "set_gold",
    "set_lead",
    "split_remaining",
    "unlock_comparison",
]
