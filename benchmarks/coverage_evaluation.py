"""Coverage of the evaluation's 95% interval of the relative effect on simulated counts.

For each seed, the simulator's model draws monthly counts in the target, the ring
and the control for Apr-Aug 2021 and Apr-Aug 2022 (the Seasonal Response windows),
with Poisson counts (``dispersion 1``) and with overdispersed counts (the calibrated
``dispersion 2.5``: BCP-level monthly dispersion near 10, ward level near 2.5). The
evaluation's count model (:func:`hotspots.comparison.relative.zone_month_dispersion`
and :func:`relative_effect`) gives the interval of the ratio of rate ratios; the
share of seeds whose interval holds the simulator's true effect is its coverage.
The Poisson-only interval's coverage is printed alongside.

Run: ``python benchmarks/coverage_evaluation.py [--seeds 200]`` (about 30 s); ``--quick``
(what CI runs): 20 seeds, a smoke run (coverage over 20 seeds is a rough figure).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# benchmarks/hotspots.py would shadow the package when run as a script from here
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "n/a"


def main() -> None:
    from hotspots.comparison.calibration import relative_effect_coverage

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="20 seeds: a smoke run (CI)")
    args = ap.parse_args()
    if args.quick:
        args.seeds = 20
    for disp in (1.0, 2.5):
        t = time.perf_counter()
        res = relative_effect_coverage(args.seeds, disp)
        secs = time.perf_counter() - t
        for kind, v in res.items():
            print(
                f"dispersion {disp:g} {kind:5s}: coverage of the 95% interval {v['model']:.1%} "
                f"(reference, the Poisson-only interval: {v['poisson']:.1%}; ratio "
                f"{_ratio(v['model'], v['poisson'])}; median dispersion used "
                f"{v['median_dispersion']:.2f}) over {args.seeds} seeds, {secs:.0f} s",
            )


if __name__ == "__main__":
    main()
