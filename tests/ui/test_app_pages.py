"""AppTest tier: every page loads, its widgets change what it shows, its permalink is read.

Expected counts come from plain pandas on the bundled store's records (see
``count_records`` in conftest.py). The bundled data hold 2018-10..2019-02 and
2024-01..2024-03; ward E05012674 is Poole Town, E05012653 Bournemouth Central.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hotspots.data import schema as S

if TYPE_CHECKING:
    import pandas as pd
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

POOLE_TOWN = "E05012674"
BOURNEMOUTH_CENTRAL = "E05012653"
ASB = (S.ASB,)

# --- helpers -------------------------------------------------------------------


def all_page_files() -> list[str]:
    """app.py and every app_pages/*.py, so a new page is smoke-tested without editing tests."""
    return [
        "app.py",
        *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py")),
    ]


def assert_ran(at: AppTest) -> None:
    """The run raised nothing and showed no st.error (tracebacks in the message)."""
    if len(at.exception):
        raise AssertionError(
            "page raised:\n"
            + "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace) for e in at.exception),
        )
    assert not [e.value for e in at.error], [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    """The displayed value of the one metric with this label."""
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, f"metric {label!r}: {[m.label for m in at.metric]}"
    return found[0]


def as_int(text: str) -> int:
    return int(str(text).replace(",", ""))


def markdowns(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def query(at: AppTest) -> dict[str, str]:
    """The query string the page published after its run."""
    return {k: str(v) for k, v in dict(at.query_params).items()}


def components(at: AppTest) -> list[dict]:
    """JSON arguments of the custom components on the page (the st_folium maps), in order."""
    return [
        json.loads(e.proto.json_args)
        for e in at.main
        if getattr(e, "type", None) == "component_instance"
    ]


def count_records(
    records: pd.DataFrame,
    start: str,
    end: str,
    *,
    categories: tuple[str, ...] | None = None,
    ward: str | None = None,
) -> int:
    """Records in BCP in months start..end (inclusive), optionally of categories / in a ward."""
    m = records[S.MONTH].between(start, end) & records[S.IN_BCP]
    if categories is not None:
        m &= records[S.CATEGORY].isin(categories)
    if ward is not None:
        m &= records[S.WARD_CODE].fillna("") == ward
    return int(m.sum())


# =============================================================================
# Every page
# =============================================================================


@pytest.mark.parametrize("page", all_page_files())
def test_page_loads_without_exception(default_page, page):
    at = default_page(page)
    assert_ran(at)
    assert len(at.title) == 1
    # the footer names the data source and its licence on every page
    assert any(
        "police.uk data" in c.value and "Open Government Licence" in c.value for c in at.caption
    ), [c.value for c in at.caption]


@pytest.mark.parametrize("page", [p for p in all_page_files() if not p.endswith("5_Data.py")])
def test_page_publishes_shared_state_in_url(default_page, page):
    at = default_page(page)
    assert_ran(at)
    q = query(at)
    assert q["dataset"] == "bundled"
    assert q["cats"] == "all"


# =============================================================================
# Overview (app.py)
# =============================================================================


def test_overview_counts_default_window(default_page, bundled_records):
    at = default_page("overview")
    assert_ran(at)
    # default window: the window model's, the latest three complete months (Jan-Mar 2024),
    # the same on every page (issue 19)
    assert at.selectbox(key="from").value == "2024-01"
    assert at.selectbox(key="to").value == "2024-03"
    n = count_records(bundled_records, "2024-01", "2024-03")
    n_asb = count_records(bundled_records, "2024-01", "2024-03", categories=ASB)
    assert (n, n_asb) == (9373, 2088)
    assert as_int(metric(at, "Records")) == n
    assert as_int(metric(at, "Anti-social behaviour")) == n_asb
    assert as_int(metric(at, "Crime")) == n - n_asb
    assert at.header[0].value == "BCP: Jan 2024 – Mar 2024"
    # no data a year earlier (Jan-Mar 2023): the window model's message, no verdict
    assert any(i.value == "No verdict: there are no data for Jan–Mar 2023, so nothing to compare."
               for i in at.info)  # fmt: skip


def test_overview_trend_chart_has_a_gap_between_feb_2019_and_jan_2024(default_page):
    """The chart Streamlit is sent: months as dates, one line per run of consecutive months."""
    import pyarrow as pa

    at = default_page("overview")
    assert_ran(at)
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    assert spec["title"].startswith("Records per month")
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["detail"]["field"] == "segment"
    d = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    asb = d[d["series"] == "Anti-social behaviour"].sort_values("date")
    feb, jan = (asb[asb["Month"] == m].iloc[0] for m in ("Feb 2019", "Jan 2024"))
    assert feb["segment"] != jan["segment"]  # no line across the 58 missing months
    assert list(asb["date"]) == sorted(asb["date"])


def test_overview_category_choice_changes_counts(run_page, bundled_records):
    at = run_page("overview")
    at.multiselect(key="cats_pick").set_value([S.ASB]).run()
    assert_ran(at)
    n_asb = count_records(bundled_records, "2024-01", "2024-03", categories=ASB)
    assert as_int(metric(at, "Records")) == n_asb
    assert as_int(metric(at, "Crime")) == 0
    assert query(at)["cats"] == "asb"


@pytest.mark.parametrize(
    ("button", "expected", "param"),
    [("cats_asb", ASB, "asb"), ("cats_crime", S.CRIME_CATEGORIES, "crime")],
)
def test_overview_quick_category_buttons(run_page, bundled_records, button, expected, param):
    at = run_page("overview")
    at.button(key=button).click().run()
    assert_ran(at)
    assert tuple(at.multiselect(key="cats_pick").value) == expected
    assert as_int(metric(at, "Records")) == count_records(
        bundled_records,
        "2024-01",
        "2024-03",
        categories=expected,
    )
    assert query(at)["cats"] == param


def test_overview_window_and_area_change_counts(run_page, bundled_records):
    at = run_page("overview")
    at.selectbox(key="from").set_value("2024-03")
    at.selectbox(key="to").set_value("2024-03")
    at.selectbox(key="area_pick").set_value(f"ward:{POOLE_TOWN}").run()
    assert_ran(at)
    assert as_int(metric(at, "Records")) == count_records(
        bundled_records,
        "2024-03",
        "2024-03",
        ward=POOLE_TOWN,
    )
    assert at.header[0].value.startswith("Poole Town")
    q = query(at)
    assert (q["from"], q["to"], q["area"]) == ("2024-03", "2024-03", f"ward:{POOLE_TOWN}")


def test_overview_reversed_window_is_swapped(run_page, bundled_records):
    at = run_page("overview", **{"from": "2024-03", "to": "2024-01"})
    assert_ran(at)
    assert any("swapped" in w.value for w in at.sidebar.warning)
    assert as_int(metric(at, "Records")) == count_records(bundled_records, "2024-01", "2024-03")


def test_overview_reads_permalink(run_page, bundled_records):
    at = run_page(
        "overview",
        **{"from": "2024-02", "to": "2024-03", "cats": "asb", "area": f"ward:{POOLE_TOWN}"},
    )
    assert_ran(at)
    assert at.selectbox(key="from").value == "2024-02"
    assert at.selectbox(key="to").value == "2024-03"
    assert at.multiselect(key="cats_pick").value == [S.ASB]
    assert at.selectbox(key="area_pick").value == f"ward:{POOLE_TOWN}"
    n = count_records(bundled_records, "2024-02", "2024-03", categories=ASB, ward=POOLE_TOWN)
    assert n == 121
    assert as_int(metric(at, "Records")) == n
    # and writes the same state back
    q = query(at)
    assert (q["from"], q["to"], q["cats"], q["area"]) == (
        "2024-02",
        "2024-03",
        "asb",
        f"ward:{POOLE_TOWN}",
    )


def test_overview_year_earlier_allows_for_dispersion(run_page):
    """The year-earlier change carries its interval; the arrow shows only when it excludes 0."""
    at = run_page("overview", dataset="simulated", **{"from": "2023-04", "to": "2023-08"})
    assert_ran(at)
    m = [x for x in at.metric if x.label == "Records"][0]
    assert "vs a year earlier (" in m.delta
    assert any("dispersion" in c.value.lower() for c in at.caption)
    texts = markdowns(at)
    assert any(t.startswith("**Against a year earlier:**") and "95% CI" in t for t in texts)
    # the baseline goes back as far as the data (2020-2022 for Apr-Aug 2023)
    base = [t for t in texts if t.startswith("**Against previous years:**")]
    assert base and "3 earlier years" in base[0]


def test_overview_ignores_broken_permalink(run_page, bundled_records):
    at = run_page(
        "overview",
        **{"from": "1999-01", "to": "banana", "cats": "no-such-category", "area": "ward:E99999999"},
    )
    assert_ran(at)
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2024-01", "2024-03")
    assert at.selectbox(key="area_pick").value == "bcp"
    assert as_int(metric(at, "Records")) == count_records(bundled_records, "2024-01", "2024-03")


def test_overview_place_radius_from_permalink(run_page, bundled_records):
    at = run_page("overview", area="place:Poole Bus Station@500")
    assert_ran(at)
    assert at.selectbox(key="area_pick").value == "place:Poole Bus Station"
    assert at.slider(key="area_radius").value == 500
    assert query(at)["area"] == "place:Poole Bus Station@500"


def test_overview_simulated_dataset_is_labelled(run_page):
    at = run_page("overview", dataset="simulated")
    assert_ran(at)
    assert at.selectbox(key="dataset").value == "simulated"
    assert any("SIMULATED DATA" in w.value for w in at.warning)
    assert any("Dataset: **SIMULATED**" in m for m in markdowns(at))
    assert any("SIMULATED data" in c.value for c in at.caption)


def test_overview_says_what_is_new_and_flags_the_simulators_unusual_months(run_page):
    """Issue 21: data currency, rolling 12-month total, control chart with the planted spikes."""
    from hotspots.data.sim_params import SPIKES

    at = run_page("overview", dataset="simulated")
    assert_ran(at)
    assert any(m.startswith("**SIMULATED data up to Dec 2023") for m in markdowns(at))
    assert as_int(metric(at, "Records in the 12 months to Dec 2023 (all of BCP)")) > 30_000
    [unusual] = [d.value for d in at.dataframe if "unusually" in d.value.columns]
    got = {(r["month"], r["category"]) for r in unusual.to_dict("records")}
    assert got == {("Feb 2023", "Anti-social behaviour"), ("Oct 2020", "Burglary")}
    assert len(SPIKES) == 2
    # the chart shown is the first unusual category's, with its flagged month marked
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    assert "against its limits" in json.dumps(spec)


def test_overview_bundled_data_says_too_few_months_for_a_control_chart(default_page):
    at = default_page("overview")
    assert_ran(at)
    assert any(m.startswith("**Data up to Mar 2024") for m in markdowns(at))
    assert any("a control chart needs at least 12" in c.value for c in at.caption)


def test_state_follows_to_another_page(run_page):
    """state.keep: the categories chosen on one page are where the next page starts.

    (In AppTest the window is lost as well; in a real browser it is kept, see
    tests/e2e/test_browser.py::test_choices_follow_sidebar_navigation.)
    """
    at = run_page("overview")
    at.multiselect(key="cats_pick").set_value([S.ASB]).run()
    assert_ran(at)
    at.switch_page("app_pages/1_Hotspot_map.py").run()
    assert_ran(at)
    assert at.multiselect(key="cats_pick").value == [S.ASB]
    assert query(at)["cats"] == "asb"


# =============================================================================
# Hotspot map
# =============================================================================


def _map(at) -> dict:
    maps = components(at)
    assert len(maps) == 1, f"{len(maps)} components"
    return maps[0]


def _records_line(at) -> int:
    m = [re.match(r"\*\*([\d,]+) records\*\*", t) for t in markdowns(at)]
    found = [x for x in m if x]
    assert found, markdowns(at)
    return as_int(found[0].group(1))


def _details_heading(at) -> str:
    """The details heading as a reader sees it (the page escapes data text for markdown)."""
    heads = [t[4:] for t in markdowns(at) if t.startswith("### ")]
    assert len(heads) == 1, heads
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", heads[0]).replace("\u200b", "")


def test_hotspot_map_loads_with_offline_map(default_page, bundled_records):
    at = default_page("hotspot_map")
    assert_ran(at)
    # default window: the last three months
    assert _records_line(at) == count_records(bundled_records, "2024-01", "2024-03") == 9373
    m = _map(at)
    # scripts and styles only from the app's own static folder, Leaflet first
    assert m["js_links"][0] == "/app/static/vendor/leaflet-1.9.4/leaflet.js"
    assert m["css_links"][0] == "/app/static/vendor/leaflet-1.9.4/leaflet.css"
    assert all(
        u.startswith(("/app/static/vendor/", "/app/static/js/"))
        for u in m["js_links"] + m["css_links"]
    )
    assert re.findall(r"https?://", m["header"]) == []
    # the only absolute URLs in the script are the (optional) tile server's
    urls = set(re.findall(r"https?://[^\"'\s\\]+", m["script"]))
    assert urls <= {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
    }
    # density, hotspots, rank numbers (our layers are built by static/js/hotspots-map.js)
    for layer in ("L.imageOverlay", "HotspotsLeaflet.geoJson(", "HotspotsLeaflet.rankLabels("):
        assert layer in m["script"]
    assert "/app/static/js/hotspots-map.js" in m["js_links"]
    # hotspots and density first: the locations layer is off unless chosen
    assert "Records at locations" not in m["script"]
    assert "L.Control.FullScreen(" in m["script"]
    # ranked table, picker and details agree
    table = at.dataframe[0].value
    picker = at.selectbox(key="spot_pick")
    # the table shows the 25 biggest top-level hotspots, each with its children; the picker all
    n_top = sum("." not in o.split(" ")[0].rstrip(".") for o in picker.options)
    assert n_top <= 25 and len(table) == len(picker.options) > 0
    # children under their parents, numbered within them ("1", "1.1", "1.2", "2", ...)
    top = [i for i, r in enumerate(table["Rank"]) if "." not in str(r)]
    assert [str(table["Rank"].iloc[i]) for i in top] == [str(i) for i in range(1, len(top) + 1)]
    assert all(str(r).split(".")[0].isdigit() for r in table["Rank"])
    assert picker.value == 1
    assert _details_heading(at) == table["Name"].iloc[0]
    assert sum(as_int(table["Records"].iloc[i]) for i in top) <= 9373
    params = json.loads(at.json[0].value)
    assert params["method"] == "dbscan" and params["n_records"] == 9373
    assert at.download_button(key="dl_csv").label == "Download CSV"


def test_hotspot_map_street_search_zooms_to_the_street(run_page):
    """ "old christchurch rd" finds Old Christchurch Road (the data's own police.uk
    locations) and the map is fitted to it; streets are drawn as a layer.
    """
    at = run_page("hotspot_map")
    before = _map(at)["script"]
    assert "HotspotsLeaflet.streetLabels(" in before and "Old Christchurch Road" in before
    at.text_input(key="find").input("old christchurch rd").run()
    assert_ran(at)
    pick = at.selectbox(key="find_pick")
    assert pick.value.label == "Old Christchurch Road (street)"
    fits = re.findall(r"fitBounds\(\s*\[\[([\d.+-]+),\s*([\d.+-]+)\],\s*\[([\d.+-]+),\s*([\d.+-]+)\]\]",
                      _map(at)["script"])  # fmt: skip
    s, w, n, e = (float(v) for v in fits[-1])
    assert 50.71 < s < n < 50.73 and -1.88 < w < e < -1.86  # central Bournemouth
    assert (n - s) < 0.02
    at.text_input(key="find").input("zzzzqqq").run()
    assert any("No street, place or ward" in i.value for i in at.info)


def test_hotspot_map_renders_again_from_cache(run_page):
    """The map is cached; its second and later renders must still be a working script.

    st_folium renames a map's elements in place (``image_overlay_<hash>`` becomes
    ``image_overlay_div_3``); rendering the same cached map again left references to
    the old names in the layer control, so the script threw and the map never showed.
    """
    for _ in range(2):
        at = run_page("hotspot_map")
        assert_ran(at)
        script = _map(at)["script"]
        assert re.findall(r"\b[a-z_]+_[0-9a-f]{32}\b", script) == []
        assert "var image_overlay_div_" in script


def test_hotspot_map_picking_a_hotspot_changes_details(run_page):
    at = run_page("hotspot_map")
    table = at.dataframe[0].value
    second = int(table["Hotspot ID"].iloc[1])
    at.selectbox(key="spot_pick").set_value(second).run()
    assert_ran(at)
    # (a child's name is indented under its parent in the table: "└ Bournemouth Square")
    assert _details_heading(at) == table["Name"].iloc[1].removeprefix("└ ")
    assert _details_heading(at) != table["Name"].iloc[0]
    # the chosen hotspot is outlined on the map (and the map zoomed to it)
    script = _map(at)["script"]
    assert f'"hotspot_id":{second},' in script
    chosen = re.search(rf'"hotspot_id":{second},[^{{}}]*"style":"([a-z]+)\|1"', script)
    assert chosen, "the chosen hotspot is not drawn as selected"
    # the top-locations table starts with the place, not grid coordinates
    assert list(at.dataframe[1].value.columns)[:2] == ["Location", "Records"]


def test_hotspot_map_method_change(run_page):
    at = run_page("hotspot_map")
    dbscan_names = list(at.dataframe[0].value["Name"])
    at.radio(key="method").set_value("kde").run()
    assert_ran(at)
    assert any("method: Densest areas (kernel density)" in t for t in markdowns(at))
    params = json.loads(at.json[0].value)
    assert params["kernel"] == "quartic" and params["bandwidth_m"] > 0
    assert query(at)["method"] == "kde"
    assert list(at.dataframe[0].value["Name"]) != dbscan_names
    at.radio(key="method").set_value("gistar").run()
    assert_ran(at)
    assert any("method: Significantly busy grid cells (Getis-Ord Gi*)" in t for t in markdowns(at))


def test_hotspot_map_layers_change_the_map(run_page):
    at = run_page("hotspot_map")
    at.multiselect(key="layers_pick").set_value(["hotspots"]).run()
    assert_ran(at)
    script = _map(at)["script"]
    assert "Records at locations" not in script and "L.imageOverlay" not in script
    assert query(at)["layers"] == "hotspots"
    at.multiselect(key="layers_pick").set_value(["hotspots", "points"]).run()
    assert "Records at locations" in _map(at)["script"]
    at.multiselect(key="layers_pick").set_value(["hotspots", "gistar"]).run()
    assert_ran(at)
    assert "Gi* hot and cold spots" in _map(at)["script"]


def test_hotspot_map_category_filter_changes_counts(run_page, bundled_records):
    at = run_page("hotspot_map")
    at.multiselect(key="cats_pick").set_value([S.ASB]).run()
    assert_ran(at)
    assert _records_line(at) == count_records(bundled_records, "2024-01", "2024-03", categories=ASB)


def test_hotspot_map_reads_permalink(run_page, bundled_records):
    at = run_page(
        "hotspot_map",
        **{"from": "2024-02", "to": "2024-03", "cats": "asb", "area": f"ward:{POOLE_TOWN}", "method": "kde",
           "manual": "1", "bw": "500", "cell": "20", "layers": "hotspots,density"},
    )  # fmt: skip
    assert_ran(at)
    assert at.selectbox(key="from").value == "2024-02"
    assert at.selectbox(key="to").value == "2024-03"
    assert at.multiselect(key="cats_pick").value == [S.ASB]
    assert at.selectbox(key="area_pick").value == f"ward:{POOLE_TOWN}"
    assert at.radio(key="method").value == "kde"
    assert at.toggle(key="manual").value is True
    assert at.slider(key="bw").value == 500
    assert at.slider(key="cell").value == 20
    assert at.multiselect(key="layers_pick").value == ["hotspots", "density"]
    params = json.loads(at.json[0].value)
    assert params["bandwidth_m"] == 500 and params["cell_size_m"] == 20
    assert _records_line(at) == count_records(
        bundled_records,
        "2024-02",
        "2024-03",
        categories=ASB,
        ward=POOLE_TOWN,
    )
    q = query(at)
    assert (q["method"], q["manual"], q["bw"], q["cell"]) == ("kde", "1", "500", "20")


# no records, no hotspots ("No hotspots ..."): tests/present/test_hotspot_page.py


# =============================================================================
# Seasonal comparison
# =============================================================================


def test_seasonal_loads_default_windows(default_page):
    at = default_page("seasonal")
    assert_ran(at)
    values = [at.selectbox(key=k).value for k in ("b_from", "b_to", "a_from", "a_to")]
    assert values == ["2019-01", "2019-02", "2024-01", "2024-02"]
    assert at.header[0].value.endswith("Jan–Feb 2019 → Jan–Feb 2024")
    assert [t for t in markdowns(at) if t.startswith("### ")] == [
        "### Crime",
        "### Anti-social behaviour",
    ]
    assert [m.label for m in at.metric][:4] == [
        "Target",
        "Buffer ring",
        "Control",
        "Effect vs control",
    ]
    # the view-model's words reach the page (tested in full in tests/present/test_seasonal_page.py)
    assert "Hotspot change (DBSCAN, before vs after)" in [h.value for h in at.subheader]
    assert any(t.startswith("DBSCAN finds ") for t in markdowns(at))
    assert any("WDD and WDQ use one dispersion pooled" in c.value for c in at.caption)


def test_seasonal_buffer_change(run_page):
    at = run_page("seasonal")
    at.slider(key="buffer").set_value(800).run()
    assert_ran(at)
    assert any("buffer ring 800 m" in t for t in markdowns(at))
    assert query(at)["buffer"] == "800"


def test_seasonal_response_opens_on_simulated_data(run_page):
    """A fresh ?dataset=simulated shows the 2022 Seasonal Response, true effects inside the intervals."""
    from hotspots.data.store import open_dataset

    at = run_page("seasonal", dataset="simulated")
    assert_ran(at)
    values = [at.selectbox(key=k).value for k in ("b_from", "b_to", "a_from", "a_to")]
    assert values == ["2021-04", "2021-08", "2022-04", "2022-08"]
    assert at.selectbox(key="iv").value == "Seasonal Response"
    assert at.selectbox(key="iv_year").value == 2022
    assert any("Seasonal Response 2022" in c.value for c in at.caption)
    truth = json.loads((open_dataset("simulated").path / "truth.json").read_text())["effects"]
    effects = [m for m in at.metric if m.label == "Effect vs control"]
    assert len(effects) == 2
    for m, key in zip(effects, ("crime", "asb"), strict=True):
        lo, hi = (float(v) for v in re.findall(r"[-+]\d+(?:\.\d+)?", m.delta)[:2])
        assert lo <= truth[key]["percent"] <= hi, (m.delta, truth[key])
        assert m.value.startswith("-")


def test_seasonal_no_verdict_on_overlapping_or_empty_windows(run_page):
    at = run_page("seasonal", dataset="simulated")
    at.selectbox(key="b_from").set_value("2022-04")
    at.selectbox(key="b_to").set_value("2022-06").run()
    assert_ran(at)
    assert any("overlap" in w.value for w in at.warning)
    assert not [m for m in at.metric if m.label == "Effect vs control"]
    # switching dataset never carries the simulated months over: back to a default evaluation
    at.selectbox(key="dataset").set_value("bundled").run()
    assert_ran(at)
    values = [at.selectbox(key=k).value for k in ("b_from", "b_to", "a_from", "a_to")]
    assert values == ["2019-01", "2019-02", "2024-01", "2024-02"]
    assert not any("No verdict" in w.value for w in at.warning)


def test_seasonal_add_intervention(run_page, isolated_store):
    at = run_page("seasonal")
    inputs = {t.label: t for t in at.text_input}
    inputs["Name"].set_value("Winter *nights*")
    inputs["Years it ran (comma-separated)"].set_value("2024")
    at.button[[b.label for b in at.button].index("Add to the register")].click().run()
    assert_ran(at)
    assert any("Added to" in s.value for s in at.success)
    assert "Winter *nights*" in at.selectbox(key="iv").options


def test_seasonal_reads_permalink(run_page):
    at = run_page(
        "seasonal",
        b_from="2018-10", b_to="2018-12", a_from="2024-01", a_to="2024-03", target="town:Poole", buffer="600", cats="asb", control=BOURNEMOUTH_CENTRAL,
    )  # fmt: skip
    assert_ran(at)
    values = [at.selectbox(key=k).value for k in ("b_from", "b_to", "a_from", "a_to")]
    assert values == ["2018-10", "2018-12", "2024-01", "2024-03"]
    assert at.selectbox(key="target").value == "town:Poole"
    assert at.slider(key="buffer").value == 600
    assert at.multiselect(key="cats_pick").value == [S.ASB]
    assert at.multiselect(key="control_pick").value == [BOURNEMOUTH_CENTRAL]
    assert [t for t in markdowns(at) if t.startswith("### ")] == ["### Anti-social behaviour"]
    assert any("buffer ring 600 m" in t for t in markdowns(at))


# =============================================================================
# Ward view
# =============================================================================


def test_ward_view_loads(default_page, bundled_records):
    at = default_page("ward")
    assert_ran(at)
    assert at.selectbox(key="ward").value == BOURNEMOUTH_CENTRAL
    assert at.header[0].value == "Bournemouth Central: Jan 2024 – Mar 2024"
    n = count_records(bundled_records, "2024-01", "2024-03", ward=BOURNEMOUTH_CENTRAL)
    n_asb = count_records(
        bundled_records,
        "2024-01",
        "2024-03",
        categories=ASB,
        ward=BOURNEMOUTH_CENTRAL,
    )
    assert (n, n_asb) == (1633, 495)
    assert as_int(metric(at, "Records")) == n
    assert as_int(metric(at, "Anti-social behaviour")) == n_asb
    assert metric(at, "Share of all BCP records") == f"{100 * n / 9373:.1f}%" == "17.4%"
    assert len(components(at)) == 1
    assert at.download_button(key="dl_html").label == "Download report (HTML)"
    assert at.download_button(key="dl_pdf").label == "Download report (PDF)"


def test_ward_view_ward_change(run_page, bundled_records):
    at = run_page("ward")
    at.selectbox(key="ward").set_value(POOLE_TOWN).run()
    assert_ran(at)
    assert at.header[0].value.startswith("Poole Town:")
    assert as_int(metric(at, "Records")) == count_records(
        bundled_records,
        "2024-01",
        "2024-03",
        ward=POOLE_TOWN,
    )
    assert query(at)["ward"] == POOLE_TOWN


def test_ward_view_reads_permalink_by_name(run_page, bundled_records):
    at = run_page(
        "ward",
        ward="poole town",
        suppress="0",
        cats="asb",
        **{"from": "2024-02", "to": "2024-03"},
    )
    assert_ran(at)
    assert at.selectbox(key="ward").value == POOLE_TOWN
    assert at.toggle(key="suppress").value is False
    assert at.multiselect(key="cats_pick").value == [S.ASB]
    assert as_int(metric(at, "Records")) == 121
    assert query(at)["ward"] == POOLE_TOWN


def test_ward_view_suppression_hides_small_counts(run_page, bundled_records):
    # 2 possession-of-weapons records in Bournemouth Central in March 2024: shown as "<5"
    kw = {
        "cats": "Possession of weapons",
        "from": "2024-03",
        "to": "2024-03",
        "ward": BOURNEMOUTH_CENTRAL,
    }
    n = count_records(bundled_records, "2024-03", "2024-03", categories=("Possession of weapons",),
                      ward=BOURNEMOUTH_CENTRAL)  # fmt: skip
    assert n == 2
    at = run_page("ward", **kw)
    assert_ran(at)
    assert at.toggle(key="suppress").value is True
    assert metric(at, "Records") == "<5"
    at.toggle(key="suppress").set_value(False).run()
    assert_ran(at)
    assert metric(at, "Records") == "2"
    assert query(at)["suppress"] == "0"


# =============================================================================
# Patrol planning
# =============================================================================


def _patrol_line(at) -> re.Match:
    m = [
        re.search(r"Patrolling these (\d+) places .* of the ([\d,]+) records", t)
        for t in markdowns(at)
    ]
    found = [x for x in m if x]
    assert found, markdowns(at)
    return found[0]


def test_patrol_loads(default_page, bundled_records):
    at = default_page("patrol")
    assert_ran(at)
    line = _patrol_line(at)
    assert int(line.group(1)) == 10 == len(at.dataframe[0].value)
    assert as_int(line.group(2)) == count_records(bundled_records, "2024-01", "2024-03")
    assert list(at.dataframe[0].value["rank"]) == list(range(1, 11))
    assert len(components(at)) == 1
    assert any("months only" in c.value for c in at.sidebar.caption)


def test_patrol_top_n_change(run_page):
    at = run_page("patrol")
    at.slider(key="top_n").set_value(5).run()
    assert_ran(at)
    assert int(_patrol_line(at).group(1)) == 5 == len(at.dataframe[0].value)
    assert query(at)["top_n"] == "5"


def test_patrol_reads_permalink(run_page):
    at = run_page("patrol", top_n="3", pcell="300", psup="1")
    assert_ran(at)
    assert at.slider(key="top_n").value == 3
    assert at.select_slider(key="pcell").value == 300
    assert at.toggle(key="psup").value is True
    assert int(_patrol_line(at).group(1)) == 3


def test_patrol_clamps_bad_permalink(run_page):
    at = run_page("patrol", top_n="999", pcell="7")
    assert_ran(at)
    assert at.slider(key="top_n").value == 50
    assert at.select_slider(key="pcell").value == 150


# =============================================================================
# Data
# =============================================================================

_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
    "Last outcome category,Context"
)
# 4 good rows (2 ASB, 2 crimes near Poole Bus Station), 1 bad month, 1 without coordinates
_UPLOAD = "\n".join(
    [
        _HEADER,
        ",2024-03,Dorset Police,Dorset Police,-1.978799,50.718167,On or near Poole Bus Station,,,Anti-social behaviour,,",
        ",2024-03,Dorset Police,Dorset Police,-1.978799,50.718167,On or near Poole Bus Station,,,Anti-social behaviour,,",
        "aaa1,2024-03,Dorset Police,Dorset Police,-1.978799,50.718167,On or near Poole Bus Station,,,Shoplifting,,",
        "aaa2,2024-03,Dorset Police,Dorset Police,-1.978799,50.718167,On or near Poole Bus Station,,,Drugs,,",
        "aaa3,2024-13,Dorset Police,Dorset Police,-1.978799,50.718167,On or near Poole Bus Station,,,Drugs,,",
        "aaa4,2024-03,Dorset Police,Dorset Police,,,No location,,,Drugs,,",
    ],
).encode()


def test_data_page_lists_datasets(default_page):
    at = default_page("data")
    assert_ran(at)
    assert at.selectbox(key="dataset").value == "bundled"
    datasets = at.dataframe[0].value
    assert len(datasets) == 3
    assert at.header[-1].value.startswith("Coverage of the active dataset: Real data")
    assert at.button(key="upload_go").disabled  # nothing chosen yet


def test_data_page_upload_accounts_for_every_row(run_page, isolated_store):
    from hotspots.data.store import open_dataset

    at = run_page("data")
    assert at.radio(key="upload_target").value == "bundled"  # the real dataset by default
    at.radio(key="upload_target").set_value("uploaded").run()
    at.file_uploader(key="upload_files").set_value(
        ("2024-03-test-street.csv", _UPLOAD, "text/csv"),
    ).run()
    assert not at.button(key="upload_go").disabled
    at.button(key="upload_go").click().run()
    assert_ran(at)
    # the page switched to the dataset the rows went into, and says what changed
    assert at.selectbox(key="dataset").value == "uploaded"
    assert any("Added 2024" in i.value.replace("\\", "") for i in at.info), [
        i.value for i in at.info
    ]
    got = {
        k: as_int(metric(at, k))
        for k in ("Rows read", "Accepted", "Rejected", "Duplicates", "In BCP")
    }
    assert got == {"Rows read": 6, "Accepted": 4, "Rejected": 2, "Duplicates": 0, "In BCP": 4}
    assert any("every row accounted for" in s.value for s in at.success)
    reasons = at.dataframe[0].value
    assert sorted(reasons["reason"]) == [
        "missing coordinates",
        "unparseable month (expected YYYY-MM)",
    ]
    stored = open_dataset("uploaded").records()
    assert len(stored) == 4 and set(stored[S.LOCATION]) == {"On or near Poole Bus Station"}
    assert at.header[-1].value.startswith("Coverage of the active dataset: Uploaded data")


def test_data_page_adds_a_month_to_the_real_dataset_then_the_same_file_adds_nothing(
    run_page,
    isolated_store,
):
    """Issue 21: the default target is the real dataset; April 2024 here is MADE UP from the
    bundled March (Month field and Crime IDs changed).
    """
    import csv
    import io

    from hotspots.data.store import open_dataset

    (isolated_store / "bundled").unlink()  # this test's own real dataset
    open_dataset("bundled")
    src = ROOT / "geodata" / "police_uk" / "2024-03-dorset-street.csv"
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"))))
    for r in rows[1:]:
        r[1], r[0] = "2024-04", r[0] and ("b" + r[0][1:])
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    data = buf.getvalue().encode()
    at = run_page("data")
    at.file_uploader(key="upload_files").set_value(("2024-04-dorset-street.csv", data, "text/csv"))
    at.run()
    at.button(key="upload_go").click().run()
    assert_ran(at)
    assert at.selectbox(key="dataset").value == "bundled"
    assert any("Added 2024" in i.value.replace("\\", "") for i in at.info), [
        i.value for i in at.info
    ]
    assert open_dataset("bundled").months()[-1] == "2024-04"
    # the uploader was cleared: a fresh one (new key) holds no file, so the button is off
    assert at.button(key="upload_go").disabled
    at.file_uploader(key="upload_files_1").set_value(("again.csv", data, "text/csv")).run()
    at.button(key="upload_go").click().run()
    assert any("Nothing changed" in i.value for i in at.info), [i.value for i in at.info]


def test_data_page_reads_dataset_from_link(run_page, isolated_store):
    # nothing uploaded in this store: the picker says so and falls back to the real data
    at = run_page("data", dataset="uploaded")
    assert_ran(at)
    assert at.selectbox(key="dataset").value == "uploaded"
    assert any("Nothing uploaded yet" in i.value for i in at.sidebar.info)
    assert at.header[-1].value.startswith("Coverage of the active dataset: Real data")


@pytest.mark.parametrize(
    ("query", "area", "radius"),
    [
        ({"hours": "a-b"}, "bcp", None),
        ({"hours": "5-40"}, "bcp", None),
        ({"area": "place:Poole Bus Station@5000"}, "place:Poole Bus Station", 2000),
        ({"area": "place:Poole Bus Station@abc"}, "bcp", None),
        ({"area": "place:Poole Bus Station@730"}, "place:Poole Bus Station", 750),
    ],
)
def test_bad_or_out_of_range_link_values_fall_back_or_clamp(run_page, query, area, radius):
    at = run_page("patrol", **query)
    assert_ran(at)
    assert at.selectbox(key="area_pick").value == area
    if radius is not None:
        assert at.slider(key="area_radius").value == radius


def test_switching_dataset_restarts_the_window_at_its_default(run_page):
    at = run_page("overview")
    assert_ran(at)
    at.selectbox(key="dataset").set_value("simulated").run()
    assert_ran(at)
    # the window model's default: the latest three months of the simulated data
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2023-10", "2023-12")


@pytest.mark.parametrize("page", ["overview", "hotspot_map", "ward", "patrol"])
def test_every_page_opens_on_the_one_default_window(default_page, page):
    """Issue 19: one default window (latest complete months), the same on every page."""
    from hotspots.comparison.windows import default_window
    from hotspots.data.store import open_dataset

    at = default_page(page)
    assert_ran(at)
    dw = default_window(open_dataset("bundled").months())
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == (dw.start, dw.end)


# =============================================================================
# Links and state that never lie
# =============================================================================


def test_misspelt_ward_in_a_link_names_the_closest_and_shows_no_other_ward(run_page):
    at = run_page("ward", ward="Pool Town")
    assert_ran(at)
    (warning,) = at.warning
    assert "Pool Town" in warning.value and "Poole Town" in warning.value
    # no ward's figures are shown in its place
    assert at.header.len == 0 and at.metric.len == 0
    at.button[0].click().run()  # "Show Poole Town"
    assert_ran(at)
    assert at.header[0].value.startswith("Poole Town")
    assert at.warning.len == 0
    assert query(at)["ward"] == at.selectbox(key="ward").value


def test_ward_link_with_and_for_ampersand_is_understood(run_page):
    at = run_page("ward", ward="Westbourne and West Cliff")
    assert_ran(at)
    assert at.warning.len == 0
    assert at.header[0].value.startswith("Westbourne & West Cliff")


def test_unknown_place_in_a_link_gives_a_notice_with_the_closest(run_page):
    at = run_page("overview", area="place:Lower Gardnes@300")
    assert_ran(at)
    assert any("Lower Gardnes" in w.value and "Lower Gardens" in w.value for w in at.warning)
    assert at.selectbox(key="area_pick").value == "bcp"


@pytest.mark.parametrize(
    ("page", "params", "key", "used"),
    [
        ("seasonal", {"buffer": "-5"}, "buffer", 100),
        ("hotspot_map", {"manual": "1", "eps": "5000"}, "eps", 1000),
    ],
)
def test_out_of_range_link_values_are_clamped_with_a_message(run_page, page, params, key, used):
    at = run_page(page, **params)
    assert_ran(at)
    assert at.exception.len == 0 and at.error.len == 0
    assert at.slider(key=key).value == used
    raw = params[key]
    notes = [i.value.replace("\\", "") for i in at.info]
    assert any(f"= {raw}" in n and f"{used} is used" in n for n in notes), notes


def test_dataset_chosen_on_the_data_page_sticks_on_every_page(run_page):
    at = run_page("overview")
    at.switch_page("app_pages/5_Data.py").run()
    at.selectbox(key="dataset").set_value("uploaded").run()
    assert_ran(at)
    # the router (app.py) is not a page of its own: its first page is overview.py
    for page in ["overview.py" if p == "app.py" else p for p in all_page_files()]:
        at.switch_page(page).run()
        assert_ran(at)
        assert at.selectbox(key="dataset").value == "uploaded", page
        assert query(at)["dataset"] == "uploaded", page


def test_data_page_datasets_table_says_built_truthfully(run_page):
    at = run_page("data")
    assert_ran(at)
    rows = {r["dataset"]: r for r in at.dataframe[0].value.to_dict("records")}
    real = next(v for k, v in rows.items() if k.startswith("Real"))
    assert int(real["months"]) > 0  # the bundled store is built: its months are counted
    for label, row in rows.items():
        if "built when first chosen" in str(row["months"]):
            assert "not built yet" in row["months"], label


def test_ward_view_opens_with_a_plain_english_paragraph_and_outcomes(run_page):
    at = run_page("ward", ward="Poole Town")
    assert_ran(at)
    text = at.markdown[0].value.replace("\\", "")
    assert text.startswith("Poole Town had ") and "records in Jan 2024 – Mar 2024." in text
    assert "% of all BCP records" in text and "Poole Bus Station" in text
    assert any("What happened next" in m.value for m in at.markdown)
    outcomes = [d.value for d in at.dataframe if "outcome" in d.value.columns]
    assert outcomes and outcomes[0]["outcome"].iloc[0]


def test_hotspot_map_gistar_in_a_ward_shows_bcp_hotspots_or_the_ward_alone(run_page):
    """Issue 18: Gi* in a ward shows BCP's hotspots in it by default; the option is labelled."""
    at = run_page("hotspot_map", area=f"ward:{BOURNEMOUTH_CENTRAL}", method="gistar")
    assert_ran(at)
    assert at.radio(key="giscope").value == "bcp"
    params = json.loads(at.json[0].value)
    assert params["scope"] == "bcp"
    assert len(at.dataframe[0].value) >= 1  # Bournemouth Square and the Lansdowne
    assert any("the BCP hotspots in" in t for t in markdowns(at))
    at.radio(key="giscope").set_value("area").run()
    assert_ran(at)
    assert json.loads(at.json[0].value)["scope"] == "area"
    assert any("alone" in t for t in markdowns(at))
    assert query(at)["giscope"] == "area"
