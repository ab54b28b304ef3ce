"""No traceback or server path in the browser; every query parameter validated (issue 10).

The Hypothesis test runs every page with fuzzed query parameters through AppTest and
asserts the page ran with no exception and no error shown (a bounded number of examples,
so it runs in about a minute on the 2-core machine).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "overview": "app.py",
    "hotspot_map": "app_pages/1_Hotspot_map.py",
    "seasonal": "app_pages/2_Seasonal_comparison.py",
    "ward": "app_pages/3_Ward_view.py",
    "patrol": "app_pages/4_Patrol_planning.py",
    "data": "app_pages/5_Data.py",
}
TIMEOUT = 300


def page_path(page: str) -> Path:
    return ROOT / PAGES[page]


# the query parameters each page reads (shared ones first)
SHARED = ["dataset", "from", "to", "cats", "area", "hours", "days"]
PARAMS = {
    "overview": SHARED,
    "hotspot_map": [
        *SHARED,
        "method",
        "layers",
        "manual",
        "eps",
        "minpts",
        "kernel",
        "cell",
        "bw",
        "top",
        "gicell",
    ],
    "seasonal": [*SHARED, "a_from", "a_to", "b_from", "b_to", "target", "buffer", "control"],
    "ward": [*SHARED, "ward", "suppress"],
    "patrol": [*SHARED, "top_n", "pcell", "psup"],
    "data": SHARED,
}
NASTY = [
    "",
    "0",
    "-1",
    "99999",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "1",
    "poly:1,2;3",
    "poly:-1.9,50.7;-1.8,50.7;-1.9,50.7",
    "place:Nowhere@-5",
    "place:Poole Bus Station@1e9",
    "wards:XYZ",
    "2024-13",
    "9999-99",
    "a-b",
    "5-40",
    "![x](http://evil.example/t.png)",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    '=HYPERLINK("http://evil.example")',
    "\u202egpj.exe",
    "x" * 3000,
]
values = st_.one_of(st_.sampled_from(NASTY), st_.text(max_size=20), st_.integers().map(str))


def _run(page: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(page_path(page)), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


def _assert_clean(at: AppTest) -> None:
    assert not len(at.exception), [e.message for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]


@pytest.mark.parametrize("page", list(PAGES))
def test_fuzzed_query_parameters_never_break_a_page(page):
    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st_.dictionaries(st_.sampled_from(PARAMS[page]), values, max_size=4))
    def check(query):
        query.setdefault("dataset", "bundled")
        if query["dataset"] not in ("bundled", "simulated"):
            query["dataset"] = "bundled"  # building other stores is not what is fuzzed here
        _assert_clean(_run(page, query))

    check()


@pytest.mark.parametrize(
    ("page", "query", "key", "expected"),
    [
        ("hotspot_map", {"manual": "1", "eps": "99999"}, "eps", 1000),
        ("hotspot_map", {"manual": "1", "method": "kde", "cell": "-3"}, "cell", 10),
        ("hotspot_map", {"manual": "1", "method": "kde", "bw": "1e9"}, "bw", 2000),
        ("hotspot_map", {"manual": "1", "method": "kde", "top": "nan"}, "top", 2.0),
        ("hotspot_map", {"manual": "1", "method": "gistar", "gicell": "7"}, "gicell", 50),
        ("seasonal", {"buffer": "0"}, "buffer", 100),
    ],
)
def test_issue_links_are_clamped(page, query, key, expected):
    at = _run(page, query)
    _assert_clean(at)
    assert at.slider(key=key).value == expected


def test_damaged_polygon_in_a_link_falls_back_to_bcp():
    at = _run("overview", {"area": "poly:1,2;3"})
    _assert_clean(at)


def test_page_edge_shows_a_sentence_not_a_traceback_or_a_path():
    def page():
        from hotspots.ui import boundary

        boundary.install()
        raise ValueError("/srv/secret/tmpabc/0/file.csv exploded")

    at = AppTest.from_function(page, default_timeout=60)
    at.run()
    assert not len(at.exception)
    (err,) = at.error
    assert "could not be drawn" in err.value and "reference" in err.value
    assert "/srv" not in err.value and "Traceback" not in err.value


def test_user_errors_are_shown_escaped_with_paths_reduced():
    def page():
        from hotspots.errors import HotspotsError
        from hotspots.ui import boundary

        boundary.install()
        raise HotspotsError("/tmp/tmpq1/0/![x](http://evil.example/t.png).csv: the file is empty")

    at = AppTest.from_function(page, default_timeout=60)
    at.run()
    (err,) = at.error
    assert "/tmp/" not in err.value
    assert "\\!\\[x\\]\\(http\\:" in err.value  # escaped: shown as text, never an image


def test_data_page_errors_name_the_upload_not_the_temp_path(isolated_store):
    at = AppTest.from_file(str(page_path("data")), default_timeout=TIMEOUT)
    at.run()
    name = "![x](http://evil.example/t.png).csv"
    data = b"\xff\xfe" + "a,b\n".encode("utf-16-le")
    at.radio(key="upload_target").set_value("uploaded").run()  # not the (shared) real dataset
    at.file_uploader(key="upload_files").set_value((name, data, "text/csv")).run()
    at.button(key="upload_go").click().run()
    assert not len(at.exception)
    texts = [e.value for e in at.error]
    # what the reader sees once rendered (escapes resolved, zero-width spaces invisible)
    shown = [t.replace("\\", "").replace("\u200b", "") for t in texts]
    assert shown == [f"{name}: UTF-16 text; save as UTF-8 (in Excel: CSV UTF-8)"], texts
    assert texts[0].startswith("\\!\\[x\\]\\(http")  # escaped: never an image


def test_a_one_month_dataset_works_on_every_page(isolated_store):
    from hotspots.data.store import open_dataset

    src = ROOT / "geodata" / "police_uk" / "2024-03-dorset-street.csv"
    up = isolated_store / "one"
    up.mkdir()
    shutil.copy(src, up / "march.csv")
    open_dataset("uploaded", build=False).ingest(up / "march.csv")
    for page in PAGES:
        _assert_clean(_run(page, {"dataset": "uploaded"}))


def test_the_real_dataset_grown_to_april_compares_jan_apr_on_every_page(isolated_store):
    """Issue 21: April 2024 added to the real dataset (MADE UP from March 2024: Month and
    Crime IDs changed) is compared with Jan-Mar on every page, without an error.
    """
    import csv

    from hotspots.data.store import open_dataset

    (isolated_store / "bundled").unlink()  # a real dataset of this test's own, not the shared one
    real = open_dataset("bundled")
    src = ROOT / "geodata" / "police_uk" / "2024-03-dorset-street.csv"
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        r[1] = "2024-04"
        r[0] = r[0] and ("a" + r[0][1:])
    up = isolated_store / "april" / "2024-04-dorset-street.csv"
    up.parent.mkdir()
    with open(up, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    real.ingest([up])
    assert real.months()[-4:] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    for page in PAGES:
        at = _run(page, {"dataset": "bundled", "from": "2024-01", "to": "2024-04"})
        _assert_clean(at)
        keys = [b.key for b in at.selectbox]
        if "to" in keys:  # the window pages: the link's Jan-Apr window is taken as it is
            assert at.selectbox(key="to").value == "2024-04", page
        elif page != "data":  # the Seasonal page: April is a month its windows can use
            assert any("2024-04" in map(str, b.options) for b in at.selectbox), page


PAYLOADS = [
    "![x](http://evil.example/track.png)",
    "[click](http://evil.example/phish)",
    "<img src=http://evil.example/i.png>",
    '=HYPERLINK("http://evil.example/")',
]


def _payload_file(path: Path) -> Path:
    """March 2024 plus 120 ASB rows at one spot (Queen's Park, far from the gazetteer's
    places) whose Location, LSOA name and outcome are payloads: the spot's hotspot is named
    after the payload location.
    """
    import csv

    src = ROOT / "geodata" / "police_uk" / "2024-03-dorset-street.csv"
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    col = {n: k for k, n in enumerate(rows[0])}
    for i in range(120):
        r = [""] * len(rows[0])
        r[col["Month"]] = "2024-03"
        r[col["Reported by"]] = r[col["Falls within"]] = "Dorset Police"
        r[col["Longitude"]], r[col["Latitude"]] = "-1.843000", "50.745000"
        r[col["Location"]] = PAYLOADS[i % 2]
        r[col["LSOA name"]] = PAYLOADS[2]
        r[col["Crime type"]] = "Anti-social behaviour"
        r[col["Last outcome category"]] = PAYLOADS[3]
        rows.append(r)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _texts(at: AppTest) -> list[str]:
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.label) for e in at.metric]
    return out


def test_payloads_in_data_never_become_markup_on_any_page(isolated_store):
    from hotspots.data.store import open_dataset

    f = _payload_file(isolated_store / "payload.csv")
    open_dataset("uploaded", build=False).ingest(f)
    seen = False
    for page in PAGES:
        q = {"dataset": "uploaded", "from": "2024-03", "to": "2024-03"}
        at = _run(page, q)
        _assert_clean(at)
        if page == "hotspot_map":  # open the payload-named hotspot's details
            table = next(d.value for d in at.dataframe if "Hotspot ID" in d.value.columns)
            (hid,) = table.loc[table["Name"].str.contains("evil"), "Hotspot ID"].tolist()
            at.session_state["spot_pick"] = hid
            at.run()
            _assert_clean(at)
            assert (
                "evil"
                in at.markdown[[m.value.startswith("###") for m in at.markdown].index(True)].value
            )
        for t in _texts(at):
            seen |= "evil" in t
            # markup can only form from unescaped punctuation next to the payload
            for bad in ("![", "](", "<img", "<script", "=HYPERLINK"):
                assert bad not in t, (page, t)
    assert seen  # the payload reached the page (as text)


def test_cli_imports_appear_in_the_picker_once_they_exist(isolated_store):
    from hotspots.data.store import open_dataset

    label = "Imported data (hotspots ingest)"
    assert label not in _run("overview", {}).selectbox(key="dataset").options
    open_dataset("imported", build=False).ingest(
        ROOT / "geodata" / "police_uk" / "2024-03-dorset-street.csv",
    )
    import streamlit as st

    st.cache_resource.clear()
    at = _run("overview", {"dataset": "imported"})
    _assert_clean(at)
    assert at.selectbox(key="dataset").value == "imported"
    assert label in at.selectbox(key="dataset").options


def test_data_page_asks_before_an_upload_shrinks_a_month(isolated_store):
    """Issue 24: a smaller re-upload of a month is refused until the user confirms."""
    from hotspots.data.store import open_dataset

    folder = Path(__file__).resolve().parents[2] / "src" / "hotspots" / "geodata" / "police_uk"
    text = (folder / "2024-03-dorset-street.csv").read_text().splitlines()
    full = ("\n".join(text) + "\n").encode()
    small = ("\n".join(text[:1001]) + "\n").encode()
    name = "2024-03-dorset-street.csv"
    at = AppTest.from_file(str(page_path("data")), default_timeout=TIMEOUT)
    at.run()
    at.radio(key="upload_target").set_value("uploaded").run()  # not the (shared) real dataset
    # an import clears the uploader by giving it a new key (upload_files, then upload_files_1)
    for key, data in (("upload_files", full), ("upload_files_1", small)):
        at.file_uploader(key=key).set_value((name, data, "text/csv")).run()
        at.button(key="upload_go").click().run()
    assert not len(at.exception)
    (warn,) = [w.value for w in at.warning if "would shrink" in w.value]
    assert "2024" in warn and "03 from" in warn and "rows removed" in warn
    store = open_dataset("uploaded", build=False)
    n_full = len(store.records())
    assert n_full > 4000
    at.checkbox(key="upload_replace_smaller").check().run()
    at.button(key="upload_go").click().run()
    assert not len(at.exception)
    assert len(store.records()) < 1001 and not [w for w in at.warning if "would shrink" in w.value]
    assert [h["rows"] for h in store.history("2024-03")][:2] == [n_full, len(store.records())]


# --- links by name, slug or code (issue 24) ------------------------------------------------


@pytest.mark.parametrize("area", ["Poole Town", "poole-town", "E05012674", "ward:poole-town"])
def test_area_link_by_name_slug_or_code(area):
    at = _run("overview", {"area": area})
    _assert_clean(at)
    assert at.selectbox(key="area_pick").value == "ward:E05012674"
    assert not [w.value for w in at.warning if "No area called" in w.value]


def test_unknown_area_link_says_did_you_mean_only_then():
    at = _run("overview", {"area": "Pool Town"})
    _assert_clean(at)
    (w,) = [w.value for w in at.warning if "No area called" in w.value]
    assert "Did you mean" in w and "Poole Town" in w
    assert at.selectbox(key="area_pick").value == "bcp"


@pytest.mark.parametrize("ward", ["Poole Town", "poole-town", "E05012674", "e05012674"])
def test_ward_link_by_name_slug_or_code(ward):
    at = _run("ward", {"ward": ward})
    _assert_clean(at)
    assert at.sidebar.selectbox(key="ward").value == "E05012674"
    assert not [w.value for w in at.warning if "No ward called" in w.value]


@pytest.mark.parametrize("cats", ["bicycle-theft", "Bicycle theft", "bicycle-theft,asb"])
def test_cats_link_by_name_or_slug(cats):
    at = _run("overview", {"cats": cats})
    _assert_clean(at)
    picked = at.multiselect(key="cats_pick").value
    assert "Bicycle theft" in picked and len(picked) == 1 + ("asb" in cats)
    assert not [c.value for c in at.caption if "not understood" in c.value]
