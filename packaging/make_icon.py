"""Draw the app's icon (resources/icons/stancecoder.png, 512 x 512) with Qt.

    python packaging/make_icon.py

The icon is a rounded card with a sentence's lines and three stance marks. It is drawn
here rather than shipped as a design file so that anyone can change and redraw it;
PyInstaller turns the PNG into .ico (Windows) and .icns (macOS) with Pillow when it builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath

SIZE = 512
OUT = Path(__file__).resolve().parents[1] / "resources" / "icons" / "stancecoder.png"


def draw(size: int = SIZE) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 512
    card = QPainterPath()
    card.addRoundedRect(QRectF(24 * s, 24 * s, 464 * s, 464 * s), 96 * s, 96 * s)
    p.fillPath(card, QColor("#1f4e79"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#f4f4f1"))
    for row, width in enumerate((330, 290, 200)):  # a sentence's lines
        p.drawRoundedRect(QRectF(92 * s, (110 + row * 62) * s, width * s, 30 * s), 15 * s, 15 * s)
    for col, colour in enumerate(("#d9534f", "#f0ad4e", "#5cb85c")):  # three stance marks
        p.setBrush(QColor(colour))
        p.drawEllipse(QRectF((92 + col * 118) * s, 318 * s, 86 * s, 86 * s))
    p.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if not draw().save(str(OUT)):
        print(f"{OUT}: could not be written", file=sys.stderr)
        return 1
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
