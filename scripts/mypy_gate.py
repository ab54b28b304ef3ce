"""Type-check gate for CI (run by scripts/lint.sh).

Runs mypy with the ``[tool.mypy]`` configuration of pyproject.toml and then:

- fails on ANY error in the strict packages (``hotspots.data``, ``hotspots.methods``,
  ``hotspots.comparison``);
- elsewhere compares the errors with ``mypy-baseline.txt``: an error not in the baseline
  fails, and so does a baseline entry that no longer occurs (the baseline may only shrink,
  and a stale entry would let a new identical error in). Rewrite the baseline with
  ``python scripts/mypy_gate.py --update`` after fixing errors, and commit it.

Errors are compared without line numbers (``path: message [code]``, counted), so an edit
elsewhere in a file does not break the gate.

Usage: python scripts/mypy_gate.py [--update]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "mypy-baseline.txt"
STRICT = ("src/hotspots/data/", "src/hotspots/methods/", "src/hotspots/comparison/")
# "src/x.py:12: error: message  [code]" (mypy may add a column: "src/x.py:12:5: error: ...")
_ERROR = re.compile(r"^(?P<path>[^:\n]+):\d+(?::\d+)?: error: (?P<msg>.*)$")


def normalise(line: str) -> str | None:
    """``path: message [code]`` for an error line of mypy's output, else None."""
    m = _ERROR.match(line.rstrip())
    if m is None:
        return None
    path = m["path"].replace("\\", "/")
    msg = re.sub(r"\bline \d+\b", "line N", m["msg"])  # "defined on line 12"
    return f"{path}: {' '.join(msg.split())}"


def run_mypy() -> tuple[dict[str, list[str]], str]:
    """One mypy run over the configured files: its error lines by normalised error, and the
    mypy version.
    """
    cmd = [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--no-color-output"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # 2: bad configuration or a crash
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"mypy failed to run (exit {proc.returncode})")
    errors: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        key = normalise(line)
        if key is not None:
            errors.setdefault(key, []).append(line)
    version = subprocess.run(
        [sys.executable, "-m", "mypy", "--version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return errors, version


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(x for x in lines if x.strip() and not x.startswith("#"))


def write_baseline(errors: list[str], version: str) -> None:
    header = [
        "# mypy errors tolerated outside hotspots.data / .methods / .compare (those must have none).",
        "# It may only shrink. Regenerate after fixing errors: python scripts/mypy_gate.py --update",
        f"# Recorded with {version}.",
    ]
    BASELINE.write_text("\n".join(header + sorted(errors)) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true", help="rewrite mypy-baseline.txt")
    args = ap.parse_args(argv)

    errors, version = run_mypy()
    strict = [line for key, lines in errors.items() if key.startswith(STRICT) for line in lines]
    rest = [key for key, lines in errors.items() if not key.startswith(STRICT) for _ in lines]
    failed = False
    if strict:
        failed = True
        print(f"mypy: {len(strict)} error(s) in the strict packages (none allowed):")
        print("\n".join(f"  {line}" for line in strict))
    if args.update:
        write_baseline(rest, version)
        print(f"mypy: baseline rewritten, {len(rest)} error(s) outside the strict packages.")
        return int(failed)

    now, base = Counter(rest), read_baseline()
    new, fixed = now - base, base - now
    if new:
        failed = True
        print(f"mypy: {sum(new.values())} new error(s), not in {BASELINE.name}:")
        for key in sorted(new):  # all the lines of that error (which ones are new is unknowable)
            print("\n".join(f"  {line}" for line in errors[key]))
    if fixed:
        failed = True
        print(
            f"mypy: {sum(fixed.values())} error(s) of {BASELINE.name} no longer occur. "
            "Good - now shrink the baseline: python scripts/mypy_gate.py --update",
        )
        print("\n".join(f"  {e}" for e in sorted(fixed.elements())))
    if failed:
        recorded = BASELINE.read_text(encoding="utf-8") if BASELINE.exists() else ""
        if version not in recorded:
            print(f"(the baseline was recorded with another mypy than {version})")
        return 1
    print(f"mypy: strict packages clean; {len(rest)} error(s) elsewhere, as in {BASELINE.name}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
