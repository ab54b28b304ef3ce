"""Session-wide test setup: a private store root and the bundled police.uk read.

Stores built during the tests (``open_dataset("bundled")`` builds itself on first use)
go to a temporary folder unless ``HOTSPOTS_STORE`` is already set, so no test touches
the user's cache. Under pytest-xdist (``-n 2``) each worker has its own store root below
that one (``.../gw0``, ``.../gw1``): no two processes build or change one store at once.

Tiers (markers, registered in pyproject.toml): ``browser`` (Chromium), ``slow`` (many seeds,
spawned processes, the esda reference, and the measured slowest tests listed in
``SLOW_BY_MEASUREMENT`` below) and ``apptest`` (every test under ``tests/ui``, given here):
``scripts/test.sh fast`` runs the rest. Under pytest-xdist (``--dist loadgroup``) the browser
tests on the e2e app server share one xdist group, so one worker and one app server; the other
browser tests are grouped by module (``browser_group`` below) and run on any worker.
"""

from __future__ import annotations

import os
import shutil
import sys
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
    # stop 26: every fast-tier test at 1 s or more in `--durations` of the fast tier (1,812 tests,
    # 182 s on a 2-core machine at load 3-7), so the inner loop answers in about a minute
    "tests/commands/test_compare_cmds.py::TestChange::test_csv_all_cells",
    "tests/commands/test_compare_cmds.py::TestChange::test_geojson_wgs84",
    "tests/commands/test_compare_cmds.py::TestChange::test_json",
    "tests/commands/test_compare_cmds.py::TestCompare::test_csv_and_table",
    "tests/commands/test_compare_cmds.py::TestSimulatedDataset::test_default_windows_and_evaluation",
    "tests/commands/test_detect_cmd.py::test_geojson_is_wgs84_with_parameters",
    "tests/commands/test_detect_cmd.py::test_gistar_permutations_and_seed_reach_the_method",
    "tests/commands/test_detect_cmd.py::test_gistar_scope_reaches_the_method",
    "tests/commands/test_detect_cmd.py::test_json_and_csv_record_the_parameters",
    "tests/commands/test_detect_cmd.py::test_real_2024_hotspots_include_town_centre_and_poole_bus_station",
    "tests/commands/test_detect_cmd.py::test_table_gives_each_hotspot_the_pages_number_name_and_count",
    "tests/commands/test_detect_cmd.py::test_table_output_for_people",
    "tests/commands/test_detect_cmd.py::test_user_gazetteer_names_more_hotspots",
    "tests/commands/test_pack_cmd.py::test_html_is_self_contained",
    "tests/commands/test_pack_cmd.py::test_pack_without_month_opens_on_the_pages_default_window",
    "tests/commands/test_pack_cmd.py::test_previous_comparison_has_classes_and_gone",
    "tests/commands/test_pack_cmd.py::test_year_comparison_without_data_is_said_and_still_renders",
    "tests/commands/test_store_cmds.py::test_cli_records_the_os_user_for_a_restricted_dataset_only",
    "tests/commands/test_store_cmds.py::test_repair_check_lists_a_leftover_staged_file_with_its_size",
    "tests/commands/test_store_cmds.py::test_smaller_file_refused_then_history_and_restore",
    "tests/comparison/test_compare_change.py::TestHotspotChange::test_real_data_same_grid",
    "tests/data/test_archive.py::test_a_store_of_the_earlier_layout_is_still_read_and_upgraded",
    "tests/data/test_archive.py::test_interrupted_import_leaves_the_store_as_it_was",
    "tests/data/test_archive.py::test_keep_all_and_force",
    "tests/data/test_archive.py::test_plain_duckdb_reads_the_store_and_agrees_with_summary",
    "tests/data/test_crime_id_storage.py::test_a_store_with_text_ids_reads_the_same_and_is_upgraded_on_the_next_import",
    "tests/data/test_crime_id_storage.py::test_restoring_a_version_kept_from_before_is_upgraded",
    "tests/data/test_fetch.py::test_fetch_into_the_real_dataset_takes_only_the_months_it_lacks",
    "tests/data/test_simulate.py::test_busy_real_locations_are_busy_simulated_locations",
    "tests/data/test_simulate.py::test_crime_rows_have_64_hex_ids_and_asb_rows_none",
    "tests/data/test_simulate.py::test_records_follow_the_canonical_schema",
    "tests/data/test_store.py::test_bundled_dataset_builds_itself_on_first_use",
    "tests/data/test_store.py::test_bundled_store_equals_the_bundled_read",
    "tests/data/test_store.py::test_clear",
    "tests/data/test_store.py::test_corrected_file_replaces_its_rows_only",
    "tests/data/test_store.py::test_crime_ids_already_in_the_store_from_another_file",
    "tests/data/test_store.py::test_failed_manifest_swap_leaves_the_store_as_it_was",
    "tests/data/test_store.py::test_failure_while_writing_month_files_leaves_the_store_as_it_was",
    "tests/data/test_store.py::test_file_with_no_good_rows_replaces_nothing_whatever_its_name",
    "tests/data/test_store.py::test_ingest_then_records_round_trip",
    "tests/data/test_store.py::test_last_report_and_rejected_rows",
    "tests/data/test_store.py::test_records_month_window",
    "tests/data/test_store.py::test_reimport_from_a_zip_replaces_not_duplicates",
    "tests/data/test_store.py::test_reimport_is_idempotent",
    "tests/data/test_store.py::test_renamed_copy_replaces_instead_of_adding_asb",
    "tests/data/test_store.py::test_replace_is_atomic_and_skipped_when_nothing_was_accepted",
    "tests/data/test_store.py::test_store_for_a_force_export_with_the_example_mapping",
    "tests/data/test_store.py::test_version_changes_when_content_changes",
    "tests/data/test_store_safety.py::test_an_import_repairs_a_damaged_store_first",
    "tests/data/test_store_safety.py::test_empty_window_is_an_error_with_exit_1",
    "tests/data/test_store_safety.py::test_missing_month_file_is_a_clear_error_then_repaired",
    "tests/data/test_store_safety.py::test_reader_rereads_the_manifest_when_a_month_file_is_replaced_under_it",
    "tests/data/test_store_safety.py::test_renamed_copy_in_a_second_command_is_not_counted_twice",
    "tests/data/test_store_safety.py::test_republished_month_replaces_the_earlier_and_says_so",
    "tests/data/test_store_safety.py::test_simulated_month_never_replaces_the_real_one",
    "tests/data/test_store_safety.py::test_two_months_both_named_street_csv_in_two_folders",
    "tests/data/test_store_safety.py::test_waiting_writer_proceeds_when_the_first_finishes",
    "tests/data/test_store_versions.py::test_a_small_shrink_within_the_tolerance_is_accepted",
    "tests/data/test_store_versions.py::test_an_old_version_stays_on_disk_until_pruned_and_check_sees_it",
    "tests/data/test_store_versions.py::test_replacing_the_whole_store_keeps_removed_months_restorable",
    "tests/data/test_store_versions.py::test_smaller_reimport_is_refused_and_full_version_restores_exactly",
    "tests/data/test_store_versions.py::test_versions_are_pruned_to_the_setting_and_their_files_removed",
    "tests/methods/test_detect.py::test_every_busy_ward_has_a_hotspot",
    "tests/methods/test_gistar.py::TestHotspotAreas::test_real_hotspots_hold_records_inside_bcp",
    "tests/methods/test_gistar.py::TestMapPointInference::test_exact_coordinates_fall_back_to_permutation",
    "tests/methods/test_gistar.py::TestRealInference::test_far_fewer_hot_cells_than_normal",
    "tests/methods/test_hierarchy.py::test_names_stay_put_with_one_month",
    "tests/methods/test_naming.py::test_real_hotspot_names_point_at_their_busiest_location",
    "tests/present/test_hotspot_page.py::test_compare_previous_adds_change_columns_after_the_key_columns",
    "tests/present/test_pack.py::test_every_data_string_is_escaped",
    "tests/present/test_pack.py::test_map_page_names_the_hotspots_streets",
    "tests/present/test_pack.py::test_one_count_per_hotspot_per_window",
    "tests/present/test_pack_tiles.py::test_a_wards_pack_is_at_street_scale_and_names_its_streets",
    "tests/present/test_pack_tiles.py::test_failing_tile_server_falls_back_and_says_so",
    "tests/present/test_pack_tiles.py::test_inset_is_central_bournemouth_at_street_scale",
    "tests/present/test_pack_tiles.py::test_map_view_tiles_once_attributed_and_no_key",
    "tests/present/test_pack_tiles.py::test_no_tiles_and_no_streets_says_no_street_map",
    "tests/present/test_search.py::test_bundled_streets_gazetteer_and_wards",
    "tests/present/test_seasonal_page.py::test_target_metrics_add_up_to_the_records_in_the_target",
    "tests/test_api.py::test_compare_is_compare_periods",
    "tests/test_api.py::test_ingest_reports_and_stores",
    "tests/test_import_graph.py::test_no_import_cycle_in_the_package",
    "tests/test_import_graph.py::test_no_module_imports_another_modules_private_names",
    "tests/test_import_graph.py::test_validation_is_the_bottom_layer",
    "tests/test_packaging.py::test_library_imports_are_core_dependencies_and_the_core_has_no_app",
    "tests/test_tiers.py::test_every_test_moved_to_the_slow_tier_by_id_exists",
    "tests/test_validation.py::test_number_types_agree",
}


# tryfirst: pytest-xdist's worker reads the xdist_group markers in its own hook (to append
# "@group" to the node ids for --dist loadgroup); without tryfirst that ran before this one, the
# groups were never applied and the browser tests spread over every worker, a server on each
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    ui = Path(__file__).resolve().parent / "ui"
    xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if item.nodeid.split("[")[0] in SLOW_BY_MEASUREMENT:
            item.add_marker(pytest.mark.slow)
        if ui in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.apptest)
        if xdist and item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group(browser_group(item)))
            if getattr(config.option, "loadgroup", False):
                put_in_group(item, browser_group(item))


def put_in_group(item, group: str) -> None:
    """Append ``@group`` to the node id as pytest-xdist's ``--dist loadgroup`` reads it.

    pytest-xdist 3.8 does this in its worker (``remote.py``) by rewriting ``item._nodeid``, but
    pytest 9.2 keeps the node id as a structured ``item._id``, so that rewrite is ignored and the
    groups are never applied (pytest-xdist issue #1386; the fix, PR #1388, does what this does).
    On a pytest that still reads ``_nodeid`` this does nothing and xdist's own rewrite works.
    """
    try:
        from _pytest.nodeid import NodeId  # pytest >= 9.2
    except ImportError:
        return
    if isinstance(getattr(item, "_id", None), NodeId) and "@" not in item.nodeid:
        item._id = NodeId.parse(f"{item.nodeid}@{group}")


def browser_group(item) -> str:
    """The xdist group of a browser test (``--dist loadgroup``: a group runs on one worker).

    Every test on the e2e app server (the ``app_server`` fixture, directly or through ``page``)
    is in group ``"browser"``: one worker, one server. (Two groups would give each worker a
    server of its own, ~20 s of CPU more, and on 2 cores the suite is CPU-bound, not serial.)
    A browser test with no need of that server (a page written to a file, a server of its
    module's own, a benchmark starting its own) is grouped by its module only (its
    module-scoped fixtures are made once), so such modules run on any worker.
    """
    if "app_server" in getattr(item, "fixturenames", ()):
        return "browser"
    return "browser:" + item.nodeid.split("::")[0]


def pytest_runtest_setup(item):
    share_streamlit_component_scan()


def share_streamlit_component_scan() -> bool:
    """Scan the installed packages for Streamlit components once per test process, not per AppTest.

    Each new ``AppTest`` (every ``run_page``) has Streamlit 1.5x-1.6x read the metadata of every
    installed distribution looking for "v2" components (``scan_component_manifests``: about 0.2 CPU s,
    ~400 metadata files), so the AppTest tier spent minutes of CPU finding none. The installed
    packages do not change during a test run, so the first scan's answer is kept and handed out
    (a new list each time); each AppTest still registers what it gets. Applied once AppTest is
    imported (a run with no AppTest imports nothing here); returns whether the scan is shared.
    """
    if "streamlit.testing.v1.app_test" not in sys.modules:
        return False
    try:
        from streamlit.components.v2 import manifest_scanner

        scan = manifest_scanner.scan_component_manifests
    except (ImportError, AttributeError):  # a Streamlit without the scan: nothing to share
        return False
    if getattr(scan, "hotspots_shared", False):
        return True
    found: list = []

    def scan_once(*args, **kwargs):
        if not found:
            found.append(scan(*args, **kwargs))
        return list(found[0])

    scan_once.hotspots_shared = True
    scan_once.unshared = scan
    manifest_scanner.scan_component_manifests = scan_once
    return True


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
