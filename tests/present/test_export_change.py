"""Tests for hotspots.present.export_change: the hotspot-change grid through the one exporter.

Inputs: a toy :class:`HotspotChange` written out in full (four 100 m cells near
Bournemouth, counts chosen around the disclosure threshold). Outputs: every format
gives each cell the same counts and class, with 1-4 withheld; the summary withholds the
records of a period and the notes' "N records".
"""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.comparison.change import CHANGE_COLUMNS, HotspotChange
from hotspots.comparison.windows import window
from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present.export_change import (
    CHANGE_EXPORT_FORMATS,
    change_cells,
    change_export,
    change_summary,
)
from hotspots.present.exports import read_csv_export

WHEN = "2024-04-02T10:00:00+00:00"
# cell_id: (count_a, count_b, change)
CELLS = {
    7: (0, 12, "emerging"),
    8: (3, 7, "persistent"),
    9: (9, 1, "former"),
    10: (2, 0, "none"),
}


@pytest.fixture
def change() -> HotspotChange:
    ids = list(CELLS)
    boxes = [shapely.box(408000 + 100 * i, 91000, 408100 + 100 * i, 91100) for i in range(4)]
    grid = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "count_a": [CELLS[i][0] for i in ids],
            "count_b": [CELLS[i][1] for i in ids],
            "gi_z_a": [0.1, 3.2, 4.5, -0.2],
            "gi_z_b": [3.9, 2.8, 0.3, -0.4],
            "p_adjusted_a": [0.9, 0.01, 0.001, 1.0],
            "p_adjusted_b": [0.002, 0.03, 0.8, 1.0],
            "gi_class_a": ["Not significant", "Hot 95%", "Hot 99%", "Not significant"],
            "gi_class_b": ["Hot 99%", "Hot 95%", "Not significant", "Not significant"],
            "change": [CELLS[i][2] for i in ids],
        },
        geometry=boxes,
        crs=S.CRS_METRES,
    )
    assert list(grid.columns) == CHANGE_COLUMNS
    return HotspotChange(
        grid, window("2024-01"), window("2024-02"), 100.0, 300.0, True, 0.05, "Toy town",
        (S.ASB,), 14, 20, ("3 records in Jan 2024 fell outside the grid",), 999, 0,
    )  # fmt: skip


def _cells(fmt: str, text: str) -> dict[int, tuple[str, str, str]]:
    """Each cell's (count_a, count_b, change) as the file says it, "<5" for a withheld count."""

    def shown(v) -> str:
        return "<5" if v in (None, "", "<5") else str(int(float(v)))

    if fmt == "csv":
        t = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        rows = t.to_dict("records")
    elif fmt == "geojson":
        rows = [f["properties"] for f in json.loads(text)["features"]]
    else:
        rows = json.loads(text)["cells"]
    return {
        int(r["cell_id"]): (shown(r["count_a"]), shown(r["count_b"]), r["change"]) for r in rows
    }


# ============================================================================ inputs
def test_refuses_a_format_it_does_not_write(change):
    with pytest.raises(InputError, match="`fmt`.*csv, csv-json, geojson, json"):
        change_export(change, "kml", suppress_below=5)


def test_refuses_a_bad_threshold(change):
    with pytest.raises(InputError, match="suppress_below"):
        change_export(change, "csv", suppress_below=1)


# ============================================================================ outputs
def test_cells_hot_in_either_period_unless_all_cells(change):
    assert change_cells(change)["cell_id"].tolist() == [7, 8, 9]
    every = change_cells(change, all_cells=True)
    assert every["cell_id"].tolist() == [7, 8, 9, 10]
    # the centre of cell 7 (408000..408100, 91000..91100), metres
    assert (every["x_centre"].iloc[0], every["y_centre"].iloc[0]) == (408050.0, 91050.0)
    assert every.crs == S.CRS_METRES


@pytest.mark.parametrize("fmt", ["csv", "geojson", "json"])
def test_every_format_withholds_counts_from_1_to_4_and_keeps_0(change, fmt):
    text = change_export(change, fmt, suppress_below=5, all_cells=True, generated=WHEN).text
    assert _cells(fmt, text) == {
        7: ("0", "12", "emerging"),
        8: ("<5", "7", "persistent"),
        9: ("9", "<5", "former"),
        10: ("<5", "0", "none"),
    }


@pytest.mark.parametrize("fmt", ["csv", "geojson", "json"])
def test_exact_counts_only_without_a_threshold(change, fmt):
    text = change_export(change, fmt, suppress_below=None, all_cells=True).text
    assert _cells(fmt, text) == {c: (str(a), str(b), k) for c, (a, b, k) in CELLS.items()}


def test_withheld_counts_are_null_in_json_and_geojson_not_text(change):
    d = json.loads(change_export(change, "json", suppress_below=5).text)
    cell8 = next(c for c in d["cells"] if c["cell_id"] == 8)
    assert cell8["count_a"] is None and cell8["count_b"] == 7
    assert d["disclosure"]["suppress_below"] == 5 and d["disclosure"]["values_withheld"] == 2
    fc = json.loads(change_export(change, "geojson", suppress_below=5).text)
    assert fc["disclosure"]["values_withheld"] == 2
    assert [f["properties"]["count_a"] for f in fc["features"]] == [0, None, 9]


def test_summary_withholds_a_periods_small_total_and_the_notes_records(change):
    s = change_summary(change, 5, dataset="v1")
    assert s["count_a"] == 14 and s["count_b"] == 20 and s["dataset"] == "v1"
    # to_dict gives a period's records exactly: 3 is withheld by the summary
    small = HotspotChange(**{**change.__dict__, "n_a": 3})
    assert small.to_dict()["count_a"] == 3
    s = change_summary(small, 5)
    assert s["count_a"] == "<5" and s["count_b"] == 20
    assert s["notes"] == ["<5 records in Jan 2024 fell outside the grid"]
    # class counts are cells, not records: shown as they are
    assert s["class_counts"] == {"persistent": 1, "emerging": 1, "former": 1, "none": 1}
    exact = change_summary(small, None, notes=["chosen windows"])
    assert exact["count_a"] == 3 and exact["notes"] == ["chosen windows"]


def test_every_format_records_the_same_summary_and_time(change):
    files = {f: change_export(change, f, suppress_below=5, generated=WHEN).text
             for f in CHANGE_EXPORT_FORMATS}  # fmt: skip
    side = json.loads(files["csv-json"])
    docs = [side, json.loads(files["geojson"]), json.loads(files["json"])]
    for d in docs:
        assert d["generated"] == WHEN
        assert d["parameters"] == change_summary(change, 5)
        assert d["parameters"]["method"] == "gistar change"
    # the sidecar lists the CSV's columns, and the CSV reads back with it
    table, meta = read_csv_export(files["csv"], files["csv-json"])
    assert meta["columns"] == list(table.columns)
    assert {"cell_id", "count_a", "change", "x_centre", "y_centre", "lon", "lat"} <= set(
        meta["columns"],
    )
    assert "geometry" not in table.columns and "label" not in table.columns


def test_geojson_is_wgs84_polygons_and_json_points_inside_each_cell(change):
    fc = json.loads(change_export(change, "geojson", suppress_below=5).text)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 3
    ring = fc["features"][0]["geometry"]["coordinates"][0]
    cell = shapely.Polygon(ring)
    assert cell.is_valid and -1.9 < cell.centroid.x < -1.8 and 50.7 < cell.centroid.y < 50.8
    d = json.loads(change_export(change, "json", suppress_below=5).text)
    pt = gpd.GeoSeries.from_xy([d["cells"][0]["lon"]], [d["cells"][0]["lat"]], crs=S.CRS_DISPLAY)
    assert change.grid.geometry.iloc[0].contains(pt.to_crs(S.CRS_METRES).iloc[0])


def test_file_names_and_media_types(change):
    f = change_export(change, "geojson", suppress_below=5, stem="change-2024")
    assert (f.name, f.mime) == ("change-2024.geojson", "application/geo+json")
    f = change_export(change, "json", suppress_below=5)
    assert (f.name, f.mime) == ("hotspot-change.json", "application/json")
