# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fonts of the PDFs.

Most documents use the PDF standard fonts (Helvetica): nothing embedded, small and fast files.
They cover Western European text (WinAnsi). A document with any other character (a Polish or
Czech name, Greek, Cyrillic) is set in a Unicode TrueType font embedded as a subset instead:
``SEATLINE_PDF_FONT`` / ``SEATLINE_PDF_FONT_BOLD`` (paths to .ttf files) when set, else DejaVu
Sans where the system has it, else Bitstream Vera (shipped with ReportLab).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

STANDARD_ENCODING = "cp1252"  # the text a standard font shows (WinAnsi)

SYSTEM_FONTS = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/local/share/fonts/DejaVuSans.ttf", "/usr/local/share/fonts/DejaVuSans-Bold.ttf"),
)


@dataclass(frozen=True)
class FontPair:
    regular: str
    bold: str


STANDARD = FontPair("Helvetica", "Helvetica-Bold")
_lock = threading.Lock()
_unicode: FontPair | None = None


def fits_standard_fonts(texts: list[str]) -> bool:
    try:
        "".join(texts).encode(STANDARD_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _candidates() -> list[tuple[str, str]]:
    configured = getattr(settings, "SEATLINE_PDF_FONT", "") or os.environ.get("SEATLINE_PDF_FONT", "")
    bold = getattr(settings, "SEATLINE_PDF_FONT_BOLD", "") or os.environ.get("SEATLINE_PDF_FONT_BOLD", "")
    found = [(configured, bold or configured)] if configured else []
    found += list(SYSTEM_FONTS)
    vera = Path(pdfmetrics.__file__).resolve().parent.parent / "fonts"
    found.append((str(vera / "Vera.ttf"), str(vera / "VeraBd.ttf")))
    return found


def unicode_fonts() -> FontPair:
    """The embedded Unicode font pair, registered with ReportLab once per process."""
    global _unicode
    with _lock:
        if _unicode is None:
            for regular, bold in _candidates():
                if Path(regular).is_file() and Path(bold).is_file():
                    pdfmetrics.registerFont(TTFont("SeatlineSans", regular))
                    pdfmetrics.registerFont(TTFont("SeatlineSans-Bold", bold))
                    _unicode = FontPair("SeatlineSans", "SeatlineSans-Bold")
                    break
            else:  # pragma: no cover - ReportLab always ships Vera
                _unicode = STANDARD
        return _unicode


def fonts_for(texts: list[str]) -> FontPair:
    return STANDARD if fits_standard_fonts(texts) else unicode_fonts()
