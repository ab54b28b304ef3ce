"""Comparisons between periods and areas, and intervention evaluation.

One statistic family per module (no streamlit, no folium):

* :mod:`~hotspots.compare.windows` month windows, same season across years, baselines, defaults
* :mod:`~hotspots.compare.ratio` the exact rate ratio of two counts (scipy's binomtest)
* :mod:`~hotspots.compare.rates` period-against-period comparisons
* :mod:`~hotspots.compare.wdd` WDD, WDQ and total net effect; :mod:`~hotspots.compare.relative`
  the relative effect and the dispersion of the zone counts; :mod:`~hotspots.compare.zones`
  target, ring and control; :mod:`~hotspots.compare.evaluation` the evaluation that uses them
* :mod:`~hotspots.compare.tables` the partnership's published tables (CSV, Markdown, HTML)
* :mod:`~hotspots.compare.change` Gi* hotspot change and seasonal hotspot classes
* :mod:`~hotspots.compare.sindex` Andresen's spatial point pattern test and S index

Called, the package is the public verb: ``hotspots.compare(dataset, "2019-01:2019-02",
"2024-01:2024-02", area=...)`` is :func:`hotspots.api.compare`.
"""

import sys
import types


class _CallableModule(types.ModuleType):
    """The package is also the public verb ``hotspots.compare(...)`` (:func:`hotspots.api.compare`).

    ``import hotspots as hs; hs.compare(ds, a, b)`` and ``import hotspots.compare.rates`` must
    both work, and importing a submodule binds this package as ``hotspots.compare``: so the
    package itself is callable, and its modules import as before.
    """

    def __call__(self, *args, **kwargs):
        from hotspots.api import compare

        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
