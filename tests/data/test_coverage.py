"""Tests for hotspots.data.coverage: months, gaps, LSOA vintage, summaries."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.data.coverage import (
    collapse_missing,
    coverage_table,
    lsoa_vintage,
    missing_months,
    summary_table,
)
from hotspots.data.select import month_range
from hotspots.errors import InputError

BCP_PER_MONTH = {
    "2018-10": 3978, "2018-11": 3586, "2018-12": 3638, "2019-01": 3575,
    "2019-02": 3374, "2024-01": 3126, "2024-02": 2984, "2024-03": 3263,
}  # fmt: skip


@pytest.fixture
def toy():
    return S.conform(
        pd.DataFrame(
            {
                S.MONTH: ["2024-01", "2024-01", "2024-03", "2024-03", "2024-05"],
                S.CATEGORY: [S.ASB, "Burglary", S.ASB, "Drugs", "Drugs"],
                S.IN_BCP: [True, True, True, False, True],
                S.SOURCE: ["police.uk"] * 4 + ["force-export"],
                S.LSOA_CODE: ["E01015431", "E01015282", None, None, "E01034271"],
                S.WARD_NAME: ["Poole Town", "Kinson", "Poole Town", None, "Kinson"],
                S.TOWN: ["Poole", "Bournemouth", "Poole", None, "Bournemouth"],
            },
        ),
    )


# --- missing months --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "missing"),
    [
        (["2024-01", "2024-03"], ["2024-02"]),
        (["2024-03", "2023-11", "2024-03"], ["2023-12", "2024-01", "2024-02"]),
        (["2024-01", "2024-02"], []),
        (["2024-01"], []),
        ([], []),
    ],
)
def test_missing_months(months, missing):
    assert missing_months(months) == missing
    assert missing_months(pd.Series(months, dtype="string")) == missing


# --- LSOA vintage --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "names", "vintage"),
    [
        (["E01015282"], [None], "2011"),  # a code that exists only in 2011
        (["E01034271"], [None], "2021"),  # a code new in 2021
        (["E01015282", "E01034271"], [None, None], "mixed"),
        (["E01015431"], [None], "unknown"),  # unchanged between vintages: decides nothing
        ([None], ["Bournemouth 001A"], "2011"),
        ([None], ["East Dorset 003B"], "2011"),
        ([None], ["Bournemouth, Christchurch and Poole 001A"], "2021"),
        ([None], ["Dorset 012C"], "2021"),
        ([None], [None], "unknown"),
    ],
)
def test_lsoa_vintage(boundaries, codes, names, vintage):
    got = lsoa_vintage(
        pd.Series(codes, dtype="string"),
        pd.Series(names, dtype="string"),
        boundaries,
    )
    assert got == vintage


# --- coverage table -----------------------------------------------------------------------


def test_coverage_table_toy(toy):
    cov = coverage_table(toy)
    assert cov["month"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert cov["records"].tolist() == [2, 0, 1, 0, 1]  # the Drugs row outside BCP is not counted
    assert cov["asb"].tolist() == [1, 0, 1, 0, 0]
    assert cov["crime"].tolist() == [1, 0, 0, 0, 1]
    assert cov["Burglary"].tolist() == [1, 0, 0, 0, 0]
    assert cov["Drugs"].tolist() == [0, 0, 0, 0, 1]
    assert cov["missing"].tolist() == [False, True, False, True, False]
    assert cov["sources"].tolist() == ["police.uk", "", "police.uk", "", "force-export"]
    assert cov["lsoa_vintage"].tolist() == ["2011", "", "unknown", "", "2021"]
    # categories in canonical order, only those present
    cats = [c for c in cov.columns if c in S.CATEGORIES]
    assert cats == [S.ASB, "Burglary", "Drugs"]


def test_coverage_table_all_areas(toy):
    cov = coverage_table(toy, bcp_only=False)
    assert cov["records"].tolist() == [2, 0, 2, 0, 1]


def test_coverage_table_empty(toy):
    cov = coverage_table(toy.iloc[:0])
    assert len(cov) == 0 and {"month", "records", "missing"} <= set(cov.columns)


def test_collapse_missing_runs(toy):
    cov = coverage_table(toy)
    col = collapse_missing(cov)
    assert col["month"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    gap = col[col["missing"]].iloc[0]
    assert gap["sources"] == "no data (1 month missing)" and gap["records"] == 0
    # counts stay integers
    assert pd.api.types.is_integer_dtype(col["records"]) and pd.api.types.is_integer_dtype(
        col["Drugs"],
    )


def test_bundled_coverage(bundled_read):
    cov = coverage_table(bundled_read.records)
    months = month_range("2018-10", "2024-03")
    assert cov["month"].tolist() == months and len(months) == 66
    present = cov[~cov["missing"]]
    assert dict(zip(present["month"], present["records"], strict=True)) == BCP_PER_MONTH
    assert missing_months(bundled_read.records[S.MONTH]) == month_range("2019-03", "2023-12")
    assert cov["missing"].sum() == 58
    vint = dict(zip(present["month"], present["lsoa_vintage"], strict=True))
    assert vint == {m: ("2011" if m < "2020" else "2021") for m in BCP_PER_MONTH}
    assert set(present["sources"]) == {"police.uk"}
    # ASB a month: 607 (2024-01) to 1,237 (2018-10, the highest), as geodata/README.md says
    rec = bundled_read.records
    ref = rec[rec[S.IN_BCP] & (rec[S.CATEGORY] == S.ASB)].groupby(S.MONTH).size()
    assert dict(zip(present["month"], present["asb"], strict=True)) == ref.to_dict()
    assert ref.max() == ref["2018-10"] == 1237 and ref.min() == ref["2024-01"] == 607
    col = collapse_missing(cov)
    assert len(col) == 9
    gap = col[col["missing"]]
    assert gap["month"].tolist() == ["2019-03..2023-12"]
    assert gap["sources"].tolist() == ["no data (58 months missing)"]


# --- summaries -------------------------------------------------------------------------------


def test_summary_by_town_toy(toy):
    out = summary_table(toy, "town")
    assert list(out.columns) == ["town", "records", "asb", "crime", "share"]
    got = out.set_index("town").to_dict("index")
    assert got == {
        "Bournemouth": {"records": 2, "asb": 0, "crime": 2, "share": 0.5},
        "Poole": {"records": 2, "asb": 2, "crime": 0, "share": 0.5},
    }


def test_summary_outside_bcp_when_asked(toy):
    out = summary_table(toy, "ward", bcp_only=False).set_index("ward")
    assert out.loc["(outside BCP)", "records"] == 1
    assert out["records"].sum() == 5 and out["share"].sum() == pytest.approx(1.0)


def test_summary_by_month_and_category(toy):
    by_month = summary_table(toy, "month")
    assert by_month["month"].tolist() == ["2024-01", "2024-03", "2024-05"]  # in month order
    by_cat = summary_table(toy, "category").set_index("category")
    assert by_cat["records"].to_dict() == {S.ASB: 2, "Burglary": 1, "Drugs": 1}
    assert by_cat["records"].is_monotonic_decreasing


def test_summary_bad_by(toy):
    with pytest.raises(InputError) as info:
        summary_table(toy, "lsoa")
    assert info.value.argument == "by"


def test_bundled_summary_by_ward_matches_an_independent_join(bundled_read, geodata_dir, boundaries):
    rec = bundled_read.records
    by_ward = summary_table(rec, "ward").set_index("ward")["records"]
    assert by_ward.sum() == 27_524 and len(by_ward) == 33
    # reference: each BCP record joined to the ward file read straight from geodata/
    wards = gpd.read_file(geodata_dir / "bcp_wards_2019_bgc.geojson").to_crs(27700)
    bcp = rec[rec[S.IN_BCP]]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(bcp[S.X], bcp[S.Y]), crs=27700)
    joined = gpd.sjoin(pts, wards[["WD19NM", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="last")]
    ref = joined["WD19NM"].value_counts()
    assert by_ward.sort_index().to_dict() == ref.sort_index().to_dict()
    by_town = summary_table(rec, "town").set_index("town")["records"].to_dict()
    assert by_town == {"Bournemouth": 16_631, "Poole": 8_871, "Christchurch": 2_022}
    town_of = boundaries.wards.set_index(S.WARD_NAME)[S.TOWN]
    assert ref.groupby(town_of.reindex(ref.index).to_numpy()).sum().to_dict() == by_town
