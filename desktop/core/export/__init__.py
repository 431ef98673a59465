"""Exports: a layout produces rows, a format writes them, a sidecar JSON describes them.

Layouts and formats are registries, so a new one slots in without touching the others.
"""

from desktop.core.export.run import FORMATS, LAYOUTS, ExportResult, export

__all__ = ["FORMATS", "LAYOUTS", "ExportResult", "export"]
