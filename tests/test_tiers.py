"""The test loop itself: the tiers the markers select, and set-up skipped when current (issue 20).

``scripts/test.sh fast`` runs ``-m "not slow and not browser and not apptest"`` on every core;
``tests/conftest.py`` moves the measured slowest tests to the slow tier by id, so an id that no
longer names a test would silently return it to the fast tier: checked here against the source.
"""

from __future__ import annotations

import ast
import os
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _slow_by_measurement() -> set[str]:
    """``SLOW_BY_MEASUREMENT`` of tests/conftest.py, read from its source (several modules are
    called ``conftest``; importing one by that name may give another).
    """
    tree = ast.parse((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SLOW_BY_MEASUREMENT" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError("tests/conftest.py has no SLOW_BY_MEASUREMENT")


def _defined(path: Path) -> set[str]:
    """``name`` and ``Class::name`` of every test function in a test file."""
    out: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            out.add(node.name)
        elif isinstance(node, ast.ClassDef):
            out |= {f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return out


def test_every_test_moved_to_the_slow_tier_by_id_exists():
    ids = _slow_by_measurement()
    assert ids
    for node_id in sorted(ids):
        file, _, name = node_id.partition("::")
        assert (ROOT / file).is_file(), node_id
        assert name in _defined(ROOT / file), node_id


def test_tier_markers_are_registered_and_the_fast_tier_excludes_them():
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "pytest"
    ]["ini_options"]["markers"]
    names = {m.split(":")[0] for m in markers}
    assert {"browser", "slow", "apptest"} <= names
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert '-m "not slow and not browser and not apptest"' in script
    assert "--dist loadgroup" in script


def test_setup_is_skipped_when_the_environment_is_current(tmp_path):
    """With the stamp matching pyproject.toml, set-up neither finds nor runs an installer."""
    stamp = ROOT / ".venv" / ".hotspots-setup-stamp"
    if not stamp.is_file() or not stamp.read_text().strip().endswith("[test]"):
        import pytest

        pytest.skip("the environment was not made by scripts/setup.sh test")
    import shutil

    for tool in ("sha256sum", "cut", "cat", "dirname"):  # the shell tools, and no uv or python
        (tmp_path / tool).symlink_to(shutil.which(tool))
    env = {**os.environ, "PATH": str(tmp_path), "PYTHON": str(tmp_path / "no-python")}
    env.pop("HOTSPOTS_SETUP_FORCE", None)
    out = subprocess.run(
        ["/bin/bash", str(ROOT / "scripts" / "setup.sh"), "test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr  # no uv nor python on PATH: only the stamp was read
    assert out.stdout == "" and out.stderr == ""


def test_browser_tests_on_the_app_server_share_one_group_the_others_go_by_module():
    """Under ``--dist loadgroup`` one xdist group runs on one worker: the tests on the e2e app
    server (``app_server``, directly or through ``page``) share one group, so one server; any
    other browser test is grouped with its own module only, so those modules spread over the
    workers.
    """
    import importlib.util
    import inspect
    from types import SimpleNamespace

    def load(name: str, path: Path):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    root = load("tests_root_conftest", ROOT / "tests" / "conftest.py")

    def item(nodeid: str, *fixtures: str):
        return SimpleNamespace(nodeid=nodeid, fixturenames=list(fixtures))

    group = root.browser_group
    assert group(item("tests/e2e/test_axe.py::test_page[data]", "page", "app_server")) == "browser"
    assert group(item("tests/e2e/test_browser.py::test_x", "app_server")) == "browser"
    auth = item("tests/e2e/test_auth.py::test_viewer", "browser", "auth_server")
    assert group(auth) == "browser:tests/e2e/test_auth.py"
    smoke = item("tests/test_browser_benchmarks_smoke.py::test_load")
    assert group(smoke) == "browser:tests/test_browser_benchmarks_smoke.py"
    # the e2e ``page`` fixture is opened on the app server (so its tests join that group)
    e2e = (ROOT / "tests" / "e2e" / "conftest.py").read_text(encoding="utf-8")
    assert "def page(browser, app_server, page_log):" in e2e
    assert "xdist_group(browser_group(item))" in inspect.getsource(root)


def test_the_group_reaches_xdists_scheduler_as_the_node_id_suffix():
    """pytest-xdist's ``--dist loadgroup`` groups by an ``@group`` suffix of the node id, which
    its worker writes into ``item._nodeid``; pytest 9.2 reads the id from ``item._id`` instead
    (pytest-xdist issue #1386), so ``put_in_group`` writes it there: xdist's own scheduler then
    finds the group, and an id already carrying one is left alone.
    """
    import importlib.util

    import pytest

    nodeid_module = pytest.importorskip("_pytest.nodeid")  # pytest >= 9.2
    from xdist.scheduler.loadgroup import LoadGroupScheduling

    spec = importlib.util.spec_from_file_location(
        "tests_root_conftest",
        ROOT / "tests" / "conftest.py",
    )
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)

    class Item:
        def __init__(self, nodeid: str) -> None:
            self._id = nodeid_module.NodeId.parse(nodeid)

        @property
        def nodeid(self) -> str:
            return str(self._id)

    split = LoadGroupScheduling._split_scope
    for nodeid in ("tests/e2e/test_axe.py::test_page[data]", "tests/e2e/test_browser.py::test_x"):
        item = Item(nodeid)
        assert split(None, item.nodeid) == item.nodeid  # no group: a unit of its own
        root.put_in_group(item, "browser")
        assert item.nodeid == f"{nodeid}@browser"
        assert split(None, item.nodeid) == "browser"
        root.put_in_group(item, "browser")  # applied once only
        assert item.nodeid == f"{nodeid}@browser"
    item = Item("tests/present/test_patrol_sheet_browser.py::test_sheet[10]")
    root.put_in_group(item, "browser:tests/present/test_patrol_sheet_browser.py")
    assert split(None, item.nodeid) == "browser:tests/present/test_patrol_sheet_browser.py"


def test_apptests_share_one_scan_for_streamlit_components(monkeypatch):
    """Every new AppTest had Streamlit scan all installed packages for components (~0.2 CPU s);
    ``share_streamlit_component_scan`` keeps the first scan's answer for the test process: a
    second and third AppTest read no package metadata, and the answer is the unshared scan's.
    """
    import importlib.metadata
    import importlib.util

    from streamlit.testing.v1 import AppTest

    spec = importlib.util.spec_from_file_location(
        "tests_root_conftest",
        ROOT / "tests" / "conftest.py",
    )
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    assert root.share_streamlit_component_scan()  # AppTest is imported: the scan is shared
    from streamlit.components.v2 import manifest_scanner

    shared = manifest_scanner.scan_component_manifests
    assert shared.hotspots_shared

    def names(found):
        return sorted((m.name, str(p)) for m, p in found)

    assert names(shared()) == names(shared.unshared())
    scans: list[int] = []
    real = importlib.metadata.distributions
    monkeypatch.setattr(
        importlib.metadata,
        "distributions",
        lambda *a, **k: scans.append(1) or real(*a, **k),
    )

    def page():
        import streamlit as st

        st.write("x")

    AppTest.from_function(page).run()
    first = len(scans)  # 0, or 1 if no AppTest ran in this process before
    for _ in range(2):
        at = AppTest.from_function(page)
        at.run()
        assert not at.exception and at.markdown[0].value == "x"
    assert len(scans) == first <= 1
