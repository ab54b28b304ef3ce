"""The ruff rule set in pyproject.toml is written down and stays honest (issue 20).

Each allowed confusable is really used in the package's text, every per-file ignore names files
that exist, and the sweep script only applies unsafe fixes for rules the set selects.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
SWEEP = (ROOT / "scripts" / "ruff_sweep.sh").read_text(encoding="utf-8")


def _selected(code: str) -> bool:
    """True when ``code`` (or the family it names) falls under a selected prefix."""
    return any(code.startswith(sel) for sel in LINT["select"])


def test_numpy_docstrings_and_a_documented_choice():
    assert LINT["pydocstyle"]["convention"] == "numpy"
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("[tool.ruff.lint]") : text.index("[tool.ruff.lint.pydocstyle]")]
    # every family off has a reason written beside it
    for family in ("ANN", "CPY", "E501", "EM", "PLR", "N812"):
        assert re.search(rf"#\s+{family}\b", block), family


def test_each_allowed_confusable_is_used_in_the_package():
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    for ch in LINT["allowed-confusables"]:
        assert ch in text, f"{ch!r} is allowed but not used: drop it from allowed-confusables"


def test_per_file_ignores_name_existing_files():
    for pattern in LINT["per-file-ignores"]:
        assert list(ROOT.glob(pattern)), f"per-file-ignores: {pattern} matches no file"


def test_the_sweep_fixes_only_selected_rules_unsafely():
    unsafe = re.search(r'^UNSAFE_OK="([^"]+)"', SWEEP, re.MULTILINE)
    assert unsafe, "scripts/ruff_sweep.sh lists its unsafe fixes in UNSAFE_OK"
    codes = unsafe.group(1).split(",")
    assert codes and all(_selected(c) for c in codes), [c for c in codes if not _selected(c)]
    # the sweep covers what scripts/lint.sh checks
    lint_sh = (ROOT / "scripts" / "lint.sh").read_text(encoding="utf-8")
    paths = re.search(r"PYTHON_PATHS=\(([^)]*)\)", lint_sh).group(1).split()
    sweep_paths = re.search(r"PATHS=\(([^)]*)\)", SWEEP).group(1).split()
    assert set(paths) == set(sweep_paths)


def _raised_first_arguments() -> list[tuple[str, str]]:
    """(exception name, first string argument) of every ``raise X("...")`` in the package."""
    import ast

    found = []
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = node.exc if isinstance(node, ast.Raise) else None
            if not (isinstance(call, ast.Call) and call.args):
                continue
            first = call.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(
                    (getattr(call.func, "id", getattr(call.func, "attr", "")), first.value),
                )
    return found


def test_errmsg_length_lets_through_only_inputerror_parameter_names():
    # flake8-errmsg.max-string-length exempts short literals from EM101; the only short first
    # arguments must be InputError's parameter names, so no real message goes unflagged.
    limit = LINT["flake8-errmsg"]["max-string-length"]
    raised = _raised_first_arguments()
    names = [s for exc, s in raised if exc == "InputError"]
    assert names and max(map(len, names)) < limit
    short = [(exc, s) for exc, s in raised if len(s) < limit]
    assert all(exc == "InputError" for exc, _ in short), [x for x in short if x[0] != "InputError"]


def test_only_the_schema_alias_is_exempt_from_naming():
    assert LINT["pep8-naming"]["extend-ignore-names"] == ["S"]
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    assert "from hotspots.data import schema as S\n" in text
