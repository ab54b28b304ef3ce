"""Store queries with areas in SQL, and one DuckDB connection per store (issue 23, item 5).

The reference for every area answer is the in-memory path the store replaced: all
records read, then :func:`hotspots.data.select.filter_records` /
:func:`hotspots.data.areas.records_in_area` (shapely, one test per location).
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import hotspots as hs
from hotspots.data import schema as S
from hotspots.data.areas import records_in_area, resolve_area
from hotspots.data.store import open_dataset
from hotspots.data.store_query import store_cursor
from hotspots.methods.detect import study_area

AREAS = ["Poole Town", "town:Bournemouth", "Poole Bus Station@300", "town-centre", "E01015431"]


@pytest.fixture(scope="module")
def bundled():
    return open_dataset("bundled")


@pytest.fixture(scope="module")
def every_record(bundled):
    return bundled.records()


def _key(df: pd.DataFrame) -> list[str]:
    return sorted(df[S.RECORD_ID].astype(str))


@pytest.mark.parametrize("spec", AREAS)
def test_records_in_an_area_are_exactly_the_polygon_test(bundled, every_record, spec):
    area = resolve_area(spec)
    got = bundled.records(area=area)
    want = every_record[records_in_area(every_record, area)]
    assert len(got) > 0
    assert _key(got) == _key(want)
    # the store's order (month, source file, line) is kept
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_records_of_bcp_are_the_stored_flag(bundled, every_record):
    got = bundled.records(months=("2024-03", "2024-03"), area="bcp")
    want = every_record[
        every_record[S.IN_BCP].to_numpy(dtype=bool)
        & (every_record[S.MONTH] == "2024-03").to_numpy(dtype=bool)
    ]
    assert len(got) == len(want) > 1000
    assert _key(got) == _key(want)


@pytest.mark.parametrize("spec", AREAS)
def test_counts_in_an_area_match_pandas_on_the_polygon_test(bundled, every_record, spec):
    area = resolve_area(spec)
    got = bundled.counts([S.MONTH, S.CATEGORY], area=area, months=("2024-01", "2024-03"))
    rec = every_record[
        records_in_area(every_record, area)
        & every_record[S.IN_BCP].to_numpy(dtype=bool)
        & every_record[S.MONTH].between("2024-01", "2024-03").to_numpy(dtype=bool)
    ]
    want = (
        rec.groupby([S.MONTH, S.CATEGORY], observed=True)
        .size()
        .rename("records")
        .reset_index()
        .sort_values([S.MONTH, S.CATEGORY])
    )
    assert list(got.columns) == [S.MONTH, S.CATEGORY, "records", "asb"]
    assert got["records"].dtype == np.int64 and got["asb"].dtype == np.int64
    assert got[[S.MONTH, S.CATEGORY]].astype(str).values.tolist() == (
        want[[S.MONTH, S.CATEGORY]].astype(str).values.tolist()
    )
    assert got["records"].tolist() == want["records"].tolist()
    asb = (got[S.CATEGORY] == S.ASB).to_numpy()
    assert (got["asb"].to_numpy() == np.where(asb, got["records"].to_numpy(), 0)).all()


def test_counts_by_location_columns_and_empty_windows(bundled):
    ward = resolve_area("Poole Town")
    by_x = bundled.counts([S.X], area=ward)
    assert by_x["records"].sum() == bundled.counts([S.MONTH], area=ward)["records"].sum()
    assert by_x[S.X].is_monotonic_increasing
    empty = bundled.counts([S.MONTH], area=ward, months=("2030-01", "2030-02"))
    assert len(empty) == 0 and list(empty.columns) == [S.MONTH, "records", "asb"]
    none = bundled.counts([S.MONTH], area="Poole Bus Station@50", categories="Bicycle theft")
    assert list(none.columns) == [S.MONTH, "records", "asb"]


def test_dataset_records_with_an_area_equal_the_in_memory_path(bundled, every_record):
    ds = hs.open_dataset(bundled.path)
    for spec in ("Poole Town", "Lower Gardens@200"):
        got = ds.records(months="2024-01:2024-03", categories="crime", area=spec)
        a = study_area(spec)
        rec = every_record[
            every_record[S.MONTH].between("2024-01", "2024-03").to_numpy(dtype=bool)
            & every_record[S.CATEGORY].isin(S.resolve_categories("crime")).to_numpy(dtype=bool)
            & every_record[S.IN_BCP].to_numpy(dtype=bool)
        ]
        want = rec[records_in_area(rec, a)]
        assert len(got) > 0
        assert _key(got) == _key(want)


def test_one_connection_and_a_cursor_per_thread(bundled, tmp_path):
    cur = store_cursor(bundled.path)
    assert store_cursor(bundled.path) is cur  # the same thread: the same cursor
    assert store_cursor(tmp_path) is cur  # every store shares the process's connection
    seen: dict[int, object] = {}

    def grab(i: int) -> None:
        seen[i] = store_cursor(bundled.path)
        seen[i].sql("SELECT 42").fetchall()  # usable on its own thread

    threads = [threading.Thread(target=grab, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen.values()} | {id(cur)}) == 4  # a cursor per thread


def test_queries_from_many_threads_at_once_agree(bundled):
    """Streamlit reruns come from several threads: the shared connection must hold."""
    want = bundled.counts([S.MONTH, S.CATEGORY])
    ward = resolve_area("Poole Town")
    want_ward = bundled.counts([S.MONTH], area=ward)
    errors: list[BaseException] = []
    results: list[tuple[pd.DataFrame, pd.DataFrame]] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(
                    (bundled.counts([S.MONTH, S.CATEGORY]), bundled.counts([S.MONTH], area=ward)),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 30
    for got, got_ward in results:
        pd.testing.assert_frame_equal(got, want)
        pd.testing.assert_frame_equal(got_ward, want_ward)


def test_every_ward_in_sql_is_exactly_its_polygon_in_bcp(bundled, every_record):
    """With bcp_only a ward is read by its stored ward_code (no polygon test at query
    time): for every bundled ward that is the polygon test on BCP's records, to the row.
    """
    from hotspots.data.boundaries import load_boundaries

    in_bcp = every_record[every_record[S.IN_BCP].to_numpy(dtype=bool)]
    codes = load_boundaries().wards[S.WARD_CODE].tolist()
    assert len(codes) == 33
    for code in codes:
        ward = resolve_area(f"ward:{code}")
        want = in_bcp[records_in_area(in_bcp, ward)]
        got = bundled.records(area=ward, bcp_only=True)
        assert len(want) > 0 and _key(got) == _key(want), code
        assert bundled.counts([S.MONTH], area=ward)["records"].sum() == len(want), code
