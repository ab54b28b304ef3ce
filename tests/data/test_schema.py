"""Tests for hotspots.data.schema: the canonical record columns, conform, categories."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.errors import InputError

# --- outputs: the schema as written down -------------------------------------


def test_record_columns_are_the_documented_ones_in_order():
    assert S.RECORD_COLUMNS == [
        "record_id", "crime_id", "source", "source_file", "source_row", "month", "date",
        "hour", "category", "asb_subtype", "lon", "lat", "x", "y", "location", "lsoa_code",
        "lsoa_name", "ward_code", "ward_name", "town", "in_bcp", "outcome", "simulated",
    ]  # fmt: skip
    assert list(S.RECORD_DTYPES) == S.RECORD_COLUMNS


def test_every_column_is_documented_in_the_module_docstring():
    table_rows = [line.split("  ")[0] for line in S.__doc__.splitlines()]
    documented = {c.strip() for row in table_rows for c in row.split(",")}
    assert set(S.RECORD_COLUMNS) <= documented


def test_categories_are_the_14_police_uk_categories():
    assert len(S.CATEGORIES) == 14
    assert len(set(S.CATEGORIES)) == 14
    assert S.CATEGORIES[0] == S.ASB == "Anti-social behaviour"
    assert len(S.CRIME_CATEGORIES) == 13
    assert S.ASB not in S.CRIME_CATEGORIES
    assert set(S.CATEGORY_GROUPS["all"]) == set(S.CATEGORIES)
    assert S.ASB_SUBTYPES == ("personal", "nuisance", "environmental")
    assert S.TOWNS == ("Bournemouth", "Christchurch", "Poole")


def test_hotspot_columns_end_with_geometry_and_name_the_ward():
    assert S.HOTSPOT_COLUMNS[-1] == "geometry"
    assert S.WARD_NAME in S.HOTSPOT_COLUMNS
    assert len(set(S.HOTSPOT_COLUMNS)) == len(S.HOTSPOT_COLUMNS)


def test_crs_constants():
    assert S.CRS_METRES == "EPSG:27700"
    assert S.CRS_DISPLAY == "EPSG:4326"


def test_empty_records_has_zero_rows_and_canonical_dtypes():
    df = S.empty_records()
    assert len(df) == 0
    assert list(df.columns) == S.RECORD_COLUMNS
    for col, dtype in S.RECORD_DTYPES.items():
        assert df[col].dtype == pd.Series(dtype=dtype).dtype, col


# --- conform -------------------------------------------------------------------


def test_conform_adds_missing_columns_drops_extras_and_orders():
    raw = pd.DataFrame(
        {
            "extra": [1, 2],
            S.Y: [90930.5, 91000.0],
            S.X: [401614.1, 409000.0],
            S.MONTH: ["2024-01", "2024-02"],
            S.CATEGORY: ["Burglary", S.ASB],
            S.SOURCE_ROW: [2, 3],
            S.DATE: ["2024-01-05", None],
            S.IN_BCP: [True, False],
        },
        index=[10, 20],
    )
    out = S.conform(raw)
    assert list(out.columns) == S.RECORD_COLUMNS
    assert "extra" not in out.columns
    assert list(out.index) == [0, 1]
    for col, dtype in S.RECORD_DTYPES.items():
        assert out[col].dtype == pd.Series(dtype=dtype).dtype, col
    assert out[S.X].tolist() == [401614.1, 409000.0]
    assert out[S.MONTH].tolist() == ["2024-01", "2024-02"]
    assert out[S.DATE].iloc[0] == pd.Timestamp("2024-01-05")
    assert pd.isna(out[S.DATE].iloc[1])
    # missing bool columns are False, missing others are NA
    assert out[S.SIMULATED].tolist() == [False, False]
    assert out[S.IN_BCP].tolist() == [True, False]
    assert out[S.WARD_NAME].isna().all()
    assert out[S.HOUR].isna().all()


def test_conform_of_empty_frame_is_empty_records():
    out = S.conform(pd.DataFrame({S.X: pd.Series(dtype="float64")}))
    pd.testing.assert_frame_equal(out, S.empty_records())


def test_conform_fills_missing_numeric_columns():
    out = S.conform(pd.DataFrame({S.MONTH: ["2024-01", "2024-02"]}))
    assert out[S.LON].isna().all() and out[S.LON].dtype == "float64"
    assert out[S.SOURCE_ROW].tolist() == [0, 0]  # no row in a file


def test_conform_is_idempotent():
    raw = pd.DataFrame({S.MONTH: ["2024-01"], S.HOUR: [23], S.CATEGORY: ["Robbery"]})
    once = S.conform(raw)
    pd.testing.assert_frame_equal(S.conform(once), once)


# --- resolve_categories --------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (None, S.CATEGORIES),
        ("all", S.CATEGORIES),
        ("asb", (S.ASB,)),
        ("ASB", (S.ASB,)),
        ("crime", S.CRIME_CATEGORIES),
        ("robbery, burglary", ("Burglary", "Robbery")),  # canonical order
        (["Robbery", "robbery", "ROBBERY"], ("Robbery",)),  # no repeats
        ("asb,Drugs,", (S.ASB, "Drugs")),  # empty items ignored
        (("crime", "asb"), S.CATEGORIES),
    ],
)
def test_resolve_categories(types, expected):
    assert S.resolve_categories(types) == expected


def test_resolve_categories_unknown_names_the_argument_and_lists_categories():
    with pytest.raises(InputError) as info:
        S.resolve_categories("Burglary,Littering")
    err = info.value
    assert err.argument == "categories"  # the library's name for it (the CLI's --types)
    assert err.received == "Littering"
    assert "Vehicle crime" in err.hint
    assert "Littering" in str(err)
    with pytest.raises(InputError) as info:
        S.resolve_categories("Littering", argument="--types")
    assert info.value.argument == "--types"


# --- categories by name or slug (issue 24) -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bicycle-theft", ("Bicycle theft",)),
        ("Bicycle theft", ("Bicycle theft",)),
        ("BICYCLE_THEFT", ("Bicycle theft",)),
        ("violence-and-sexual-offences", ("Violence and sexual offences",)),
        ("criminal-damage-and-arson,asb", ("Anti-social behaviour", "Criminal damage and arson")),
        ("anti-social-behaviour", ("Anti-social behaviour",)),
    ],
)
def test_categories_by_name_or_slug(text, expected):
    assert S.resolve_categories(text) == expected


def test_unknown_category_still_refused_with_the_list():
    with pytest.raises(InputError, match="Categories: "):
        S.resolve_categories("bicycle-thefts")


def test_name_key():
    assert S.name_key("Westbourne & West Cliff") == "westbourne-and-west-cliff"
    assert S.name_key("  Poole   Town ") == S.name_key("poole-town") == "poole-town"
