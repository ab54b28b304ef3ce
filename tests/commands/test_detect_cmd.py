"""Tests for ``hotspots detect``: outputs record their parameters; acceptance on real 2024 data."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from hotspots.cli import main

WINDOW = ["--from", "2024-01", "--to", "2024-03"]


def _run(args, capsys):
    code = main(["detect", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


# ----------------------------------------------------------------------------- inputs


def test_options_of_another_method_are_refused(capsys):
    code, _, err = _run(["--method", "kde", "--eps-m", "100", *WINDOW], capsys)
    assert code == 2
    assert "--eps-m" in err and "--method dbscan" in err


def test_bad_month_and_type_are_refused(capsys):
    code, _, err = _run(["--method", "kde", "--from", "2024-13"], capsys)
    assert code == 2 and "YYYY-MM" in err
    code, _, err = _run(["--method", "kde", "--types", "Burglar"], capsys)
    assert code == 2 and "category" in err
    code, _, err = _run(["--method", "dbscan", "--eps-m", "-5", *WINDOW], capsys)
    assert code == 2 and "eps_m" in err


# ----------------------------------------------------------------------------- outputs


def test_geojson_is_wgs84_with_parameters(tmp_path, capsys):
    out = tmp_path / "hot.geojson"
    code, _, _ = _run(["--method", "kde", *WINDOW, "--out", str(out)], capsys)
    assert code == 0
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    assert "crs" not in fc  # RFC 7946: WGS84 only, no crs member
    p = fc["parameters"]
    assert p["method"] == "kde" and p["kernel"] == "quartic"
    # quartic radius from the map points' spacing (Silverman's rule would give 570 m)
    assert p["cell_size_m"] == 50.0 and p["bandwidth_m"] == 190.0 and p["top_share"] == 0.02
    assert p["from"] == "2024-01" and p["to"] == "2024-03" and p["months"] == 3
    assert p["n_records"] > 9000 and p["area"] == "bcp" and p["simulated"] is False
    assert any("bandwidth" in n for n in p["notes"])
    assert len(fc["features"]) == p["n_hotspots"] >= 3 and p["limit"] is None
    for f in fc["features"]:
        g = shape(f["geometry"])
        minx, miny, maxx, maxy = g.bounds
        assert -2.1 < minx < maxx < -1.6 and 50.6 < miny < maxy < 50.9  # lon/lat over BCP
        for poly in getattr(g, "geoms", [g]):
            assert poly.exterior.is_ccw  # RFC 7946 right-hand rule
        assert {"rank", "name", "count", "share", "top_categories"} <= set(f["properties"])
        assert {"parent", "level"} <= set(f["properties"])  # children under their parents
    kids = [f["properties"] for f in fc["features"] if f["properties"]["level"] == 1]
    ids = {f["properties"]["hotspot_id"] for f in fc["features"]}
    assert kids and all(k["parent"] in ids for k in kids)


def test_json_and_csv_record_the_parameters(tmp_path, capsys):
    code, text, _ = _run(
        ["--method", "dbscan", *WINDOW, "--format", "json", "--limit", "3"],
        capsys,
    )
    assert code == 0
    doc = json.loads(text)
    # the exporter's metadata members (as in GeoJSON and the CSV's sidecar), then the hotspots
    assert {"parameters", "disclosure", "generated", "attribution", "hotspots"} <= set(doc)
    assert doc["disclosure"]["suppress_below"] == 5  # no --exact-counts: counts 1-4 withheld
    # min points per map point under the map-point chance model: the smallest is recorded
    assert doc["parameters"]["eps_m"] == 130.0 and doc["parameters"]["min_points"] == 9
    assert doc["parameters"]["min_share"] == 0.005 and doc["parameters"]["min_pai"] == 30
    assert len(doc["hotspots"]) == 3 and doc["parameters"]["limit"] == 3
    assert doc["parameters"]["n_hotspots"] >= 3
    assert [h["rank"] for h in doc["hotspots"]] == [1, 2, 3]
    assert all(50.6 < h["lat"] < 50.9 and -2.1 < h["lon"] < -1.6 for h in doc["hotspots"])

    out = tmp_path / "hot.csv"
    code, _, _ = _run(
        ["--method", "dbscan", *WINDOW, "--eps-m", "150", "--min-points", "50", "--out", str(out)],
        capsys,
    )
    assert code == 0
    # the CSV opens with pandas' defaults; the parameters are in a sidecar JSON
    assert not out.read_text(encoding="utf-8").startswith("#")
    table = pd.read_csv(out)
    assert {"rank", "name", "count", "lat", "lon"} <= set(table.columns)
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert all(len(repr(float(v)).split(".")[-1]) <= 4 for v in table["share"])
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["parameters"]["eps_m"] == 150.0 and side["parameters"]["min_points"] == 50
    assert side["columns"] == list(table.columns) and side["disclosure"]["suppress_below"] == 5
    # to stdout: the CSV alone on stdout, the parameters on stderr
    code, text, err = _run(
        ["--method", "dbscan", *WINDOW, "--format", "csv", "--limit", "2"],
        capsys,
    )
    assert code == 0 and "rank" in text.splitlines()[0].split(",")
    assert len(pd.read_csv(io.StringIO(text))) == 2
    assert '"eps_m"' in err


def test_empty_window_is_an_error_not_an_empty_result(capsys):
    """issue 8 part 7: a window with no data says so and exits 1 (an empty map reads as "safe")."""
    code, text, err = _run(
        ["--method", "kde", "--from", "2030-01", "--to", "2030-02", "--format", "geojson"],
        capsys,
    )
    assert code == 1 and text == ""
    assert "no records for 2030-01..2030-02" in err and "it holds 2018-10..2024-" in err


def test_table_output_for_people(capsys):
    code, text, err = _run(
        ["--method", "gistar", *WINDOW, "--types", "asb", "--limit", "4"],
        capsys,
    )
    assert code == 0
    assert "rank" in text and "share" in text and "%" in text
    assert "distance_m: 300.0" in err and "note:" in err


# ----------------------------------------------------------------------------- acceptance


@pytest.mark.parametrize("method", ["dbscan", "kde", "gistar"])
def test_real_2024_hotspots_include_town_centre_and_poole_bus_station(method, capsys):
    """Acceptance: on 2024-01..2024-03, all crime and ASB, the top hotspots of every
    method include Bournemouth town centre (Square / Lower Gardens) and Poole Bus
    Station, named as such.
    """
    code, text, _ = _run(
        ["--method", method, *WINDOW, "--types", "all", "--format", "json"],
        capsys,
    )
    assert code == 0
    hot = json.loads(text)["hotspots"][:10]
    names = [h["name"] for h in hot]
    # named after their busiest map points (issue 8), so the Square and the bus station
    # may be among the places a top hotspot covers rather than in its name
    town = [h for h in hot if "Bournemouth Square" in h["places"]]
    assert town and town[0]["rank"] == 1, names
    assert town[0]["ward_name"] == "Bournemouth Central"
    # Poole's town centre is a top hotspot for every method; at BCP scale Gi*'s
    # permutation test keeps only its core (peaking by the High Street), so the bus
    # station is in a named hotspot of its own for DBSCAN and KDE only
    assert any(h["ward_name"] == "Poole Town" for h in hot), names
    if method != "gistar":
        assert any("Poole Bus Station" in h["places"] for h in hot), names
    # the town-centre hotspot really is where the Square is
    lat, lon = town[0]["lat"], town[0]["lon"]
    assert shapely.Point(lon, lat).distance(shapely.Point(-1.8796, 50.7202)) < 0.02


def test_user_gazetteer_names_more_hotspots(tmp_path, capsys):
    args = ["--method", "dbscan", *WINDOW, "--format", "json"]
    code, text, _ = _run(args, capsys)
    hot = json.loads(text)["hotspots"]
    unnamed = next(h for h in hot if h["name"].startswith("Supermarket, "))
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(
        unnamed["busiest_x"],
        unnamed["busiest_y"],
    )
    extra = tmp_path / "places.csv"
    extra.write_text(f"place,lat,lon\nWinton Supermarket,{lat},{lon}\n", encoding="utf-8")
    code, text, _ = _run([*args, "--gazetteer", str(extra)], capsys)
    assert code == 0
    renamed = {h["rank"]: h["name"] for h in json.loads(text)["hotspots"]}
    assert renamed[unnamed["rank"]] == "Winton Supermarket"


def test_gistar_permutations_and_seed_reach_the_method(capsys):
    args = ["--method", "gistar", "--from", "2024-01", "--to", "2024-01", "--format", "json"]
    code, text, _ = _run([*args, "--permutations", "0"], capsys)
    assert code == 0
    normal = json.loads(text)["parameters"]
    assert normal["permutations"] == 0
    assert any("normal" in n for n in normal["notes"])
    code, text, _ = _run([*args, "--permutations", "999", "--seed", "7"], capsys)
    assert code == 0
    perm = json.loads(text)["parameters"]
    assert perm["permutations"] == 999 and perm["seed"] == 7
    # the normal approximation flags far more on a sparse month than permutation inference
    assert normal["hot_cells"] > perm["hot_cells"]
    code, _, err = _run(["--method", "kde", "--permutations", "99"], capsys)
    assert code != 0 and "--permutations" in err


def test_gistar_scope_reaches_the_method(capsys):
    """Gi* in a ward: BCP's hotspots in it by default, the ward alone with --gistar-scope area."""
    args = ["--method", "gistar", *WINDOW, "--area", "Bournemouth Central", "--format", "json"]
    code, text, _ = _run(args, capsys)
    assert code == 0
    bcp = json.loads(text)
    assert bcp["parameters"]["scope"] == "bcp" and len(bcp["hotspots"]) >= 1
    code, text, _ = _run([*args, "--gistar-scope", "area"], capsys)
    assert code == 0
    alone = json.loads(text)["parameters"]
    assert alone["scope"] == "area"
    assert any("alone" in n for n in alone["notes"])
    code, _, err = _run(["--method", "kde", *WINDOW, "--gistar-scope", "area"], capsys)
    assert code != 0 and "--gistar-scope" in err


def test_table_lists_each_district_followed_by_its_street_sized_hotspots(capsys):
    """The text table numbers and orders hotspots as the page's table and the map's badges
    do: "1", "1.1", "1.2", "2", ... (present.tables.nest_hotspots).
    """
    code, text, _ = _run(["--method", "dbscan", "--from", "2024-03", "--to", "2024-03"], capsys)
    assert code == 0
    ranks = [line.split()[0] for line in text.splitlines()[1:] if line.strip()]
    assert ranks[:3] == ["1", "1.1", "1.2"], ranks
    tops = [r for r in ranks if "." not in r]
    assert tops == [str(i) for i in range(1, len(tops) + 1)]
    for i, r in enumerate(ranks):  # a child right after its parent or its elder sibling
        if "." in r:
            parent, idx = r.split(".")
            assert ranks[i - 1] == (parent if idx == "1" else f"{parent}.{int(idx) - 1}")


@pytest.mark.parametrize("method", ["dbscan", "grid"])
def test_table_gives_each_hotspot_the_pages_number_name_and_count(method, capsys):
    """One truth per number: the CLI's text table and the Hotspot map page's ranked table
    (present.hotspot_page) list the same hotspots with the same numbers ("1.1" for a
    street-sized hotspot, with DBSCAN), names and counts ("<5" for the small busiest cells
    of the grid: a viewer on the page, the CLI without --exact-counts).
    """
    from hotspots.data.store import open_dataset
    from hotspots.present.hotspot_page import hotspot_page
    from hotspots.present.views import Filters, hotspot_view

    f = Filters("2024-03", "2024-03", ("Shoplifting",), "town:Poole")
    args = ["--method", method, "--from", "2024-03", "--to", "2024-03"]
    code, text, _ = _run([*args, "--types", "Shoplifting", "--area", "town:Poole"], capsys)
    assert code == 0
    view = hotspot_view(open_dataset("bundled").records(), f, method=method, layers=())
    page = hotspot_page(view, f, dataset="bundled", changes=None, k=5).ranked.table
    lines = [ln for ln in text.splitlines()[1:] if ln.strip()]
    assert len(lines) == len(page) > 0
    assert [ln.split()[0] for ln in lines] == [str(r) for r in page["Rank"]]
    for line, name, count in zip(lines, page["Name"], page["Records"], strict=True):
        assert name.removeprefix("\u2514 ") in line and f" {count} " in line
    if method == "dbscan":
        assert "1.1" in list(page["Rank"])
    else:
        assert "<5" in list(page["Records"])


# modules the detect path no longer imports (issue 23: the whole process in at most 1.5 s)
NOT_ON_DETECT_PATH = ("scipy", "sklearn", "statsmodels", "hotspots.data.ingest")


def test_json_is_the_library_result_and_the_process_imports_no_scipy(tmp_path):
    """``hotspots detect --format json`` as its own process (the benchmarked command) gives
    the library's ``detect()`` on the same records, hotspot for hotspot, and loads neither
    scipy, scikit-learn, statsmodels nor the import machinery.
    """
    import os
    import subprocess
    import sys

    from hotspots import api as hs
    from hotspots.data import schema as S
    from hotspots.data.store import open_dataset
    from hotspots.present.exports import export_file

    recs = open_dataset("bundled").records()  # built here: the process reads a built store
    out = tmp_path / "hotspots.json"
    code = (
        "import sys\n"
        "from hotspots.cli import main\n"
        "rc = main(['detect', '--format', 'json', '--out', sys.argv[1]])\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {NOT_ON_DETECT_PATH!r}"
        f" or m in {NOT_ON_DETECT_PATH!r}))\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=True,
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout
    cli = json.loads(out.read_text(encoding="utf-8"))

    res = hs.detect(recs, "kde", area="bcp")
    lib = json.loads(export_file(res.hotspots, "json", suppress_below=5).text)
    assert len(cli["hotspots"]) == len(lib["hotspots"]) == cli["parameters"]["n_hotspots"] > 10
    assert json.dumps(cli["hotspots"]) == json.dumps(lib["hotspots"])
    assert cli["parameters"]["n_records"] == res.n_records == int(recs[S.IN_BCP].sum())
    for key in ("bandwidth_m", "cell_size_m", "threshold_per_km2", "chance_min_count"):
        assert cli["parameters"][key] == res.parameters[key], key
