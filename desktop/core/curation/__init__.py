"""Corpus curation: the lead corrects what an import made of each article.

Every step is one transaction, appears in the project's change log, keeps the ids of the
units it does not touch, and refuses to change coded units unless the lead confirms; then
no label is lost (see :mod:`desktop.core.curation.units`). Qt-free: the article view and
the ``units``, ``articles`` and ``rules`` commands are thin clients of these functions.
"""

from desktop.core.curation.articles import edit_article, exclude_article, include_article
from desktop.core.curation.fate import (
    FateKind,
    UnitFate,
    changes_after_coding,
    curation_log,
    reconcile_package_labels,
    unit_fate,
)
from desktop.core.curation.layout import (
    ArticleLayout,
    LayoutParagraph,
    LayoutUnit,
    article_layout,
)
from desktop.core.curation.model import (
    MANUAL_REASON,
    ConfirmationRequired,
    CurationAction,
    CurationResult,
)
from desktop.core.curation.rules import (
    RuleChange,
    RulesReport,
    add_rule_from_line,
    parse_rules,
    preview_files,
    project_rules,
    project_rules_text,
    reapply_rules,
    rule_from_line,
    set_project_rules,
)
from desktop.core.curation.units import (
    exclude_units,
    include_units,
    merge_units,
    paragraph_unit_ids,
    split_unit,
    toggle_paragraph,
)
from desktop.core.store.curation import (
    KeptLabel,
    clear_needs_recoding,
    curation_labels,
    units_needing_recoding,
)

__all__ = [
    "MANUAL_REASON",
    "ArticleLayout",
    "ConfirmationRequired",
    "CurationAction",
    "CurationResult",
    "FateKind",
    "KeptLabel",
    "LayoutParagraph",
    "LayoutUnit",
    "RuleChange",
    "RulesReport",
    "UnitFate",
    "add_rule_from_line",
    "article_layout",
    "changes_after_coding",
    "clear_needs_recoding",
    "curation_labels",
    "curation_log",
    "edit_article",
    "exclude_article",
    "exclude_units",
    "include_article",
    "include_units",
    "merge_units",
    "paragraph_unit_ids",
    "parse_rules",
    "preview_files",
    "project_rules",
    "project_rules_text",
    "reapply_rules",
    "reconcile_package_labels",
    "rule_from_line",
    "set_project_rules",
    "split_unit",
    "toggle_paragraph",
    "unit_fate",
    "units_needing_recoding",
]
