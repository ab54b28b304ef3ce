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
"""
