"""Tests for the data CLI commands: ingest, coverage, summary (hotspots.cli.main), plus one real
``hotspots ingest geodata/police_uk --json`` subprocess checked against an independent
point-in-polygon count.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.data import schema as S
from hotspots.data.coverage import coverage_table, summary_table
from hotspots.data.store import Store

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)
KNOWN_BCP = {
    "2018-10": 3978, "2018-11": 3586, "2018-12": 3638, "2019-01": 3575,
    "2019-02": 3374, "2024-01": 3126, "2024-02": 2984, "2024-03": 3263,
}  # fmt: skip


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _sample(folder: Path, month: str, n: int, extra: list[str] = ()) -> Path:
    """``n`` real rows spread over the whole file (inside and outside BCP), plus ``extra`` lines."""
    src = GEODATA / "police_uk" / f"{month}-dorset-street.csv"
    header, *body = src.read_text(encoding="utf-8").splitlines()
    step = max(1, len(body) // n)
    lines = [header, *body[::step][:n], *extra]
    path = folder / src.name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _private_store_root(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "stores"))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """A store with 300 real rows of 2018-10 and of 2024-01 (about 60% in BCP), built through the CLI."""
    d = tmp_path_factory.mktemp("cli")
    files = [_sample(d, "2018-10", 300), _sample(d, "2024-01", 300)]
    store = d / "store"
    assert main(["ingest", *map(str, files), "--store", str(store)]) == 0
    return Store(store)


# --- the real thing, as a user runs it -------------------------------------------------------


def _hotspots_exe() -> str:
    exe = Path(sys.executable).parent / "hotspots"
    return str(exe) if exe.exists() else (shutil.which("hotspots") or "")


def _reference_bcp_per_month() -> dict[str, int]:
    """Plain point-in-polygon of the raw CSV rows against the BCP outline, with geopandas only."""
    outline = gpd.read_file(GEODATA / "bcp_boundary_E06000058_from_wards.geojson").to_crs(27700)
    frames = []
    for f in sorted((GEODATA / "police_uk").glob("*.csv")):
        raw = pd.read_csv(f, dtype=str, keep_default_na=False)
        raw = raw[(raw["Longitude"] != "") & (raw["Latitude"] != "")]
        frames.append(raw[["Month", "Longitude", "Latitude"]])
    raw = pd.concat(frames, ignore_index=True)
    pts = gpd.GeoDataFrame(
        raw[["Month"]],
        geometry=gpd.points_from_xy(raw["Longitude"].astype(float), raw["Latitude"].astype(float)),
        crs="EPSG:4326",
    ).to_crs(27700)
    inside = gpd.sjoin(pts, outline[["geometry"]], how="inner", predicate="within")
    inside = inside[~inside.index.duplicated()]
    return inside.groupby("Month").size().to_dict()


@pytest.mark.slow  # a fresh interpreter reading all 8 months: ~8 s of CPU
def test_hotspots_ingest_bundled_json_subprocess(tmp_path):
    exe = _hotspots_exe()
    assert exe, "the hotspots console script is not installed in this environment"
    store = tmp_path / "bundled"
    env = {**os.environ, "HOTSPOTS_STORE": str(tmp_path / "stores")}
    proc = subprocess.run(
        [exe, "ingest", str(GEODATA / "police_uk"), "--json", "--store", str(store)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["rows_read"] == 43_804
    # default --keep bcp: rows far from BCP are counted as not kept, never dropped silently
    assert rep["rows_read"] == (
        rep["rows_accepted"] + rep["rows_rejected"] + rep["rows_duplicate"] + rep["rows_not_kept"]
    )
    assert rep["rows_not_kept"] > 0
    assert rep["reconciles"] is True
    assert rep["rejections"] == {"missing coordinates": 1_215}
    assert rep["rows_duplicate"] == 1  # one 2019-02 row repeated in every field
    assert rep["rows_in_bcp"] + rep["rows_outside_bcp"] == rep["rows_accepted"]
    assert rep["files_failed"] == [] and len(rep["files_read"]) == 8
    assert rep["store"] == str(store)
    # BCP records per month in the store == an independent point-in-polygon count
    recs = Store(store).records()
    got = recs[recs[S.IN_BCP]].groupby(S.MONTH).size().to_dict()
    assert got == _reference_bcp_per_month() == KNOWN_BCP
    assert rep["rows_in_bcp"] == sum(KNOWN_BCP.values())


# --- ingest -----------------------------------------------------------------------------------


def test_ingest_json_in_process(capsys, tmp_path):
    f = _sample(
        tmp_path,
        "2024-02",
        120,
        extra=[",2024-02,Dorset Police,Dorset Police,,,On or near X,,,Burglary,,"],
    )
    rc, out, err = run(capsys, "ingest", f, "--json", "--store", tmp_path / "s")
    assert rc == 0 and err == ""
    rep = json.loads(out)
    assert rep["rows_read"] == 121
    assert rep["rejections"] == {"missing coordinates": 1}
    assert rep["rows_accepted"] == len(Store(tmp_path / "s").records())
    assert rep["reconciles"] is True


def test_ingest_text_report(capsys, tmp_path):
    f = _sample(
        tmp_path,
        "2024-02",
        50,
        extra=[",2024-02,Dorset Police,Dorset Police,,,On or near X,,,Burglary,,"],
    )
    (tmp_path / "2024-02-dorset-outcomes.csv").write_text("Crime ID,Month\n", encoding="utf-8")
    rc, out, _ = run(
        capsys,
        "ingest",
        f,
        tmp_path / "2024-02-dorset-outcomes.csv",
        "--store",
        tmp_path / "s",
    )
    assert rc == 0
    assert f"store: {tmp_path / 's'}" in out
    rec = Store(tmp_path / "s").records()
    not_kept = 51 - 1 - len(rec)  # default --keep bcp: rows far from BCP, counted
    tail = f" + not kept {not_kept}" if not_kept else ""
    assert (
        f"rows read 51 = accepted {len(rec)} + rejected 1 + duplicate 0{tail}  (reconciles)" in out
    )
    assert f"in BCP {int(rec[S.IN_BCP].sum())}" in out
    assert "rejected: missing coordinates: 1" in out
    assert "skipped:" in out and "2024-02-dorset-outcomes.csv" in out


def test_ingest_bad_file_exit_1_others_imported(capsys, tmp_path):
    good = _sample(tmp_path, "2024-02", 40)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    semi = tmp_path / "semi.csv"
    semi.write_text(HEADER.replace(",", ";") + "\n", encoding="utf-8")
    rc, out, err = run(capsys, "ingest", empty, good, semi, "--json", "--store", tmp_path / "s")
    assert rc == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"error: {empty}: the file is empty",
        f"error: {semi}: wrong delimiter: the header is separated by semicolons, expected ','",
    ]
    rep = json.loads(out)
    assert len(rep["files_failed"]) == 2 and rep["rows_read"] == 40
    assert len(Store(tmp_path / "s").records()) == rep["rows_accepted"] > 0


def test_ingest_strict_stops_and_writes_nothing(capsys, tmp_path):
    good = _sample(tmp_path, "2024-02", 40)
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip", encoding="utf-8")
    rc, _out, err = run(capsys, "ingest", good, bad, "--strict", "--store", tmp_path / "s")
    assert rc == 2
    assert err.strip() == f"hotspots ingest: error: {bad}: not a valid zip archive"
    assert not Store(tmp_path / "s").exists()


def test_ingest_rejects_csv(capsys, tmp_path):
    f = tmp_path / "2024-01-dorset-street.csv"
    f.write_text(
        "\n".join([
            HEADER,
            ",2024-01,Dorset Police,Dorset Police,-1.9785,50.718,On or near X,,,Anti-social behaviour,,",
            ",2024-13,Dorset Police,Dorset Police,-1.9785,50.718,On or near X,,,Anti-social behaviour,,",
            ",2024-01,Dorset Police,Dorset Police,0,0,On or near X,,,Anti-social behaviour,,",
            ",2024-01,Dorset Police,Dorset Police,-1.9785,50.718,On or near X,,,Littering,,",
        ]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out_csv = tmp_path / "rejects.csv"
    rc, _, _ = run(capsys, "ingest", f, "--store", tmp_path / "s", "--rejects", out_csv)
    assert rc == 0
    rej = pd.read_csv(out_csv, dtype={"value": str}, keep_default_na=False)
    assert list(rej.columns) == ["file", "row", "field", "reason", "value"]
    assert rej["row"].tolist() == [3, 4, 5]
    assert rej["field"].tolist() == ["Month", "Longitude/Latitude", "Crime type"]
    assert rej["value"].tolist() == ["2024-13", "0,0", "Littering"]
    assert set(rej["file"]) == {str(f)}


def test_ingest_force_export_into_a_named_dataset(capsys, tmp_path):
    folder = GEODATA / "force_export_example"
    if not (folder / "mapping.toml").exists():
        pytest.skip("geodata/force_export_example not present")
    rc, out, _ = run(capsys, "ingest", folder / "example.csv", "--mapping", folder / "mapping.toml",
                     "--dataset", "mine", "--json")  # fmt: skip
    assert rc == 0
    rep = json.loads(out)
    assert rep["rows_accepted"] == 194 and rep["store"] == str(tmp_path / "stores" / "mine")
    st = Store(tmp_path / "stores" / "mine")
    assert st.is_simulated() and len(st.records()) == 194


def test_ingest_bad_mapping_is_one_clear_line(capsys, tmp_path):
    m = tmp_path / "mapping.toml"
    m.write_text('[columns]\ncategory = "C"\nmonth = "M"\neastings = "E"\n', encoding="utf-8")
    f = _sample(tmp_path, "2024-02", 5)
    rc, _, err = run(capsys, "ingest", f, "--mapping", m, "--store", tmp_path / "s")
    assert rc == 2
    assert err.startswith(
        f"hotspots ingest: error: {m}: column mapping: unknown [columns] keys ['eastings']",
    )
    assert err.count("\n") == 1


def test_ingest_help():
    with pytest.raises(SystemExit) as info:
        main(["ingest", "--help"])
    assert info.value.code == 0


# --- coverage -----------------------------------------------------------------------------------


def test_coverage_json_matches_the_library(capsys, small_store):
    rc, out, _ = run(capsys, "coverage", "--store", small_store.path, "--format", "json")
    assert rc == 0
    rows = json.loads(out)
    ref = coverage_table(small_store.records())
    assert [r["month"] for r in rows] == ref["month"].tolist()
    assert [r["records"] for r in rows] == ref["records"].tolist()
    by_month = {r["month"]: r for r in rows}
    assert by_month["2018-10"]["lsoa_vintage"] == "2011"
    assert by_month["2024-01"]["lsoa_vintage"] == "2021"
    assert by_month["2019-01"]["missing"] is True and by_month["2019-01"]["records"] == 0


def test_coverage_table_collapses_the_gap(capsys, small_store):
    rc, out, _ = run(capsys, "coverage", "--store", small_store.path)
    assert rc == 0
    assert "2018-11..2023-12" in out and "no data (62 months missing)" in out
    assert "2011" in out and "2021" in out
    rc, out, _ = run(capsys, "coverage", "--store", small_store.path, "--format", "markdown")
    assert out.startswith("| month | records |") and "2018-11..2023-12" in out


def test_coverage_all_areas_counts_more(capsys, small_store):
    _, out_bcp, _ = run(capsys, "coverage", "--store", small_store.path, "--format", "csv")
    _, out_all, _ = run(
        capsys,
        "coverage",
        "--store",
        small_store.path,
        "--format",
        "csv",
        "--all-areas",
    )
    bcp = pd.read_csv(io.StringIO(out_bcp)).set_index("month")["records"]
    every = pd.read_csv(io.StringIO(out_all)).set_index("month")["records"]
    recs = small_store.records()
    assert every.sum() == len(recs) and bcp.sum() == int(recs[S.IN_BCP].sum()) < len(recs)


# --- summary --------------------------------------------------------------------------------------


def _csv(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out))


def test_summary_by_town_csv(capsys, small_store):
    rc, out, _ = run(
        capsys,
        "summary",
        "--store",
        small_store.path,
        "--by",
        "town",
        "--format",
        "csv",
    )
    assert rc == 0
    got = _csv(out).set_index("town")["records"].to_dict()
    ref = summary_table(small_store.records(), "town").set_index("town")["records"].to_dict()
    assert got == ref
    recs = small_store.records()
    assert sum(got.values()) == int(recs[S.IN_BCP].sum())


def test_summary_filters(capsys, small_store):
    recs = small_store.records()
    bcp = recs[recs[S.IN_BCP]]
    _, out, _ = run(
        capsys,
        "summary",
        "--store",
        small_store.path,
        "--types",
        "asb",
        "--format",
        "csv",
    )
    assert _csv(out)["records"].sum() == int((bcp[S.CATEGORY] == S.ASB).sum())
    assert _csv(out)["crime"].sum() == 0
    _, out, _ = run(
        capsys,
        "summary",
        "--store",
        small_store.path,
        "--from",
        "2024-01",
        "--format",
        "csv",
    )
    assert _csv(out)["month"].tolist() == ["2024-01"]
    _, out, _ = run(
        capsys,
        "summary",
        "--store",
        small_store.path,
        "--to",
        "2018-12",
        "--by",
        "category",
        "--format",
        "json",
        "--exact-counts",  # small categories would read "<5" (disclosure control)
    )
    assert sum(r["records"] for r in json.loads(out)) == int((bcp[S.MONTH] == "2018-10").sum())
    _, out, _ = run(
        capsys,
        "summary",
        "--store",
        small_store.path,
        "--area",
        "Poole Town",
        "--by",
        "ward",
        "--format",
        "csv",
    )
    assert _csv(out)["ward"].tolist() == ["Poole Town"]
    assert _csv(out)["records"].sum() == int((bcp[S.WARD_NAME] == "Poole Town").sum())


def test_summary_out_file(capsys, small_store, tmp_path):
    target = tmp_path / "summary.md"
    rc, out, err = run(
        capsys,
        "summary",
        "--store",
        small_store.path,
        "--format",
        "markdown",
        "--out",
        target,
    )
    assert rc == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text(encoding="utf-8").startswith(
        "| month | records | asb | crime | share |",
    )


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--from", "2024-13"], "`--from` must be a month written YYYY-MM"),
        (["--types", "Littering"], "`--types` must be a police.uk category"),
        (["--area", "Atlantis"], "`area` must be"),
    ],
)
def test_summary_bad_arguments_exit_2(capsys, small_store, argv, fragment):
    rc, _, err = run(capsys, "summary", "--store", small_store.path, *argv)
    assert rc == 2
    assert err.startswith("hotspots summary: error: ") and fragment in err


# --- zip members by position (issue 24) --------------------------------------------------


def _reference_rows_per_month(files) -> dict[str, int]:
    """Rows with coordinates per Month column, read with pandas alone."""
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    raw = raw[(raw["Longitude"] != "") & (raw["Latitude"] != "")]
    return raw.groupby("Month").size().to_dict()


def test_zip_with_two_members_of_one_name_keeps_both_months(capsys, tmp_path):
    # the issue's recipe: two folders' street.csv zipped under the same member name
    a = tmp_path / "a" / "street.csv"
    b = tmp_path / "b" / "street.csv"
    for path, month in ((a, "2019-02"), (b, "2024-02")):
        path.parent.mkdir()
        shutil.copy(GEODATA / "police_uk" / f"{month}-dorset-street.csv", path)
    z = tmp_path / "s.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(a, "street.csv")
        zf.write(b, "street.csv")
    store = tmp_path / "S"
    rc, out, _ = run(capsys, "ingest", z, "--store", store, "--keep", "all", "--json")
    assert rc == 0
    rep = json.loads(out)
    assert rep["reconciles"]
    # no row is a duplicate of the other member (only a row repeated within its own file)
    assert not any("same content as" in n for n in rep["notices"])
    assert [f["file"] for f in rep["files_read"]] == [
        "s.zip!street.csv (member 1 of the archive)",
        "s.zip!street.csv (member 2 of the archive)",
    ]
    ref = _reference_rows_per_month([a, b])
    # less the rows a member repeats in every field (counted as duplicates, and said)
    repeats = {"2019-02": rep["files_read"][0]["rows_duplicate"]}
    repeats["2024-02"] = rep["files_read"][1]["rows_duplicate"]
    got = Store(store).records()[S.MONTH].value_counts().to_dict()
    assert {m: int(n) for m, n in got.items()} == {m: ref[m] - repeats[m] for m in ref}
    assert rep["rows_duplicate"] == sum(repeats.values()) <= 1
    assert sorted(ref) == ["2019-02", "2024-02"]
