"""Hotspot map page: the "Compare with" picker, the change columns and the PCG pack button."""

from __future__ import annotations


def assert_ran(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_compare_previous_adds_change_columns(run_page):
    at = run_page("hotspot_map", **{"from": "2024-03", "to": "2024-03", "compare": "previous"})
    assert_ran(at)
    assert at.radio(key="compare").value == "previous"
    table = at.dataframe[0].value
    assert {"Records Feb 2024", "Change (95% interval)", "Class"} <= set(table.columns)
    # new only when the rise is distinguishable from none; "too few to tell" otherwise (issue 19)
    assert set(table["Class"]) <= {"new", "persistent", "growing", "shrinking", "too few to tell"}
    assert "persistent" in set(table["Class"])
    assert any("Gone since Feb 2024" in e.label for e in at.expander)


# a comparison period with no data (blank class, "has no data"): tests/present/test_hotspot_page.py


def test_pack_button_offers_pdf_and_html(run_page):
    at = run_page("hotspot_map", **{"from": "2024-03", "to": "2024-03"})
    at.button(key="make_pack").click().run()
    assert_ran(at)
    assert at.download_button(key="dl_pack_pdf").label == "Download the PCG pack (PDF)"
    assert at.download_button(key="dl_pack_html").label == "Download the PCG pack (HTML)"
