"""hotspots.data.fetch against a local fake police.uk API (127.0.0.1 only; never the real one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from fake_police_api import bundled_fake, wait_for

from hotspots.data import fetch as F
from hotspots.data import schema as S
from hotspots.data.store import Store, open_dataset
from hotspots.errors import InputError

MONTHS = ["2024-01", "2024-02", "2024-03"]


@pytest.fixture
def store_root(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "stores"))
    return tmp_path / "stores"


@pytest.fixture
def fake(geodata_dir):
    # a limit of 2,000 crimes a polygon: each month (~5,000 crimes) must be split
    srv = bundled_fake(geodata_dir, limit=2000)
    yield srv
    srv.close()


def _api(url: str) -> F.PoliceApi:
    return F.PoliceApi(url, backoff_s=0.01, log=lambda m: None)


def _counts(store: Store):
    r = store.records()
    r = r[r[S.IN_BCP]]
    return r.groupby([S.MONTH, S.CATEGORY]).size().to_dict()


# --- inputs -------------------------------------------------------------------------------


def test_month_range_and_bad_months():
    assert F.month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    with pytest.raises(InputError, match="YYYY-MM"):
        F.month_range("2024-13", "2024-02")
    with pytest.raises(InputError, match="no later"):
        F.month_range("2024-03", "2024-02")


def test_api_root_setting(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_POLICE_API", raising=False)
    assert F.api_root() == "https://data.police.uk/api"
    monkeypatch.setenv("HOTSPOTS_POLICE_API", "http://127.0.0.1:9/api/")
    assert F.api_root() == "http://127.0.0.1:9/api"
    assert F.api_root("http://x/api") == "http://x/api"
    with pytest.raises(InputError):
        F.api_root("ftp://x")


def test_rate_limiter_allows_bursts_of_30_then_15_a_second():
    now = [0.0]

    def sleep(s):
        now[0] += s

    lim = F.RateLimiter(15, 30, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        lim.acquire()
    assert now[0] == 0.0  # the burst is free
    for _ in range(15):
        lim.acquire()
    assert now[0] == pytest.approx(1.0, abs=1e-9)  # then 15 a second


def test_polygon_holds_every_bundled_bcp_point_and_splits(bundled_read):
    pieces = F.bcp_polygon()
    rec = bundled_read.records
    rec = rec[rec[S.IN_BCP]]
    union = shapely.union_all(pieces)
    assert shapely.contains_xy(union, rec[S.LON].to_numpy(), rec[S.LAT].to_numpy()).all()
    assert F.poly_param(pieces[0]).count(":") == len(pieces[0].exterior.coords) - 2
    halves = F.split_piece(pieces[0])
    assert len(halves) >= 2
    assert shapely.union_all(halves).area == pytest.approx(pieces[0].area, rel=1e-9)


def test_categories_map_to_street_names():
    assert set(F.CATEGORY_NAMES.values()) == set(S.CATEGORIES)
    assert F.CATEGORY_NAMES["violent-crime"] == "Violence and sexual offences"


# --- outputs ------------------------------------------------------------------------------


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_fetch_yields_the_bundled_counts_and_survives_faults(fake, store_root):
    fake.faults = ["429", "500", "truncated"]
    bundled = open_dataset("bundled")
    store = Store(store_root / "fetched")
    rep = F.fetch_into(store, MONTHS, _api(fake.url))
    assert rep.by_status("fetched") == MONTHS
    assert fake.faults == []  # every fault was met and survived
    want = {k: v for k, v in _counts(bundled).items() if k[0] in MONTHS}
    assert _counts(store) == want
    for m in rep.months:
        assert m.report["reconciles"]
    assert F.last_updated(store) == fake.last_updated  # for "Data up to … (published …)"
    # outcome status kept, LSOA assigned from the boundaries
    got = store.records()
    got = got[got[S.IN_BCP]]
    ref = bundled.records()
    ref = ref[ref[S.MONTH].isin(MONTHS) & ref[S.IN_BCP]]
    assert sorted(got[S.OUTCOME].dropna()) == sorted(ref[S.OUTCOME].dropna())
    key = [S.CRIME_ID, S.LSOA_CODE]
    same = (
        got[key].dropna().drop_duplicates(S.CRIME_ID)
        .merge(ref[key].dropna().drop_duplicates(S.CRIME_ID), on=S.CRIME_ID, suffixes=("", "_ref"))
    )  # fmt: skip
    assert len(same) > 5000
    # the bundled LSOA boundaries are generalised (BGC): 94.8% agree with police.uk's own
    # code; a snap point near an edge falls in the neighbour
    assert (same[S.LSOA_CODE] == same[S.LSOA_CODE + "_ref"]).mean() > 0.93
    # a second run fetches nothing (already fetched) and changes nothing
    before = store.manifest()["id"]
    rep2 = F.fetch_into(store, MONTHS, _api(fake.url))
    assert rep2.by_status("skipped") == MONTHS
    assert store.manifest()["id"] == before


def test_fetch_into_the_real_dataset_takes_only_the_months_it_lacks(fake, store_root):
    from hotspots.errors import ShrinkRefusedError

    bundled = open_dataset("bundled")
    before, man = _counts(bundled), bundled.manifest()["id"]
    rep = F.fetch_into(bundled, ["2024-02"], _api(fake.url))
    assert rep.by_status("skipped") == ["2024-02"] and fake.crime_requests == 0
    # a refresh would replace the whole-force street file (rows outside BCP too) by a BCP
    # fetch: the store refuses to shrink the month, and nothing changes
    with pytest.raises(ShrinkRefusedError):
        F.fetch_into(bundled, ["2024-02"], _api(fake.url), refresh=True)
    assert _counts(bundled) == before and bundled.manifest()["id"] == man


def test_unpublished_month_and_dry_run(fake, store_root):
    store = Store(store_root / "dry")
    rep = F.fetch_into(store, ["2024-03", "2024-04"], _api(fake.url), dry_run=True)
    assert rep.by_status("planned") == ["2024-03"]
    assert rep.by_status("unpublished") == ["2024-04"]
    assert fake.crime_requests == 0 and not store.exists()


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_kill_mid_way_then_rerun_completes_nothing_doubled(fake, store_root, tmp_path):
    fake.faults = ["hang:2024-02"]
    env = {**os.environ, "HOTSPOTS_STORE": str(store_root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspots.cli", "fetch", "--from", "2024-01", "--to", "2024-03",
         "--dataset", "killed", "--api-url", fake.url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    store = Store(store_root / "killed")
    try:
        assert wait_for(lambda: store.exists() and "2024-01" in store.months(), 120)
        assert proc.poll() is None  # still running: hung on 2024-02's first request
    finally:
        proc.kill()  # SIGKILL
        proc.wait()
    fake.faults = []
    rep = F.fetch_into(store, MONTHS, _api(fake.url))
    assert rep.by_status("skipped") == ["2024-01"]
    assert rep.by_status("fetched") == ["2024-02", "2024-03"]
    want = {k: v for k, v in _counts(open_dataset("bundled")).items() if k[0] in MONTHS}
    assert _counts(store) == want
    assert not any(Path(store.path, ".fetch").glob("*/*"))
