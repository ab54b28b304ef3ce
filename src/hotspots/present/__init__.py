"""Presentation helpers: folium maps, charts, reports and exports.

* :mod:`hotspots.present.maps`: offline-capable folium maps (vendored Leaflet),
  ``build_map`` and ``clicked_hotspot_id``.
* :mod:`hotspots.present.exports`: GeoJSON, KML, GPX and CSV with parameters and
  disclosure control.
  The formats live in :mod:`~hotspots.present.export_xml` (KML, GPX) and
  :mod:`~hotspots.present.export_csv`, their shared preparation in
  :mod:`~hotspots.present.export_prep`.
* :mod:`hotspots.present.reports`: one-page ward reports as HTML and PDF (figures
  from :mod:`hotspots.comparison.figures`).
* :mod:`hotspots.present.chart`: one chart model drawn as SVG and as PDF;
  :mod:`hotspots.present.pdf_text`: PDF fonts and transliteration.
* :mod:`hotspots.present.pack`: the PCG pack's contents, drawn by
  :mod:`~hotspots.present.pack_html` and :mod:`~hotspots.present.pack_pdf` with
  :mod:`~hotspots.present.pack_draw`.
* :mod:`hotspots.present.views`: what each page computes, with the shared
  :mod:`~hotspots.present.filters`.
* :mod:`hotspots.present.tables`: formatted numbers, suppression, display tables.
* :mod:`hotspots.present.palettes`: colour-blind-safe palettes.

Submodules are not imported here, so that importing one does not load folium or fpdf2.
"""
