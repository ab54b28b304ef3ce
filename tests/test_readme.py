"""The README's "Use from Python" section runs as written (so it cannot drift from the API)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_section_code() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Use from Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) >= 3, "the section shows opening, detecting, comparing and ingesting"
    return "\n".join(blocks)


def test_section_uses_every_public_name():
    import hotspots

    code = python_section_code()
    for name in hotspots.__all__:
        assert f"hs.{name}(" in code


@pytest.mark.slow  # spawns a process / runs long: slow tier (scripts/test.sh fast skips it)
def test_use_from_python_runs(tmp_path):
    code = python_section_code()
    env = {**os.environ, "HOTSPOTS_STORE": os.environ["HOTSPOTS_STORE"]}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,  # not the checkout: the package finds its own data
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    # what the blocks print: the bundled months, a table with the fixed columns, a reconciled import
    assert "2024-03" in out.stdout
    assert "hotspot_id" in out.stdout and "pai" in out.stdout
    assert "Anti-social behaviour" in out.stdout
    assert re.search(r"^\d+ \d+ \d+ \d+$", out.stdout, flags=re.MULTILINE)
