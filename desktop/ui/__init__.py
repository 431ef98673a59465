"""The Qt layer: windows, widgets, item models and actions over desktop.core."""
