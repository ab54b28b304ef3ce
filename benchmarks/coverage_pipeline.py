"""Coverage of the evaluation's 95% intervals measured through the whole pipeline.

Each seed runs simulate -> police.uk CSVs -> import into a fresh store -> evaluate the
Seasonal Response 2022 (:func:`hotspots.comparison.calibration.pipeline_coverage`), with
overdispersed counts (the calibrated dispersion 2.5) and with Poisson counts, at a
fifth of BCP's volumes (fewer records per seed; the same model). It prints the share
of seeds whose 95% interval holds the simulator's truth, for crime and ASB, for the
relative effect and the control-scaled WDD, and the Poisson-only interval's coverage.
Unlike ``benchmarks/coverage_evaluation.py`` (zone counts drawn from the model
directly), this measures what a user gets: file writing, import, zones drawn from the
boundaries, the evaluation's own count model.

Run: ``python benchmarks/coverage_pipeline.py [--seeds 200] [--quick]`` (about 5 s a
seed and dispersion on a quiet core; ``--quick``, what CI runs, is a smoke run of 2 seeds
at the calibrated dispersion, about 10 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# benchmarks/hotspots.py would shadow the package when run as a script from here
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


def main() -> None:
    from hotspots.comparison.calibration import pipeline_coverage
    from hotspots.data.simulate import CALIBRATED_DISPERSION

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="2 seeds, calibrated dispersion: a smoke run (CI)",
    )
    ap.add_argument("--verbose", action="store_true", help="print every seed's result")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=0.2, help="volume multiplier (default 0.2)")
    ap.add_argument(
        "--dispersion", type=float, nargs="*", default=[CALIBRATED_DISPERSION, 1.0],
        help="dispersions to run (default: the calibrated 2.5, then Poisson 1)",
    )  # fmt: skip
    args = ap.parse_args()
    n = 2 if args.quick else args.seeds
    dispersions = [CALIBRATED_DISPERSION] if args.quick else args.dispersion
    for disp in dispersions:
        t = time.perf_counter()

        def show(row: dict, disp: float = disp) -> None:
            if args.verbose:
                print(f"  dispersion {disp:g} {row}", flush=True)

        res = pipeline_coverage(n, disp, args.first_seed, scale=args.scale, progress=show)
        secs = time.perf_counter() - t
        for kind in ("crime", "asb"):
            v = res[kind]
            print(
                f"dispersion {disp:g} {kind:5s}: 95% interval coverage over {n} seeds, end to end: "
                f"relative effect {v['relative']:.1%}, control-scaled WDD {v['wdd']:.1%} "
                f"(reference, the Poisson-only interval of the relative effect {v['poisson']:.1%}: "
                f"ratio {v['relative'] / v['poisson'] if v['poisson'] else float('nan'):.2f}; median "
                f"dispersion used {v['median_dispersion']:.2f}); {secs:.0f} s",
                flush=True,
            )
        missed = [r for r in res["rows"] if not r["covered"]]
        for r in missed[:10]:
            print(
                f"  missed: seed {r['seed']} {r['kind']}: {r['effect_pct']:+.1f}% "
                f"({r['ci'][0]:+.1f}% to {r['ci'][1]:+.1f}%) for a true {r['true_pct']:+.2f}% "
                f"(dispersion {r['dispersion']:.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
