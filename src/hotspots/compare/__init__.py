"""Comparisons between periods and areas, and intervention evaluation.

One statistic family per module (no streamlit, no folium):

* :mod:`~hotspots.compare.windows` month windows, same season across years, baselines, defaults
* :mod:`~hotspots.compare.rates` exact rate-ratio intervals and period comparisons
* :mod:`~hotspots.compare.evaluation` target / ring / control: WDD, WDQ, net effect
* :mod:`~hotspots.compare.tables` the partnership's published tables (CSV, Markdown, HTML)
* :mod:`~hotspots.compare.change` Gi* hotspot change and seasonal hotspot classes
* :mod:`~hotspots.compare.sindex` Andresen's spatial point pattern test and S index
"""
