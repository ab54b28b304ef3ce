"""The police.uk archive as it comes: a zip of month folders holding, per force, street,
outcomes and stop-and-search files. Street rows are imported (what ``--keep`` keeps),
the other kinds are counted by kind, every row is accounted for, and the store is plain
Parquet that DuckDB and pyarrow read without project code.
"""

from __future__ import annotations

import io
import zipfile
from contextlib import redirect_stdout

import duckdb
import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest
from conftest import HEADER, NEWPORT_IOW, StreetFiles, bng

from hotspots.cli import main
from hotspots.data.store import KEEP_MARGIN_M, Store

MONTHS = ("2024-01", "2024-02")
# Hampshire points: Newport (Isle of Wight, far from BCP) and New Milton's edge
# (-1.6665, 50.7535: outside BCP, within 2 km of BCP's bounding box)
NEW_MILTON = (-1.6665, 50.7535)


def _hampshire_rows(month: str) -> list[str]:
    rows = []
    for i in range(30):
        lon, lat = NEWPORT_IOW if i % 3 else NEW_MILTON
        rows.append(
            StreetFiles.row(
                crime_id=f"hants{month}{i:04d}",
                month=month,
                lon=lon,
                lat=lat,
                category="Burglary",
                location="On or near High Street",
                force="Hampshire Constabulary",
                lsoa_code="E01017262",
                lsoa_name="Isle of Wight 010A",
            ),
        )
    return rows


@pytest.fixture
def archive(tmp_path, street) -> dict:
    """A zip in police.uk archive layout: two forces, two months, three kinds of file."""
    path = tmp_path / "archive.zip"
    raw = {}
    with zipfile.ZipFile(path, "w") as zf:
        for m in MONTHS:
            dorset = street.real_lines(m)[:400]
            hants = _hampshire_rows(m)
            raw[m] = dorset + hants
            zf.writestr(f"{m}/{m}-dorset-street.csv", "\n".join([HEADER, *dorset]) + "\n")
            zf.writestr(f"{m}/{m}-hampshire-street.csv", "\n".join([HEADER, *hants]) + "\n")
            for force in ("dorset", "hampshire"):
                zf.writestr(
                    f"{m}/{m}-{force}-outcomes.csv",
                    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                    "LSOA code,LSOA name,Outcome type\n",
                )
            zf.writestr(f"{m}/{m}-dorset-stop-and-search.csv", "Type,Date,Part of a policing\n")
    return {"path": path, "raw": raw}


def _expected_kept(raw: dict, boundaries) -> tuple[int, int]:
    """(rows with coordinates inside the kept box, rows with coordinates outside), from
    the raw CSV with pandas and pyproj: independent of the import code.
    """
    x0, y0, x1, y1 = boundaries.outline.bounds
    m = KEEP_MARGIN_M
    lines = [HEADER] + [ln for rows in raw.values() for ln in rows]
    df = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)
    df = df[(df["Longitude"] != "") & (df["Latitude"] != "")]
    xy = np.array(
        [bng(float(lo), float(la)) for lo, la in zip(df["Longitude"], df["Latitude"], strict=True)],
    )
    inside = (
        (xy[:, 0] >= x0 - m) & (xy[:, 0] <= x1 + m) & (xy[:, 1] >= y0 - m) & (xy[:, 1] <= y1 + m)
    )
    return int(inside.sum()), int((~inside).sum())


def test_archive_counts_kinds_reconciles_and_keeps_bcp(tmp_path, archive, boundaries):
    st = Store(tmp_path / "s")
    rep = st.ingest(archive["path"], keep="bcp").report
    assert rep.skipped_by_kind() == {"outcomes": 4, "stop-and-search": 2, "other": 0}
    assert rep.rows_read == sum(len(v) for v in archive["raw"].values())
    assert rep.reconciles and rep.rows_not_kept > 0
    assert (
        rep.rows_read
        == rep.rows_accepted
        + rep.rows_rejected
        + rep.rows_duplicate
        + rep.rows_replaced
        + rep.rows_not_kept
    )
    inside, outside = _expected_kept(archive["raw"], boundaries)
    recs = st.records()
    assert len(recs) == rep.rows_accepted
    # rows without coordinates are rejected; of the others, the ones outside the box go
    assert rep.rows_not_kept == outside
    assert len(recs) + rep.rows_duplicate <= inside
    x0, y0, x1, y1 = boundaries.outline.bounds
    m = KEEP_MARGIN_M
    assert recs["x"].between(x0 - m, x1 + m).all() and recs["y"].between(y0 - m, y1 + m).all()
    # New Milton's Hampshire rows are within the margin and kept; Newport's are not
    hants = recs[recs["source_file"].str.contains("hampshire")]
    assert len(hants) == 2 * 10 and not hants["in_bcp"].any()


def test_keep_all_and_force(tmp_path, archive):
    everything = Store(tmp_path / "all")
    rep_all = everything.ingest(archive["path"], keep="all").report
    assert rep_all.rows_not_kept == 0 and rep_all.reconciles
    assert len(everything.records()) == rep_all.rows_accepted

    force = Store(tmp_path / "force")
    rep = force.ingest(archive["path"], keep="force").report
    recs = force.records()
    # Hampshire's files hold no BCP row: all their rows go; every Dorset row stays
    assert set(recs["source_file"]) == {f"{m}-dorset-street.csv" for m in MONTHS}
    assert rep.rows_not_kept == 2 * 30 and rep.reconciles
    assert len(recs) == rep_all.rows_accepted - 2 * 30


def test_plain_duckdb_reads_the_store_and_agrees_with_summary(tmp_path, archive):
    store = tmp_path / "s"
    Store(store).ingest(archive["path"], keep="all")
    # no project code: the hive folders, as any engine would find them
    con = duckdb.connect()
    got = con.sql(
        f"SELECT month, count(*) AS n FROM read_parquet('{store}/records/month=*/*.parquet') "
        "WHERE in_bcp GROUP BY month ORDER BY month",
    ).fetchall()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["summary", "--store", str(store), "--by", "month", "--format", "csv"]) == 0
    summary = pd.read_csv(io.StringIO(out.getvalue()))
    assert [(m, int(n)) for m, n in got] == list(
        zip(summary["month"], summary["records"].astype(int), strict=True),
    )
    assert len(got) == 2 and all(n > 0 for _, n in got)
    # pyarrow datasets read the same files with the month from the folder names
    dset = ds.dataset(str(store / "records"), format="parquet", partitioning="hive")
    assert dset.count_rows() == len(Store(store).records())


def test_selection_with_push_down_equals_filtering_in_pandas(tmp_path, archive):
    st = Store(tmp_path / "s")
    st.ingest(archive["path"], keep="all")
    recs = st.records()
    bbox = (405000.0, 88000.0, 415000.0, 95000.0)
    got = st.records(months=("2024-02", "2024-02"), categories="crime", bbox=bbox)
    want = recs[
        (recs["month"] == "2024-02")
        & (recs["category"] != "Anti-social behaviour")
        & recs["x"].between(bbox[0], bbox[2])
        & recs["y"].between(bbox[1], bbox[3])
    ].reset_index(drop=True)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want)


def test_interrupted_import_leaves_the_store_as_it_was(tmp_path, archive, monkeypatch):
    import hotspots.data.store as store_mod
    import hotspots.data.store_import as store_import

    st = Store(tmp_path / "s")
    st.ingest(archive["path"], keep="all")
    before, man = st.records(), st.manifest()
    monkeypatch.setattr(store_import, "BATCH_BYTES", 1)  # one file a batch: many batches
    real = store_mod.Store._merge
    calls = []

    def failing(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(self, *a, **k)

    monkeypatch.setattr(store_mod.Store, "_merge", failing)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(archive["path"]) as src, zipfile.ZipFile(other, "w") as dst:
        for info in src.infolist():
            data = src.read(info).decode().replace("Anti-social", "Anti-social")
            dst.writestr("x/" + info.filename, data + "\n")  # new bytes: re-publications
    with pytest.raises(OSError, match="disk full"):
        st.ingest(other, keep="all")
    assert st.manifest() == man
    pd.testing.assert_frame_equal(st.records(), before)
    named = set(man["months"].values())
    on_disk = {str(p.relative_to(st.path)) for p in (st.path / "records").rglob("*") if p.is_file()}
    assert on_disk == named


def test_a_store_of_the_earlier_layout_is_still_read_and_upgraded(tmp_path, archive):
    """Format 2 wrote records/YYYY-MM/<uuid>.parquet with the frame's own types."""
    import json

    st = Store(tmp_path / "s")
    st.ingest(archive["path"], keep="all")
    want = st.records()
    man = st.manifest()
    old_rel = "records/2024-01/old.parquet"
    (st.path / "records" / "2024-01").mkdir()
    want[want["month"] == "2024-01"].to_parquet(st.path / old_rel, index=False)
    man["months"]["2024-01"] = old_rel
    man["format"] = 2
    (st.path / "manifest.json").write_text(json.dumps(man))
    pd.testing.assert_frame_equal(st.records(), want)
    counts = st.counts(["month"])
    assert counts["records"].tolist() == want[want["in_bcp"]].groupby("month").size().tolist()
    # an import touching that month rewrites it in the current layout
    st.ingest(archive["path"], keep="all")  # the same files: all duplicates, nothing rewritten
    assert st.manifest()["months"]["2024-01"] == old_rel


def test_duckdb_tables_equal_the_in_memory_ones_on_the_bundled_months(tmp_path, geodata_dir):
    """summary and coverage computed by DuckDB over the store == the pandas functions on
    all records (the numbers the pages and commands showed before), row for row.
    """
    from hotspots.data.coverage import (
        coverage_table,
        store_coverage_table,
        store_summary_table,
        summary_table,
    )
    from hotspots.data.select import filter_records

    st = Store(tmp_path / "s")
    st.ingest(geodata_dir / "police_uk")
    recs = st.records()
    for by in ("month", "category", "ward", "town"):
        for months, cats in ((None, None), (("2024-01", "2024-03"), "asb"), (None, "Burglary")):
            want = summary_table(filter_records(recs, months=months, categories=cats), by)
            got = store_summary_table(st, by, months=months, categories=cats)
            pd.testing.assert_frame_equal(got, want)
    for bcp_only in (True, False):
        pd.testing.assert_frame_equal(
            store_coverage_table(st, bcp_only=bcp_only),
            coverage_table(recs, bcp_only=bcp_only),
        )
