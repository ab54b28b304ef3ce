"""Tests for hotspots.present.exports: every format parses back, records its parameters,
withholds small counts and keeps text inert.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present import exports as E

XSS = "<img src=x onerror=alert(1)>"
KML = "{http://www.opengis.net/kml/2.2}"
GPX = "{http://www.topografix.com/GPX/1/1}"
PARAMS = {
    "method": "dbscan",
    "eps_m": np.float64(150.0),
    "min_points": np.int64(20),
    "window": ("2024-01", "2024-03"),
}
WHEN = "2024-04-02T10:00:00+00:00"


@pytest.fixture
def crescent_hotspots(toy_hotspots):
    """The toy hotspots plus a C-shaped hotspot whose centroid falls outside it (rank 3)."""
    annulus = (
        shapely.Point(408500, 90500)
        .buffer(300)
        .difference(shapely.Point(408500, 90500).buffer(250))
    )
    ring = annulus.difference(shapely.box(408700, 90400, 408900, 90600))  # a "C"
    extra = gpd.GeoDataFrame(
        {S.HOTSPOT_ID: [13], S.RANK: [3], S.NAME: ["=HYPERLINK(\"http://x\")"], S.WARD_NAME: ["East Ward"],
         S.COUNT: [40], S.SHARE: [0.04], S.AREA_KM2: [0.03], S.DENSITY_PER_KM2: [1333.0],
         S.TOP_CATEGORIES: ["Drugs (40)"], S.TOP_LOCATIONS: [["On or near Harbour"]]},
        geometry=[ring], crs=S.CRS_METRES,
    )  # fmt: skip
    assert not ring.contains(ring.centroid)
    return pd.concat([toy_hotspots, extra], ignore_index=True)


# --- suppression ----------------------------------------------------------------------------


def test_suppress_counts_withholds_small_counts_and_their_derived_columns(toy_hotspots):
    out, withheld = E.suppress_counts(toy_hotspots, suppress_below=5)
    assert out[S.COUNT].tolist() == [250, None]
    assert out[S.SHARE].tolist() == [0.25, None]
    assert out[S.DENSITY_PER_KM2].tolist() == [1275.5, None]
    assert out[S.AREA_KM2].tolist() == [0.196, 0.071]  # not derived from the count
    assert out[S.TOP_CATEGORIES].tolist()[1] == "Drugs (<5)"
    assert withheld.to_numpy().sum() == 3
    assert toy_hotspots[S.COUNT].tolist() == [250, 3]  # input untouched


def test_count_columns_are_found_by_name_or_given():
    df = pd.DataFrame(
        {"count_2023": [3, 9], "asb_count": [1, 0], "rank": [1, 2], "name": ["a", "b"]},
    )
    assert E.count_columns_of(df) == ["count_2023", "asb_count"]
    out, _ = E.suppress_counts(df, suppress_below=5)
    assert out["count_2023"].tolist() == [None, 9]
    assert out["asb_count"].tolist() == [None, 0]  # zero is not withheld
    assert out["rank"].tolist() == [1, 2]
    with pytest.raises(InputError):
        E.suppress_counts(df, count_columns=["missing"])


@pytest.mark.parametrize("bad", [1, -5, 2.5, True, "5"])
def test_suppress_below_must_be_none_or_an_integer_of_two_or_more(toy_hotspots, bad):
    with pytest.raises(InputError, match="suppress_below"):
        E.to_csv(toy_hotspots, suppress_below=bad)


# --- GeoJSON -------------------------------------------------------------------------------------


def test_geojson_is_rfc7946_and_records_parameters(crescent_hotspots):
    doc = json.loads(
        E.to_geojson(crescent_hotspots, parameters=PARAMS, title="Hotspots", generated=WHEN),
    )
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc or isinstance(doc["crs"], str)  # no RFC 7946-forbidden crs object
    assert doc["parameters"] == {
        "method": "dbscan",
        "eps_m": 150.0,
        "min_points": 20,
        "window": ["2024-01", "2024-03"],
    }
    assert doc["generated"] == WHEN
    assert doc["disclosure"]["suppress_below"] == 5 and doc["disclosure"]["values_withheld"] == 3
    assert "Open Government Licence" in doc["attribution"]
    assert [f["id"] for f in doc["features"]] == [11, 12, 13]  # rank order
    for f in doc["features"]:
        g = shapely.geometry.shape(f["geometry"])
        for poly in shapely.get_parts(g):
            assert poly.exterior.is_ccw  # right-hand rule
            assert all(not r.is_ccw for r in poly.interiors)
        lon, lat = g.centroid.x, g.centroid.y
        assert -2.1 < lon < -1.6 and 50.6 < lat < 50.9  # lon, lat order in WGS84
    west, south, east, north = doc["bbox"]
    assert west < east and south < north


def test_geojson_withholds_small_counts_as_null(toy_hotspots):
    doc = json.loads(E.to_geojson(toy_hotspots))
    small = doc["features"][1]["properties"]
    assert small[S.COUNT] is None and small[S.SHARE] is None and small[S.DENSITY_PER_KM2] is None
    assert small[S.NAME] == XSS  # data, not HTML: the reader escapes on display
    everything = json.loads(E.to_geojson(toy_hotspots, suppress_below=None))
    assert everything["features"][1]["properties"][S.COUNT] == 3
    assert everything["disclosure"]["suppress_below"] is None


def test_geojson_coordinates_have_six_decimals(toy_hotspots):
    doc = json.loads(E.to_geojson(toy_hotspots))
    coords = np.asarray(doc["features"][0]["geometry"]["coordinates"][0])
    np.testing.assert_array_equal(coords, np.round(coords, 6))


def test_geojson_of_no_hotspots_is_an_empty_collection(toy_hotspots):
    doc = json.loads(E.to_geojson(toy_hotspots.iloc[0:0], parameters=PARAMS))
    assert doc["features"] == [] and doc["parameters"]["method"] == "dbscan"


# --- KML ---------------------------------------------------------------------------------------------


def test_kml_parses_with_placemarks_in_rank_order_and_pins_inside(crescent_hotspots):
    text = E.to_kml(crescent_hotspots, parameters=PARAMS, generated=WHEN)
    root = ET.fromstring(text.encode("utf-8"))
    doc = root.find(f"{KML}Document")
    pms = doc.findall(f"{KML}Placemark")
    assert [pm.get("id") for pm in pms] == ["hotspot-11", "hotspot-12", "hotspot-13"]
    wgs = crescent_hotspots.to_crs(4326)
    for pm, geom in zip(pms, wgs.geometry, strict=True):
        lon, lat, _ = (
            float(v)
            for v in pm.find(f"{KML}MultiGeometry/{KML}Point/{KML}coordinates").text.split(",")
        )
        assert geom.contains(shapely.Point(lon, lat))  # pin inside, even for the crescent
        ring = pm.find(f".//{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates").text.split()
        xy = [tuple(float(v) for v in c.split(",")[:2]) for c in ring]
        assert shapely.LinearRing(xy).is_ccw
    params = {d.get("name"): d.find(f"{KML}value").text for d in doc.find(f"{KML}ExtendedData")}
    assert json.loads(params["parameters"])["eps_m"] == 150.0
    assert params["generated"] == WHEN
    assert "eps_m" in doc.find(f"{KML}description").text


def test_kml_text_is_escaped_for_google_earth_html(toy_hotspots):
    text = E.to_kml(toy_hotspots)
    assert "<img" not in text
    root = ET.fromstring(text.encode("utf-8"))
    pm = root.findall(f".//{KML}Placemark")[1]
    # after XML parsing the balloon HTML still holds the name as escaped text
    assert pm.find(f"{KML}name").text == "#2 &lt;img src=x onerror=alert(1)&gt;"
    desc = pm.find(f"{KML}description").text
    assert "<td>&lt;5</td>" in desc and "<td>withheld</td>" in desc
    assert "West &amp; &lt;Ward&gt;" in desc
    values = {d.get("name"): d.find(f"{KML}value").text for d in pm.find(f"{KML}ExtendedData")}
    assert values[S.COUNT] == "<5" and values[S.SHARE] is None


def test_kml_and_gpx_name_street_sized_hotspots_as_the_table_does(crescent_hotspots):
    """A street-sized hotspot (level 1) inside district 1 is "#1.1", listed right after it,
    as in the page's table, on the map and in the CLI's table (nest_hotspots).
    """
    h = crescent_hotspots.assign(level=[0, 0, 1], parent=pd.array([pd.NA, pd.NA, 11], "Int64"))
    kml = ET.fromstring(E.to_kml(h, parameters=PARAMS, generated=WHEN).encode("utf-8"))
    gpx = ET.fromstring(E.to_gpx(h, parameters=PARAMS, generated=WHEN).encode("utf-8"))
    expected = ["#1 Lower Gardens", '#1.1 =HYPERLINK("http://x")']
    kml_names = [p.find(f"{KML}name").text for p in kml.iter(f"{KML}Placemark")]
    gpx_names = [w.find(f"{GPX}name").text for w in gpx.findall(f"{GPX}wpt")]
    assert kml_names[:2] == gpx_names[:2] == expected
    assert kml_names[2].startswith("#2 ") and gpx_names[2].startswith("#2 ")


# --- GPX -----------------------------------------------------------------------------------------------


def test_gpx_waypoints_named_in_rank_order_with_a_route(crescent_hotspots):
    text = E.to_gpx(crescent_hotspots, parameters=PARAMS, route=True, generated=WHEN)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1" and root.get("creator")
    wpts = root.findall(f"{GPX}wpt")
    assert [w.find(f"{GPX}name").text for w in wpts] == [
        "#1 Lower Gardens",
        f"#2 {XSS}",
        '#3 =HYPERLINK("http://x")',
    ]
    wgs = crescent_hotspots.to_crs(4326)
    for w, geom in zip(wpts, wgs.geometry, strict=True):
        assert geom.contains(shapely.Point(float(w.get("lon")), float(w.get("lat"))))
    assert "Records: <5" in wpts[1].find(f"{GPX}desc").text
    assert [p.find(f"{GPX}name").text for p in root.findall(f"{GPX}rte/{GPX}rtept")] == [
        w.find(f"{GPX}name").text for w in wpts
    ]
    md = root.find(f"{GPX}metadata")
    assert md.find(f"{GPX}time").text == "2024-04-02T10:00:00Z"
    assert '"eps_m": 150.0' in md.find(f"{GPX}desc").text
    assert "<img" not in text  # XML-escaped


def test_gpx_element_order_follows_the_schema(toy_hotspots):
    root = ET.fromstring(E.to_gpx(toy_hotspots).encode("utf-8"))
    assert [c.tag for c in root][0] == f"{GPX}metadata"
    assert [c.tag.replace(GPX, "") for c in root.find(f"{GPX}wpt")] == ["name", "desc", "type"]


# --- CSV --------------------------------------------------------------------------------------------------


def test_csv_reads_back_with_its_parameters(crescent_hotspots):
    text = E.to_csv(crescent_hotspots, parameters=PARAMS, generated=WHEN)
    meta_text = E.csv_metadata(crescent_hotspots, parameters=PARAMS, generated=WHEN)
    table, meta = E.read_csv_export(text, meta_text)
    assert meta["columns"] == list(table.columns)
    assert meta["generated"] == WHEN
    assert meta["parameters"]["window"] == ["2024-01", "2024-03"]
    assert meta["disclosure"]["values_withheld"] == 3
    assert table[S.RANK].tolist() == ["1", "2", "3"]
    assert table[S.COUNT].tolist() == ["250", "<5", "40"]
    assert table[S.SHARE].tolist() == ["0.25", "", "0.04"]
    assert table[S.TOP_CATEGORIES].tolist()[1] == "Drugs (<5)"
    wgs = crescent_hotspots.to_crs(4326)
    for (_, row), geom in zip(table.iterrows(), wgs.geometry, strict=True):
        assert geom.contains(shapely.Point(float(row["lon"]), float(row["lat"])))


def test_csv_cells_cannot_run_as_spreadsheet_formulas(crescent_hotspots):
    text = E.to_csv(crescent_hotspots)
    body = [line for line in text.splitlines() if not line.startswith("# ")]
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    names = [r[rows[0].index(S.NAME)] for r in rows[1:]]
    assert names == ["Lower Gardens", XSS, '\'=HYPERLINK("http://x")']
    for r in rows[1:]:
        for cell in r:
            assert not cell.startswith(("=", "+", "@")) or cell.startswith("'")
    # negative numbers are numbers, not formulas
    assert "-1." in text.splitlines()[-1]


def test_csv_of_a_plain_table_has_no_point_columns():
    df = pd.DataFrame({"ward_name": ["Poole Town", "Kinson"], "count": [12, 2], "rank": [1, 2]})
    table, meta = E.read_csv_export(
        E.to_csv(df, parameters={"window": "2024-01:2024-03"}),
        E.csv_metadata(df, parameters={"window": "2024-01:2024-03"}),
    )
    assert list(table.columns) == ["ward_name", "count", "rank"]
    assert table["count"].tolist() == ["12", "<5"]
    assert meta["parameters"] == {"window": "2024-01:2024-03"}


def test_csv_opens_with_pandas_defaults_header_first_numbers_rounded(crescent_hotspots, tmp_path):
    """Exports people open without thinking: ``pandas.read_csv(path)``, no arguments."""
    h = crescent_hotspots.assign(
        **{S.SHARE: [1 / 72, 0.5, 1 / 3], "expected": [12.3456, 1.0, 2.55]},
    )
    path = tmp_path / "hotspots.csv"
    path.write_text(E.to_csv(h, parameters=PARAMS, suppress_below=None), encoding="utf-8")
    assert not path.read_text(encoding="utf-8").startswith("#")
    table = pd.read_csv(path)
    assert list(table.columns)[:2] == list(h.drop(columns="geometry").columns)[:2]
    assert len(table) == 3
    assert table[S.SHARE].tolist() == [0.0139, 0.5, 0.3333]  # not 0.013888888888888888
    assert table["expected"].tolist() == [12.3, 1.0, 2.5] or table["expected"].tolist() == [
        12.3, 1.0, 2.6,
    ]  # fmt: skip
    assert all(len(str(v).split(".")[-1]) <= 6 for v in table["lon"])
    meta = json.loads(E.csv_metadata(h, parameters=PARAMS, suppress_below=None))
    assert meta["parameters"]["window"] == ["2024-01", "2024-03"]
    assert "attribution" in meta and meta["columns"] == list(table.columns)


# --- the hotspots' numbers ("1.1") ------------------------------------------------------------


def test_every_format_numbers_children_by_their_exact_records_as_the_page_does():
    """A district (rank 1) with two street-sized children of 3 and 4 records: the page numbers
    the one of 4 "1.1" (most records first). A viewer's exports withhold both counts, yet every
    format gives the same numbers as the page: CSV, GeoJSON and JSON in a ``label`` column,
    KML and GPX in the feature's name.
    """
    box = shapely.box(408000, 90000, 408600, 90600)
    hot = gpd.GeoDataFrame(
        {S.HOTSPOT_ID: [1, 2, 3, 4], S.RANK: [1, 2, 3, 4], S.NAME: ["Town", "Three", "Four", "East"],
         S.COUNT: [50, 3, 4, 20], "level": [0, 1, 1, 0], "parent": [pd.NA, 1, 1, pd.NA]},
        geometry=[box, box.buffer(-250), box.buffer(-200), shapely.box(409000, 90000, 409200, 90200)],
        crs=S.CRS_METRES,
    )  # fmt: skip
    by_rank = {1: "1", 2: "1.2", 3: "1.1", 4: "2"}  # the page's (test_export_sinks compares)
    csv_text = E.to_csv(hot, suppress_below=5, generated=WHEN)
    table = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    assert list(table.columns[:3]) == [S.HOTSPOT_ID, S.RANK, "label"]
    # written "#1.2" so that a spreadsheet keeps it as text; our reader gives "1.2" back
    marked = {r: f"#{lb}" for r, lb in by_rank.items()}
    assert dict(zip(table[S.RANK].astype(int), table["label"], strict=True)) == marked
    back, _ = E.read_csv_export(csv_text)
    assert dict(zip(back[S.RANK].astype(int), back["label"], strict=True)) == by_rank
    assert table[S.COUNT].tolist() == ["50", "<5", "<5", "20"]  # withheld, yet numbered alike
    assert "label" in json.loads(E.csv_metadata(hot, suppress_below=5, generated=WHEN))["columns"]
    feats = json.loads(E.to_geojson(hot, suppress_below=5))["features"]
    assert {f["properties"][S.RANK]: f["properties"]["label"] for f in feats} == by_rank
    recs = json.loads(E.to_json(hot, suppress_below=5))["hotspots"]
    assert {h[S.RANK]: h["label"] for h in recs} == by_rank
    kml = ET.fromstring(E.to_kml(hot, suppress_below=5))
    names = [pm.findtext(f"{KML}name") for pm in kml.iter(f"{KML}Placemark")]
    assert "#1.1 Four" in names and "#1.2 Three" in names
    gpx = ET.fromstring(E.to_gpx(hot, suppress_below=5))
    names = [w.findtext(f"{GPX}name") for w in gpx.iter(f"{GPX}wpt")]
    assert "#1.1 Four" in names and "#1.2 Three" in names


def test_a_table_that_is_not_of_hotspots_gets_no_label_column():
    wards = pd.DataFrame({S.RANK: [1, 2], S.NAME: ["Poole Town", "Boscombe West"], S.COUNT: [9, 8]})
    text = E.to_csv(wards, suppress_below=None)
    assert text.splitlines()[0] == "rank,name,count"
    # nor one whose own label column would be overwritten
    own = pd.DataFrame({S.HOTSPOT_ID: [7], S.RANK: [1], "label": ["mine"], S.COUNT: [9]})
    back = pd.read_csv(io.StringIO(E.to_csv(own, suppress_below=None)))
    assert back["label"].tolist() == ["mine"]


def _ten_children() -> gpd.GeoDataFrame:
    """District 1 with ten street-sized hotspots inside it (so a child numbered "1.10")."""
    box = shapely.box(408000, 90000, 409000, 91000)
    kids = [shapely.box(408000 + 90 * i, 90000, 408080 + 90 * i, 90080) for i in range(10)]
    return gpd.GeoDataFrame(
        {S.HOTSPOT_ID: list(range(1, 12)), S.RANK: list(range(1, 12)),
         S.NAME: ["Town"] + [f"Street {i}" for i in range(1, 11)],
         S.COUNT: [500, *range(40, 30, -1)], "level": [0] + [1] * 10,
         "parent": [pd.NA] + [1] * 10},
        geometry=[box, *kids], crs=S.CRS_METRES,
    )  # fmt: skip


def _libreoffice_cells(tmp_path, csv_text: str, column: int) -> list[tuple[str, str]]:
    """(value type, text) of ``column``'s cells as LibreOffice Calc opens the CSV."""
    import re
    import subprocess

    src = tmp_path / "hotspots.csv"
    src.write_text(csv_text, encoding="utf-8")
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "fods", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    doc = ET.parse(tmp_path / "hotspots.fods")
    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    }
    cells = []
    for row in doc.iter(f"{{{ns['table']}}}table-row"):
        expanded = []  # equal neighbours are written once, with how many they are
        for c in row.findall("table:table-cell", ns):
            expanded += [c] * int(c.get(f"{{{ns['table']}}}number-columns-repeated", "1"))
        cell = expanded[column]
        kind = cell.get(f"{{{ns['office']}}}value-type")
        cells.append((kind, re.sub(r"\s+", "", "".join(cell.itertext()))))
    return cells[1:]  # below the header


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_spreadsheet_keeps_the_label_1_10_as_text(tmp_path):
    """LibreOffice Calc (an independent CSV reader) opens the ``label`` column as text, "#1.10"
    and "#1.1" apart; the same CSV without the mark opens "1.10" as the number 1.1, the same
    value as hotspot "1.1" (which is why the mark is there). Our reader gives "1.10" back.
    """
    hot = _ten_children()
    text = E.to_csv(hot, suppress_below=5, generated=WHEN)
    header = text.splitlines()[0].split(",")
    col = header.index("label")
    labels = ["1"] + [f"1.{i}" for i in range(1, 11)]
    assert _libreoffice_cells(tmp_path, text, col) == [("string", f"#{lb}") for lb in labels]
    back, _ = E.read_csv_export(text)
    assert back["label"].tolist() == labels
    bare = text.replace(",#", ",")
    opened = _libreoffice_cells(tmp_path, bare, col)
    assert opened[-1] == ("float", "1.1") and opened[1] == ("float", "1.1")
