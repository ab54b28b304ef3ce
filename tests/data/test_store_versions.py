"""Tests for hotspots.data.store_versions: kept versions of months, no silent shrinking, restore."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.data import store_versions
from hotspots.data.store import Store
from hotspots.errors import InputError, ShrinkRefusedError

MONTH = "2024-03"


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(S.RECORD_ID).reset_index(drop=True)


@pytest.fixture
def small_and_full(street, tmp_path):
    """The first 2,499 rows of a real month and the whole month, under one file name."""
    small = street.sample(MONTH, 2499, name=f"small/{MONTH}-dorset-street.csv")
    full = street.sample(MONTH, 10**6, name=f"full/{MONTH}-dorset-street.csv")
    return small, full


# --- outputs: the acceptance ------------------------------------------------------


def test_smaller_reimport_is_refused_and_full_version_restores_exactly(small_and_full, tmp_path):
    small, full = small_and_full
    store = Store(tmp_path / "s")
    store.ingest([small])
    n_small = len(store.records())
    store.ingest([full])
    full_records = store.records()
    n_full = len(full_records)
    assert n_small < n_full * 0.6
    files_full = store.files()

    with pytest.raises(ShrinkRefusedError) as err:
        store.ingest([small])
    msg = str(err.value)
    assert MONTH in msg and f"{n_full:,} to {n_small:,} rows" in msg
    assert f"{n_full - n_small:,} rows removed" in msg and "--replace-smaller" in msg
    assert err.value.months == [
        {
            "month": MONTH,
            "rows_before": n_full,
            "rows_after": n_small,
            "rows_removed": n_full - n_small,
            "current_version": 2,
        },
    ]
    # refused: the store is as it was, and no staged file is left behind
    pd.testing.assert_frame_equal(_sorted(store.records()), _sorted(full_records))
    assert not store.staged_files()

    store.ingest([small], replace_smaller=True)
    assert len(store.records()) == n_small
    hist = store.history(MONTH)
    assert [(h["version"], h["rows"], h["current"]) for h in hist] == [
        (1, n_small, False),
        (2, n_full, False),
        (3, n_small, True),
    ]

    done = store.restore(MONTH, 2)
    assert (done["version"], done["rows"], done["how"]) == (4, n_full, "restored from version 2")
    pd.testing.assert_frame_equal(_sorted(store.records()), _sorted(full_records))
    assert store.files() == files_full
    assert store.history(MONTH)[-1]["current"]


def test_a_small_shrink_within_the_tolerance_is_accepted(street, tmp_path, monkeypatch):
    store = Store(tmp_path / "s")
    store.ingest([street.sample(MONTH, 1000, name=f"a/{MONTH}-dorset-street.csv")])
    monkeypatch.setattr(store_versions, "SHRINK_TOLERANCE_PCT", 5.0)
    n = len(store.records())
    store.ingest([street.sample(MONTH, 960, name=f"b/{MONTH}-dorset-street.csv")])  # -4 %
    assert n * 0.95 <= len(store.records()) < n
    monkeypatch.setattr(store_versions, "SHRINK_TOLERANCE_PCT", 1.0)
    with pytest.raises(ShrinkRefusedError, match="more than the 1% a replacement may remove"):
        store.ingest([street.sample(MONTH, 900, name=f"c/{MONTH}-dorset-street.csv")])


def test_versions_are_pruned_to_the_setting_and_their_files_removed(street, tmp_path, monkeypatch):
    monkeypatch.setattr(store_versions, "KEEP_VERSIONS", 2)
    store = Store(tmp_path / "s")
    for n in (100, 200, 300, 400):
        store.ingest([street.sample(MONTH, n, name=f"{n}/{MONTH}-dorset-street.csv")])
    hist = store.history(MONTH)
    assert [h["version"] for h in hist] == [3, 4] and hist[-1]["current"]
    on_disk = sorted(p.name for p in (store.path / "records").rglob("*.parquet"))
    kept = sorted(v["file"].rsplit("/", 1)[-1] for v in store.manifest()["versions"][MONTH])
    assert on_disk == kept
    assert store.prune_versions(1) == 1
    assert len(list((store.path / "records").rglob("*.parquet"))) == 1
    with pytest.raises(InputError, match="kept: 4"):
        store.restore(MONTH, 3)


def test_an_old_version_stays_on_disk_until_pruned_and_check_sees_it(street, tmp_path):
    store = Store(tmp_path / "s")
    store.ingest([street.sample(MONTH, 100, name=f"a/{MONTH}-dorset-street.csv")])
    store.ingest([street.sample(MONTH, 200, name=f"b/{MONTH}-dorset-street.csv")])
    old = store.manifest()["versions"][MONTH][0]["file"]
    assert (store.path / old).exists() and store.check() == []
    (store.path / old).unlink()
    assert store.check() == [old]
    store.repair()
    assert [h["version"] for h in store.history(MONTH)] == [2] and store.check() == []


def test_replacing_the_whole_store_keeps_removed_months_restorable(street, tmp_path):
    store = Store(tmp_path / "s")
    store.ingest([street.sample("2024-01", 300), street.sample("2024-02", 300)])
    jan = _sorted(store.records(months=("2024-01", "2024-01")))
    store.ingest([street.sample("2024-02", 300, name="x/2024-02-dorset-street.csv")], replace=True)
    assert store.months() == ["2024-02"]
    hist = store.history("2024-01")
    assert [(h["version"], h["current"]) for h in hist] == [(1, False), (2, False)]
    assert hist[1]["rows"] == 0 and "month removed" in hist[1]["how"]
    store.restore("2024-01", 1)
    assert store.months() == ["2024-01", "2024-02"]
    pd.testing.assert_frame_equal(_sorted(store.records(months=("2024-01", "2024-01"))), jan)


# --- inputs --------------------------------------------------------------------------------


def test_restore_names_what_can_be_restored(street, tmp_path):
    store = Store(tmp_path / "s")
    store.ingest([street.sample(MONTH, 100)])
    with pytest.raises(InputError, match=f"these have: {MONTH}"):
        store.restore("2030-01", 1)
    with pytest.raises(InputError, match="kept: 1"):
        store.restore(MONTH, 7)
