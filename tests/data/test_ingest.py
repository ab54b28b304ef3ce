"""Tests for hotspots.data.ingest: many files in, every row accounted for.

Inputs: malformed files (each gets a one-line message naming it; the others still
import), zips and folder trees, duplicates. Outputs: the report always reconciles.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.data.ingest import IngestReport, complete_records, read_inputs
from hotspots.errors import FileReadError, HotspotsError

# --- malformed files ---------------------------------------------------------------------


def _bad_files(street, zip_bomb):
    """name -> (path, expected problem fragment)."""
    d = street.folder
    good_line = street.row()
    out = {}
    (d / "empty.csv").write_bytes(b"")
    out["empty"] = (d / "empty.csv", "the file is empty")
    (d / "blank.csv").write_bytes(b"\n  \n\n")
    out["blank"] = (d / "blank.csv", "the file is empty")
    (d / "binary.csv").write_bytes(b"PK\x03\x04\x00\x00\x14\x00" + bytes(range(256)) * 4)
    out["binary"] = (d / "binary.csv", "binary file")
    street.write("header.csv", ["1,2,3"], header="id,when,what")
    out["wrong header"] = (d / "header.csv", "wrong header: missing column(s) Crime ID, Month")
    semi = [street.header.replace(",", ";"), good_line.replace(",", ";")]
    (d / "semicolons.csv").write_text("\n".join(semi) + "\n", encoding="utf-8")
    out["semicolons"] = (
        d / "semicolons.csv",
        "wrong delimiter: the header is separated by semicolons",
    )
    latin = (
        "\n".join([street.header, good_line, street.row(location="On or near Caf\xe9 Royal")])
        + "\n"
    )
    (d / "latin1.csv").write_bytes(latin.encode("latin-1"))
    out["latin-1"] = (d / "latin1.csv", "not valid utf-8 text (byte 0xe9 on line 3)")
    with zipfile.ZipFile(d / "traversal.zip", "w") as zf:
        zf.writestr("../evil.csv", street.header + "\n" + good_line + "\n")
    out["traversal"] = (d / "traversal.zip", "unsafe path")
    out["bomb"] = (zip_bomb, "decompression bomb")
    (d / "fake.zip").write_text(street.header + "\n" + good_line + "\n", encoding="utf-8")
    out["fake zip"] = (d / "fake.zip", "not a valid zip archive")
    return out


def test_each_malformed_file_gets_one_line_and_the_others_import(street, zip_bomb):
    bad = _bad_files(street, zip_bomb)
    good = street.write("2024-01-dorset-street.csv", [street.row(), street.row(lon="")])
    paths = [p for p, _ in bad.values()] + [good]
    res = read_inputs(paths)
    rep = res.report
    failed = {f["file"]: f["problem"] for f in rep.files_failed}
    assert len(failed) == len(bad)
    for label, (path, fragment) in bad.items():
        problem = failed[str(path)]
        assert fragment in problem, label
        assert "\n" not in problem, label
    # the good file still imports, and every row read is accounted for
    assert len(res.records) == 1 and rep.rows_rejected == 1
    assert rep.rows_read == 2 and rep.reconciles
    assert [f["file"] for f in rep.files_read] == [str(good)]


@pytest.mark.parametrize(
    "label",
    ["empty", "binary", "wrong header", "semicolons", "latin-1", "traversal", "bomb", "fake zip"],
)
def test_strict_raises_on_the_first_bad_file(street, zip_bomb, label):
    path, fragment = _bad_files(street, zip_bomb)[label]
    good = street.write("2024-01-dorset-street.csv", [street.row()])
    with pytest.raises(FileReadError) as info:
        read_inputs([good, path], strict=True)
    assert info.value.path == str(path)
    assert fragment in info.value.problem
    assert str(info.value).startswith(str(path) + ": ")
    assert "\n" not in str(info.value)


def test_damaged_zip_member_is_reported_not_fatal(street):
    z = street.folder / "damaged.zip"
    payload = "\n".join([street.header] + [street.row()] * 20) + "\n"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("2024-01-dorset-street.csv", payload)
    data = bytearray(z.read_bytes())
    i = data.find(b"On or near")
    data[i + 200] ^= 0x55  # CRC mismatch on read
    z.write_bytes(bytes(data))
    good = street.write("2024-02-dorset-street.csv", [street.row(month="2024-02")])
    res = read_inputs([z, good])
    assert [f["file"] for f in res.report.files_failed] == ["damaged.zip!2024-01-dorset-street.csv"]
    assert "damaged" in res.report.files_failed[0]["problem"]
    assert len(res.records) == 1 and res.report.reconciles
    with pytest.raises(FileReadError, match="damaged"):
        read_inputs([z], strict=True)


def test_missing_path_is_reported(street, tmp_path):
    good = street.write("2024-01-dorset-street.csv", [street.row()])
    res = read_inputs([tmp_path / "nope", good])
    assert res.report.files_failed == [
        {"file": str(tmp_path / "nope"), "problem": "no such file or folder"},
    ]
    assert len(res.records) == 1


def test_nothing_readable_gives_empty_records(street):
    (street.folder / "empty.csv").write_bytes(b"")
    res = read_inputs(street.folder / "empty.csv")
    assert len(res.records) == 0 and list(res.records.columns) == S.RECORD_COLUMNS
    assert res.report.rows_read == 0 and res.report.reconciles
    assert list(res.rejected.columns) == ["file", "row", "field", "reason", "value"]


# --- folder trees and zips -----------------------------------------------------------------


def test_police_uk_tree_and_zip_with_outcomes_and_stop_and_search(street):
    lines = street.real_lines("2024-03")[:120]
    street.write("tree/2024-03/2024-03-dorset-street.csv", lines)
    street.write(
        "tree/2024-03/2024-03-dorset-outcomes.csv",
        ["x,2024-03,a,b,-1.9,50.7,L,E1,N,Unable to prosecute"],
        header="Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type",
    )
    z = street.folder / "police-2024-03.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "2024-04/2024-04-dorset-street.csv",
            "\n".join([street.header] + [street.row(month="2024-04")] * 3) + "\n",
        )
        zf.writestr(
            "2024-04/2024-04-dorset-outcomes.csv",
            "Crime ID,Month,Outcome type\nabc,2024-04,Unable to prosecute\n",
        )
        zf.writestr(
            "2024-04/2024-04-dorset-stop-and-search.csv",
            "Type,Date,Part of a policing operation\nPerson search,2024-04-01,False\n",
        )
    res = read_inputs([street.folder / "tree", z])
    rep = res.report
    assert rep.files_failed == []
    skipped = sorted(f["file"].rsplit("/", 1)[-1] for f in rep.files_skipped)
    assert skipped == [
        "2024-03-dorset-outcomes.csv",
        "2024-04-dorset-outcomes.csv",
        "2024-04-dorset-stop-and-search.csv",
    ]
    assert all("outcomes / stop-and-search" in f["why"] for f in rep.files_skipped)
    assert sum("3 file(s) not read" in n for n in rep.notices) == 1
    assert sorted(res.records[S.MONTH].unique()) == ["2024-03", "2024-04"]
    assert rep.rows_read == 123 and rep.reconciles
    assert (res.records[S.MONTH] == "2024-04").sum() == 3


# --- duplicates -------------------------------------------------------------------------------


def test_same_file_twice_folder_and_zip(street):
    lines = [*street.real_lines("2024-02")[:150], street.row(month="2024-02", lon="")]
    f = street.write("2024-02/2024-02-dorset-street.csv", lines)
    z = street.folder.parent / "copy.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(f, "2024-02/2024-02-dorset-street.csv")
    once = read_inputs([f])
    twice = read_inputs([street.folder, z])
    rep = twice.report
    assert rep.rows_read == 2 * 151
    assert rep.rows_duplicate == 151  # every row of the second copy, its rejected row included
    assert rep.rows_rejected == once.report.rows_rejected == 1
    assert rep.rows_accepted == once.report.rows_accepted == 150
    assert rep.reconciles
    pd.testing.assert_frame_equal(twice.records, once.records)
    assert rep.files_read[1]["duplicate_of"] == str(f)


def test_overlapping_file_drops_repeated_crime_ids_once(street, geodata_dir):
    lines = street.real_lines("2024-02")
    a = street.write("2024-02-dorset-street.csv", lines[:300])
    # the overlap comes back in another month's file (a different identity), so only
    # the Crime IDs can tell the repeats
    b = street.write(
        "2024-02-extra.csv",
        [ln.replace(",2024-02,", ",2024-03,") for ln in lines[250:400]],
    )
    # reference: overlapping lines (250..299) with a Crime ID and coordinates
    raw = pd.read_csv(
        geodata_dir / "police_uk" / "2024-02-dorset-street.csv",
        dtype=str,
        keep_default_na=False,
    )
    ov = raw.iloc[250:300]
    expected_dup = int(((ov["Crime ID"] != "") & (ov["Longitude"] != "")).sum())
    assert 0 < expected_dup < 50  # the overlap holds both ASB (no ID) and crimes
    res = read_inputs([a, b])
    ra, rb = read_inputs(a).report, read_inputs(b).report
    rep = res.report
    assert rep.rows_duplicate == expected_dup
    assert rep.rows_read == ra.rows_read + rb.rows_read
    assert rep.rows_accepted == ra.rows_accepted + rb.rows_accepted - expected_dup
    assert rep.reconciles
    assert res.records[S.RECORD_ID].is_unique
    with_id = res.records[res.records[S.CRIME_ID].notna()]
    assert with_id[S.CRIME_ID].value_counts().max() <= 2  # repeats only inside one file
    kept = with_id[with_id[S.CRIME_ID].isin(ov["Crime ID"])]
    assert set(kept[S.SOURCE_FILE]) == {"2024-02-dorset-street.csv"}  # the first file wins
    assert any("duplicates of Crime IDs already read from another file" in n for n in rep.notices)


def test_rows_sharing_a_crime_id_within_one_file_are_kept(street):
    R = street.row
    rows = [
        R(crime_id="c1", category="Burglary"),
        R(crime_id="c1", category="Burglary", lon="-1.97"),
        R(crime_id="c1", category="Burglary", lon="-1.96"),
        R(crime_id="c2", category="Drugs"),
    ]
    res = read_inputs(street.write("2024-01-dorset-street.csv", rows))
    assert res.records[S.RECORD_ID].tolist() == ["c1", "c1~1", "c1~2", "c2"]
    assert res.report.rows_duplicate == 0 and res.report.rows_accepted == 4
    # and across files the repeats pair up one to one
    other = street.write(
        "2024-01-other.csv",
        [
            R(crime_id="c1", category="Burglary", month="2024-02"),
            R(crime_id="c3", category="Drugs", month="2024-02"),
        ],
    )
    res2 = read_inputs([street.folder / "2024-01-dorset-street.csv", other])
    assert res2.report.rows_duplicate == 1
    assert sorted(res2.records[S.RECORD_ID]) == ["c1", "c1~1", "c1~2", "c2", "c3"]


def test_rows_without_crime_id_are_never_taken_for_duplicates(street):
    R = street.row
    a = street.write("2024-01-a.csv", [R(), R()])
    b = street.write(
        "2024-01-b.csv",
        [R(month="2024-02"), R(month="2024-02", location="On or near Somewhere Else")],
    )
    res = read_inputs([a, b])
    assert res.report.rows_duplicate == 0 and len(res.records) == 4
    assert sorted(res.records[S.RECORD_ID]) == [
        "2024-01-dorset-street.csv#2",
        "2024-01-dorset-street.csv#3",
        "2024-02-dorset-street.csv#2",
        "2024-02-dorset-street.csv#3",
    ]


# --- other inputs -----------------------------------------------------------------------------


def test_progress_is_called_per_file(street):
    a = street.write("2024-01-dorset-street.csv", [street.row()])
    b = street.write("2024-02-dorset-street.csv", [street.row(month="2024-02")])
    calls = []
    read_inputs([a, b], progress=lambda done, total, name: calls.append((done, total, name)))
    assert calls == [(1, 2, str(a)), (2, 2, str(b))]


def test_unknown_format_and_missing_mapping(street):
    f = street.write("2024-01-dorset-street.csv", [street.row()])
    with pytest.raises(HotspotsError, match="unknown input format"):
        read_inputs(f, fmt="excel")
    with pytest.raises(HotspotsError, match="needs a column mapping"):
        read_inputs(f, fmt="force-export")


def test_report_dict_and_reconciles():
    rep = IngestReport(
        rows_read=10,
        rows_accepted=6,
        rows_rejected=3,
        rows_duplicate=1,
        rows_in_bcp=4,
        rejections={"a": 1, "b": 2},
    )
    d = rep.to_dict()
    assert rep.reconciles and d["reconciles"] is True
    assert d["rows_outside_bcp"] == 2
    assert list(d["rejections"]) == ["b", "a"]  # most frequent first
    assert set(d) >= {
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "rows_duplicate",
        "rows_in_bcp",
        "files_read",
        "files_skipped",
        "files_failed",
        "notices",
    }
    assert not IngestReport(rows_read=1).reconciles


# --- complete_records ------------------------------------------------------------------------


def test_complete_records_from_lon_lat(to_bng, places):
    lon, lat = places["Poole Bus Station"]
    part = pd.DataFrame(
        {
            S.LON: [lon, places["Dorchester"][0], lon],
            S.LAT: [lat, places["Dorchester"][1], lat],
            S.MONTH: ["2024-01"] * 3,
            S.CATEGORY: [S.ASB] * 3,
        },
    )
    out = complete_records(part)
    assert list(out.columns) == S.RECORD_COLUMNS
    x, y = to_bng(lon, lat)
    assert out[S.X].iloc[0] == pytest.approx(x, abs=0.01) and out[S.X].iloc[2] == out[S.X].iloc[0]
    assert out[S.Y].iloc[0] == pytest.approx(y, abs=0.01)
    assert out[S.IN_BCP].tolist() == [True, False, True]
    assert out[S.WARD_NAME].isna().tolist() == [False, True, False]


def test_complete_records_from_x_y(to_bng, places):
    lon, lat = places["Bournemouth Square"]
    x, y = to_bng(lon, lat)
    out = complete_records(pd.DataFrame({S.X: [x], S.Y: [y], S.MONTH: ["2024-01"]}))
    assert out[S.LON].iloc[0] == pytest.approx(lon, abs=1e-6)
    assert out[S.LAT].iloc[0] == pytest.approx(lat, abs=1e-6)
    assert out[S.WARD_NAME].tolist() == ["Bournemouth Central"]
    assert out[S.TOWN].tolist() == ["Bournemouth"]


def test_complete_records_empty():
    pd.testing.assert_frame_equal(complete_records(pd.DataFrame()), S.empty_records())


def test_locations_are_located_once_each(street, monkeypatch):
    from hotspots.data import ingest

    seen = []
    real = ingest.locate

    def spy(x, y, *a, **k):
        seen.append(len(x))
        return real(x, y, *a, **k)

    monkeypatch.setattr(ingest, "locate", spy)
    rows = [street.row()] * 50 + [street.row(lon="-1.97")] * 30
    res = read_inputs(street.write("2024-01-dorset-street.csv", rows))
    assert len(res.records) == 80
    assert seen == [2]
    assert np.unique(res.records[S.X]).size == 2


def test_two_versions_of_one_month_file_count_once(tmp_path, geodata_dir):
    """Two downloads of the same month (outcomes differ) in one import: ASB rows, which have
    no Crime ID, must not be counted twice; the later version is used.
    """
    src = (geodata_dir / "police_uk" / "2024-01-dorset-street.csv").read_text(encoding="utf-8")
    v1 = tmp_path / "v1" / "2024-01"
    v2 = tmp_path / "v2" / "2024-01"
    v1.mkdir(parents=True)
    v2.mkdir(parents=True)
    (v1 / "2024-01-dorset-street.csv").write_text(src, encoding="utf-8")
    changed = src.replace("Unable to prosecute suspect", "Under investigation", 1)
    assert changed != src
    (v2 / "2024-01-dorset-street.csv").write_text(changed, encoding="utf-8")
    res = read_inputs([tmp_path / "v1", tmp_path / "v2"])
    rep = res.report
    assert rep.reconciles
    assert rep.rows_read == 2 * 4802
    assert rep.rows_accepted == 4788 and rep.rows_rejected == 14 and rep.rows_replaced == 4802
    assert rep.rows_duplicate == 0
    bcp_asb = res.records[res.records[S.IN_BCP] & (res.records[S.CATEGORY] == S.ASB)]
    assert len(bcp_asb) == 607  # as in the real January 2024 file, not 1,214
    assert any("two versions of 2024-01-dorset-street.csv" in n for n in rep.notices)
    assert (res.records[S.OUTCOME] == "Under investigation").sum() > 0


def test_renamed_copy_of_a_month_file_has_the_same_key():
    from hotspots.data.sources import classify_name, file_key

    for name in (
        "2024-01-dorset-street (1).csv",
        "2024-01-Dorset-street-2.csv",
        "x/2024-01-dorset-street.csv",
    ):
        assert file_key(name) == "2024-01-dorset-street.csv"
        assert classify_name(name) == "street"
    assert file_key("export.csv") == "export.csv"
