"""Tests for hotspots.data.police_uk: reading street files, row by row, and the bundled months.

Inputs: hand-made files with one problem per row (every rejection has its row, field
and reason). Outputs: the 8 bundled real months against figures computed
independently with pandas and pyproj.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.data.ingest import read_police_uk
from hotspots.data.police_uk import HEADER, REQUIRED

BCP_PER_MONTH = {
    "2018-10": 3978,
    "2018-11": 3586,
    "2018-12": 3638,
    "2019-01": 3575,
    "2019-02": 3374,
    "2024-01": 3126,
    "2024-02": 2984,
    "2024-03": 3263,
}


def _rej(result):
    """Rejected rows as (row, field, reason, value) tuples."""
    r = result.rejected
    return [
        (int(a), b, c, d)
        for a, b, c, d in zip(r["row"], r["field"], r["reason"], r["value"], strict=True)
    ]


# --- inputs: one problem per row -------------------------------------------------------


def test_every_bad_row_is_rejected_with_reason_field_and_row(street):
    R = street.row
    rows = [
        R(),  # 2 good, in BCP
        R(lon="", lat=""),  # 3
        R(lon="-1.9785", lat=""),  # 4
        R(lon="abc"),  # 5
        R(lon="0", lat="0"),  # 6
        R(lon="200"),  # 7
        R(lat="-95"),  # 8
        R(month="2024-13"),  # 9
        R(month="Jan 2024"),  # 10
        R(month=""),  # 11
        R(category="Littering"),  # 12
        R(category=""),  # 13
        ",2024-01,Dorset Police",  # 14 too few fields
        R() + ",extra,more",  # 15 too many fields
        R(month="2024-13", lon=""),  # 16 two problems: rejected once, for the first
    ]
    f = street.write("2024-01-dorset-street.csv", rows)
    res = read_police_uk(f)
    rep = res.report
    assert _rej(res) == [
        (3, "Longitude/Latitude", "missing coordinates", ","),
        (4, "Longitude/Latitude", "missing coordinates", "-1.9785,"),
        (5, "Longitude/Latitude", "unparseable coordinates", "abc,50.718"),
        (
            6,
            "Longitude/Latitude",
            "impossible coordinates (outside Great Britain and Northern Ireland)",
            "0,0",
        ),
        (
            7,
            "Longitude/Latitude",
            "impossible coordinates (outside Great Britain and Northern Ireland)",
            "200,50.718",
        ),
        (
            8,
            "Longitude/Latitude",
            "impossible coordinates (outside Great Britain and Northern Ireland)",
            "-1.9785,-95",
        ),
        (9, "Month", "unparseable month (expected YYYY-MM)", "2024-13"),
        (10, "Month", "unparseable month (expected YYYY-MM)", "Jan 2024"),
        (11, "Month", "missing month", ""),
        (12, "Crime type", "unknown category", "Littering"),
        (13, "Crime type", "missing category", ""),
        (14, "(row)", "wrong number of fields (3, expected 12)", ",2024-01,Dorset Police"),
        (15, "(row)", "wrong number of fields (14, expected 12)", rows[13]),  # raw text kept
        (16, "Month", "unparseable month (expected YYYY-MM)", "2024-13"),
    ]
    assert set(res.rejected["file"]) == {str(f)}
    assert rep.rows_read == 15
    assert rep.rows_accepted == 1
    assert rep.rows_rejected == 14
    assert rep.rows_duplicate == 0
    assert rep.reconciles
    assert sum(rep.rejections.values()) == 14
    assert (
        rep.rejections["impossible coordinates (outside Great Britain and Northern Ireland)"] == 3
    )
    assert res.records[S.SOURCE_ROW].tolist() == [2]


def test_rejected_frame_columns(street):
    res = read_police_uk(street.write("2024-01-dorset-street.csv", [street.row(lon="")]))
    assert list(res.rejected.columns) == ["file", "row", "field", "reason", "value"]
    assert res.rejected["row"].dtype == "int64"


def test_rows_outside_bcp_are_kept_and_flagged(street, places):
    R = street.row
    rows = [
        R(),
        R(
            lon=places["Dorchester"][0],
            lat=places["Dorchester"][1],
            location="On or near High West Street",
        ),
        R(
            lon=places["Newport IoW"][0],
            lat=places["Newport IoW"][1],
            force="Hampshire Constabulary",
        ),
    ]
    res = read_police_uk(street.write("2024-01-dorset-street.csv", rows))
    rec = res.records
    assert rec[S.IN_BCP].tolist() == [True, False, False]
    assert rec[S.WARD_NAME].tolist()[0] == "Poole Town"
    assert rec[S.WARD_NAME].isna().tolist() == [False, True, True]
    assert rec[S.WARD_CODE].isna().tolist() == [False, True, True]
    assert rec[S.TOWN].isna().tolist() == [False, True, True]
    assert res.report.rows_in_bcp == 1
    assert res.report.to_dict()["rows_outside_bcp"] == 2


def test_accepted_record_fields(street, to_bng):
    R = street.row
    rows = [
        R(
            crime_id="abc123",
            category="Burglary",
            outcome="Under investigation",
            location="On or near Park Road",
        ),
        R(),
        R(crime_id=" def456 ", category=" Robbery ", month=" 2024-01 "),  # whitespace stripped
    ]
    res = read_police_uk(street.write("2024-01-dorset-street.csv", rows))
    rec = res.records
    assert list(rec.columns) == S.RECORD_COLUMNS
    for col, dtype in S.RECORD_DTYPES.items():
        assert rec[col].dtype == pd.Series(dtype=dtype).dtype, col
    assert rec[S.CRIME_ID].tolist()[::2] == ["abc123", "def456"]
    assert pd.isna(rec[S.CRIME_ID].iloc[1])
    assert rec[S.RECORD_ID].tolist() == ["abc123", "2024-01-dorset-street.csv#3", "def456"]
    assert rec[S.CATEGORY].tolist() == ["Burglary", S.ASB, "Robbery"]
    assert rec[S.MONTH].tolist() == ["2024-01"] * 3
    assert rec[S.OUTCOME].tolist()[0] == "Under investigation" and rec[S.OUTCOME].isna().tolist()[
        1:
    ] == [True, True]
    assert rec[S.LOCATION].tolist()[0] == "On or near Park Road"
    assert rec[S.LSOA_CODE].tolist() == ["E01015431"] * 3
    assert rec[S.LSOA_NAME].tolist() == ["Bournemouth, Christchurch and Poole 001A"] * 3
    assert rec[S.SOURCE].tolist() == ["police.uk"] * 3
    assert rec[S.SOURCE_FILE].tolist() == ["2024-01-dorset-street.csv"] * 3
    assert rec[S.SOURCE_ROW].tolist() == [2, 3, 4]
    assert not rec[S.SIMULATED].any()
    assert rec[S.DATE].isna().all() and rec[S.HOUR].isna().all()  # police.uk gives months only
    x, y = to_bng(-1.9785, 50.718)
    assert rec[S.X].iloc[0] == pytest.approx(x, abs=0.01)
    assert rec[S.Y].iloc[0] == pytest.approx(y, abs=0.01)
    assert rec[S.LON].iloc[0] == -1.9785 and rec[S.LAT].iloc[0] == 50.718


def test_simulated_mark_in_force_name(street):
    rows = [street.row(force="Dorset Police (SIMULATED)"), street.row()]
    rec = read_police_uk(street.write("2024-01-sim-street.csv", rows)).records
    assert rec[S.SIMULATED].tolist() == [True, False]
    assert rec[S.SOURCE].tolist() == ["simulated", "police.uk"]


def test_blank_lines_count_as_rows(street):
    rows = [street.row(), "", street.row(lon="")]
    res = read_police_uk(street.write("2024-01-dorset-street.csv", rows))
    assert res.records[S.SOURCE_ROW].tolist() == [2]
    assert _rej(res)[0][0] == 4
    assert res.report.rows_read == 2  # a blank line is not a row of data


def test_header_only_file_has_no_rows(street):
    res = read_police_uk(street.write("2024-01-dorset-street.csv", []))
    assert res.report.rows_read == 0 and res.report.files_failed == []
    assert len(res.records) == 0 and list(res.records.columns) == S.RECORD_COLUMNS


def test_columns_in_another_order_and_optional_columns_missing(street):
    header = "Crime type,Location,Latitude,Longitude,Month,Crime ID"
    rows = [
        "Burglary,On or near Park Road,50.718,-1.9785,2024-01,xyz",
        "Anti-social behaviour,On or near X,50.718,-1.9785,2024-01,",
    ]
    res = read_police_uk(street.write("odd.csv", rows, header=header))
    rec = res.records
    assert rec[S.CATEGORY].tolist() == ["Burglary", S.ASB]
    assert rec[S.CRIME_ID].tolist()[0] == "xyz"
    assert rec[S.LSOA_CODE].isna().all() and rec[S.OUTCOME].isna().all()
    assert rec[S.WARD_NAME].tolist() == ["Poole Town", "Poole Town"]


def test_bom_and_crlf(street):
    f = street.folder / "2024-01-dorset-street.csv"
    text = ",".join(HEADER) + "\r\n" + street.row() + "\r\n" + street.row(lon="") + "\r\n"
    f.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    res = read_police_uk(f)
    assert res.report.files_failed == []
    assert res.records[S.SOURCE_ROW].tolist() == [2]
    assert res.records[S.LOCATION].tolist() == ["On or near Poole Bus Station"]
    assert _rej(res) == [(3, "Longitude/Latitude", "missing coordinates", ",50.718")]


def test_required_columns():
    assert REQUIRED == ["Crime ID", "Month", "Longitude", "Latitude", "Location", "Crime type"]
    assert set(REQUIRED) <= set(HEADER)


# --- months, periods and forces never seen before -----------------------------------------


def _as_other_force(lines, month, force):
    out = []
    for line in lines:
        fields = line.split(",")
        fields[1] = month
        fields[2] = fields[3] = force
        out.append(",".join(fields))
    return out


def test_another_force_and_a_future_month_import_unchanged(street):
    real = street.real_lines("2024-01")[:400]
    base = read_police_uk(street.write("base/2024-01-dorset-street.csv", real))
    lines = _as_other_force(real, "2031-07", "Hampshire Constabulary")
    f = street.write("2031-07/2031-07-hampshire-street.csv", lines)
    res = read_police_uk(f)
    rec = res.records
    assert res.report.files_failed == [] and res.report.reconciles
    assert set(rec[S.MONTH]) == {"2031-07"}
    assert res.report.rows_read == 400
    assert res.report.rows_accepted == base.report.rows_accepted
    assert res.report.rows_in_bcp == base.report.rows_in_bcp
    # 2021-vintage LSOA codes as given, records positioned as before
    assert rec[S.LSOA_CODE].tolist() == base.records[S.LSOA_CODE].tolist()
    assert np.array_equal(rec[S.X].to_numpy(), base.records[S.X].to_numpy())
    # the same month as data.police.uk ships it: a zip of the folder tree with the
    # outcomes and stop-and-search files beside the street file
    z = street.folder / "hampshire-2031-07.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(f, "2031-07/2031-07-hampshire-street.csv")
        zf.writestr(
            "2031-07/2031-07-hampshire-outcomes.csv",
            "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"
            "abc,2031-07,Hampshire Constabulary,Hampshire Constabulary,-1.3,50.9,On or near X,E01022554,"
            "Southampton 001A,Investigation complete; no suspect identified\n",
        )
        zf.writestr(
            "2031-07/2031-07-hampshire-stop-and-search.csv",
            "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender\n"
            "Person search,2031-07-01T10:00:00+00:00,False,,50.9,-1.3,Male\n",
        )
    zres = read_police_uk(z)
    assert zres.report.files_failed == []
    assert sorted(s["file"] for s in zres.report.files_skipped) == [
        "hampshire-2031-07.zip!2031-07/2031-07-hampshire-outcomes.csv",
        "hampshire-2031-07.zip!2031-07/2031-07-hampshire-stop-and-search.csv",
    ]
    assert sum("2 file(s) not read" in n for n in zres.report.notices) == 1
    pd.testing.assert_frame_equal(zres.records, rec)


def test_other_2018_vintage_rows_import(street):
    # LSOA 2011 names ("Bournemouth 001A") as the older files give them
    real = street.real_lines("2018-10")[:200]
    res = read_police_uk(street.write("2018-10-dorset-street.csv", real))
    assert res.report.reconciles and res.report.rows_read == 200
    assert res.records[S.LSOA_NAME].dropna().str.match(r"^[A-Z][A-Za-z ]+ \d{3}[A-Z]$").all()


# --- outputs: the 8 bundled real months -------------------------------------------------


def test_bundled_counts_reconcile(bundled_read):
    rep = bundled_read.report
    assert rep.rows_read == 43_804
    assert rep.rejections == {"missing coordinates": 1_215}
    assert rep.rows_rejected == 1_215
    # one 2019-02 row (Weymouth, outside BCP) is repeated in every field: checked with
    # pandas' DataFrame.duplicated on the raw file
    assert rep.rows_duplicate == 1
    assert rep.rows_accepted == 43_804 - 1_215 - 1 == len(bundled_read.records)
    assert rep.reconciles
    assert rep.files_failed == [] and rep.files_skipped == []
    assert len(rep.files_read) == 8


def test_bundled_bcp_records_per_month(bundled_read):
    rec = bundled_read.records
    per_month = rec[rec[S.IN_BCP]].groupby(S.MONTH).size().to_dict()
    assert per_month == BCP_PER_MONTH
    assert bundled_read.report.rows_in_bcp == sum(BCP_PER_MONTH.values()) == 27_524


def _raw(geodata_dir, month):
    return pd.read_csv(
        geodata_dir / "police_uk" / f"{month}-dorset-street.csv",
        dtype=str,
        keep_default_na=False,
    )


@pytest.mark.parametrize("month", ["2018-10", "2024-02"])
def test_bundled_rows_trace_back_to_their_line(bundled_read, geodata_dir, month):
    raw = _raw(geodata_dir, month)
    name = f"{month}-dorset-street.csv"
    # rejected rows are exactly the rows with no coordinates (pandas row i is file row i + 2)
    no_coords = (raw["Longitude"] == "") | (raw["Latitude"] == "")
    rej = bundled_read.rejected
    rej = rej[rej["file"].str.endswith(name)]
    assert sorted(rej["row"].tolist()) == (np.flatnonzero(no_coords.to_numpy()) + 2).tolist()
    # every accepted row carries its file row and the values on that row
    rec = bundled_read.records
    rec = rec[rec[S.SOURCE_FILE] == name].sort_values(S.SOURCE_ROW)
    src = raw.iloc[rec[S.SOURCE_ROW].to_numpy() - 2]
    assert len(rec) + len(rej) == len(raw)
    assert (rec[S.MONTH].to_numpy() == src["Month"].to_numpy()).all()
    assert (rec[S.CATEGORY].to_numpy() == src["Crime type"].to_numpy()).all()
    assert (rec[S.LOCATION].to_numpy() == src["Location"].to_numpy()).all()
    assert np.allclose(rec[S.LON].to_numpy(), src["Longitude"].astype(float).to_numpy())
    assert np.allclose(rec[S.LAT].to_numpy(), src["Latitude"].astype(float).to_numpy())
    cid = src["Crime ID"].replace("", np.nan)
    assert (rec[S.CRIME_ID].isna().to_numpy() == cid.isna().to_numpy()).all()


def test_bundled_coordinates_are_projected_with_pyproj(bundled_read):
    rec = bundled_read.records
    t = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = t.transform(rec[S.LON].to_numpy(), rec[S.LAT].to_numpy())
    assert np.abs(rec[S.X].to_numpy() - x).max() < 0.01
    assert np.abs(rec[S.Y].to_numpy() - y).max() < 0.01


def test_bundled_record_ids_and_repeated_crime_ids(bundled_read):
    rec = bundled_read.records
    assert rec[S.RECORD_ID].is_unique
    # 65 rows share a Crime ID with another row of the same file but differ in some field:
    # kept, marked ~k (a 66th repeats its row exactly and is a duplicate)
    repeats = rec[S.RECORD_ID].str.contains("~", regex=False)
    assert int(repeats.sum()) == 65
    assert rec.loc[repeats, S.RECORD_ID].str.fullmatch(r"[0-9a-f]{64}~\d+").all()
    assert any("65 rows share a Crime ID" in n for n in bundled_read.report.notices)
    # ASB rows have no Crime ID: their record id is file#row
    asb = rec[rec[S.CATEGORY] == S.ASB]
    assert asb[S.CRIME_ID].isna().all()
    assert (asb[S.RECORD_ID] == asb[S.SOURCE_FILE] + "#" + asb[S.SOURCE_ROW].astype(str)).all()


def test_bundled_wards_only_inside_bcp(bundled_read):
    rec = bundled_read.records
    assert rec.loc[~rec[S.IN_BCP], S.WARD_NAME].isna().all()
    assert rec.loc[rec[S.IN_BCP], S.WARD_NAME].notna().all()
    assert set(rec.loc[rec[S.IN_BCP], S.TOWN]) == set(S.TOWNS)
    assert (rec[S.SOURCE] == "police.uk").all() and not rec[S.SIMULATED].any()
    assert set(rec[S.CATEGORY]) == set(S.CATEGORIES)


def test_hex_id_codes_tell_ids_apart_as_a_hash_of_the_whole_text_does():
    """The 8-byte-head codes of police.uk IDs against Arrow's hash of the whole text.

    Repeats of one ID, two IDs sharing their first 16 hex digits, empty IDs, and an array
    slice (an offset into the buffers); anything not police.uk's own form is refused.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from hotspots.data.police_uk import _hex_id_codes

    rng = np.random.default_rng(3)
    hexd = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    ids = hexd[rng.integers(0, 16, (3000, 64), dtype=np.uint8)].view("S64").ravel()
    ids = [("" if i % 4 == 0 else v.decode()) for i, v in enumerate(ids)]
    ids[7] = ids[11] = ids[3]
    ids[13] = ids[2][:16] + ids[13][16:]  # the same first 8 bytes, another ID
    arr = pa.array(ids, pa.string()).slice(1)
    codes = _hex_id_codes(arr)
    ref = pc.dictionary_encode(arr).indices.to_numpy()
    empty = np.array([v == "" for v in arr.to_pylist()])
    assert (codes[empty] == -1).all()
    pairs = set(zip(ref[~empty].tolist(), codes[~empty].tolist(), strict=True))
    assert len(pairs) == len(set(ref[~empty])) == len(set(codes[~empty]))  # one to one
    assert codes[6] == codes[10] == codes[2] and codes[12] != codes[1]
    for odd in (" " + ids[1][1:], ids[1].upper(), ids[1][:63]):
        assert _hex_id_codes(pa.array([ids[1], odd])) is None
    assert _hex_id_codes(pa.array([ids[1], None])) is None


def test_hex_ids_packed_in_place_as_the_store_packs_them():
    """The batch's in-place packing of police.uk IDs equals ``pack_crime_ids`` of the rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from hotspots.data.ingest import _pack_hex_ids
    from hotspots.data.store_layout import pack_crime_ids

    rng = np.random.default_rng(5)
    hexd = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    ids = hexd[rng.integers(0, 16, (2000, 64), dtype=np.uint8)].view("S64").ravel()
    arr = pa.array([("" if i % 3 == 0 else v.decode()) for i, v in enumerate(ids)]).slice(7)
    for sel in (
        np.arange(len(arr)),
        np.sort(rng.choice(len(arr), 500, replace=False)),
        np.array([2, 5, 8], dtype=np.int64),  # every one empty (rows 9, 12, 15 of the whole)
        np.zeros(0, dtype=np.int64),
    ):
        text = arr.take(pa.array(sel))
        want = pack_crime_ids(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
        assert _pack_hex_ids(arr, sel).equals(want)
