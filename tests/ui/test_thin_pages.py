"""Pages are thin (issue 20): under 150 lines, with their logic in a view-model in
``hotspots.present`` that the tests in tests/present/ cover without Streamlit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# page file -> its view-model module (add a page here once it is thin)
THIN = {
    "app_pages/2_Seasonal_comparison.py": "hotspots.present.seasonal_page",
    "app_pages/3_Ward_view.py": "hotspots.present.ward_page",
    "app_pages/4_Patrol_planning.py": "hotspots.present.patrol_page",
    "app_pages/5_Data.py": "hotspots.present.data_page",
}
MAX_LINES = 150


@pytest.mark.parametrize(("page", "model"), THIN.items())
def test_page_is_thin_and_renders_its_view_model(page, model):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert len(text.splitlines()) < MAX_LINES, page
    tree = ast.parse(text)
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert model in imported, page
    # no function of its own longer than a few lines: logic lives in the view-model
    for f in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        assert f.end_lineno - f.lineno < 10, (page, f.name)
    tests = ROOT / "tests" / "present" / f"test_{model.rsplit('.', 1)[1]}.py"
    assert tests.exists(), tests
