"""The injection corpus in a browser: no request leaves 127.0.0.1, no live link, no image
(issue 10). A file whose name and Location, LSOA name and outcome are payloads is uploaded
on the Data page (as a person would), then the hotspot it forms is opened on the map page.

The payload rows are of 2024-02 (the e2e ``uploaded`` dataset holds 2024-03 only), so the
other browser tests' data are untouched.
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect
from test_browser import assert_clean, details_heading, map_frame, open_app

from hotspots.data.police_uk import HEADER

pytestmark = pytest.mark.browser

PAYLOADS = [
    "![x](http://evil.example/track.png)",
    "[click](javascript:alert(1))",
    "<img src=http://evil.example/i.png>",
    '=HYPERLINK("http://evil.example/")',
    "\u202etxt.exe http://evil.example/a",
]
FILE_NAME = "![f](http:evil.example@f.png)<img src=http:evil.example>.csv"


def _payload_csv() -> bytes:
    header = HEADER  # the police.uk street-file header
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for i in range(120):
        w.writerow(
            ["", "2024-02", "Dorset Police", "Dorset Police", "-1.843000", "50.745000",
             PAYLOADS[i % len(PAYLOADS)], "E01015431", PAYLOADS[2], "Anti-social behaviour",
             PAYLOADS[3], PAYLOADS[0]],
        )  # fmt: skip
    w.writerow(["=1+2", "2024-13", "x", "x", "", "", PAYLOADS[0], "", "", "Drugs", "", ""])
    return buf.getvalue().encode()


def _no_markup(page) -> None:
    for where in [page, *page.frames]:
        assert where.locator('img[src*="evil"]').count() == 0
        live = where.locator('a[href*="evil"]:not([href^="#"])')  # not a heading's own anchor
        assert live.count() == 0, live.first.evaluate("e => e.outerHTML")
        assert where.locator('a[href^="javascript"]').count() == 0


def test_payloads_never_reach_the_network_or_become_markup(page, page_log):
    open_app(page, "Data")
    # the "add to which dataset" choice, not the datasets table's row of the same name
    page.get_by_role("radiogroup", name="Add to which dataset?").get_by_text(
        "Uploaded data (Data page)",
        exact=True,
    ).click()  # not the real dataset
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": _payload_csv()}],
    )
    page.get_by_role("button", name="Import into the uploaded dataset").click()
    # 121 rows read: 120 accepted, 1 rejected (the report of this import, not an earlier one)
    expect(page.get_by_text("121 = 120 + 1 + 0 + 0 (every row accounted for)")).to_be_visible(
        timeout=120_000,
    )
    body = page.get_by_test_id("stMain").inner_text()
    assert "/tmp" not in body  # the upload's own name, never the server's temp path
    _no_markup(page)
    open_app(page, "Hotspot_map", dataset="uploaded", **{"from": "2024-02", "to": "2024-02"})
    map_frame(page)
    expect(details_heading(page)).to_contain_text("evil.example", timeout=60_000)
    assert details_heading(page).locator("img").count() == 0
    links = details_heading(page).locator("a")  # only Streamlit's own anchor to the heading
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert all(h.startswith("#") for h in hrefs), details_heading(page).inner_html()
    page.wait_for_timeout(1000)  # an image or a script would have been requested by now
    _no_markup(page)
    assert [u for u in page_log.requests if "evil" in u] == []
    assert page_log.dialogs == []
    # leaving the Data page can abort the local fetch of its rejected-rows download
    page_log.failed = [
        f for f in page_log.failed if not ("/media/" in f and f.endswith("net::ERR_ABORTED"))
    ]
    assert_clean(page_log)
