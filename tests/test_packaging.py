"""Packaging: what the wheel ships and what the core install needs.

The real check is ``scripts/check-wheel.sh`` (builds the wheel, installs it without extras into a
fresh venv, runs the CLI from another folder); these tests catch the same mistakes in seconds.
"""

from __future__ import annotations

import ast
import glob
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hotspots.commands import _extras
from hotspots.commands._extras import require_app_extras
from hotspots.errors import HotspotsError

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "hotspots"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
APP_ONLY = {"streamlit", "streamlit-folium", "folium", "fpdf2", "pillow", "altair", "authlib"}
# import name -> distribution name where they differ
DIST = {
    "sklearn": "scikit-learn",
    "fpdf": "fpdf2",
    "PIL": "pillow",
    "streamlit_folium": "streamlit-folium",
}


def _names(reqs: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.\-]+", r).group(0).lower() for r in reqs}


def test_every_bundled_file_matches_a_package_data_glob():
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["hotspots"]
    shipped = {
        Path(p)
        for g in globs
        for p in glob.glob(g, root_dir=PKG, recursive=True)
        if (PKG / p).is_file()
    }
    bundled = {
        p.relative_to(PKG)
        for folder in ("geodata", "static")
        for p in (PKG / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert len(bundled) > 30
    assert not bundled - shipped, f"not in the wheel: {sorted(map(str, bundled - shipped))}"
    assert Path("py.typed") in shipped
    assert {p.name for p in shipped if p.parent == Path("geodata/police_uk")} >= {
        "2018-10-dorset-street.csv",
        "2024-03-dorset-street.csv",
    }


def _third_party_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return {m for m in out if m not in sys.stdlib_module_names and m != "hotspots"}


def test_library_imports_are_core_dependencies_and_the_core_has_no_app():
    core = _names(PYPROJECT["project"]["dependencies"])
    app = _names(PYPROJECT["project"]["optional-dependencies"]["app"])
    assert not core & APP_ONLY, f"app libraries in the core: {sorted(core & APP_ONLY)}"
    assert app >= APP_ONLY
    for path in PKG.rglob("*.py"):
        layer = path.relative_to(PKG).parts[0]
        needs = {DIST.get(m, m).lower().replace("_", "-") for m in _third_party_imports(path)}
        allowed = core | app if layer in ("present", "ui") else core
        assert needs <= allowed, f"{path.relative_to(ROOT)} imports {sorted(needs - allowed)}"


def test_test_extra_brings_the_app():
    assert "hotspots[app]" in PYPROJECT["project"]["optional-dependencies"]["test"]


@pytest.mark.slow  # spawns a process / runs long: slow tier (scripts/test.sh fast skips it)
def test_import_and_every_cli_command_load_no_app_library():
    code = (
        "import sys, hotspots, hotspots.cli\n"
        "for name in hotspots.cli.COMMANDS: hotspots.cli.build_parser(name)\n"
        "print(sorted(m for m in ('streamlit', 'folium', 'streamlit_folium', 'fpdf', 'altair', "
        "'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_missing_app_extra_names_the_install_command(monkeypatch):
    require_app_extras("json")  # importable: nothing happens
    monkeypatch.setitem(_extras.APP_MODULES, "no_such_module_xyz", "fpdf2")
    with pytest.raises(HotspotsError, match=r"pip install hotspots\[app\].*fpdf2 not installed"):
        require_app_extras("no_such_module_xyz")
