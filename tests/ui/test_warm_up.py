"""The warm-up fills exactly the cache entries the pages read (hotspots.ui.cache.warm_up).

After :func:`warm_up`, the Overview and the Hotspot map opened with their defaults must
not compute their views again: the view functions are replaced by counting wrappers after
the warm-up and the pages are run (AppTest runs them in this process, so they share its
Streamlit caches). A page whose default filters or parameters drifted from the warm-up's
would compute its view again and fail here.
"""

from __future__ import annotations

import threading

import pytest

from hotspots.present import views
from hotspots.ui import cache


@pytest.fixture
def counted(monkeypatch):
    """Calls of the page view functions, by name, made after this fixture is set up."""
    calls: dict[str, int] = {}
    for name in ("overview_view", "hotspot_view"):
        orig = getattr(views, name)

        def wrapper(*a, _orig=orig, _name=name, **k):
            calls[_name] = calls.get(_name, 0) + 1
            return _orig(*a, **k)

        monkeypatch.setattr(views, name, wrapper)
    return calls


@pytest.fixture
def no_background(monkeypatch):
    """app.py's ``start_warm_up`` finds a warm-up already started (this test runs its own)."""
    monkeypatch.setattr(cache._WARM, "thread", threading.current_thread())
    monkeypatch.setattr(cache._WARM, "first_page", threading.Event())
    cache._WARM.first_page.set()


def test_warm_up_reports_its_steps_in_order():
    steps = cache.warm_up("bundled", pages=False)
    assert [name for name, _ in steps] == ["store", "records", "overview", "what is new, coverage"]
    assert all(sec >= 0 for _, sec in steps)
    assert cache.first_page_estimate_s() >= 0  # recorded under the store root


def test_overview_after_warm_up_computes_nothing_again(no_background, counted, new_app_test):
    cache.warm_up("bundled", pages=False)
    counted.clear()
    at = new_app_test("overview").run()
    assert not at.exception
    assert counted.get("overview_view", 0) == 0


@pytest.mark.slow
def test_hotspot_map_after_warm_up_computes_no_default_view_again(
    no_background, counted, new_app_test
):
    cache.warm_up("bundled", pages=True)
    counted.clear()
    at = new_app_test("hotspot_map").run()
    assert not at.exception
    assert counted.get("hotspot_view", 0) == 0
    for method in ("kde", "gistar"):  # the other two methods on the defaults: warmed too
        at.radio(key="method").set_value(method).run()
        assert not at.exception
    assert counted.get("hotspot_view", 0) == 0


def test_warm_up_is_off_in_test_processes_and_on_when_asked(monkeypatch):
    monkeypatch.setenv("HOTSPOTS_WARM_UP", "0")
    monkeypatch.setattr(cache._WARM, "thread", None)
    assert cache.start_warm_up() is False
    assert cache._WARM.thread is None


def test_wait_for_first_page_returns_at_once_without_a_warm_up(monkeypatch):
    monkeypatch.setattr(cache._WARM, "thread", None)
    cache.wait_for_first_page(timeout_s=0.01)  # no spinner, no wait, no error outside a page
