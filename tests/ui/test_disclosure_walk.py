"""issue 24 item 3: as a viewer, no page shows a count from 1 to 4.

Each page is run as a signed-in viewer on a selection whose counts are 1-4 (possession of
weapons in Bournemouth Central in March 2024: 2 records; robbery in the town-centre
open spaces for the Seasonal page), and everything the page writes (metrics, markdown,
captions, notices, tables) is searched for such a count. The same selection run in local
mode (exact counts, as before) is checked to *show* a small count, so the search
cannot pass by finding nothing to look at.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_auth_pages import _run


@pytest.fixture
def site(isolated_store, monkeypatch):
    """A private store root with sign-in's audit log in it (everyone unlisted is a viewer)."""
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(isolated_store / "audit.jsonl"))
    monkeypatch.delenv("HOTSPOTS_ACCESS", raising=False)
    return isolated_store


WARD = "E05012653"  # Bournemouth Central
SMALL = {"area": f"ward:{WARD}", "cats": "Possession of weapons", "from": "2024-03",
         "to": "2024-03"}  # fmt: skip
PAGES = {
    "overview": SMALL,
    "hotspot_map": {**SMALL, "method": "kde"},
    "seasonal": {"cats": "Robbery"},
    "ward": {"ward": WARD, "cats": "Possession of weapons", "from": "2024-03", "to": "2024-03"},
    "patrol": SMALL,
    "data": {},
}
# a count in a sentence: "2 records", "(1 to 7)", "1 before", "from 3 in", "to 4 in"
_TEXT = re.compile(
    r"(?<![\d.,])[1-4] (records?|before|after)\b|\((?:[1-4]) to \d|\bto [1-4]\)"
    r"|\bfrom [1-4] (in|to)\b|\bto [1-4] in\b|\bwent from none to [1-4]\b",
)
# table columns that hold counts of records
_COUNT_COL = re.compile(
    r"records|count|crime|anti-social|asb|robbery|weapons|^[0-9/]+$",
    re.IGNORECASE,
)


def _small(value) -> bool:
    if isinstance(value, str):
        return value.strip() in {"1", "2", "3", "4"}
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return v in (1.0, 2.0, 3.0, 4.0)


def small_counts_shown(at) -> list[str]:
    """Every place where the page shows a count from 1 to 4."""
    found = []
    for m in at.metric:
        if _small(m.value):
            found.append(f"metric {m.label}: {m.value}")
        if m.proto.help and _TEXT.search(m.proto.help):
            found.append(f"metric help {m.label}: {m.proto.help}")
    for kind in ("markdown", "caption", "info", "warning", "success", "subheader"):
        for el in getattr(at, kind):
            if _TEXT.search(str(el.value)):
                found.append(f"{kind}: {el.value}")
    for d in at.dataframe:
        df = d.value if isinstance(d.value, pd.DataFrame) else pd.DataFrame(d.value)
        for c in df.columns:
            if _COUNT_COL.search(str(c)) and "share" not in str(c).lower():
                hits = [v for v in df[c] if _small(v)]
                if hits:
                    found.append(f"table column {c!r}: {hits[:5]}")
    return found


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.usefixtures("site")
def test_a_viewer_sees_no_count_from_1_to_4(new_app_test, page):
    at = _run(new_app_test(page), "vic@example.org", **PAGES[page])
    assert not at.exception
    shown = small_counts_shown(at)
    assert shown == [], f"{page} shows small counts to a viewer: {shown}"
    if page != "data":
        text = " ".join(str(x.value) for x in [*at.markdown, *at.caption])
        assert (
            "<5" in text
            or any("<5" in str(m.value) for m in at.metric)
            or any(
                "<5" in d.value.to_string()
                for d in at.dataframe
                if isinstance(d.value, pd.DataFrame)
            )
        ), f"{page}: the selection should have counts under 5"


@pytest.mark.parametrize("page", ["overview", "seasonal", "hotspot_map"])
@pytest.mark.usefixtures("site")
def test_the_search_finds_small_counts_when_exact_counts_are_shown(new_app_test, page):
    """Local mode (one analyst on a laptop) shows exact counts on these pages: the search
    above must find them there, or it proves nothing.
    """
    at = new_app_test(page)
    for k, v in PAGES[page].items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    assert small_counts_shown(at), f"{page}: expected exact small counts in local mode"
