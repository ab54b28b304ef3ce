"""Fonts and text for the PDFs (fpdf2): DejaVu Sans where installed, else Latin-1 core fonts.

The ward report (:mod:`hotspots.present.reports`) and the PCG pack
(:mod:`hotspots.present.pack_pdf`) both call :func:`use_fonts`. DejaVu Sans has full
Unicode; fpdf2's core Helvetica has only Latin-1, so without DejaVu every string
is passed through :func:`latin1` ("–" -> "-", "ł" -> "l", "é" kept).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DEJAVU_DIR", "latin1", "use_fonts"]

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

_TRANSLIT = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
    "\u201d": '"', "\u2026": "...", "\u2022": "*", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u20ac": "EUR", "\u2264": "<=", "\u2265": ">=", "\u0141": "L", "\u0142": "l", "\u0110": "D",
    "\u0111": "d", "\u0152": "OE", "\u0153": "oe", "\u0131": "i",
}  # fmt: skip


def latin1(text: object) -> str:
    """Transliterate to Latin-1 for fpdf2's core fonts ("–" -> "-", "é" kept, "ł" -> "l")."""
    out = []
    for ch in str(text):
        ch = _TRANSLIT.get(ch, ch)
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def use_fonts(pdf: Any, font_dir: str | Path | None = None) -> tuple[str, Callable[[object], str]]:
    """Register DejaVu Sans (regular and bold) from ``font_dir`` on ``pdf`` if both files exist.

    Returns ``(family, text)``: the font family to pass to ``set_font`` and the
    function every string goes through before fpdf2 sees it (:class:`str` with
    DejaVu, :func:`latin1` with core Helvetica). ``font_dir`` defaults to
    :data:`DEJAVU_DIR`.
    """
    fdir = Path(font_dir) if font_dir is not None else DEJAVU_DIR
    regular, bold = fdir / "DejaVuSans.ttf", fdir / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", str
    return "Helvetica", latin1
