"""Cost of splitting district-sized hotspots into children, as a ratio per method.

Bundled Jan–Mar 2024, all records, BCP: the median CPU time (``time.process_time``,
steadier than wall time on a shared machine) of ``--repeat`` in-process ``detect()`` runs with :func:`hotspots.methods.hierarchy.add_children` as it is
(baseline: the same detect with the split replaced by the identity, which leaves
the top-level hotspots and adds no children). Prints seconds and the ratio
with / without. Nothing is asserted: machines differ; the ratio is what to watch.

Run: ``python benchmarks/hierarchy.py [--repeat 3]`` (about 30 s); ``--quick`` (what CI
runs): one repeat, DBSCAN and KDE only, one warm-up per method (a few seconds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# benchmarks/hotspots.py would shadow the package when run as a script from here
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


def main() -> None:
    import hotspots as hs
    import hotspots.methods.detect as D

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--methods", default="dbscan,kde,gistar,grid")
    ap.add_argument("--quick", action="store_true", help="1 repeat, dbscan and kde (CI)")
    args = ap.parse_args()
    if args.quick:
        args.repeat, args.methods = 1, "dbscan,kde"
    recs = hs.open_dataset("bundled").records(months=("2024-01", "2024-03"))
    split = D.add_children

    def timed(method: str, warm: bool = True) -> float:
        if warm:
            hs.detect(recs, method)  # warm caches (boundaries, gazetteer)
        runs = []
        for _ in range(args.repeat):
            t = time.process_time()  # CPU time: steadier than wall time on a shared machine
            hs.detect(recs, method)
            runs.append(time.process_time() - t)
        return statistics.median(runs)

    for method in args.methods.split(","):
        with_split = timed(method)
        D.add_children = lambda hot, *a, **k: hot  # baseline: no split
        try:
            # --quick: the caches are warm from the run with the split
            without = timed(method, warm=not args.quick)
        finally:
            D.add_children = split
        print(
            f"{method:7s} one-quarter BCP detect: {without:.2f} CPU s without the split, "
            f"{with_split:.2f} CPU s with it: ratio {with_split / without:.2f}",
        )


if __name__ == "__main__":
    main()
