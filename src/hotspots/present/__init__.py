"""Presentation helpers: folium maps, charts, reports and exports.

* :mod:`hotspots.present.maps`: offline-capable folium maps (vendored Leaflet),
  ``build_map`` and ``clicked_hotspot_id``.
* :mod:`hotspots.present.exports`: GeoJSON, KML, GPX and CSV with parameters and
  disclosure control.
* :mod:`hotspots.present.reports`: one-page ward reports as HTML and PDF.
* :mod:`hotspots.present.tables`: formatted numbers, suppression, display tables.
* :mod:`hotspots.present.palettes`: colour-blind-safe palettes.

Submodules are not imported here, so that importing one does not load folium or fpdf2.
"""
