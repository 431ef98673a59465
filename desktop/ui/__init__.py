"""The PySide6 front end: the coding window, its widgets, item models and actions."""
