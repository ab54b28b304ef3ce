"""issue 20 item 2 / issue 24 item 3: one result through every sink gives the same numbers
with the same suppression for a viewer.

The result: the ten busiest grid cells for shoplifting in Poole in March 2024 (real
police.uk records: 10, 8 and 7 records, then cells of 1-4, which the CLI used to print
exactly; the issue's DBSCAN example no longer finds a hotspot that small). It is
written by the CLI (CSV with its sidecar, GeoJSON, KML, GPX, JSON; no flag), by the
Hotspot map page's download function with a viewer's threshold, and into the PCG pack;
every sink must give each rank the same count, "<5" for the small one.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.commands.detect import detect
from hotspots.present.disclosure import suppress_below_for

# the slow tier: each test runs the CLI on the real store (tens of seconds)
pytestmark = pytest.mark.slow

ARGS = ["--method", "grid", "--from", "2024-03", "--to", "2024-03", "--area", "town:Poole",
        "--types", "Shoplifting"]  # fmt: skip
FORMATS = ("csv", "geojson", "kml", "gpx", "json")
KML = "{http://www.opengis.net/kml/2.2}"
GPX = "{http://www.topografix.com/GPX/1/1}"


def _count(v) -> str:
    """A count as every sink should agree on it: "<5" when withheld, else the number."""
    if v is None or v == "" or v == "<5":
        return "<5"
    return str(int(float(str(v).replace(",", ""))))


_NUMBER = re.compile(r"#(\d+(?:\.\d+)?) ")  # "#1.1 Bournemouth Square": KML and GPX names


def rows_by_sink(files: dict[str, str]) -> dict[str, dict[int, tuple[str, str]]]:
    """Each sink's (count, number) of each hotspot, by rank.

    The number ("1.1") is the ``label`` column or property of CSV, GeoJSON and JSON, and the
    feature's name in KML and GPX.
    """
    out = {}
    for name, text in files.items():
        if name.endswith("csv"):
            # written "#1.10" so that a spreadsheet keeps it as text (1.10 is not 1.1)
            t = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            assert t["label"].str.startswith("#").all(), name
            out[name] = {
                int(r): (_count(c), lb.removeprefix("#"))
                for r, c, lb in zip(t["rank"], t["count"], t["label"], strict=True)
            }
        elif name.endswith("geojson"):
            props = [f["properties"] for f in json.loads(text)["features"]]
            out[name] = {p["rank"]: (_count(p["count"]), p["label"]) for p in props}
        elif name.endswith("json"):
            hots = json.loads(text)["hotspots"]
            out[name] = {h["rank"]: (_count(h["count"]), h["label"]) for h in hots}
        elif name.endswith("kml"):
            rows = {}
            for pm in ET.fromstring(text).iter(f"{KML}Placemark"):
                data = {d.get("name"): d.findtext(f"{KML}value") for d in pm.iter(f"{KML}Data")}
                number = _NUMBER.match(pm.findtext(f"{KML}name")).group(1)
                rows[int(data["rank"])] = (_count(data["count"]), number)
            out[name] = rows
        elif name.endswith("gpx"):
            rows = {}
            for w in ET.fromstring(text).iter(f"{GPX}wpt"):
                desc = w.findtext(f"{GPX}desc")
                rank = int(re.search(r"(?:^|; )Rank: (\d+)", desc).group(1))
                count = _count(re.search(r"Records: ([^;]+)", desc).group(1))
                rows[rank] = (count, _NUMBER.match(w.findtext(f"{GPX}name")).group(1))
            out[name] = rows
    return out


def counts_by_sink(files: dict[str, str]) -> dict[str, dict[int, str]]:
    """Each sink's count of each hotspot ("<5" when withheld), by rank."""
    return {s: {r: c for r, (c, _) in rows.items()} for s, rows in rows_by_sink(files).items()}


def labels_by_sink(files: dict[str, str]) -> dict[str, dict[int, str]]:
    """Each sink's number of each hotspot ("1.1"), by rank."""
    return {s: {r: lb for r, (_, lb) in rows.items()} for s, rows in rows_by_sink(files).items()}


def write_with_cli(folder, args: list[str]) -> dict[str, str]:
    """``hotspots detect *args`` written in every format into ``folder``: the texts by sink."""
    files = {}
    for fmt in FORMATS:
        out = folder / f"hot-{fmt}.{fmt}"
        assert main(["detect", *args, "--out", str(out)]) == 0
        files[f"cli {fmt}"] = out.read_text(encoding="utf-8")
    files["cli csv sidecar"] = (folder / "hot-csv.json").read_text(encoding="utf-8")
    return files


def detect_as_cli(args: list[str]):
    """``detect()`` of the CLI's own options for ``hotspots detect *args``: (hotspots, params)."""
    import argparse

    from hotspots.commands import detect as detect_command

    parser = argparse.ArgumentParser()
    detect_command.add_arguments(parser)
    return detect(parser.parse_args(args))


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory) -> dict[str, str]:
    return write_with_cli(tmp_path_factory.mktemp("cli"), ARGS)


@pytest.fixture(scope="module")
def result():
    return detect_as_cli(ARGS)


def test_every_sink_gives_the_same_counts_with_the_same_suppression(cli_files, result):
    from hotspots.present.hotspot_page import download_files
    from hotspots.present.pack_html import pack_html

    hot, params = result
    viewer = suppress_below_for("viewer")
    page = download_files(hot, params, "hotspots-dbscan", viewer)
    files = {k: v for k, v in cli_files.items() if k != "cli csv sidecar"}
    files.update({f"page {fmt}": page[fmt].text for fmt in ("csv", "geojson", "kml", "gpx")})
    by_sink = counts_by_sink(files)
    reference = by_sink["cli csv"]
    assert "<5" in reference.values(), "the selection must hold a hotspot of 1-4 records"
    assert reference[1] == "10"  # the busiest cell, shown exactly
    for sink, counts in by_sink.items():
        assert counts == reference, sink
    # no street-sized hotspots in this result: every sink numbers each hotspot by its rank
    for sink, labels in labels_by_sink(files).items():
        assert labels == {r: str(r) for r in reference}, sink
    # the exact numbers behind them: suppression hides only the small ones
    exact = {int(r): int(c) for r, c in zip(hot["rank"], hot["count"], strict=True)}
    assert {r for r, c in exact.items() if c < 5} == {r for r, c in reference.items() if c == "<5"}
    assert all(reference[r] == str(c) for r, c in exact.items() if c >= 5)
    # the sidecar and the CSV agree on the columns and on what was withheld
    side = json.loads(cli_files["cli csv sidecar"])
    assert side["disclosure"]["suppress_below"] == 5
    assert side["columns"] == list(pd.read_csv(io.StringIO(cli_files["cli csv"])).columns)
    # the pack: the same ranked counts in its table, "<5" for the small one
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    pack = build_pack(
        open_dataset("bundled").records(), "2024-03", 1, None, method="grid",
        categories="Shoplifting", area="town:Poole", top=99, focus_areas=[],
        suppress_below=viewer,
    )  # fmt: skip
    in_pack = dict(zip(pack.table["rank"], map(_count, pack.table["records_now"]), strict=True))
    assert in_pack == reference
    html = pack_html(pack)
    small_rank = min(r for r, c in reference.items() if c == "<5")
    assert re.search(rf"<td[^>]*>{small_rank}</td>.*?&lt;5", html, re.DOTALL)


def test_every_export_carries_the_results_own_columns(result):
    """Columns come from the result, not a list in the exporter: a new column is exported."""
    from hotspots.present.exports import export_file

    hot, params = result
    hot = hot.assign(level="district", parent=pd.NA)  # as another method might add
    for fmt in ("csv", "geojson", "json", "kml", "gpx"):
        text = export_file(hot, fmt, parameters=params, suppress_below=5).text
        assert "district" in text, fmt


def test_exact_counts_only_with_the_flag_and_the_flag_is_audited(tmp_path, monkeypatch, result):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    out = tmp_path / "exact.csv"
    assert main(["detect", *ARGS, "--exact-counts", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    hot, _ = result
    assert sorted(table["count"].astype(int)) == sorted(hot["count"].astype(int))
    assert (table["count"].astype(int) < 5).any()
    events = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(events) == 1
    e = events[0]
    assert e["action"] == "export" and e["exact_counts"] is True and e["via"] == "cli"
    assert "detect" in e["what"] and e["os_user"] and e["out"] == str(out)
    # without the flag: nothing recorded, counts withheld
    assert main(["detect", *ARGS, "--out", str(tmp_path / "plain.csv")]) == 0
    assert len(log.read_text().splitlines()) == 1
    assert "<5" in (tmp_path / "plain.csv").read_text()


# --- the hotspots' numbers ("1.1") ------------------------------------------------------------
# a result with street-sized hotspots inside districts: DBSCAN over BCP in March 2024 finds
# 28, nine of them numbered "1.1", "1.2", ... under their district
NESTED_ARGS = ["--method", "dbscan", "--from", "2024-03", "--to", "2024-03"]


@pytest.fixture(scope="module")
def nested_cli(tmp_path_factory) -> dict[str, str]:
    """The CLI's files and its printed table for the nested result."""
    import contextlib

    files = write_with_cli(tmp_path_factory.mktemp("nested"), NESTED_ARGS)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["detect", *NESTED_ARGS]) == 0
    files["cli table"] = printed.getvalue()
    return files


def test_every_sink_numbers_each_hotspot_the_same(nested_cli):
    """One truth per number: "1.1" for the same hotspot in the files, the page, the map, the CLI
    table and the pack, and the numbers are the ranked table's (districts 1, 2, ... by rank,
    each district's street-sized hotspots after it, most records first).
    """
    from hotspots.data.store import open_dataset
    from hotspots.present.hotspot_page import download_files, ranked_table
    from hotspots.present.map_hotspots import rank_labels
    from hotspots.present.pack import build_pack
    from hotspots.present.tables import CHILD_MARK

    hot, params = detect_as_cli(NESTED_ARGS)
    viewer = suppress_below_for("viewer")
    page = download_files(hot, params, "hotspots-dbscan", viewer)
    files = {k: v for k, v in nested_cli.items() if k not in {"cli table", "cli csv sidecar"}}
    files.update({f"page {fmt}": page[fmt].text for fmt in ("csv", "geojson", "kml", "gpx")})
    by_sink = labels_by_sink(files)
    reference = by_sink["cli csv"]
    assert len(reference) == len(hot) and len(set(reference.values())) == len(hot)
    for sink, labels in by_sink.items():
        assert labels == reference, sink
    # our own reader gives the CSV's "#1.10" back as the number the map shows
    from hotspots.present.exports import read_csv_export

    back, side = read_csv_export(nested_cli["cli csv"], nested_cli["cli csv sidecar"])
    assert dict(zip(back["rank"].astype(int), back["label"], strict=True)) == reference
    assert "label_note" in side

    # the numbers, worked out here from rank, level, parent and count alone
    exact = hot.drop(columns="geometry").set_index("rank")
    districts = exact[exact["level"] == 0].sort_index()
    expected = {}
    for d, (rank, row) in enumerate(districts.iterrows(), start=1):
        expected[rank] = str(d)
        kids = exact[(exact["level"] == 1) & (exact["parent"] == row["hotspot_id"])]
        kids = kids.assign(_r=kids.index).sort_values(["count", "_r"], ascending=[False, True])
        for c, child in enumerate(kids.index, start=1):
            expected[child] = f"{d}.{c}"
    assert reference == expected
    assert sum("." in lb for lb in reference.values()) >= 5  # the result has children

    # the page: the map's badges and the picker (by hotspot id), the ranked table (by name)
    rank_of = dict(zip(hot["hotspot_id"].astype(int), hot["rank"].astype(int), strict=True))
    badges = {rank_of[h]: lb for h, lb in rank_labels(hot).items()}
    assert badges == reference
    name_of = {reference[r]: exact.at[r, "name"] for r in reference}
    table = ranked_table(hot, None, viewer).table
    assert len(table) >= 10
    for lb, nm in zip(table["Rank"], table["Name"], strict=True):
        assert name_of[lb] == nm.removeprefix(CHILD_MARK), lb
    # the CLI's printed table: each row starts with the number, then the hotspot's name
    rows = [ln for ln in nested_cli["cli table"].splitlines()[1:] if ln.strip()]
    assert len(rows) == len(hot)
    for ln in rows:
        lb = ln.split()[0]
        assert name_of[lb] in ln, ln

    # the pack numbers the hotspots of the same inputs the same way
    pack = build_pack(
        open_dataset("bundled").records(), "2024-03", 1, None, method="dbscan", top=99,
        focus_areas=[], suppress_below=viewer,
    )  # fmt: skip
    in_pack = {int(r): pack.label(r) for r in pack.table["rank"]}
    assert in_pack == {r: reference[r] for r in in_pack}
    assert any("." in lb for lb in in_pack.values())


# --- the hotspot-change grid (Gi* in two periods) ---------------------------------------------
# shoplifting in Poole, Jan-Mar 2019 against Jan-Mar 2024 (real police.uk records): 26 cells
# were hot in either period, with counts of 0, of 1-4 and of 5 or more among them
CHANGE_ARGS = ["--area", "town:Poole", "--types", "Shoplifting", "--a", "2019-01:2019-03",
               "--b", "2024-01:2024-03"]  # fmt: skip
# possession of weapons in Bournemouth Central: 2 records in March 2024 (a period's total of 1-4)
SMALL_CHANGE_ARGS = ["--area", "ward:E05012653", "--types", "Possession of weapons",
                     "--a", "2019-01:2019-02", "--b", "2024-03:2024-03"]  # fmt: skip


def change_cells_by_sink(files: dict[str, str]) -> dict[str, dict[int, tuple[str, str, str]]]:
    """Each sink's (count_a, count_b, change) of each cell, by cell id; "<5" when withheld."""
    out = {}
    for name, text in files.items():
        if name.endswith("csv"):
            t = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            rows = t.to_dict("records")
        elif name.endswith("geojson"):
            rows = [f["properties"] for f in json.loads(text)["features"]]
        else:
            rows = json.loads(text)["cells"]
        out[name] = {int(r["cell_id"]): (_count(r["count_a"]), _count(r["count_b"]), r["change"])
                     for r in rows}  # fmt: skip
    return out


@pytest.fixture(scope="module")
def change_cli(tmp_path_factory) -> dict[str, str]:
    """``hotspots change`` (no flag) written as CSV with its sidecar, GeoJSON and JSON."""
    folder = tmp_path_factory.mktemp("change")
    files = {}
    for fmt in ("csv", "geojson", "json"):
        out = folder / f"change-{fmt}.{fmt}"
        assert main(["change", *CHANGE_ARGS, "--format", fmt, "--out", str(out)]) == 0
        files[f"cli {fmt}"] = out.read_text(encoding="utf-8")
    files["cli csv sidecar"] = (folder / "change-csv.json").read_text(encoding="utf-8")
    return files


def test_every_sink_gives_the_change_grid_the_same_counts_with_the_same_suppression(change_cli):
    """The CLI's CSV, GeoJSON and JSON and the present layer's files for a viewer (what a page
    offering the grid would call) agree cell by cell, and against the exact counts worked out
    here: 1-4 withheld, 0 and 5+ shown.
    """
    from hotspots.comparison.change import hotspot_change
    from hotspots.data.store import open_dataset
    from hotspots.present.export_change import change_export

    res = hotspot_change(
        open_dataset("bundled").records(), "2019-01:2019-03", "2024-01:2024-03",
        area="town:Poole", categories="Shoplifting",
    )  # fmt: skip
    viewer = suppress_below_for("viewer")
    files = {k: v for k, v in change_cli.items() if k != "cli csv sidecar"}
    for fmt in ("csv", "geojson", "json"):
        files[f"viewer {fmt}"] = change_export(res, fmt, suppress_below=viewer).text
    by_sink = change_cells_by_sink(files)
    hot = res.grid[res.grid["change"] != "none"]
    expected = {
        int(c): (("<5" if 1 <= a <= 4 else str(a)), ("<5" if 1 <= b <= 4 else str(b)), k)
        for c, a, b, k in zip(hot["cell_id"], hot["count_a"], hot["count_b"], hot["change"],
                              strict=True)
    }  # fmt: skip
    shown = [v for cell in expected.values() for v in cell[:2]]
    assert "<5" in shown and "0" in shown and any(v not in {"<5", "0"} for v in shown)
    for sink, cells in by_sink.items():
        assert cells == expected, sink
    # the same summary (parameters, class counts, reading) in every file, the sidecar too
    docs = {
        "cli csv sidecar": json.loads(change_cli["cli csv sidecar"]),
        "cli geojson": json.loads(change_cli["cli geojson"]),
        "cli json": json.loads(change_cli["cli json"]),
        "viewer json": json.loads(files["viewer json"]),
    }
    for sink, d in docs.items():
        p = d["parameters"]
        assert p["class_counts"] == res.class_counts() and p["reading"] == res.reading, sink
        assert (p["count_a"], p["count_b"]) == (res.n_a, res.n_b), sink
        assert d["disclosure"]["suppress_below"] == 5, sink
    assert docs["cli csv sidecar"]["columns"] == list(
        pd.read_csv(io.StringIO(change_cli["cli csv"])).columns,
    )


def test_change_withholds_a_periods_small_total_and_exact_counts_is_audited(tmp_path, monkeypatch):
    """``to_dict()`` holds each period's records exactly; the CLI's JSON used to print it (2)."""
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(log))
    plain, exact = tmp_path / "plain.json", tmp_path / "exact.json"
    assert main(["change", *SMALL_CHANGE_ARGS, "--out", str(plain)]) == 0
    assert not log.exists()
    d = json.loads(plain.read_text(encoding="utf-8"))["parameters"]
    assert d["count_b"] == "<5" and d["count_a"] == 6
    assert main(["change", *SMALL_CHANGE_ARGS, "--exact-counts", "--out", str(exact)]) == 0
    d = json.loads(exact.read_text(encoding="utf-8"))
    assert d["parameters"]["count_b"] == 2 and d["disclosure"]["suppress_below"] is None
    events = [json.loads(x) for x in log.read_text().splitlines()]
    assert [(e["what"], e["exact_counts"], e["out"]) for e in events] == [
        ("hotspots change --format json", True, str(exact)),
    ]


def test_change_cli_exact_counts_give_every_cells_exact_count(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    out = tmp_path / "exact.csv"
    assert (
        main(["change", *CHANGE_ARGS, "--format", "csv", "--exact-counts", "--out", str(out)]) == 0
    )
    t = pd.read_csv(out)
    assert ((t["count_a"] >= 1) & (t["count_a"] <= 4)).any() or (
        (t["count_b"] >= 1) & (t["count_b"] <= 4)
    ).any()
    assert json.loads((tmp_path / "exact.json").read_text())["disclosure"]["values_withheld"] == 0
