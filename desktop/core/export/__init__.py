"""Exports: a layout produces typed rows, a format writes them, a sidecar JSON describes them.

Layouts and formats are registries (:data:`LAYOUTS`, :data:`FORMATS`), so a new one slots
in without touching the others; :func:`refusal` says why a pair makes no sense.
"""

from desktop.core.export.layouts import Filters
from desktop.core.export.run import (
    FORMATS,
    LAYOUTS,
    ExportCancelled,
    ExportResult,
    default_export_path,
    estimate_rows,
    export,
    refusal,
)

__all__ = [
    "FORMATS",
    "LAYOUTS",
    "ExportCancelled",
    "ExportResult",
    "Filters",
    "default_export_path",
    "estimate_rows",
    "export",
    "refusal",
]
