"""Plain-English wording of changes, intervals and counts, for a councillor.

"Crime fell by about a quarter (between 14% and 32%) compared with the rest of
BCP; this is unlikely to be chance." One place decides how a percentage, its
interval and its significance are said, so every page and export agrees.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["about", "between", "chance", "fewer_more", "json_number", "pct", "sig_round"]

# (fraction, words) used when a change is within 1.5 points of the fraction
_FRACTIONS = (
    (10.0, "a tenth"),
    (20.0, "a fifth"),
    (25.0, "a quarter"),
    (100.0 / 3, "a third"),
    (50.0, "half"),
    (200.0 / 3, "two thirds"),
    (75.0, "three quarters"),
)


def pct(v: float, signed: bool = True) -> str:
    """Round a percentage for people: ``-24%``, ``+3%``, ``-0.4%``; ``n/a`` when not finite."""
    if not math.isfinite(v):
        return "n/a"
    digits = 1 if abs(v) < 0.95 else 0
    v = round(v, digits)
    if v == 0:
        return "0%"
    return f"{v:+.{digits}f}%" if signed else f"{abs(v):.{digits}f}%"


def about(change_pct: float) -> str:
    """Size of a change in words: ``about a quarter``, ``about 12%``, ``more than doubled``."""
    if not math.isfinite(change_pct):
        return "by an amount that cannot be given"
    a = abs(change_pct)
    if change_pct >= 100:
        times = 1 + change_pct / 100
        return f"about {times:.1f} times over" if times < 10 else f"about {times:.0f} times over"
    for value, words in _FRACTIONS:
        if abs(a - value) <= 1.5:
            return f"about {words}"
    return f"about {pct(a, signed=False)}"


def _a(p: str) -> str:
    """Return the article as the number is said: ``a 4%`` / ``an 8%`` / ``an 11%`` / ``an 89%``."""
    return (
        "an"
        if p.startswith("8")
        or p.split("%", maxsplit=1)[0].split(".", maxsplit=1)[0] in ("11", "18")
        else "a"
    )


def between(lo: float, hi: float) -> str:
    """Return the interval of a percentage change in words, signs said as falls and rises."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        if math.isfinite(lo):
            p = pct(lo, False)
            return f"anything above {_a(p)} {p} {'fall' if lo < 0 else 'rise'}"
        return "too uncertain to give"
    if hi < 0:
        return f"a fall of between {pct(-hi, False)} and {pct(-lo, False)}"
    if lo > 0:
        return f"a rise of between {pct(lo, False)} and {pct(hi, False)}"
    f, r = pct(-lo, False), pct(hi, False)
    return f"anywhere from {_a(f)} {f} fall to {_a(r)} {r} rise"


def chance(excludes_no_change: bool) -> str:
    """Say whether a change could be chance, from whether its interval excludes no change."""
    return (
        "this is unlikely to be chance"
        if excludes_no_change
        else "this could be chance variation (the interval includes no change)"
    )


#: Below this many records before, a change is given as two counts ("from 1 to 17
#: records"), never as a percentage; so is any rise over :data:`COUNTS_ABOVE_PCT` percent.
COUNTS_BELOW = 5
COUNTS_ABOVE_PCT = 300.0

#: What a reading says when the verdict turns on the dispersion's own uncertainty.
DEPENDS = (
    "whether this could be chance depends on how variable counts are (the interval excludes "
    "no change at the low end of the dispersion's 95% range, not at the high end)"
)


def verdict(excludes_no_change: bool, depends_on_dispersion: bool = False) -> str:
    """:func:`chance`, or :data:`DEPENDS` when the verdict turns on the dispersion."""
    return DEPENDS if depends_on_dispersion else chance(excludes_no_change)


def fewer_more(n: float) -> str:
    """``263 fewer`` / ``40 more`` / ``no more and no fewer``."""
    if not math.isfinite(n):
        return "an unknown number of"
    r = round(abs(n))
    if r == 0:
        return "no more and no fewer"
    return f"{r:,} {'fewer' if n < 0 else 'more'}"


def sig_round(v: object, digits: int = 3):
    """Round a float to ``digits`` significant figures (p-values, ratios); others unchanged."""
    if isinstance(v, bool) or not isinstance(v, float) or not math.isfinite(v) or v == 0:
        return v
    return round(v, max(0, digits - 1 - math.floor(math.log10(abs(v)))))


def json_number(v: object) -> float | None:
    """JSON/CSV-safe number to 4 significant figures; NaN and infinities become None."""
    if isinstance(v, numbers.Real) and math.isfinite(v):
        return sig_round(float(v), 4)
    return None
