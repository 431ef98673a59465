"""The app's colours, by what they are for: every widget takes its colours from here.

Hex strings (for style sheets, HTML and ``QColor(...)``); resources/style.qss uses the
same values for the coding window.
"""

from __future__ import annotations

# Text, from strongest to faintest.
TEXT = "#1f2328"
NEIGHBOUR = "#3d434a"  # the sentences around the current one
DETAIL = "#4a5057"
MUTED = "#6a7077"  # secondary text: captions, hints, context, chart labels
LEGEND = "#8a9097"
FAINT = "#9aa0a6"  # clutter lines in the article text
CLUTTER = "#a0a6ad"  # clutter lines and disabled buttons
UNCODED = "#b9bec4"

# Lines and surfaces.
BORDER = "#d6d6d0"
MARKER_EXCLUDED = "#d3d6d9"
GRID = "#e2e2dd"
TRACK = "#e3e6e8"  # the empty part of a progress bar
GRIDLINE = "#ececE7"
TAG_BACKGROUND = "#ecebe6"
DIAGONAL = "#f0f0ec"
PANEL = "#f4f4f1"
ALTERNATE = "#f6f6f3"
DISABLED_BACKGROUND = "#f7f7f5"
EMPTY = "#fafaf8"
LIST_BACKGROUND = "#fbfbf9"
WHITE = "#ffffff"
UNIT_TINTS = ("#e4efee", "#f0efe9")  # alternate units of an article
CLUTTER_TINTS = ("#f4f4f2", "#ebebe8")

# The accent and the states.
TEAL = "#2f6f73"
TEAL_HOVER = "#f1f7f6"
SELECTION = "#dcebea"
KEPT = "#5b6fa8"
GREEN = "#4c9a2a"
AMBER = "#c77c12"  # unsure, recoded, low agreement
WARNING = "#a8650a"
WARNING_TEXT = "#7a4b06"
WARNING_BACKGROUND = "#fbefd9"
HIGHLIGHT = "#fbe7a1"
MARKER_SELECTED = "#c99a06"
ERROR = "#b3261e"
ERROR_DARK = "#a33a2b"

SHADE_RGBA = (20, 24, 28, 120)  # the help overlay's dimming of the window
