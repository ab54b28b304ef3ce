"""The store's points table (issue 23: <= 30 bytes a row): each snap point's seven columns
once for the whole store, month files naming them by ``point_id``.

Inputs: exact point identity, append-only numbering. Outputs: every reader gets the
records it got before, on a store written by the code before this layout (a fixture
written by that code, with the records that code read from it) before and after the
store is migrated, and on plain DuckDB through the README's view.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hotspots.data import schema as S
from hotspots.data.ingest import read_police_uk
from hotspots.data.store import Store
from hotspots.data.store_import import current_layout
from hotspots.data.store_layout import STORE_SCHEMA
from hotspots.data.store_points import (
    MONTH_SCHEMA,
    POINT_CODE,
    POINT_COLUMNS,
    POINT_ID,
    PointsWriter,
    attach_points,
    read_points,
)
from hotspots.errors import StoreDamagedError

FIXTURES = Path(__file__).parent / "fixtures"


def _old_store(tmp_path: Path) -> Store:
    """A copy of the format-3 store the code before the points table wrote."""
    shutil.copytree(FIXTURES / "store_v3", tmp_path / "v3")
    return Store(tmp_path / "v3")


def _expected(name: str = "records") -> pd.DataFrame:
    """What the code before the points table read, in the schema's dtypes.

    ``conform``: pandas before 3.1 reads the fixture's text columns back as ``str`` (NaN for
    missing), not the ``string`` (NA) dtype the store gives.
    """
    return S.conform(pd.read_parquet(FIXTURES / "store_v3_expected" / f"{name}.parquet"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- inputs: what a point is -----------------------------------------------------------------


def _stored(rows: list[tuple]) -> pa.Table:
    """A stored table (STORE_SCHEMA) whose point columns are ``rows``; the rest filler."""
    n = len(rows)
    cols = {}
    for f in STORE_SCHEMA:
        if f.name in POINT_COLUMNS:
            k = POINT_COLUMNS.index(f.name)
            cols[f.name] = pa.array([r[k] for r in rows], f.type)
        elif f.name == S.SOURCE_ROW:
            cols[f.name] = pa.array(range(n), f.type)
        elif f.name == S.MONTH:
            cols[f.name] = pa.array(["2024-01"] * n, f.type)
        else:
            cols[f.name] = pa.nulls(n, f.type)
    return pa.table(cols, schema=STORE_SCHEMA)


@pytest.mark.parametrize("collide", [False, True], ids=["by-hash", "every-text-one-hash"])
def test_a_point_is_its_exact_seven_values_nulls_and_signed_zeros_included(
    tmp_path,
    monkeypatch,
    collide,
):
    if collide:  # hashes collide: the writer must notice and take the exact join
        import hotspots.data.store_points as store_points

        monkeypatch.setattr(
            store_points,
            "_text_words",
            lambda values: np.zeros(len(values), np.uint64),
        )
    base = (-1.9, 50.7, 408000.0, 91000.0, "On or near High Street", "E01", "BCP 001A")
    rows = [
        base,
        base,  # the same point again
        (*base[:4], "On or near Low Street", *base[5:]),  # other location text
        (*base[:6], None),  # null LSOA name
        (*base[:6], ""),  # empty LSOA name: not the null one
        (0.0, *base[1:]),
        (-0.0, *base[1:]),  # -0.0 is not 0.0 bit for bit
        (None, None, None, None, None, None, None),
        (None, None, None, None, None, None, None),
        (float("nan"), *base[1:]),
    ]
    w = PointsWriter(tmp_path, {})
    try:
        month = w.split(_stored(rows))
        assert month.schema == MONTH_SCHEMA
        ids = month.column(POINT_ID).to_pylist()
        assert ids[0] == ids[1] and ids[7] == ids[8]
        assert len(set(ids)) == 8
        back = attach_points(month, w.points())
        for c in POINT_COLUMNS:
            got, want = back.column(c), _stored(rows).column(c)
            assert got.is_null().to_pylist() == want.is_null().to_pylist()
            if c in (S.LON, S.LAT, S.X, S.Y):  # bit for bit
                bits = [a.to_numpy(zero_copy_only=False).view(np.int64) for a in (got, want)]
                valid = ~np.asarray(want.is_null().to_pylist())
                assert (bits[0][valid] == bits[1][valid]).all()
            else:
                assert got.to_pylist() == want.to_pylist()
        lon = back.column(S.LON).to_numpy(zero_copy_only=False)
        assert not np.signbit(lon[5]) and np.signbit(lon[6]) and np.isnan(lon[9])
        assert back.column(S.LON).is_null().to_pylist()[7:9] == [True, True]
        # a second split numbers only new points, on from the last id
        again = w.split(_stored([base, (1.0, 2.0, 3.0, 4.0, "x", "y", "z")]))
        assert again.column(POINT_ID).to_pylist() == [ids[0], 8]
    finally:
        w.close()


def test_a_point_with_null_text_is_found_again_by_a_later_import(tmp_path):
    """A null's hash must not depend on the other texts of its batch (it did: a later batch
    with other names stored the same point again, and the exact join then found two ids).
    """
    a = (-1.9, 50.7, 408000.0, 91000.0, "On or near Poole Road", None, None)
    c = (-1.8, 50.6, 409000.0, 90000.0, "On or near C Road", "E01C", "BCP C")
    d = (-1.7, 50.5, 410000.0, 89000.0, "On or near D Road", "E01D", "BCP D")
    root = tmp_path / "s"
    w = PointsWriter(root, {})
    try:
        first = w.split(_stored([c, a])).column(POINT_ID).to_pylist()
        man = w.commit({}, [])
    finally:
        w.close()
    w = PointsWriter(root, man)
    try:
        assert w.by_hash
        again = w.split(_stored([d, a, c])).column(POINT_ID).to_pylist()
        man = w.commit(man, [])
    finally:
        w.close()
    assert again[1:] == [first[1], first[0]] and again[0] == 2
    assert read_points(root, man).num_rows == 3


# --- outputs: the layout on disk, append-only points --------------------------------------------


def test_points_are_stored_once_appended_and_never_renumbered(tmp_path, geodata_dir):
    pu = geodata_dir / "police_uk"
    st = Store(tmp_path / "s")
    st.ingest(pu / "2024-01-dorset-street.csv")
    (first,) = st.manifest()["points"]
    assert first["first"] == 0 and first["rows"] > 0
    sha = _sha(st.path / first["file"])
    pts1 = read_points(st.path, st.manifest())
    st.ingest([pu / "2024-02-dorset-street.csv", pu / "2024-03-dorset-street.csv"])
    man = st.manifest()
    assert man["format"] == 4
    one, two = man["points"]
    assert one == first and _sha(st.path / one["file"]) == sha  # never rewritten
    assert two["first"] == first["rows"] and two["rows"] > 0
    pts = read_points(st.path, man)
    assert pts.slice(0, pts1.num_rows).equals(pts1)  # ids stable
    # each point once: no two ids hold the same seven values
    assert not pts.to_pandas().duplicated().any()
    for f in st.month_files():
        names = pq.read_schema(f).names
        assert POINT_ID in names and not set(POINT_COLUMNS) & set(names)
        assert current_layout(f)
    # every record reads back as police.uk published it
    want = read_police_uk(
        [pu / f"2024-0{m}-dorset-street.csv" for m in (1, 2, 3)],
    ).records
    got = st.records()
    key = [S.MONTH, S.SOURCE_FILE, S.SOURCE_ROW]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        S.conform(want).sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    assert not st.check()
    # a box holding no point: no rows, every column
    none = st.records(bbox=(0.0, 0.0, 1.0, 1.0))
    assert len(none) == 0 and list(none.columns) == list(got.columns)


def test_the_id_column_costs_a_fraction_of_the_seven_columns_it_replaces(tmp_path, geodata_dir):
    """Bytes on disk of the same bundled month: point_id against the seven columns of format 3."""
    st = Store(tmp_path / "s")
    st.ingest(geodata_dir / "police_uk")
    f = st.month_files()[-1]
    meta = pq.ParquetFile(f).metadata
    size = {
        meta.row_group(g).column(c).path_in_schema: meta.row_group(g)
        .column(c)
        .total_compressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    }
    old = attach_points(pq.read_table(f), read_points(st.path, st.manifest()))
    from hotspots.data.store_layout import write_parquet

    write_parquet(old, tmp_path / "v3.parquet")
    old_meta = pq.ParquetFile(tmp_path / "v3.parquet").metadata
    seven = sum(
        old_meta.row_group(g).column(c).total_compressed_size
        for g in range(old_meta.num_row_groups)
        for c in range(old_meta.num_columns)
        if old_meta.row_group(g).column(c).path_in_schema in POINT_COLUMNS
    )
    assert size[POINT_ID] < seven / 4
    assert f.stat().st_size < 0.75 * (tmp_path / "v3.parquet").stat().st_size


# --- outputs: a store of the earlier layout -----------------------------------------------------


def test_an_old_layout_store_reads_the_same_before_and_after_it_is_migrated(tmp_path, geodata_dir):
    st = _old_store(tmp_path)
    want = _expected()
    assert not any(current_layout(f) for f in st.month_files())
    bbox = (405000.0, 88000.0, 415000.0, 95000.0)

    def views(s: Store) -> dict:
        recs = s.records(months=("2024-01", "2024-02"))
        return {
            "records": recs,
            "bbox": s.records(months=("2024-01", "2024-02"), bbox=bbox).reset_index(drop=True),
            "bcp": s.records(months=("2024-01", "2024-02"), area="bcp").reset_index(drop=True),
            "counts": s.counts([S.MONTH, S.LSOA_NAME], months=("2024-01", "2024-02")),
            "distinct": s.distinct([S.LOCATION, S.X, S.Y], months=("2024-01", "2024-02")),
        }

    before = views(st)
    pd.testing.assert_frame_equal(before["records"], want)  # what the old code read
    inside = want[S.X].between(bbox[0], bbox[2]) & want[S.Y].between(bbox[1], bbox[3])
    pd.testing.assert_frame_equal(before["bbox"], want[inside].reset_index(drop=True))
    # the next import that changes a month migrates every month (a store never mixes)
    rep = st.ingest(geodata_dir / "police_uk" / "2024-03-dorset-street.csv").report
    assert rep.reconciles and rep.rows_accepted > 0
    man = st.manifest()
    assert man["format"] == 4 and man["points"]
    assert all(current_layout(f) for f in st.month_files())
    after = views(st)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)
    assert not st.check()
    # February's version 1, kept from the old layout, restores to the records it held
    st.restore("2024-02", 1)
    assert all(current_layout(f) for f in st.month_files())
    feb_v1 = st.records(months=("2024-01", "2024-02"))
    pd.testing.assert_frame_equal(feb_v1, _expected("records_feb_v1"))


def test_a_lost_points_file_is_reported_and_repair_refuses_to_guess(tmp_path, geodata_dir):
    st = Store(tmp_path / "s")
    st.ingest(geodata_dir / "police_uk" / "2024-01-dorset-street.csv")
    (part,) = st.manifest()["points"]
    (st.path / part["file"]).unlink()
    assert st.check() == [part["file"]]
    with pytest.raises(StoreDamagedError, match="points file"):
        st.repair()
    assert st.manifest()["points"] == [part]  # nothing dropped or renumbered


# --- outputs: plain DuckDB through the README's view -------------------------------------------


def test_the_readme_view_gives_plain_duckdb_the_records(tmp_path, geodata_dir):
    st = Store(tmp_path / "s")
    st.ingest(geodata_dir / "police_uk")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("CREATE VIEW records AS")
    view = readme[start : readme.index(";", start)].replace("<store>", str(st.path))
    con = duckdb.connect()
    con.sql(view)
    got = con.sql(
        "SELECT month, source_file, source_row, x, y, location, lsoa_name, "
        "lower(hex(crime_id)) AS crime_id FROM records ORDER BY month, source_file, source_row",
    ).df()
    want = st.records()
    assert len(got) == len(want)
    want = want.sort_values([S.MONTH, S.SOURCE_FILE, S.SOURCE_ROW]).reset_index(drop=True)
    for c in ("source_row", "x", "y", "location", "lsoa_name", "crime_id"):
        a, b = got[c].astype(object), want[c].astype(object)
        assert (a.isna() == b.isna()).all(), c
        assert (a[a.notna()] == b[b.notna()]).all(), c


def test_the_readme_pyarrow_join_gives_every_record(tmp_path, geodata_dir):
    import pyarrow.dataset as ds

    st = Store(tmp_path / "s")
    st.ingest(geodata_dir / "police_uk")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index('dset = ds.dataset("<store>/records"')
    code = readme[start : readme.index("```", start)].replace("<store>", str(st.path))
    scope: dict = {"ds": ds}
    exec(code, scope)  # the README's lines as written
    got = scope["records"].to_pandas()
    want = st.records()
    assert len(got) == len(want)
    key = [S.MONTH, S.SOURCE_FILE, S.SOURCE_ROW]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    for c in (S.X, S.Y, S.LON, S.LAT):
        assert (got[c].to_numpy() == want[c].to_numpy()).all(), c
    for c in (S.LOCATION, S.LSOA_NAME, S.LSOA_CODE):
        assert got[c].astype(object).tolist() == want[c].astype(object).tolist(), c


# --- the batch reader's point codes: ids found once per distinct point ---------------------------


@pytest.mark.parametrize("collide", [False, True], ids=["by-hash", "every-text-one-hash"])
def test_ids_found_by_point_code_are_the_ids_found_row_by_row(tmp_path, monkeypatch, collide):
    """Codes finer than points (one point under two codes) and coarse ones give the same ids."""
    if collide:
        import hotspots.data.store_points as store_points

        monkeypatch.setattr(
            store_points,
            "_text_words",
            lambda values: np.zeros(len(values), np.uint64),
        )
    base = (-1.9, 50.7, 408000.0, 91000.0, "On or near High Street", "E01", "BCP 001A")
    other = (0.0, *base[1:6], None)
    minus = (-0.0, *base[1:6], None)
    nulls = (None,) * 7
    rows = [base, other, base, minus, nulls, base, other, nulls, minus, base]
    codes = [7, 3, 7, 9, 5, 8, 3, 5, 9, 7]  # base under codes 7 and 8: the same point
    seen = (1.0, 2.0, 3.0, 4.0, "x", None, "z")
    got = {}
    for how in ("rows", "codes"):
        w = PointsWriter(tmp_path / how, {})
        try:
            w.split(_stored([seen, other]))  # points an earlier month added
            t = _stored(rows)
            if how == "codes":
                t = t.append_column(POINT_CODE, pa.array(codes, pa.int64()))
            month = w.split(t)
            assert month.schema == MONTH_SCHEMA
            got[how] = (month, w.points())
        finally:
            w.close()
    assert got["codes"][0].equals(got["rows"][0])
    assert got["codes"][1].equals(got["rows"][1])
    ids = got["codes"][0].column(POINT_ID).to_pylist()
    assert ids[1] == ids[6] < 2 and ids[0] == ids[2] == ids[5] == ids[9]
    assert len(set(ids)) == 4 and got["codes"][1].num_rows == 5


def _other_force(src: Path, out: Path, force: str) -> None:
    """police.uk's file of another force, same points: fresh Crime IDs, some Locations changed."""
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    ids = frame["Crime ID"]
    frame["Crime ID"] = [hashlib.sha256((v + force).encode()).hexdigest() if v else "" for v in ids]
    frame["Falls within"] = frame["Reported by"] = force
    frame.loc[::3, "Location"] = "On or near Elsewhere"  # the same (lon, lat), another point
    frame.to_csv(out, index=False)


def test_a_store_written_by_point_codes_is_the_store_written_row_by_row(
    tmp_path,
    monkeypatch,
    geodata_dir,
):
    """Batch import (point codes), months merged with stored ones: the same ids and points
    as hashing every row (the codes dropped), and every record as police.uk published it.
    """
    pu = geodata_dir / "police_uk"
    extra = tmp_path / "in"
    extra.mkdir()
    _other_force(pu / "2024-01-dorset-street.csv", extra / "2024-01-wessex-street.csv", "Wessex")
    first = [pu / "2024-01-dorset-street.csv", pu / "2024-02-dorset-street.csv"]
    second = [extra / "2024-01-wessex-street.csv", pu / "2024-03-dorset-street.csv"]
    stores = {}
    for how in ("codes", "rows"):
        if how == "rows":
            import hotspots.data.ingest as ingest

            monkeypatch.setattr(
                ingest,
                "_point_codes",
                lambda tr, sel, lonlat: pa.nulls(len(sel), pa.int64()),
            )
        st = Store(tmp_path / how)
        st.ingest(first)
        st.ingest(second)  # 2024-01: stored rows (codes from their ids) and new ones
        stores[how] = st
    a, b = stores["codes"], stores["rows"]
    assert read_points(a.path, a.manifest()).equals(read_points(b.path, b.manifest()))
    assert (
        sorted(a.manifest()["months"])
        == sorted(b.manifest()["months"])
        == [
            "2024-01",
            "2024-02",
            "2024-03",
        ]
    )
    for month in a.manifest()["months"]:
        ta = pq.read_table(a.path / a.manifest()["months"][month])
        tb = pq.read_table(b.path / b.manifest()["months"][month])
        assert ta.column(POINT_ID).equals(tb.column(POINT_ID))
    jan = a.records(months=("2024-01", "2024-01"))
    assert (jan[S.SOURCE_FILE].str.contains("wessex")).sum() > 0
    want = read_police_uk(first + second).records
    key = [S.MONTH, S.SOURCE_FILE, S.SOURCE_ROW]
    pd.testing.assert_frame_equal(
        a.records().sort_values(key).reset_index(drop=True),
        S.conform(want).sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    assert not a.check()
