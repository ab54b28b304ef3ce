"""Tests for hotspots.present.pdf_text: PDF fonts and Latin-1 transliteration."""

from __future__ import annotations

import pytest

from hotspots.present.pdf_text import DEJAVU_DIR, latin1, use_fonts


def test_latin1_keeps_latin1_and_transliterates_the_rest():
    assert latin1("Łódź – “£” ©") == 'Lódz - "£" ©'
    assert latin1("café … €5 ≤ 6") == "café ... EUR5 <= 6"
    assert latin1("中") == "?"
    assert latin1(12) == "12"


def test_without_dejavu_the_core_font_and_transliteration_are_used(tmp_path):
    from fpdf import FPDF

    family, text = use_fonts(FPDF(), tmp_path)
    assert family == "Helvetica" and text("–") == "-"


@pytest.mark.skipif(not (DEJAVU_DIR / "DejaVuSans.ttf").exists(), reason="DejaVu not installed")
def test_with_dejavu_text_is_kept_as_it_is():
    from fpdf import FPDF

    pdf = FPDF()
    family, text = use_fonts(pdf)
    assert family == "DejaVu" and text("Łódź –") == "Łódź –"
    pdf.add_page()
    pdf.set_font(family, "B", 10)  # the bold face is registered too
