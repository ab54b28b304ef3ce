"""Comparisons between periods and areas, and intervention evaluation.

One statistic family per module (no streamlit, no folium):

* :mod:`~hotspots.comparison.windows` month windows, same season across years, baselines, defaults
* :mod:`~hotspots.comparison.ratio` the exact rate ratio of two counts (scipy's binomtest)
* :mod:`~hotspots.comparison.rates` period-against-period comparisons
* :mod:`~hotspots.comparison.wdd` WDD, WDQ and total net effect;
  :mod:`~hotspots.comparison.relative` the relative effect and the dispersion of the zone counts;
  :mod:`~hotspots.comparison.zones` target, ring and control;
  :mod:`~hotspots.comparison.evaluation` the evaluation that uses them
* :mod:`~hotspots.comparison.tables` the partnership's published tables (CSV, Markdown, HTML)
* :mod:`~hotspots.comparison.change` Gi* hotspot change and seasonal hotspot classes
* :mod:`~hotspots.comparison.sindex` Andresen's spatial point pattern test and S index

The public verb is :func:`hotspots.api.compare` (``hotspots.compare(dataset, "2019-01:2019-02",
"2024-01:2024-02", area=...)``), a plain function: this package was called ``hotspots.compare``
and made callable until the name clash hid its signature and types (issue 20).
"""
