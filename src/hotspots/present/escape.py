r"""Data text is never markup: one escaping helper per sink.

Anything that came from a file (locations, LSOA names, outcomes, file names, user
text) passes through the helper of the place it is written to:

=====================  =========================================================
sink                   helper
=====================  =========================================================
Streamlit markdown     :func:`markdown` (``st.markdown``, ``st.error``, headings, captions)
HTML / SVG             :func:`html` (text and attribute values)
CSV cell               :func:`csv_cell`, :func:`csv_frame` (formula prefixes neutralised)
XML (KML, GPX)         :func:`xml`
PDF (fpdf2)            :func:`pdf_text`
anywhere, first        :func:`plain` (control and bidirectional-override characters)
=====================  =========================================================

References: OWASP "CSV Injection" (prefix cells starting with ``= + - @ \\t \\r`` with
``'``); CommonMark 0.31 §2.4 (any ASCII punctuation may be backslash-escaped, which also
stops GitHub-flavoured autolinks); Unicode TR #9 and CVE-2021-42574 ("Trojan Source")
for bidirectional overrides; XML 1.0 §2.2 for the characters XML allows.
"""

from __future__ import annotations

import html as _html
import re
import string

import pandas as pd

__all__ = ["csv_cell", "csv_frame", "html", "markdown", "pdf_text", "plain", "xml"]

# C0/C1 controls except tab and newline, DEL, and the bidirectional controls.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]",
)
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_WWW = re.compile(r"(?i)(www)(?=\\\.)")


def plain(text: object) -> str:
    """Text with control and bidirectional-override characters replaced by ``?``.

    So "‮gpj.exe" cannot pose as "exe.jpg"; None/NA -> ``""``.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return _CONTROL.sub("?", str(text))


def markdown(text: object) -> str:
    r"""Text for Streamlit markdown.

    Every ASCII punctuation character backslash-escaped (no link, image, emphasis, heading or HTML
    can form), newlines as spaces.

    GitHub-flavoured autolinks (``http://…``, ``www.…``, ``a@b.c``) are found in the text
    *after* escapes are resolved (remark-gfm's find-and-replace; a browser test showed
    ``http\\:\\/\\/`` still becoming a live link), so an invisible zero-width space
    (U+200B) follows every ``:`` and ``@`` and splits ``www.``: the text reads the same.
    """
    out = _MD_SPECIAL.sub(r"\\\1", plain(text).replace("\n", " ").replace("\t", " "))
    out = out.replace("\\:", "\\:\u200b").replace("\\@", "\\@\u200b")
    return _WWW.sub("\\1\u200b", out)


def html(text: object) -> str:
    """Text for HTML or SVG, in element content or a quoted attribute value."""
    return _html.escape(plain(text), quote=True)


def csv_cell(value: object) -> object:
    r"""Return a CSV cell that a spreadsheet shows as text.

    Strings starting with ``= + - @``, tab or carriage return get a leading ``'``; a carriage return
    inside becomes a newline (which CSV writers quote; a bare ``\r`` is not quoted and splits the
    row); non-strings are returned unchanged.
    """
    if isinstance(value, str):
        prefix = "'" if value.startswith(_FORMULA) else ""
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return prefix + _CONTROL.sub("?", value)
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names pass :func:`csv_cell`."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out[col] = s.map(csv_cell, na_action="ignore")
    out.columns = [csv_cell(str(c)) for c in out.columns]
    return out


def xml(text: object) -> str:
    """Text for XML 1.0 element content or attribute values (KML, GPX)."""
    return _html.escape(plain(text).replace("\t", " "), quote=True)


def pdf_text(text: object, latin1: bool = True) -> str:
    """Text for fpdf2 cells (never markup: call ``cell``/``multi_cell`` without ``markdown=True``).

    With the core fonts (``latin1``) other characters become ``?``.
    """
    s = plain(text)
    return s.encode("latin-1", "replace").decode("latin-1") if latin1 else s
