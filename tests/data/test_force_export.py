"""Tests for hotspots.data.force_export: column mappings and force-export CSVs.

Inputs: mapping files (good and bad) and small hand-made exports; outputs: canonical
records, and the bundled example export read with its example mapping, checked
against pandas and the mapping read with tomllib.
"""

from __future__ import annotations

import hashlib
import json
import tomllib

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.data.force_export import ExportMapping, load_mapping
from hotspots.data.ingest import read_force_export
from hotspots.errors import FileReadError

MAPPING = """
[export]
name = "NICHE extract"
encoding = "utf-8"

[columns]
reference = "Ref"
date = "Date"
date_format = "%d/%m/%Y"
time = "Time"
easting = "E"
northing = "N"
category = "Offence"
asb_subtype = "ASBType"
location = "Loc"
outcome = "Result"
lsoa_code = "LSOA"

[categories]
"Theft - Shoplifting" = "Shoplifting"
"ASB" = "Anti-social behaviour"
"Violence Against the Person" = "Violence and sexual offences"

[asb_subtypes]
"Pers" = "personal"
"Env" = "environmental"
"""

HEAD = "Ref,Date,Time,E,N,Offence,ASBType,Loc,Result,LSOA"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def mapping_file(tmp_path):
    return _write(tmp_path / "mapping.toml", MAPPING)


def _rej(res):
    r = res.rejected
    return [
        (int(a), b, c, d)
        for a, b, c, d in zip(r["row"], r["field"], r["reason"], r["value"], strict=True)
    ]


# --- mappings -------------------------------------------------------------------------------


def test_load_mapping_toml(mapping_file):
    m = load_mapping(mapping_file)
    assert isinstance(m, ExportMapping)
    assert m.name == "NICHE extract" and m.encoding == "utf-8" and m.delimiter == ","
    assert m.date_format == "%d/%m/%Y"
    assert m.columns["easting"] == "E" and "date_format" not in m.columns
    assert m.categories["ASB"] == S.ASB
    assert m.asb_subtypes == {"Pers": "personal", "Env": "environmental"}
    assert m.simulated is False
    assert set(m.required_columns()) == {"Date", "E", "N", "Offence"}
    assert m.source_path == str(mapping_file)


def test_load_mapping_json_and_dict(tmp_path):
    raw = tomllib.loads(MAPPING)
    j = tmp_path / "mapping.json"
    j.write_text(json.dumps(raw), encoding="utf-8")
    from_json = load_mapping(j)
    from_dict = load_mapping(raw)
    assert from_json.columns == from_dict.columns == load_mapping(raw).columns
    assert from_dict.source_path == "<mapping>"


def _bad_mapping(tmp_path, text, name="bad.toml"):
    f = _write(tmp_path / name, text)
    with pytest.raises(FileReadError) as info:
        load_mapping(f)
    assert info.value.path == str(f)
    assert info.value.problem.startswith("column mapping: ")
    return info.value.problem


def test_mapping_unknown_column_key(tmp_path):
    problem = _bad_mapping(tmp_path, MAPPING.replace('easting = "E"', 'eastings = "E"'))
    assert "unknown [columns] keys ['eastings']" in problem
    assert "allowed:" in problem and "easting" in problem


def test_mapping_category_to_a_non_police_uk_name(tmp_path):
    problem = _bad_mapping(
        tmp_path,
        MAPPING.replace(
            '"Theft - Shoplifting" = "Shoplifting"',
            '"Theft - Shoplifting" = "Shop theft"',
        ),
    )
    assert "not police.uk categories" in problem and "Shop theft" in problem
    assert "Vehicle crime" in problem  # lists what is allowed


def test_mapping_invalid_toml(tmp_path):
    problem = _bad_mapping(
        tmp_path,
        MAPPING.replace('name = "NICHE extract"', 'name = "NICHE extract'),
    )
    assert "not valid TOML" in problem


def test_mapping_invalid_json(tmp_path):
    problem = _bad_mapping(tmp_path, '{"columns": ', name="bad.json")
    assert "not valid JSON" in problem


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (('category = "Offence"', ""), "needs `category`"),
        (('date = "Date"', ""), "needs one of `date`, `datetime` or `month`"),
        (('northing = "N"', ""), "needs `easting` and `northing`, or `lat` and `lon`"),
        (
            ('"Env" = "environmental"', '"Env" = "litter"'),
            "[asb_subtypes] values must be personal, nuisance or environmental",
        ),
    ],
)
def test_mapping_incomplete(tmp_path, edit, fragment):
    assert fragment in _bad_mapping(tmp_path, MAPPING.replace(*edit))


def test_mapping_not_found(tmp_path):
    with pytest.raises(FileReadError, match="column mapping file not found"):
        load_mapping(tmp_path / "none.toml")


def test_mapping_unknown_export_key_or_section(tmp_path):
    problem = _bad_mapping(tmp_path, MAPPING.replace('encoding = "utf-8"', 'encodng = "cp1252"'))
    assert "unknown [export] keys ['encodng']" in problem
    problem = _bad_mapping(tmp_path, MAPPING.replace("[asb_subtypes]", "[asb_subtype]"))
    assert "unknown section" in problem and "asb_subtype" in problem


def test_mapping_unknown_encoding_or_bad_delimiter(tmp_path):
    assert "unknown encoding 'utf-99'" in _bad_mapping(
        tmp_path,
        MAPPING.replace('encoding = "utf-8"', 'encoding = "utf-99"'),
    )
    problem = _bad_mapping(tmp_path, MAPPING.replace('encoding = "utf-8"', 'delimiter = ";;"'))
    assert "delimiter must be one character" in problem


# --- reading exports -------------------------------------------------------------------------


def test_date_time_eastings_categories_and_subtypes(tmp_path, mapping_file, to_bng, places):
    x, y = (round(v) for v in to_bng(*places["Poole Bus Station"]))
    rows = [
        f"R1,05/01/2024,14:30,{x},{y},Theft - Shoplifting,,On or near Poole Bus Station,No suspect,E01015431",
        f"R2,31/01/2024,23:05,{x},{y},asb,Pers,Bus station,,",  # case-insensitive local name
        f"R3,01/02/2024,,{x},{y},Burglary,,Somewhere,,",  # a police.uk name stands for itself
        f"R4,01/02/2024,00:00,{x},{y},ASB,,Park,,",  # ASB with no subtype
        f"R5,02/02/2024,09:15,{x},{y},Violence Against the Person,Pers,Street,,",  # subtype ignored for crime
    ]
    f = _write(tmp_path / "export.csv", "\n".join([HEAD, *rows]) + "\n")
    res = read_force_export(f, mapping_file)
    rec = res.records
    assert res.report.rows_read == 5 and res.report.rows_accepted == 5 and res.report.reconciles
    assert list(rec.columns) == S.RECORD_COLUMNS
    assert rec[S.RECORD_ID].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert rec[S.CRIME_ID].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert rec[S.MONTH].tolist() == ["2024-01", "2024-01", "2024-02", "2024-02", "2024-02"]
    assert rec[S.DATE].tolist() == [
        pd.Timestamp(d)
        for d in ("2024-01-05", "2024-01-31", "2024-02-01", "2024-02-01", "2024-02-02")
    ]
    assert rec[S.HOUR].tolist() == [14, 23, pd.NA, 0, 9]
    assert rec[S.CATEGORY].tolist() == [
        "Shoplifting",
        S.ASB,
        "Burglary",
        S.ASB,
        "Violence and sexual offences",
    ]
    assert rec[S.ASB_SUBTYPE].tolist() == [pd.NA, "personal", pd.NA, pd.NA, pd.NA]
    assert rec[S.X].tolist() == [float(x)] * 5 and rec[S.Y].tolist() == [float(y)] * 5
    lon, lat = places["Poole Bus Station"]
    assert rec[S.LON].iloc[0] == pytest.approx(lon, abs=2e-5) and rec[S.LAT].iloc[
        0
    ] == pytest.approx(lat, abs=2e-5)
    assert rec[S.WARD_NAME].tolist() == ["Poole Town"] * 5 and rec[S.IN_BCP].all()
    assert rec[S.SOURCE].tolist() == ["force-export"] * 5 and not rec[S.SIMULATED].any()
    assert rec[S.LOCATION].iloc[0] == "On or near Poole Bus Station"
    assert rec[S.OUTCOME].tolist()[:2] == ["No suspect", pd.NA]
    assert rec[S.LSOA_CODE].tolist()[:2] == ["E01015431", pd.NA]
    # a force export is known by its declared source and content hash, not its name
    digest = hashlib.sha1(f.read_bytes()).hexdigest()[:12]
    assert rec[S.SOURCE_FILE].tolist() == [f"NICHE extract@{digest}"] * 5
    assert rec[S.SOURCE_ROW].tolist() == [2, 3, 4, 5, 6]


def test_bad_export_rows_rejected_with_reason(tmp_path, mapping_file):
    E, N = 401614, 90930
    rows = [
        f"R1,05/01/2024,14:30,{E},{N},Littering,,x,,",  # 2 unknown category, value named
        f"R2,05/01/2024,14:30,{E},{N},,,x,,",  # 3 missing category
        f"R3,32/01/2024,14:30,{E},{N},Burglary,,x,,",  # 4 unparseable date
        f"R4,,14:30,{E},{N},Burglary,,x,,",  # 5 missing date
        f"R5,05/01/2024,25:00,{E},{N},Burglary,,x,,",  # 6 unparseable time
        "R6,05/01/2024,14:30,0,0,Burglary,,x,,",  # 7 impossible coordinates
        f"R7,05/01/2024,14:30,,{N},Burglary,,x,,",  # 8 missing coordinates
        f"R8,05/01/2024,14:30,{E},north,Burglary,,x,,",  # 9 unparseable coordinates
        f"R9,05/01/2024,14:30,{E},{N},ASB,Weird,x,,",  # 10 unknown ASB subtype
        f"R10,05/01/2024,14:30,{E},{N},ASB,Env,x,,",  # 11 good
    ]
    f = _write(tmp_path / "export.csv", "\n".join([HEAD, *rows]) + "\n")
    res = read_force_export(f, mapping_file)
    assert _rej(res) == [
        (2, "Offence", "unknown category (not in the mapping's [categories])", "Littering"),
        (3, "Offence", "missing category", ""),
        (4, "Date", "unparseable date (expected %d/%m/%Y)", "32/01/2024"),
        (5, "Date", "missing date", ""),
        (6, "Time", "unparseable time (expected HH:MM)", "25:00"),
        (7, "E/N", "impossible coordinates (outside the British National Grid)", "0,0"),
        (8, "E/N", "missing coordinates", f",{N}"),
        (9, "E/N", "unparseable coordinates", f"{E},north"),
        (10, "ASBType", "unknown ASB subtype (not in the mapping's [asb_subtypes])", "Weird"),
    ]
    assert res.records[S.RECORD_ID].tolist() == ["R10"]
    assert res.records[S.ASB_SUBTYPE].tolist() == ["environmental"]
    assert res.report.reconciles and res.report.rows_rejected == 9


def test_datetime_column_and_lat_lon(tmp_path, places):
    m = tomllib.loads(MAPPING)
    m["columns"] = {
        "datetime": "When",
        "datetime_format": "%Y-%m-%d %H:%M",
        "lat": "Lat",
        "lon": "Lon",
        "category": "Offence",
    }
    lon, lat = places["Bournemouth Square"]
    text = f"When,Lat,Lon,Offence\n2024-03-09 21:45,{lat},{lon},Robbery\n2024-03-10 07:00,{lat},{lon},ASB\n2024-03-10,{lat},{lon},ASB\n"
    res = read_force_export(_write(tmp_path / "dt.csv", text), m)
    rec = res.records
    assert rec[S.DATE].tolist() == [pd.Timestamp("2024-03-09"), pd.Timestamp("2024-03-10")]
    assert rec[S.HOUR].tolist() == [21, 7]
    assert rec[S.MONTH].tolist() == ["2024-03", "2024-03"]
    assert rec[S.WARD_NAME].tolist() == ["Bournemouth Central"] * 2
    ident = rec[S.SOURCE_FILE].iloc[0]
    assert ident.endswith("@" + hashlib.sha1(text.encode()).hexdigest()[:12])
    assert rec[S.RECORD_ID].tolist() == [f"{ident}#2", f"{ident}#3"]  # no reference column
    assert _rej(res) == [(4, "When", "unparseable date (expected %Y-%m-%d %H:%M)", "2024-03-10")]


def test_month_column(tmp_path):
    m = {"columns": {"month": "Period", "easting": "E", "northing": "N", "category": "Type"}}
    text = "Period,E,N,Type\n2031-07,401614,90930,Drugs\n2024-13,401614,90930,Drugs\n"
    res = read_force_export(_write(tmp_path / "m.csv", text), m)
    assert res.records[S.MONTH].tolist() == ["2031-07"]
    assert res.records[S.DATE].isna().all() and res.records[S.HOUR].isna().all()
    assert _rej(res) == [(3, "Period", "unparseable month (expected YYYY-MM)", "2024-13")]


def test_cp1252_export_via_the_mapping(tmp_path):
    raw = tomllib.loads(MAPPING)
    raw["export"]["encoding"] = "cp1252"
    text = HEAD + "\nR1,05/01/2024,14:30,401614,90930,Burglary,,Caf\u00e9 \u2013 \u00a3 shop,,\n"
    f = _write(tmp_path / "win.csv", text, encoding="cp1252")
    res = read_force_export(f, raw)
    assert res.records[S.LOCATION].tolist() == ["Caf\u00e9 \u2013 \u00a3 shop"]
    # the same bytes without the encoding setting: a clear file-level message
    res2 = read_force_export(f, tomllib.loads(MAPPING))
    assert len(res2.records) == 0
    (fail,) = res2.report.files_failed
    assert fail["file"] == str(f)
    assert "not valid utf-8 text (byte 0xe9 on line 2)" in fail["problem"]


def test_semicolon_delimiter_via_the_mapping(tmp_path):
    raw = tomllib.loads(MAPPING)
    raw["export"]["delimiter"] = ";"
    text = (
        HEAD.replace(",", ";")
        + "\nR1;05/01/2024;14:30;401614;90930;Burglary;;Main St, east end;;\n"
    )
    res = read_force_export(_write(tmp_path / "semi.csv", text), raw)
    assert res.records[S.LOCATION].tolist() == ["Main St, east end"]
    # and a comma file read with the semicolon mapping is refused by name
    res2 = read_force_export(_write(tmp_path / "comma.csv", HEAD + "\n"), raw)
    assert "wrong delimiter" in res2.report.files_failed[0]["problem"]


def test_header_missing_a_mapped_column(tmp_path, mapping_file):
    res = read_force_export(
        _write(tmp_path / "x.csv", "Ref,Date,E,N\nR1,05/01/2024,1,2\n"),
        mapping_file,
    )
    (fail,) = res.report.files_failed
    assert "wrong header: missing column(s) Offence" in fail["problem"]


def test_simulated_flag_and_reference_duplicates_across_files(tmp_path):
    raw = tomllib.loads(MAPPING)
    raw["export"]["simulated"] = True
    a = _write(
        tmp_path / "a.csv",
        HEAD
        + "\nR1,05/01/2024,14:30,401614,90930,Burglary,,x,,\nR2,05/01/2024,14:30,401614,90930,Burglary,,x,,\n",
    )
    b = _write(
        tmp_path / "b.csv",
        HEAD
        + "\nR2,05/01/2024,14:30,401614,90930,Burglary,,x,,\nR3,06/01/2024,14:30,401614,90930,Drugs,,x,,\n",
    )
    res = read_force_export([a, b], raw)
    assert res.records[S.RECORD_ID].tolist() == ["R1", "R2", "R3"]
    assert res.report.rows_duplicate == 1 and res.report.reconciles
    assert res.records[S.SIMULATED].all() and (res.records[S.SOURCE] == "simulated").all()


# --- the example export and mapping in geodata/ ------------------------------------------------


def test_example_export_with_example_mapping(geodata_dir):
    folder = geodata_dir / "force_export_example"
    mapping_path = folder / "mapping.toml"
    if not mapping_path.exists():
        pytest.skip("geodata/force_export_example not present")
    raw_map = tomllib.loads(mapping_path.read_text(encoding="utf-8"))
    res = read_force_export(folder / "example.csv", mapping_path)
    rec = res.records
    cols = raw_map["columns"]
    csv = pd.read_csv(folder / "example.csv", dtype=str, keep_default_na=False)
    assert res.report.rows_read == len(csv) == 194
    assert res.report.rows_rejected == 0 and res.report.reconciles
    # categories exactly as the mapping table maps them
    expected = csv[cols["category"]].map(raw_map["categories"])
    assert rec[S.CATEGORY].value_counts().to_dict() == expected.value_counts().to_dict()
    subs = csv[cols["asb_subtype"]].map(raw_map["asb_subtypes"])
    is_asb = expected == S.ASB
    assert rec[S.ASB_SUBTYPE].notna().sum() == subs[is_asb].notna().sum()
    assert set(rec[S.MONTH]) == {"2022-07"}
    assert rec[S.RECORD_ID].tolist() == csv[cols["reference"]].tolist()
    assert rec[S.X].tolist() == csv[cols["easting"]].astype(float).tolist()
    hours = pd.to_datetime(csv[cols["time"]], format="%H:%M").dt.hour
    assert rec[S.HOUR].astype(int).tolist() == hours.tolist()
    # the mapping says simulated = true: every record is labelled
    assert rec[S.SIMULATED].all() and (rec[S.SOURCE] == "simulated").all()
    assert rec[S.IN_BCP].all()


def test_dates_without_a_format_read_iso_as_iso_and_the_rest_day_first(tmp_path):
    """2024-01-05 is 5 January (not May); 05/01/2024 is 5 January too (British order)."""
    csv = tmp_path / "x.csv"
    csv.write_text(
        "When,E,N,Cat\n2024-01-05,408000,91000,Burglary\n2024-02-03 14:30,408000,91000,Burglary\n"
        "05/01/2024,408000,91000,Burglary\n13/01/2024,408000,91000,Burglary\n",
        encoding="utf-8",
    )
    mapping = {"columns": {"date": "When", "easting": "E", "northing": "N", "category": "Cat"}}
    res = read_force_export([csv], mapping)
    assert res.report.rows_rejected == 0
    assert res.records[S.MONTH].tolist() == ["2024-01", "2024-02", "2024-01", "2024-01"]
    assert res.records[S.DATE].dt.day.tolist() == [5, 3, 5, 13]
