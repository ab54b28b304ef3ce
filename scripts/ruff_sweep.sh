#!/usr/bin/env bash
# Apply the automatic fixes of the ruff rule set chosen in pyproject.toml ([tool.ruff.lint]),
# then format, over every path scripts/lint.sh checks. Idempotent: a second run changes nothing.
#
#   bash scripts/ruff_sweep.sh          # fix and format in place
#   bash scripts/ruff_sweep.sh --check  # change nothing; fail if a sweep would change a file
#
# Safe fixes of the whole chosen set are applied. Unsafe fixes are applied only for the rules
# listed in UNSAFE_OK, each read and judged safe for this code base:
#   RUF022  sort __all__ (the order of names in __all__ has no meaning here)
#   RUF046  int(round(x)) / int(len(x)) -> round(x) / len(x) (already ints)
#   C4      dict()/list() calls to literals, needless comprehensions
#   TC      imports used only in annotations move under `if TYPE_CHECKING:` (every module has
#           `from __future__ import annotations`; nothing reads annotations at run time)
#   ISC004  parentheses around implicitly concatenated strings inside collections
#   RET504  needless assignment before return
#   D301    r-prefix on docstrings holding a backslash
#   RUF028  a `# fmt: skip` where the formatter cannot honour it is removed

# COM812 (trailing commas) and the formatter can each undo the other's layout once, so fixing
# and formatting repeat until nothing changes (two rounds in practice, at most four).
set -euo pipefail
cd "$(dirname "$0")/.."
RUFF=${RUFF:-.venv/bin/ruff}
PATHS=(src tests app_pages app.py overview.py benchmarks scripts)
UNSAFE_OK="RUF022,RUF046,C4,TC,ISC004,RET504,D301,FURB,RUF005,RUF059,RUF007,RUF028"

if [[ "${1:-}" == "--check" ]]; then
    "$RUFF" check --quiet "${PATHS[@]}" >/dev/null || { echo "ruff check finds fixes to make"; exit 1; }
    "$RUFF" format --quiet --check "${PATHS[@]}"
    exit 0
fi

fingerprint() { find "${PATHS[@]}" -name '*.py' -print0 | sort -z | xargs -0 cat | sha256sum; }

before=$(fingerprint)
for round in 1 2 3 4; do
    start=$(fingerprint)
    "$RUFF" check --quiet --fix --exit-zero "${PATHS[@]}" >/dev/null
    "$RUFF" check --quiet --fix --unsafe-fixes --exit-zero --select "$UNSAFE_OK" \
        "${PATHS[@]}" >/dev/null
    "$RUFF" check --quiet --fix --exit-zero --select I "${PATHS[@]}" >/dev/null
    "$RUFF" format --quiet "${PATHS[@]}"
    if [[ "$(fingerprint)" == "$start" ]]; then
        break
    fi
done
if [[ "$(fingerprint)" == "$start" ]]; then
    echo "ruff sweep: stable after $round round(s)"
else
    echo "ruff sweep: still changing after $round rounds" >&2
    exit 1
fi
[[ "$(fingerprint)" == "$before" ]] && echo "ruff sweep: nothing to change" || true
# What the chosen set still finds (must be nothing for scripts/lint.sh to pass); once nothing,
# scripts/lint.sh checks the whole set from now on.
"$RUFF" check --quiet "${PATHS[@]}"
if [[ -e .ruff-sweep-pending ]]; then
    rm .ruff-sweep-pending
    echo "ruff sweep: removed .ruff-sweep-pending; scripts/lint.sh now checks the whole rule set"
fi
