"""The warm-up fills exactly the cache entries the pages read (hotspots.ui.warm_pages.warm_up).

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
from hotspots.ui import cache, warm, warm_pages


@pytest.fixture
def counted(monkeypatch):
    """Calls of the page view functions, by name, made after this fixture is set up."""
    calls: dict[str, int] = {}
    names = ("overview_view", "hotspot_view", "hotspot_detail", "seasonal_view", "ward_view",
             "patrol_view")  # views.* (the page models: below)  # fmt: skip
    for name in names:
        orig = getattr(views, name)

        def wrapper(*a, _orig=orig, _name=name, **k):
            calls[_name] = calls.get(_name, 0) + 1
            return _orig(*a, **k)

        monkeypatch.setattr(views, name, wrapper)
    return calls


@pytest.fixture
def no_background(monkeypatch):
    """app.py's ``start_warm_up`` finds a warm-up already started (this test runs its own)."""
    state = warm.warm_up_state()
    monkeypatch.setattr(state, "thread", threading.current_thread())
    monkeypatch.setattr(state, "first_page", threading.Event())
    state.first_page.set()


def test_warm_up_reports_its_steps_in_order_and_when_the_first_page_is_ready():
    ready = []
    steps = warm_pages.warm_up("bundled", pages=False, on_first_page=ready.append)
    names = [name for name, _ in steps]
    # "(kept)": the Overview's values were read back from the last warm-up's file
    assert names[2] in ("overview", "overview (kept)")
    assert names[:2] + names[3:] == ["store", "records", "what is new, coverage"]
    assert all(sec >= 0 for _, sec in steps)
    assert ready == [sum(sec for _, sec in steps)]


def test_overview_after_warm_up_computes_nothing_again(no_background, counted, new_app_test):
    warm_pages.warm_up("bundled", pages=False)
    counted.clear()
    at = new_app_test("overview").run()
    assert not at.exception
    assert counted.get("overview_view", 0) == 0


@pytest.fixture
def maps_made(monkeypatch):
    """Maps built (``maps.build_map``) and map payloads prepared (``folium_payload``) from now."""
    from hotspots.present import maps
    from hotspots.ui import map_component

    made: list[str] = []
    for mod, name in ((maps, "build_map"), (map_component, "folium_payload")):
        orig = getattr(mod, name)
        monkeypatch.setattr(
            mod, name, lambda *a, _o=orig, _n=name, **k: made.append(_n) or _o(*a, **k),
        )  # fmt: skip
    return made


@pytest.mark.slow
def test_hotspot_map_after_warm_up_computes_no_default_view_again(
    no_background,
    counted,
    new_app_test,
    monkeypatch,
    maps_made,
):
    from hotspots.present import hotspot_page as hp

    warm_pages.warm_up("bundled", pages=True)
    warm_pages.warm_pages("bundled")  # with each method's first hotspot's details panel
    counted.clear()
    maps_made.clear()
    models = []
    orig = hp.hotspot_page
    monkeypatch.setattr(hp, "hotspot_page", lambda *a, **k: models.append(1) or orig(*a, **k))
    at = new_app_test("hotspot_map").run()
    assert not at.exception
    assert counted.get("hotspot_view", 0) == 0
    # the other two methods on the defaults, then back: warmed too, each with the
    # picker's hotspot of the method before still selected on its map
    for method in ("kde", "gistar", "dbscan"):
        at.radio(key="method").set_value(method).run()
        assert not at.exception
    assert counted.get("hotspot_view", 0) == 0
    assert counted.get("hotspot_detail", 0) == 0  # each method's first hotspot's panel
    assert models == []  # nor their page models (tables, download files)
    assert maps_made == []  # nor their maps, as st_folium sends them


@pytest.mark.slow
def test_later_pages_after_warm_up_compute_no_default_view_again(
    no_background,
    counted,
    new_app_test,
    monkeypatch,
    maps_made,
):
    """Seasonal comparison, Ward view and Patrol planning open on views the warm-up made."""
    from hotspots.present import exports, reports

    warm_pages.warm_up("bundled", pages=True)
    steps = warm_pages.warm_pages("bundled")
    counted.clear()
    maps_made.clear()
    made = []
    for mod, name in ((exports, "export_files"), (reports, "ward_report_html")):
        orig = getattr(mod, name)
        monkeypatch.setattr(mod, name, lambda *a, _o=orig, **k: made.append(1) or _o(*a, **k))
    for page in ("seasonal", "ward", "patrol"):
        at = new_app_test(page).run()
        assert not at.exception, page
    assert {n: c for n, c in counted.items() if c} == {}
    recs, _ = cache.load_records("bundled")
    assert warm_pages.seasonal_defaults(recs) is not None  # the bundled data get a verdict
    assert made == []  # the ward report and the patrol downloads are warmed too
    assert maps_made == []  # and the change, ward and patrol maps, as st_folium sends them
    # the warm-up's steps name every page it warmed, in order
    names = [n for n, _ in steps]
    assert names[:4] == [
        "hotspot maps", "seasonal comparison", "ward view", "patrol planning",
    ]  # fmt: skip
    assert names[4:] in ([], ["values kept"])  # written unless read back at its start


def test_warm_up_is_off_when_asked(monkeypatch):
    monkeypatch.setenv("HOTSPOTS_WARM_UP", "0")
    monkeypatch.setattr(warm.warm_up_state(), "thread", None)
    assert warm.start_warm_up() is False
    assert warm.warm_up_state().thread is None


def test_background_warm_up_runs_once_and_records_its_estimate(monkeypatch, tmp_path):
    """Started twice, it runs once; the first page's time lands under the store root."""
    from hotspots.data.store import open_dataset

    (tmp_path / "bundled").symlink_to(open_dataset("bundled").path, target_is_directory=True)
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    monkeypatch.setenv("HOTSPOTS_WARM_UP", "1")
    calls = []
    monkeypatch.setattr(
        warm_pages,
        "warm_up",
        lambda dataset, on_first_page, pause: calls.append(dataset) or on_first_page(0.5),
    )
    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    monkeypatch.setattr(warm, "FIRST_PAGE_GRACE_S", 0.0)  # nobody draws a page here
    monkeypatch.setattr(
        warm_pages, "warm_pages", lambda dataset, pause: calls.append("pages") or [],
    )  # fmt: skip
    assert warm.start_warm_up() is True
    assert warm.start_warm_up() is False
    state = warm.warm_up_state()
    assert state.done.wait(30) and state.error is None
    assert calls == ["bundled", "pages"]  # the first page, then the other pages
    assert 0 <= warm.first_page_estimate_s() < 30
    assert (tmp_path / warm.WARM_FILE).exists()


def test_wait_for_first_page_returns_at_once_without_a_warm_up(monkeypatch):
    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    warm.wait_for_first_page(timeout_s=0.01)  # no spinner, no wait, no error outside a page


def test_the_warm_module_imports_nothing_heavy():
    """app.py imports it first, so the message can show while the analysis modules load."""
    import subprocess
    import sys

    code = (
        "import sys, hotspots.ui.warm\n"
        "print(','.join(m for m in ('pandas', 'pyarrow', 'scipy', 'hotspots.data.store',"
        " 'hotspots.present.views', 'hotspots.ui.cache') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def _assert_same(a, b, where="value"):
    """Equal values, looking into dataclasses, tuples, dicts and frames (frames by pandas)."""
    import dataclasses

    import pandas as pd

    if isinstance(a, pd.DataFrame | pd.Series):
        assert type(a) is type(b), where
        (pd.testing.assert_frame_equal if isinstance(a, pd.DataFrame) else
         pd.testing.assert_series_equal)(a, b)  # fmt: skip
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    elif hasattr(a, "equals"):  # shapely geometries
        assert a.equals(b), where
    else:
        assert a == b or (a != a and b != b), where  # NaN equals NaN here


def test_first_page_values_kept_on_disk_are_the_computed_ones(tmp_path):
    """The file the next start reads holds what the Overview computes; other keys miss it."""
    from hotspots.data.coverage import collapse_missing, coverage_table
    from hotspots.ui import first_page

    warm_pages.warm_up("bundled", pages=False)  # writes the file if it was not there
    store = cache.get_store("bundled")
    recs, _ = cache.load_records("bundled")
    f = cache._default_filters(recs)
    path = first_page.cache_file(store.path, store.manifest()["id"], f)
    kept = first_page.load(path)
    assert kept is not None and set(kept) == {"overview", "whats_new", "coverage"}
    _assert_same(kept["overview"], views.overview_view(recs, f), "overview")
    _assert_same(kept["coverage"], collapse_missing(coverage_table(recs)), "coverage")
    assert kept["whats_new"].currency == cache._whats_new(str(store.path), store.version).currency
    # another store content or other filters: another file
    assert first_page.cache_file(store.path, "another-id", f) != path
    assert first_page.cache_file(store.path, store.manifest()["id"], views.Filters(
        f.start, f.end, ("Anti-social behaviour",))) != path  # fmt: skip
    # a file that cannot be read is no file; one that cannot be written is skipped
    bad = tmp_path / "first-page-x.pickle"
    bad.write_bytes(b"not a pickle")
    assert first_page.load(bad) is None
    new = tmp_path / "new" / "first-page-z.pickle"
    assert first_page.save(new, {"a": 1}) is True  # its folder made
    assert first_page.load(new) == {"a": 1}
    (tmp_path / "ro").write_text("a file where the folder should be")
    assert first_page.save(tmp_path / "ro" / "first-page-y.pickle", {}) is False


@pytest.mark.slow
def test_a_new_server_process_reads_the_kept_values_and_does_not_import_scipy_stats():
    """The second start on the same store and code takes the Overview's values from disk."""
    import subprocess
    import sys

    warm_pages.warm_up("bundled", pages=False)  # the file exists after this
    code = (
        "import sys\n"
        "from hotspots.ui import warm_pages\n"
        "steps = warm_pages.warm_up('bundled', pages=False)\n"
        "print(steps[2][0], 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == "overview (kept) False"


# --- the warm-up gives way to the sessions' scripts ----------------------------------------
def test_yield_to_sessions_returns_at_once_when_no_script_runs(monkeypatch):
    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    assert warm.yield_to_sessions(max_wait_s=5.0) < 0.5


def test_yield_to_sessions_waits_while_a_script_runs_and_a_moment_after(monkeypatch):
    import time

    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    monkeypatch.setattr(warm, "QUIET_AFTER_S", 0.2)
    inside, release = threading.Event(), threading.Event()

    def script():
        with warm.session_script():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=script)
    t.start()
    assert inside.wait(10)
    threading.Timer(0.5, release.set).start()
    t0 = time.monotonic()
    waited = warm.yield_to_sessions(max_wait_s=10.0)
    ended_at = warm.warm_up_state().last_script_end
    t.join(10)
    assert 0.5 <= waited < 5.0  # the script's rest, then the quiet moment
    assert time.monotonic() - ended_at >= 0.2 - 1e-3  # not before the quiet moment passed
    assert time.monotonic() - t0 >= 0.7 - 1e-3
    assert warm.warm_up_state().running == 0


def test_yield_to_sessions_waits_no_longer_than_its_bound(monkeypatch):
    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    with warm.session_script():  # a script that never ends while the warm-up waits
        waited = warm.yield_to_sessions(max_wait_s=0.3)
    assert 0.3 - 1e-3 <= waited < 3.0


def test_a_script_stopped_by_an_exception_is_marked_ended(monkeypatch):
    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    with pytest.raises(RuntimeError), warm.session_script():
        assert warm.warm_up_state().running == 1
        raise RuntimeError  # Streamlit stops a script for a rerun by raising in it
    assert warm.warm_up_state().running == 0


def test_the_warm_up_pauses_only_after_the_first_page_and_between_its_steps():
    """``pause`` comes after ``on_first_page`` and before every later step's cached call."""
    events: list[str] = []
    steps = warm_pages.warm_up(
        "bundled",
        on_first_page=lambda _s: events.append("first page"),
        pause=lambda: events.append("pause"),
    )
    steps += warm_pages.warm_pages("bundled", pause=lambda: events.append("pause"))
    assert events[0] == "first page"
    # at least one pause inside each step after the first page
    assert events.count("pause") > len(steps)
    names = [n for n, _ in steps]
    assert names[4:6] in (["methods' modules", "kept values read"],
                          ["methods' modules", "no kept values"])  # fmt: skip
    assert names[6:11] == [
        "overview categories", "hotspot map", "method kde", "method gistar", "hotspot maps",
    ]  # fmt: skip
    assert all(sec >= 0 for _, sec in steps)


@pytest.mark.slow
def test_a_running_script_holds_the_warm_up_between_steps(monkeypatch):
    """While a session's script runs, the warm-up's Hotspot map steps do not start."""
    monkeypatch.setattr(warm, "_WARM", warm._Warm())
    monkeypatch.setattr(warm, "YIELD_MAX_S", 60.0)
    warm_pages.warm_up("bundled", pages=False)  # the store and its records in the caches
    calls: list[str] = []
    orig = cache._compute
    monkeypatch.setattr(cache, "_compute", lambda *a: calls.append(a[0]) or orig(*a))
    result: list = []
    with warm.session_script():
        t = threading.Thread(
            target=lambda: result.append(
                warm_pages.warm_hotspot_map("bundled", pause=warm.yield_to_sessions),
            ),
        )
        t.start()
        t.join(1.5)
        assert t.is_alive() and calls == []  # held at its first step
    t.join(120)
    assert not t.is_alive()
    assert "hotspot_view" in calls and result[0]


# --- the later pages' values kept for the next start ----------------------------------------
@pytest.mark.slow
def test_later_pages_values_are_kept_and_read_back_at_the_next_start(
    counted,
    monkeypatch,
    tmp_path,
):
    """A warm-up writes its views to the store; the next one reads them and computes none.

    The next start is this process with Streamlit's caches cleared, reaching the same
    store through a link (another path, as the benchmarks do); the values read back
    equal the ones computed (the Hotspot map's tables, Patrol's places, the streets).
    """
    import streamlit as st

    from hotspots.ui import first_page

    store = cache._open("bundled")
    recs = cache._records(str(store.path), store.version)
    kept = warm_pages._kept_file("bundled")
    assert kept.name.startswith("warm-pages-") and kept.parent == store.path / ".cache"
    kept.unlink(missing_ok=True)
    st.cache_resource.clear()
    steps = warm_pages.warm_up("bundled") + warm_pages.warm_pages("bundled")
    names = [n for n, _ in steps]
    assert "no kept values" in names and names[-1] == "values kept" and kept.exists()
    assert counted.get("hotspot_view", 0) == 3 and counted.get("patrol_view", 0) == 1
    f = cache._default_filters(recs)
    hot = tuple(sorted({**cache.HOTSPOT_DEFAULTS, "method": "gistar"}.items()))
    patrol = tuple(sorted(warm_pages.PATROL_DEFAULTS.items()))
    path, version = str(store.path), store.version
    before = (
        cache._compute("hotspot_view", path, version, f, hot).hotspots.drop(columns="geometry"),
        cache._compute("patrol_view", path, version, f, patrol).places.drop(columns="geometry"),
        cache._streets(path, version),
    )
    from hotspots.present import maps

    built = []
    orig_build = maps.build_map
    monkeypatch.setattr(maps, "build_map", lambda *a, **k: built.append(1) or orig_build(*a, **k))
    st.cache_resource.clear()  # the next start: nothing in memory, the store under another path
    (tmp_path / "bundled").symlink_to(store.path, target_is_directory=True)
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    counted.clear()
    steps = warm_pages.warm_up("bundled") + warm_pages.warm_pages("bundled")
    linked = cache._open("bundled")
    assert linked.version != version and linked.manifest()["id"] == store.manifest()["id"]
    path, version = str(linked.path), linked.version
    names = [n for n, _ in steps]
    assert "kept values read" in names and "values kept" not in names
    assert {n: c for n, c in counted.items() if c} == {}  # the Overview's too
    assert built == []  # nor the Hotspot map's, Ward view's and Patrol planning's maps
    after = (
        cache._compute("hotspot_view", path, version, f, hot).hotspots.drop(columns="geometry"),
        cache._compute("patrol_view", path, version, f, patrol).places.drop(columns="geometry"),
        cache._streets(path, version),
    )
    assert after[0].equals(before[0]) and after[1].equals(before[1])
    assert after[2] is not before[2] and len(after[2].streets) == len(before[2].streets)
    assert cache._SEEDS == {}  # nothing read back is left over in memory
    # another store content, code or library version: another file name
    other = first_page.cache_file(store.path, "other-manifest", f, name="warm-pages",
                                  libraries=first_page.LIBRARIES)  # fmt: skip
    assert other != kept
