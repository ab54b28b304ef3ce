"""Session-wide test setup: a private store root and the bundled police.uk read.

Stores built during the tests (``open_dataset("bundled")`` builds itself on first use)
go to a temporary folder unless ``HOTSPOTS_STORE`` is already set, so no test touches
the user's cache. Under pytest-xdist (``-n 2``) each worker has its own store root below
that one (``.../gw0``, ``.../gw1``): no two processes build or change one store at once.

Tiers (markers, registered in pyproject.toml): ``browser`` (Chromium), ``slow`` (many seeds,
spawned processes, the esda reference, and the measured slowest tests listed in
``SLOW_BY_MEASUREMENT`` below) and ``apptest`` (every test under ``tests/ui``, given here):
``scripts/test.sh fast`` runs the rest. The browser tests all go to one xdist worker
(``xdist_group("browser")`` with ``--dist loadgroup``), so one app server serves them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_GEODATA = Path(__file__).resolve().parents[1] / "geodata"
_OWN_STORE: str | None = None


def pytest_configure(config):
    global _OWN_STORE
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1... under pytest-xdist
    base = os.environ.get("HOTSPOTS_STORE")
    if not base:
        _OWN_STORE = tempfile.mkdtemp(prefix="hotspots-test-store-")
        os.environ["HOTSPOTS_STORE"] = _OWN_STORE
    elif worker:
        os.environ["HOTSPOTS_STORE"] = str(Path(base) / worker)
    # no background warm-up in test processes (AppTest runs app.py in-process: a warm-up
    # thread would outlive the test and its store); tests that want it set it back to 1
    os.environ.setdefault("HOTSPOTS_WARM_UP", "0")


# The slowest tests outside the slow tier, by `--durations` of the fast tier (issue 20): moved to
# the slow tier here, in one list, so the fast tier stays under a minute on 2 cores. An id that
# no longer exists matches nothing (a renamed test simply returns to the fast tier).
SLOW_BY_MEASUREMENT = {
    "tests/comparison/test_compare_change.py::TestSeasonal::test_real_data_has_no_summer",
    "tests/comparison/test_compare_change.py::TestHotspotChange::test_real_data_no_slab",
    "tests/data/test_archive.py::test_duckdb_tables_equal_the_in_memory_ones_on_the_bundled_months",
    "tests/methods/test_detect.py::test_uniform_noise_gives_almost_no_hotspots",
    "tests/methods/test_gistar.py::TestHotspotAreas::test_uniform_noise_gives_at_most_one_hotspot",
    "tests/data/test_simulate.py::test_target_vs_control_ratio_recovers_the_effect_in_the_draws",
    "tests/data/test_simulate.py::test_calibrated_dispersion_matches_the_real_months",
    "tests/data/test_simulate.py::test_same_seed_same_records_other_seed_other_records",
    "tests/commands/test_pack_cmd.py::test_pdf_pages_map_numbers_and_table_names",
    "tests/commands/test_compare_cmds.py::TestEvaluate::test_intervention_from_register",
    "tests/data/test_store_safety.py::test_import_in_batches_stores_what_one_batch_stores",
    # issue 19: two CLI evaluations of the simulated Seasonal Response (about 25 s)
    "tests/present/test_evaluation_words.py::test_cli_table_and_reading_agree_on_the_simulated_seasonal_response",
}


def pytest_collection_modifyitems(config, items):
    ui = Path(__file__).resolve().parent / "ui"
    xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if item.nodeid.split("[")[0] in SLOW_BY_MEASUREMENT:
            item.add_marker(pytest.mark.slow)
        if ui in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.apptest)
        if xdist and item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_unconfigure(config):
    if _OWN_STORE:
        shutil.rmtree(_OWN_STORE, ignore_errors=True)
        if os.environ.get("HOTSPOTS_STORE") == _OWN_STORE:
            del os.environ["HOTSPOTS_STORE"]


@pytest.fixture(scope="session")
def geodata_dir() -> Path:
    """The repository's bundled ``geodata/`` folder."""
    return _GEODATA


@pytest.fixture(scope="session")
def bundled_read(geodata_dir):
    """``read_police_uk`` of the 8 bundled real months (read once per session, ~5 s)."""
    from hotspots.data.ingest import read_police_uk

    return read_police_uk([geodata_dir / "police_uk"])


# --- one Chromium for every browser test of the session ---------------------------------------
# (Playwright's sync API allows one instance per thread: the e2e and present tiers share it)
CHROMIUM = os.environ.get("HOTSPOTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/setup.sh (apt-get install chromium), "
                    "set HOTSPOTS_CHROMIUM, or deselect with -m 'not browser'")  # fmt: skip
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
