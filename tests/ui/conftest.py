"""Fixtures for the AppTest tier: every dashboard page run headless, in-process.

``streamlit.testing.v1.AppTest`` runs a page script without a browser and exposes its
widgets by key and its elements by type. It cannot run the map's JavaScript (the
``st_folium`` map is an opaque component whose JSON arguments hold the map script):
the map, clicks and downloads are tested in a real browser in ``tests/e2e``.

Expected numbers are counted here with plain pandas on the store's records (month,
``in_bcp``, ``ward_code`` and ``category`` columns), independently of the pages'
own filtering code.

Stores: the session's ``HOTSPOTS_STORE`` (set by ``tests/conftest.py``) holds the
``bundled`` store, built on first use. :func:`isolated_store` gives a test its own
store root (with the bundled store linked in) for tests that write, such as uploads.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.testing.v1 import AppTest

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

PAGES = {
    "overview": "app.py",
    "hotspot_map": "app_pages/1_Hotspot_map.py",
    "seasonal": "app_pages/2_Seasonal_comparison.py",
    "ward": "app_pages/3_Ward_view.py",
    "patrol": "app_pages/4_Patrol_planning.py",
    "data": "app_pages/5_Data.py",
    "accessibility": "app_pages/6_Accessibility.py",
}

# Seconds for one script run. The first run of a session builds the bundled store and
# loads the boundaries (10-30 s on 2 busy cores); later runs take about 1 s.
TIMEOUT = 300


def page_path(page: str) -> Path:
    """Absolute path of a page script, by short name (see :data:`PAGES`) or file name."""
    return ROOT / PAGES.get(page, page)


@pytest.fixture
def new_app_test():
    """``new_app_test(page)``: an AppTest of the page, not run yet (to set ``user``, secrets)."""
    return lambda page: AppTest.from_file(str(page_path(page)), default_timeout=TIMEOUT)


@pytest.fixture
def run_page():
    """``run_page(page, **query)``: an AppTest of the page, run once with the query string set."""

    def run(page: str, **query: str) -> AppTest:
        at = AppTest.from_file(str(page_path(page)), default_timeout=TIMEOUT)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        return at

    return run


@pytest.fixture(scope="module")
def default_page():
    """``default_page(page)``: the page run once with no query string, shared by a module's tests.

    For tests that only read what a page shows on its default view (they must not click, set
    widgets or run it again: use ``run_page`` for that): each page's script runs once per module
    instead of once per test (issue 20: the AppTest tier's CPU).
    """
    runs: dict[str, AppTest] = {}

    def run(page: str) -> AppTest:
        path = str(page_path(page))  # "overview" and "app.py" are one page
        if path not in runs:
            runs[path] = AppTest.from_file(path, default_timeout=TIMEOUT)
            runs[path].run()
        return runs[path]

    return run


@pytest.fixture(scope="session")
def bundled_records() -> pd.DataFrame:
    """Canonical records of the bundled store (the one the pages read)."""
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


@pytest.fixture
def isolated_store(tmp_path, monkeypatch, bundled_records):
    """A private store root for tests that write (uploads), with the bundled store linked in.

    The app's resource cache keeps opened stores by dataset name (``ui.cache._open``), so that
    cache is cleared on the way in and out: the next test reopens the session's stores. Every
    other cached result is keyed by its store's path and content version (``ui/cache.py``), so it
    stays: clearing them all made the next tests compute every default view again (issue 20).
    """
    from hotspots.data.store import dataset_path
    from hotspots.ui import cache

    shared = dataset_path("bundled")
    (tmp_path / "bundled").symlink_to(shared, target_is_directory=True)
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    cache._open.clear()
    yield tmp_path
    cache._open.clear()
